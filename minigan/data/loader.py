"""One epoch of mini-batches from an array, or from several arrays shuffled together."""
import numpy as np

from ..backend import default_backend, to_backend
from ..rng import get_rng


def batches(data, batch_size, rng=None, shuffle=True, drop_last=True, backend=None):
    """Yield the mini-batches of one pass over ``data``.

    ``data`` is an array, or a tuple of arrays with the same first dimension (e.g.
    ``(images, labels)``); a tuple yields tuples, cut with the same indices so that
    rows stay aligned. The order comes from ``get_rng(rng)``, so a seed fixes it.
    ``drop_last`` skips a final short batch: GAN steps (and BatchNorm statistics)
    behave best when every batch has the same size. Each batch is moved to
    ``backend`` (default: MINIGAN_BACKEND) as it is yielded, so only one batch at a
    time needs to sit on the GPU.
    """
    # A tuple means "several arrays"; anything else is one array (a list is converted).
    arrays = data if isinstance(data, tuple) else (data if hasattr(data, "shape") else np.asarray(data),)
    if not arrays:
        raise ValueError("batches: data is an empty tuple")
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"batches: arrays have different lengths {[len(a) for a in arrays]}")
    if int(batch_size) < 1:
        raise ValueError(f"batches: batch_size must be >= 1, got {batch_size}")
    batch_size = int(batch_size)
    backend = backend or default_backend()

    order = get_rng(rng).permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        idx = order[start:start + batch_size]
        # Fancy indexing works on NumPy and CuPy arrays alike (CuPy accepts NumPy indices).
        batch = tuple(to_backend(a[idx], backend) for a in arrays)
        yield batch if isinstance(data, tuple) else batch[0]
