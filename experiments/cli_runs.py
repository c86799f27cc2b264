"""What several studies share: train and evaluate a preset as a user does, from the command line.

Each study script puts this folder on its path (``sys.path``) and imports ``train_and_evaluate``.
"""
import json
import os
import subprocess
import sys
import time


def train_and_evaluate(preset, seed, workdir, train_args=(), evaluate_args=(), threads=None):
    """``minigan train --preset P --seed S`` into workdir/P-S, then ``minigan evaluate --json`` on its
    checkpoint, both as a user runs them (fresh processes). Returns the evaluation, with the training
    run's wall time (pictures included) and the load average just before it."""
    out = os.path.join(workdir, f"{preset}-{seed}")
    env = dict(os.environ)
    if threads:
        env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    load = os.getloadavg()[0]
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "minigan.cli", "train", "--preset", preset, "--seed", str(seed),
                    "--out", out, "--no-progress", *train_args], check=True, env=env, capture_output=True)
    seconds = time.perf_counter() - start
    done = subprocess.run([sys.executable, "-m", "minigan.cli", "evaluate", "--checkpoint",
                           os.path.join(out, "checkpoint.npz"), "--json", *evaluate_args], check=True, env=env,
                          capture_output=True, text=True)
    return {"preset": preset, "seed": seed, "seconds": seconds, "load_before": load, "out": out,
            **json.loads(done.stdout)}
