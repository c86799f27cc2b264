"""``minigan bench``: its flags, where its results go, and the run.

Where the results go:
* ``--out DIR``: there, whatever the run;
* a ``--quick`` run (a smoke test, not a measurement): a new temporary folder, so that it never
  overwrites measured results;
* a full run from the source checkout: ``benchmarks/results/``, the results committed with it;
* a full run of an installed minigan: ``runs/bench/`` under the current folder, beside the runs
  ``minigan train`` makes.
The command says where it wrote.
"""
import argparse
import tempfile
from pathlib import Path


def source_results_dir():
    """``benchmarks/results/`` of the source checkout this minigan is imported from.

    The folder sits beside the package in a checkout (an editable install included) and is absent
    from an installed wheel; callers check that it exists.
    """
    import minigan
    return Path(minigan.__file__).resolve().parents[1] / "benchmarks" / "results"


def output_dir(out=None, quick=False):
    """The folder a run writes to (see the module's docstring), made if missing."""
    if out is not None:
        folder = Path(out)
    elif quick:
        folder = Path(tempfile.mkdtemp(prefix="minigan-bench-quick-"))
    elif source_results_dir().is_dir():
        folder = source_results_dir()
    else:
        folder = Path("runs") / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sizes(text):
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"batch sizes must be positive, got {text!r}")
    return sizes


def _backends(text):
    names = tuple(s.strip() for s in text.split(",") if s.strip())
    bad = [n for n in names if n not in ("numpy", "cupy")]
    if not names or bad:
        raise argparse.ArgumentTypeError(f"backends are numpy and/or cupy, got {text!r}")
    return names


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def add_arguments(parser):
    """The benchmark's flags, on ``minigan bench`` and on benchmarks/bench_train_step.py alike."""
    parser.add_argument("--quick", action="store_true",
                        help="batch sizes 16 and 64, few repeats: a smoke run, not a measurement; written to a "
                             "new temporary folder unless --out says where")
    parser.add_argument("--batch-sizes", type=_sizes, help="comma-separated (default 16,32,...,1024)")
    parser.add_argument("--backends", type=_backends, default=("numpy", "cupy"),
                        help="comma-separated, numpy and/or cupy (default both; cupy is skipped without a GPU)")
    parser.add_argument("--repeats", type=_positive_int,
                        help="timed steps per engine and batch size (default: ~8 s worth)")
    parser.add_argument("--no-torch", action="store_true", help="time minigan alone")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-RSS subprocesses")
    parser.add_argument("--settle-s", type=float, default=0.2,
                        help="pause before each timed step so the last engine's BLAS threads go idle (default 0.2)")
    parser.add_argument("--wake-steps", type=int, default=1,
                        help="untimed steps after each pause, before the timed one: the first step after a pause "
                             "also wakes the engine's own BLAS threads, which a training loop does once (default 1)")
    parser.add_argument("--out", "--out-dir", dest="out", type=Path, metavar="DIR",
                        help="where bench_train_step.{json,md,png} go (default: benchmarks/results/ of the source "
                             "checkout, ./runs/bench/ for an installed minigan; a temporary folder for --quick)")
    return parser


def run_from_args(args, log=print):
    """Time the step as the flags say, write the report, say where; returns the result.

    Raises ValueError for flags this machine cannot honour (CuPy alone without a GPU)."""
    from minigan.backend import cupy_available
    if "numpy" not in args.backends and not cupy_available():
        raise ValueError("argument --backends: cupy needs an NVIDIA GPU, which this machine lacks, "
                         "so there is nothing to time; add numpy")
    from .report import write_report
    from .timing import BATCH_SIZES, QUICK_BATCH_SIZES, run
    sizes = args.batch_sizes or (QUICK_BATCH_SIZES if args.quick else BATCH_SIZES)
    result = run(sizes, args.backends, use_torch=not args.no_torch,
                 repeats=args.repeats or (2 if args.quick else None), warmup=1 if args.quick else 2,
                 settle_s=args.settle_s, wake_steps=args.wake_steps, measure_memory=not args.no_memory,
                 overhead_steps=3 if args.quick else 20, log=log)
    result["info"]["quick"] = bool(args.quick)
    stem = write_report(result, output_dir(args.out, args.quick))
    log(f"wrote {stem}.json, .md and .png"
        + (" (a quick run: a temporary folder, so the measured results stay as they are)"
           if args.quick and args.out is None else ""))
    return result
