"""``minigan bench``: time one training step of dcgan-mnist on NumPy, CuPy and PyTorch."""
import importlib.util
import sys
from pathlib import Path

from . import UserError, friendly


def add_parser(sub, with_bench=True):
    b = sub.add_parser("bench", help="time one training step of dcgan-mnist on NumPy, CuPy and PyTorch "
                                     "(needs the source checkout)",
                       description="Time one whole GAN.step of the seed DCGAN (dcgan-mnist) on NumPy, CuPy "
                                   "and PyTorch in one run; writes bench_train_step.{json,md,png}. "
                                   "Runs benchmarks/bench_train_step.py from the source checkout.")
    # The benchmark script is loaded only when `bench` is asked for, so a problem in it can
    # never stop `minigan train`.
    bench = load_bench() if with_bench else None
    if bench is not None:
        bench.add_arguments(b)
    else:                       # not loaded: take any flags, so that cmd_bench can say what is missing
        b.set_defaults(any_flags=True)


def benchmarks_dir():
    """benchmarks/ beside the minigan package: there in a source checkout, absent from an installed wheel."""
    import minigan
    return Path(minigan.__file__).resolve().parents[1] / "benchmarks"


_BENCH_MODULES = {}


def load_bench():
    """benchmarks/bench_train_step.py as a module, or None without a source checkout.

    benchmarks/ is not a package: the script is loaded by its path, with its folder put on
    sys.path first because it imports ``common`` from beside it.
    """
    path = benchmarks_dir() / "bench_train_step.py"
    if not path.is_file():
        return None
    if path not in _BENCH_MODULES:
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location("bench_train_step", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _BENCH_MODULES[path] = module
    return _BENCH_MODULES[path]


@friendly
def run(args):
    bench = load_bench()
    if bench is None:
        raise UserError(f"needs the source checkout: benchmarks/ beside minigan/ (looked for "
                        f"{benchmarks_dir() / 'bench_train_step.py'}); clone the repository and "
                        "run it from there", 2)
    if args.repeats is not None and args.repeats < 1:
        raise UserError(f"argument --repeats: must be positive, got {args.repeats}", 2)
    from ..backend import cupy_available
    if "numpy" not in args.backends and not cupy_available():
        raise UserError("argument --backends: cupy needs an NVIDIA GPU, which this machine lacks, "
                        "so there is nothing to time; add numpy", 2)
    bench.run_from_args(args)
    return 0
