"""Fault injection: a training run killed at random moments (SIGKILL, or SIGTERM, which saves and
stops) and resumed, again and again, ends with the very weights and metrics.csv of a run that was
never interrupted.

Each run is a forked child of the test process: no interpreter start-up, so a kill costs a few
milliseconds, and the moments drawn cover every phase (setting up, stepping, writing the
checkpoint or metrics.csv, finishing, resuming). The children draw no pictures (matplotlib would
take most of their time); the samples a picture shows are still drawn, so the random stream is
the one a real run uses.
"""
import os
import signal
import time

import numpy as np
import pytest

from minigan import checkpoint, snapshots
from minigan.train import Run

STEPS, EVERY, FRAMES, SEED = 60, 4, 3, 5


class NoPictures:
    """Stands in for minigan.viz in the children: every drawing function does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def train_in_child(out, resume):
    """Start ``minigan train`` of the small preset in a forked child; return its pid."""
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:   # the child: quiet, and it never returns into pytest
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1), os.dup2(devnull, 2)
        snapshots.viz = NoPictures()
        Run("ring8", out=out, steps=None if resume else STEPS, seed=SEED, resume=resume, checkpoint_every=EVERY,
            frames=FRAMES, progress=False, log=lambda msg: None).train()
        status = 0
    except KeyboardInterrupt:
        status = 130
    finally:
        os._exit(status)


def wait(pid):
    """(exit status, or None when a signal ended it; the signal, or None)."""
    _, status = os.waitpid(pid, 0)
    return ((os.WEXITSTATUS(status), None) if os.WIFEXITED(status) else (None, os.WTERMSIG(status)))


def run_to_end(out):
    code, sig = wait(train_in_child(out, resume=os.path.exists(os.path.join(out, "checkpoint.npz"))))
    assert (code, sig) == (0, None), f"a run in {out} ended with status {code}, signal {sig}"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One uninterrupted run (its folder), and how long a run takes here (seconds)."""
    out = str(tmp_path_factory.mktemp("faults") / "whole")
    t0 = time.perf_counter()
    run_to_end(out)
    return out, time.perf_counter() - t0


def assert_same_run(out, whole):
    with open(os.path.join(out, "metrics.csv"), "rb") as a, open(os.path.join(whole, "metrics.csv"), "rb") as b:
        assert a.read() == b.read(), "metrics.csv differs from the uninterrupted run's"
    arrays, header = checkpoint.load(os.path.join(out, "checkpoint.npz"))
    want_arrays, want_header = checkpoint.load(os.path.join(whole, "checkpoint.npz"))
    assert header == want_header
    assert arrays.keys() == want_arrays.keys()
    for key, want in want_arrays.items():
        got = arrays[key]
        assert (got.dtype, got.shape) == (want.dtype, want.shape) and got.tobytes() == want.tobytes(), key
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")], "a temporary file was left behind"


def kill_and_resume(out, kills, duration, rng):
    """Start (or resume) the run and kill it at a random moment, until ``kills`` kills have landed on
    a live run; then resume to the end. Returns how many kills each signal made."""
    landed = {signal.SIGKILL: 0, signal.SIGTERM: 0}
    while sum(landed.values()) < kills:
        pid = train_in_child(out, resume=os.path.exists(os.path.join(out, "checkpoint.npz")))
        sig = signal.SIGKILL if rng.random() < 0.5 else signal.SIGTERM
        time.sleep(rng.uniform(0, duration))
        os.kill(pid, sig)
        code, by = wait(pid)
        assert code in (0, 130, None) and by in (None, signal.SIGKILL, signal.SIGTERM), (code, by)
        if not (code == 0 and by is None):      # 0: it had finished before the signal came
            landed[sig] += 1
    run_to_end(out)
    return landed


def check_kills(tmp_path, reference, chains, kills_per_chain, seed):
    whole, duration = reference
    rng = np.random.default_rng(seed)
    landed = []
    for chain in range(chains):
        out = str(tmp_path / f"killed{chain}")
        # a third of the kills aim at the first tenth of a run: setting up and the first checkpoint
        span = duration * (0.1 if chain % 3 == 2 else 1.0)
        landed.append(kill_and_resume(out, kills_per_chain, span, rng))
        assert_same_run(out, whole)
    counts = {sig.name: sum(c[sig] for c in landed) for sig in (signal.SIGKILL, signal.SIGTERM)}
    assert sum(counts.values()) == chains * kills_per_chain and min(counts.values()) > 0, counts
    return counts


def test_thirty_random_kills_lose_nothing(tmp_path, reference):
    check_kills(tmp_path, reference, chains=3, kills_per_chain=10, seed=0)


@pytest.mark.slow
def test_two_hundred_random_kills_lose_nothing(tmp_path, reference):
    check_kills(tmp_path, reference, chains=10, kills_per_chain=20, seed=1)
