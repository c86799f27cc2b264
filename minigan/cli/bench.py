"""``minigan bench``: time one training step of dcgan-mnist on NumPy, CuPy and PyTorch (minigan.bench)."""
from . import friendly


def add_parser(sub):
    b = sub.add_parser("bench", help="time one training step of dcgan-mnist on NumPy, CuPy and PyTorch",
                       description="Time one whole GAN.step of the seed DCGAN (dcgan-mnist) on NumPy, CuPy "
                                   "and PyTorch in one run; writes bench_train_step.{json,md,png} and says where.")
    from .. import bench
    bench.add_arguments(b)


@friendly
def run(args):
    from .. import bench
    bench.run_from_args(args)
    return 0
