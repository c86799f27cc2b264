"""Batch normalisation (Ioffe & Szegedy 2015) as pure forward/backward pairs.

Each channel c is normalised over every axis but the channel axis: over N for
(N, C) inputs, over N, H and W for (N, C, H, W) images. With m values per channel,

    mu      = mean(x)                    var = mean((x - mu)^2)   (biased: / m)
    x_hat   = (x - mu) / sqrt(var + eps)
    out     = gamma * x_hat + beta

Train mode uses the batch's own mu and var, so every output depends on every
input of its channel, and backward must account for that. Eval mode uses fixed
running estimates instead, which turns the layer into a plain per-channel affine
map ``out = scale * x + shift``.

``gamma``/``beta`` may be None (a layer built with affine=False): then they act as
1 and 0, and their gradients come back as None.
"""
from typing import NamedTuple

import numpy as np


def _channel_layout(x):
    """The axes to reduce over (all but axis 1) and the shape that broadcasts a (C,) vector."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    return axes, shape


class BatchNormCache(NamedTuple):
    x_hat: np.ndarray      # the normalised input, shape of x
    inv_std: np.ndarray    # 1 / sqrt(var + eps), broadcastable to x
    gamma: object          # broadcastable gamma, or None
    has_beta: bool
    axes: tuple
    mean: np.ndarray       # batch mean, shape (C,): the layer folds it into its running mean
    var: np.ndarray        # biased batch variance, shape (C,)


def batchnorm_forward(x, gamma=None, beta=None, eps=1e-5):
    """Train mode: normalise with the batch's own statistics."""
    axes, shape = _channel_layout(x)
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    inv_std = 1.0 / (var + eps) ** 0.5
    x_hat = centred * inv_std
    g = None if gamma is None else gamma.reshape(shape)
    out = x_hat if g is None else x_hat * g
    if beta is not None:
        out = out + beta.reshape(shape)
    cache = BatchNormCache(x_hat, inv_std, g, beta is not None, axes, mean.reshape(-1), var.reshape(-1))
    return out, cache


def batchnorm_backward(dout, cache):
    """Returns (dx, dgamma, dbeta).

    The closed form, for one channel with m values. Write g_i = dL/dx_hat_i =
    dout_i * gamma and s = inv_std. Since x_hat_j = (x_j - mu) * s,

        d x_hat_j / d x_i = s * (delta_ij - 1/m - x_hat_i * x_hat_j / m)

    (the -1/m comes through mu; the last term through var, using
    d var / d x_i = 2 (x_i - mu) / m and d s / d var = -s^3 / 2). Summing over j,

        dL/dx_i = sum_j g_j * d x_hat_j / d x_i
                = s / m * (m * g_i - sum_j g_j - x_hat_i * sum_j g_j * x_hat_j)

    i.e. the plain scaling s * g, minus its mean (mu moved with x) and minus its
    projection onto x_hat (var moved with x). Two reductions, no m-by-m Jacobian.
    """
    axes = cache.axes
    m = dout.size // cache.x_hat.shape[1]
    dbeta = dout.sum(axis=axes) if cache.has_beta else None
    dgamma = None if cache.gamma is None else (dout * cache.x_hat).sum(axis=axes)
    g = dout if cache.gamma is None else dout * cache.gamma
    g_sum = g.sum(axis=axes, keepdims=True)
    g_dot_xhat = (g * cache.x_hat).sum(axis=axes, keepdims=True)
    dx = (cache.inv_std / m) * (m * g - g_sum - cache.x_hat * g_dot_xhat)
    return dx, dgamma, dbeta


class BatchNormEvalCache(NamedTuple):
    x_hat: np.ndarray      # (x - running_mean) / sqrt(running_var + eps)
    scale: np.ndarray      # gamma / sqrt(running_var + eps), broadcastable to x
    has_gamma: bool
    has_beta: bool
    axes: tuple


def batchnorm_eval_forward(x, gamma, beta, running_mean, running_var, eps=1e-5):
    """Eval mode: the statistics are constants, so this is out = scale * x + shift per channel."""
    axes, shape = _channel_layout(x)
    inv_std = 1.0 / (running_var.reshape(shape) + eps) ** 0.5
    x_hat = (x - running_mean.reshape(shape)) * inv_std
    scale = inv_std if gamma is None else inv_std * gamma.reshape(shape)
    out = x_hat if gamma is None else x_hat * gamma.reshape(shape)
    if beta is not None:
        out = out + beta.reshape(shape)
    return out, BatchNormEvalCache(x_hat, scale, gamma is not None, beta is not None, axes)


def batchnorm_eval_backward(dout, cache):
    """Returns (dx, dgamma, dbeta): an affine map's gradients, nothing flows through the statistics."""
    dx = dout * cache.scale
    dgamma = (dout * cache.x_hat).sum(axis=cache.axes) if cache.has_gamma else None
    dbeta = dout.sum(axis=cache.axes) if cache.has_beta else None
    return dx, dgamma, dbeta
