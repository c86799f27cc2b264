"""Where one dcgan-mnist training step spends its time: the whole step, then the same step with
one part switched off at a time, and the layers' own forward and backward passes alone.

    python benchmarks/step_breakdown.py [--backend numpy|cupy] [--batch 256] [--repeats 20]

A part's cost is the whole step's median minus the median without it (minigan/bench/breakdown.py).
Prints a table; writes nothing.
"""
import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if __name__ == "__main__" and str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))     # this checkout's minigan, installed or not

from minigan.bench.breakdown import breakdown  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    print(f"dcgan-mnist step on {args.backend}, batch {args.batch}, median of {args.repeats} (ms)")
    for name, ms in breakdown(args.backend, args.batch, args.repeats):
        print(f"{name:<40} {ms:8.2f}")


if __name__ == "__main__":
    main()
