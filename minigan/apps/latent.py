"""Searching G's latent space: gradient descent on z, with G and D fixed.

Inpainting and anomaly detection both ask "which z makes G(z) look most like this image?".
A loss object (see inpaint.py, anomaly.py) has the library's two-method shape:

    values = loss.forward(z)        # (N,): one loss per image, each depending on its own z only
    dz = loss.backward(dvalues)     # d(sum_i dvalues_i * values_i) / dz

so ``minigan.gradcheck.check_grads`` can check it like any layer. Inside, backward runs through
D and G exactly as the G step of gan.py runs through D: input gradients only, with both networks
frozen (their parameters' .grad untouched and not even computed) and in eval mode (Dropout off,
BatchNorm on its running statistics), because here the networks are fixed functions of z.
"""
import numpy as np

from ..backend import get_array_module, to_backend, to_numpy
from ..nn.base import Parameter, eval_mode   # eval_mode: inpaint.py and anomaly.py take it from here
from ..optim import Adam
from ..rng import get_rng


def model_dtype_backend(model):
    p = model.parameters()[0].data
    return p.dtype, ("cupy" if get_array_module(p) is not np else "numpy")


def random_latents(n, z_dim, like, rng=None):
    """z ~ N(0, I), drawn on the CPU from minigan's generator, on ``like``'s backend and dtype."""
    dtype, backend = model_dtype_backend(like)
    return to_backend(get_rng(rng).standard_normal((n, z_dim)).astype(dtype), backend)


def slerp(z0, z1, t):
    """Spherical interpolation between noise vectors: it keeps the norm a Gaussian z typically has,
    where a straight line would pass through the unlikely low-norm middle (White 2016)."""
    cos = np.sum(z0 * z1, axis=-1, keepdims=True) / (np.linalg.norm(z0, axis=-1, keepdims=True)
                                                     * np.linalg.norm(z1, axis=-1, keepdims=True))
    omega = np.arccos(np.clip(cos, -1, 1))
    so = np.sin(omega)
    so = np.where(so < 1e-8, 1.0, so)
    return np.sin((1 - t) * omega) / so * z0 + np.sin(t * omega) / so * z1


def best_of(loss, candidates):
    """For each image, the candidate z (a list of (N, z_dim) arrays) with the lowest loss: a cheap
    start for the search, forward passes only."""
    values = np.stack([to_numpy(loss.forward(z)) for z in candidates])     # (K, N)
    pick = values.argmin(axis=0)
    xp = get_array_module(candidates[0])
    stacked = xp.stack(candidates)                                          # (K, N, z_dim)
    return stacked[xp.asarray(pick), xp.arange(stacked.shape[1])]


def search(loss, z0, steps=200, lr=0.05, betas=(0.9, 0.999), callback=None):
    """Minimise ``loss`` over z from ``z0`` with Adam; returns (z, history).

    ``history`` is a (steps + 1, N) NumPy array: each image's loss before every update and
    after the last one. Adam, as in Yeh et al. (2017), because the loss surface in z is
    badly scaled (some directions of z move many pixels, some almost none).
    ``callback(t, loss)``, if given, runs after each forward pass (to record the loss's parts).
    """
    z = Parameter(z0.copy(), "z")
    opt = Adam([z], lr=lr, betas=betas)
    history = []
    for t in range(steps + 1):
        values = loss.forward(z.data)
        history.append(to_numpy(values).astype(np.float64))
        if callback is not None:
            callback(t, loss)
        if t == steps:
            break
        z.zero_grad()
        z.accumulate(loss.backward(get_array_module(values).ones_like(values)))
        opt.step()
    return z.data, np.stack(history)


def in_chunks(n, size):
    """Slices that cut range(n) into pieces of at most ``size``: large batches of images are
    searched a chunk at a time, so that G's and D's activations fit in memory."""
    return [slice(i, min(n, i + size)) for i in range(0, n, size)]
