"""Instance normalisation (Ulyanov et al. 2016) as a pure forward/backward pair.

Batch norm pools statistics over the whole batch; instance norm normalises each image's
each channel on its own, over its H x W pixels alone:

    mu[n, c]  = mean over (h, w) of x[n, c]        var[n, c] = mean of (x[n, c] - mu)^2  (biased)
    x_hat     = (x - mu) / sqrt(var + eps)
    out       = gamma[c] * x_hat + beta[c]         (gamma, beta only with affine=True)

So one image's output never depends on the rest of its batch (a translation network treats each
picture alone, in training as at test time). The backward is batch norm's, with the m = H * W
values of one (n, c) plane in the place of a channel's values across the batch:

    dx = inv_std / m * (m * g - sum(g) - x_hat * sum(g * x_hat)),   g = dout * gamma
"""
from typing import NamedTuple

import numpy as np


class InstanceNormCache(NamedTuple):
    x_hat: np.ndarray      # the normalised input, shape of x
    inv_std: np.ndarray    # 1 / sqrt(var + eps), shape (N, C, 1, 1)
    gamma: object          # gamma as (1, C, 1, 1), or None
    has_beta: bool


def instancenorm_forward(x, gamma=None, beta=None, eps=1e-5):
    """x: (N, C, H, W); gamma, beta: (C,) or None. Returns (out, cache)."""
    mean = x.mean(axis=(2, 3), keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=(2, 3), keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps) if isinstance(x, np.ndarray) else (var + eps) ** -0.5
    x_hat = centred * inv_std
    out = x_hat
    g = None if gamma is None else gamma.reshape(1, -1, 1, 1)
    if g is not None:
        out = out * g
    if beta is not None:
        out = out + beta.reshape(1, -1, 1, 1)
    return out, InstanceNormCache(x_hat, inv_std, g, beta is not None)


def instancenorm_backward(dout, cache):
    """Returns (dx, dgamma, dbeta); dgamma/dbeta are None where the layer has none."""
    x_hat, inv_std, g, has_beta = cache
    dgamma = None if g is None else (dout * x_hat).sum(axis=(0, 2, 3))
    dbeta = dout.sum(axis=(0, 2, 3)) if has_beta else None
    dx_hat = dout if g is None else dout * g
    m = x_hat.shape[2] * x_hat.shape[3]
    # Each plane's mean and variance depend on every pixel of that plane: the two sums carry it.
    sum_g = dx_hat.sum(axis=(2, 3), keepdims=True)
    sum_gx = (dx_hat * x_hat).sum(axis=(2, 3), keepdims=True)
    dx = inv_std / m * (m * dx_hat - sum_g - x_hat * sum_gx)
    return dx, dgamma, dbeta
