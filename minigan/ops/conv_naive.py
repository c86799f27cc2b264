"""TEACHING CODE: convolution and transposed convolution written as plain loops.

These are the definitions, spelled out one output pixel at a time, so that a reader can
check the im2col versions (``minigan.ops.conv`` and ``minigan.ops.conv_fast``) against
something obviously right (the tests assert they agree). They are hundreds of times
slower; never train with them. Same signatures, shapes and padding rules as the im2col ops.

    conv2d:           out[n, f, i, j]  = b[f] + sum(x_pad[n, :, i*s : i*s+kH, j*s : j*s+kW] * W[f])
    conv_transpose2d: out_pad[n, :, i*s : i*s+kH, j*s : j*s+kW] += x[n, c, i, j] * W[c]   (then crop)

The transposed conv "scatters" each input pixel as a weighted copy of the kernel; conv2d
"gathers" a weighted sum of a patch. The backward of each is the other one's loop.
"""
from typing import NamedTuple

import numpy as np

from ..backend import get_array_module
from .conv import conv2d_geometry, conv_transpose2d_geometry


class NaiveCache(NamedTuple):
    x: np.ndarray
    weight: np.ndarray
    geom: object
    has_bias: bool


def _pad(x, geom):
    """Surround the image with zeros: ((top, bottom), (left, right)) from the geometry."""
    xp = get_array_module(x)
    return xp.pad(x, ((0, 0), (0, 0)) + tuple(geom.pad))


def _crop(a, geom):
    (top, _), (left, _) = geom.pad
    height, width = geom.big
    return a[:, :, top:top + height, left:left + width]


def _blank_padded(x, channels, geom):
    """Zeros the size of the padded big side, for sums that land in the padding too."""
    (top, bottom), (left, right) = geom.pad
    height, width = geom.big
    return get_array_module(x).zeros((x.shape[0], channels, height + top + bottom, width + left + right),
                                     dtype=x.dtype)


def conv2d_forward_naive(x, weight, bias=None, stride=1, padding=0):
    geom = conv2d_geometry(x.shape[2:], weight.shape[2:], stride, padding)
    xp = get_array_module(x)
    x_pad = _pad(x, geom)
    n_images, out_channels = x.shape[0], weight.shape[0]
    (kh, kw), (sh, sw), (out_h, out_w) = geom.kernel, geom.stride, geom.small
    out = xp.zeros((n_images, out_channels, out_h, out_w), dtype=x.dtype)
    for n in range(n_images):
        for f in range(out_channels):
            for i in range(out_h):
                for j in range(out_w):
                    patch = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    out[n, f, i, j] = xp.sum(patch * weight[f]) + (0 if bias is None else bias[f])
    return out, NaiveCache(x, weight, geom, bias is not None)


def conv2d_backward_naive(dout, cache):
    """Every output pixel used one patch: send its gradient back to that patch and to W."""
    x, weight, geom = cache.x, cache.weight, cache.geom
    xp = get_array_module(x)
    x_pad = _pad(x, geom)
    dx_pad = xp.zeros_like(x_pad)
    dweight = xp.zeros_like(weight)
    (kh, kw), (sh, sw), (out_h, out_w) = geom.kernel, geom.stride, geom.small
    for n in range(x.shape[0]):
        for f in range(weight.shape[0]):
            for i in range(out_h):
                for j in range(out_w):
                    g = dout[n, f, i, j]
                    dx_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += g * weight[f]
                    dweight[f] += g * x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
    dbias = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    return _crop(dx_pad, geom), dweight, dbias       # gradients that fell on padding are dropped


def conv_transpose2d_forward_naive(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    geom = conv_transpose2d_geometry(x.shape[2:], weight.shape[2:], stride, padding, output_padding)
    out_pad = _blank_padded(x, weight.shape[1], geom)
    (kh, kw), (sh, sw) = geom.kernel, geom.stride
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(x.shape[2]):
                for j in range(x.shape[3]):
                    out_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += x[n, c, i, j] * weight[c]
    out = _crop(out_pad, geom)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out, NaiveCache(x, weight, geom, bias is not None)


def conv_transpose2d_backward_naive(dout, cache):
    """Each input pixel painted one kernel-sized patch: its gradient is that patch of dout."""
    x, weight, geom = cache.x, cache.weight, cache.geom
    xp = get_array_module(x)
    dout_pad = _pad(dout, geom)                      # the padding that was cropped got no gradient
    dx = xp.zeros_like(x)
    dweight = xp.zeros_like(weight)
    (kh, kw), (sh, sw) = geom.kernel, geom.stride
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(x.shape[2]):
                for j in range(x.shape[3]):
                    patch = dout_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    dx[n, c, i, j] = xp.sum(patch * weight[c])
                    dweight[c] += x[n, c, i, j] * patch
    dbias = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    return dx, dweight, dbias
