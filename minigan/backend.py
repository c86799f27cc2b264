"""Array backends: NumPy on the CPU, CuPy on an NVIDIA GPU, from the same code.

Kernels never read a global setting: they ask their inputs which module they
live in (``xp = get_array_module(x)``). Only constructors and samplers take a
backend name; ``MINIGAN_BACKEND`` (numpy|cupy) sets the default for those.
"""
import os

import numpy as np

BACKENDS = ("numpy", "cupy")


class BackendUnavailable(RuntimeError):
    """Raised when CuPy is asked for on a machine that cannot run it."""


def default_backend():
    """The backend named by MINIGAN_BACKEND, or "numpy"."""
    name = os.environ.get("MINIGAN_BACKEND", "numpy").strip().lower() or "numpy"
    if name not in BACKENDS:
        raise ValueError(f"MINIGAN_BACKEND={name!r} is not one of {BACKENDS}")
    return name


def _import_cupy():
    # Imported lazily so that NumPy-only machines never pay for (or trip on) CuPy.
    try:
        import cupy
        cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # ImportError, or a CUDA driver/runtime error
        raise BackendUnavailable(
            f"The cupy backend needs CuPy and an NVIDIA GPU, which this machine lacks ({type(err).__name__}); "
            "use --backend numpy or install minigan[gpu] on a GPU machine."
        ) from None
    return cupy


def cupy_available():
    """True when CuPy imports and sees at least one GPU."""
    try:
        _import_cupy()
        return True
    except BackendUnavailable:
        return False


def get_xp(backend=None):
    """The array module for a backend name (None means the default)."""
    name = (backend or default_backend()).lower()
    if name == "numpy":
        return np
    if name == "cupy":
        return _import_cupy()
    raise ValueError(f"unknown backend {name!r}; choose one of {BACKENDS}")


def _is_cupy(a):
    return type(a).__module__.split(".")[0] == "cupy"


def get_array_module(*arrays):
    """cupy if any argument is a CuPy array, else numpy (as in CuPy/Chainer)."""
    for a in arrays:
        if _is_cupy(a):
            import cupy
            return cupy
    return np


def backend_of(a):
    """The backend name ("numpy" or "cupy") an array lives on."""
    return "cupy" if _is_cupy(a) else "numpy"


def to_numpy(a):
    """A NumPy copy of an array from either backend (NumPy input is passed through)."""
    if _is_cupy(a):
        return a.get()
    return np.asarray(a)


def to_backend(a, backend):
    """Move an array to a backend ("numpy" or "cupy")."""
    if backend == "numpy":
        return to_numpy(a)
    return get_xp(backend).asarray(a)


def synchronize(xp_or_array=None):
    """Wait for queued GPU work to finish; a no-op on NumPy.

    GPU kernels run asynchronously, so a timer must call this before reading the clock.
    """
    target = xp_or_array
    is_cupy = target is not None and (getattr(target, "__name__", "") == "cupy" or _is_cupy(target))
    if target is None:
        is_cupy = default_backend() == "cupy"
    if is_cupy:
        get_xp("cupy").cuda.get_current_stream().synchronize()
