"""Time one whole training step of the seed DCGAN on NumPy, CuPy and PyTorch, in one run.

    python benchmarks/bench_train_step.py [--quick] [--batch-sizes 16,64,256] [--backends numpy,cupy] [--out DIR]
    minigan bench [the same flags]

The same command as ``minigan bench``: the code lives in the package (minigan/bench/), so that an
installed minigan can run it too. A full run from this checkout writes
benchmarks/results/bench_train_step.{json,md,png}; a --quick run writes a new temporary folder,
and --out names any other folder. How the clock is read: minigan/bench/timing.py.
"""
import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if __name__ == "__main__" and str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))     # this checkout's minigan, installed or not

from minigan import bench  # noqa: E402


def main(argv=None):
    parser = bench.add_arguments(argparse.ArgumentParser(prog="bench_train_step", description=__doc__.splitlines()[0]))
    args = parser.parse_args(argv)
    try:
        return bench.run_from_args(args)
    except ValueError as err:
        parser.error(str(err))


if __name__ == "__main__":
    main()
