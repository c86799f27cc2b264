"""The dense (fully connected) layer as a pure forward/backward pair.

    out = x @ W + b          x: (N, in)   W: (in, out)   b: (out,)

Backward, for an upstream gradient dout = dL/d(out) of shape (N, out):

    dL/dx = dout @ W.T       (N, in)
    dL/dW = x.T @ dout       (in, out)   -- one outer product per example, summed
    dL/db = dout.sum(axis=0) (out,)      -- b was broadcast over the batch
"""
from typing import NamedTuple

import numpy as np


class DenseCache(NamedTuple):
    x: np.ndarray
    weight: np.ndarray
    has_bias: bool


def dense_forward(x, weight, bias=None):
    out = x @ weight
    if bias is not None:
        out += bias
    return out, DenseCache(x, weight, bias is not None)


def dense_backward(dout, cache, param_grads=True, input_grad=True):
    """Returns (dx, dweight, dbias); dbias is None when the layer has no bias.
    ``param_grads`` False: dx only (dweight and dbias None), for a frozen layer.
    ``input_grad`` False: dx None, for a first layer whose input nobody differentiates (G's z)."""
    dx = dout @ cache.weight.T if input_grad else None
    if not param_grads:
        return dx, None, None
    dweight = cache.x.T @ dout
    dbias = dout.sum(axis=0) if cache.has_bias else None
    return dx, dweight, dbias
