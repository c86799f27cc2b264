"""The stamp on every timing: date, machine, library versions, the BLAS and the kernels it runs.

A timing means little without the machine it was taken on, so every result file carries
``machine_info()``; the load average beside a figure says how busy the cores were.
"""
import datetime
import os
import platform

import numpy as np


def machine_info(torch, backend, **extra):
    """Date, machine and library versions; ``extra`` (batch size, repeats, ...) is appended."""
    import minigan
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
    """The median of timings in seconds, in milliseconds (the mean would carry every hiccup)."""
    return float(np.median(samples) * 1e3)
