"""What the benchmarks share: the stamp on every result, and PyTorch twins of minigan's "same" convs.

A timing means little without the machine it was taken on, so every result file carries
``machine_info()``: date, CPU, core count, library versions, the BLAS and the kernels it runs.
"""
import datetime
import os
import platform

import numpy as np

import minigan


# --- the stamp -----------------------------------------------------------------------------------
def machine_info(torch, backend, **extra):
    """Date, machine and library versions; ``extra`` (batch size, repeats, ...) is appended."""
    blas = "unknown"
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{deps.get('name')} {deps.get('version')}"
    except Exception:  # older NumPy prints instead of returning
        pass
    blas += f", {blas_kernel()} kernels"
    return dict(
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        machine=platform.machine(), processor=platform.processor() or cpu_model(), cpus=os.cpu_count(),
        platform=platform.platform(), python=platform.python_version(), numpy=np.__version__, blas=blas,
        minigan=minigan.__version__, backend=backend, dtype="float32",
        torch=None if torch is None else torch.__version__,
        torch_threads=None if torch is None else torch.get_num_threads(),
        **gpu_info(backend),
        **extra,
    )


def gpu_info(backend):
    """The GPU, CuPy and CUDA versions when CuPy is among the backends and sees a GPU; else nothing."""
    if "cupy" not in str(backend):
        return {}
    try:
        import cupy
        props = cupy.cuda.runtime.getDeviceProperties(0)
        return dict(gpu_name=props["name"].decode(), gpu_memory_gib=round(props["totalGlobalMem"] / 2**30, 1),
                    cupy=cupy.__version__, cuda_runtime=cupy.cuda.runtime.runtimeGetVersion())
    except Exception as err:   # no CuPy, no GPU: the rows say so themselves
        return dict(gpu_name=f"none ({type(err).__name__})")


def blas_kernel():
    """The CPU kernel family OpenBLAS picked at start-up (e.g. Haswell = AVX2, SkylakeX = AVX-512).

    OpenBLAS chooses once, when NumPy is imported; on a CPU it does not recognise it may fall
    back to an older family. OPENBLAS_CORETYPE=SkylakeX, set before Python starts, overrides it.
    """
    try:
        from threadpoolctl import threadpool_info
        return next((i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"),
                    "non-OpenBLAS")
    except ImportError:
        return "unknown"


def has_avx512():
    try:
        return any(line.startswith("flags") and " avx512f" in line for line in open("/proc/cpuinfo"))
    except OSError:
        return False


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def load_average():
    """The 1-minute load average (None where the OS has none): how busy the cores were."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def median_ms(samples):
    return float(np.median(samples) * 1e3)


# --- PyTorch twins of minigan's "same" convolutions ---------------------------------------------
def torch_same_conv2d(torch, in_channels, out_channels, kernel_size, stride, in_size, bias=True):
    """nn.Conv2d with TensorFlow's "same" padding, reproduced exactly.

    For a stride-2 conv on 28 or 14 pixels TF pads (1, 2): uneven, which nn.Conv2d cannot
    express, so an explicit ZeroPad2d goes in front.
    """
    from minigan.ops.conv import same_padding
    nn = torch.nn
    (top, bottom), (left, right) = same_padding(in_size, kernel_size, stride)
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding=0, bias=bias)
    return nn.Sequential(nn.ZeroPad2d((left, right, top, bottom)), conv)


def torch_same_conv_transpose2d(torch, in_channels, out_channels, kernel_size, stride, bias=True, exact=False):
    """nn.ConvTranspose2d with output = input * stride, as minigan's padding="same" gives.

    For an odd kernel k: padding (k - 1) // 2 and output_padding stride - 1. The same arithmetic
    as TF; at stride 2 the output is shifted by one pixel against TF's, which changes no cost.

    ``exact``: crop exactly where minigan (and TF) do, for comparisons of what is learnt. minigan
    crops the full output by the pads of the conv it is the adjoint of, (k - s) // 2 at the
    top/left and the rest at the bottom/right; nn.ConvTranspose2d crops ``padding`` from both
    sides, so what is left over at the bottom/right is sliced off after it.
    """
    if not exact:
        return torch.nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride,
                                        padding=(kernel_size - 1) // 2, output_padding=stride - 1, bias=bias)
    top = (kernel_size - stride) // 2
    extra = kernel_size - stride - 2 * top
    conv = torch.nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride, padding=top, bias=bias)
    if extra == 0:
        return conv

    class CropEnd(torch.nn.Module):
        def forward(self, x):
            return x[:, :, :x.shape[2] - extra, :x.shape[3] - extra]
    return torch.nn.Sequential(conv, CropEnd())


def train_and_evaluate(preset, seed, workdir, train_args=(), evaluate_args=(), threads=None):
    """``minigan train --preset P --seed S`` into workdir/P-S, then ``minigan evaluate --json`` on its
    checkpoint, both as a user runs them (fresh processes). Returns the evaluation, with the training
    run's wall time (pictures included) and the load average just before it."""
    import json
    import subprocess
    import sys
    import time
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

