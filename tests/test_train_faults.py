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


def check_kills(tmp_path, reference, kills, seed):
    """Start (or resume) a run and kill it at a random moment, again and again, until ``kills``
    kills have landed on a live process. A run that gets to its end before its signal comes is
    compared with the uninterrupted one, and the next kills go to a new run; the last run is
    resumed to its end and compared too."""
    whole, duration = reference
    rng = np.random.default_rng(seed)
    landed, finished, out = {signal.SIGKILL: 0, signal.SIGTERM: 0}, 0, None
    while sum(landed.values()) < kills:
        if out is None:
            out = str(tmp_path / f"run{finished}")
        pid = train_in_child(out, resume=os.path.exists(os.path.join(out, "checkpoint.npz")))
        sig = signal.SIGKILL if rng.random() < 0.5 else signal.SIGTERM
        # a third of the kills aim at the first tenth of a run: setting up, resuming, the first checkpoint
        time.sleep(rng.uniform(0, duration * (0.1 if rng.random() < 1 / 3 else 1.0)))
        os.kill(pid, sig)
        code, by = wait(pid)
        assert code in (0, 130, None) and by in (None, signal.SIGKILL, signal.SIGTERM), (code, by)
        if code == 0 and by is None:      # it had finished before the signal came
            assert_same_run(out, whole)
            finished, out = finished + 1, None
        else:
            landed[sig] += 1
    if out is not None:
        run_to_end(out)
        assert_same_run(out, whole)
        finished += 1
    counts = {sig.name: n for sig, n in landed.items()}
    assert min(counts.values()) > 0, counts
    print(f"\n{kills} kills landed ({counts}) on {finished} runs, each equal to the uninterrupted run")
    return counts


def test_thirty_random_kills_lose_nothing(tmp_path, reference):
    check_kills(tmp_path, reference, kills=30, seed=0)


@pytest.mark.slow
def test_two_hundred_random_kills_lose_nothing(tmp_path, reference):
    check_kills(tmp_path, reference, kills=200, seed=1)
