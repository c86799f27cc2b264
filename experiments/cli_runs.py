"""What several studies share: train and evaluate a preset as a user does, from the command line.

Each study script puts this folder on its path (``sys.path``) and imports ``train`` or ``train_and_evaluate``.
"""
import json
import os
import subprocess
import sys
import time


def train(preset, seed, workdir, train_args=(), threads=None):
    """``minigan train --preset P --seed S`` into workdir/P-S as a user runs it (a fresh process).
    Returns the run folder, the wall time (start-up and pictures included) and the load average just
    before it."""
    out = os.path.join(workdir, f"{preset}-{seed}")
    load = os.getloadavg()[0]
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "minigan.cli", "train", "--preset", preset, "--seed", str(seed),
                    "--out", out, "--no-progress", *train_args], check=True, env=_env(threads), capture_output=True)
    return out, time.perf_counter() - start, load


def train_and_evaluate(preset, seed, workdir, train_args=(), evaluate_args=(), threads=None):
    """``train``, then ``minigan evaluate --json`` on its checkpoint. Returns the evaluation, with the
    training run's wall time and the load average just before it."""
    out, seconds, load = train(preset, seed, workdir, train_args, threads)
    done = subprocess.run([sys.executable, "-m", "minigan.cli", "evaluate", "--checkpoint",
                           os.path.join(out, "checkpoint.npz"), "--json", *evaluate_args], check=True,
                          env=_env(threads), capture_output=True, text=True)
    return {"preset": preset, "seed": seed, "seconds": seconds, "load_before": load, "out": out,
            **json.loads(done.stdout)}


def _env(threads):
    env = dict(os.environ)
    if threads:
        env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    return env
