"""Speed benchmarks that ship with the package, behind ``minigan bench``.

    machine     the stamp on every timing (date, CPU, BLAS kernels, versions, load)
    steps       the unit of work: one whole GAN.step of the seed DCGAN (preset "dcgan-mnist")
    torch_twin  the same network and step in PyTorch, and minigan's weights copied into it
    timing      the engines taking turns at each batch size; peak memory; the training loop's overhead
    breakdown   the step with one part switched off at a time
    report      JSON, Markdown and a plot
    command     the flags, where the results go, the run

PyTorch is a reference, never a dependency: it is imported only where a run asks for it.
The scripts in the source checkout's benchmarks/ folder are thin layers over these modules.
"""
from .command import add_arguments, output_dir, run_from_args, source_results_dir

__all__ = ["add_arguments", "output_dir", "run_from_args", "source_results_dir"]
