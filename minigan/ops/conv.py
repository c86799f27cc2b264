"""Convolution and transposed convolution as pure forward/backward pairs (NCHW).

This is the version to read. ``conv_fast`` computes the same functions in a memory layout
chosen for speed, and the layers run that one; the tests hold the two equal.

conv2d slides a (C_in, kH, kW) filter over the image; every output pixel is the dot
product of the filter with one patch. im2col copies every patch into a column of one
matrix, and the whole layer becomes a single matrix product (what BLAS is fast at):

    cols = im2col(x)                (C_in*kH*kW, N*Ho*Wo)   one column per output pixel
    out  = W2 @ cols                (C_out, N*Ho*Wo)         W2 = W.reshape(C_out, -1)

Backward is two more products and col2im, which adds each column back onto the
patch it was copied from (patches overlap, so their gradients sum):

    dW   = dout2 @ cols.T           dout2 = dout as (C_out, N*Ho*Wo)
    dx   = col2im(W2.T @ dout2)

conv_transpose2d is *defined* as conv2d's input gradient: it maps the small side of a
convolution back to the big side. So its forward is conv2d's `dx` line and its backward
is conv2d's forward (for dx) plus the same kind of weight product. Read the two pairs
side by side: the same three lines, used the other way round. This is also why
``<conv2d(x, W), y> == <x, conv_transpose2d(y, W)>``: they are each other's adjoint.

Sizes, per spatial axis, with pads (before, after):
    conv2d:           out = (in + before + after - k) // s + 1
    conv_transpose2d: out = (in - 1) * s + k - before - after + output_padding
"same" follows Keras/TensorFlow: conv2d gives ceil(in / s), the transposed conv in * s,
and an odd total pad puts the extra row/column at the bottom/right.
"""
import math
from typing import NamedTuple

import numpy as np

from ..backend import get_array_module


# --- size arithmetic ------------------------------------------------------------------
def _pair(v, name="value"):
    """An int or a pair -> a pair of ints."""
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"{name} must be an int or a pair, got {v!r}")
        return int(v[0]), int(v[1])
    return int(v), int(v)


def same_padding(in_size, kernel_size, stride=1):
    """TensorFlow's "same" pads for a conv2d on an input of size ``in_size`` (H, W).

    The output is ceil(in / s); the total pad is whatever makes that fit, split with the
    odd one at the bottom/right. Returns ((top, bottom), (left, right)).
    For a transposed conv, pass its *output* size (in * s): it is the adjoint of this conv.
    """
    pads = []
    for n, k, s in zip(_pair(in_size), _pair(kernel_size), _pair(stride)):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def resolve_padding(padding, in_size, kernel_size, stride=1):
    """Any accepted padding -> ((top, bottom), (left, right)).

    ``padding`` is an int, an (h, w) pair, ((top, bottom), (left, right)), "valid" (no
    padding) or "same"; ``in_size`` is the size of the conv's big side (only "same" needs it).
    """
    if isinstance(padding, str):
        if padding.lower() == "valid":
            return ((0, 0), (0, 0))
        if padding.lower() != "same":
            raise ValueError(f"padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
        return same_padding(in_size, kernel_size, stride)
    if isinstance(padding, (tuple, list)) and len(padding) == 2 and all(isinstance(p, (tuple, list)) for p in padding):
        pads = tuple(_pair(p, "padding") for p in padding)
    else:
        ph, pw = _pair(padding, "padding")
        pads = ((ph, ph), (pw, pw))
    if min(min(p) for p in pads) < 0:
        raise ValueError(f"padding must be >= 0, got {padding!r}")
    return pads


def conv2d_output_size(in_size, kernel_size, stride=1, padding=0):
    """(Ho, Wo) of a conv2d on an (H, W) input; zero or less means the kernel does not fit."""
    pads = resolve_padding(padding, in_size, kernel_size, stride)
    return tuple((n + p0 + p1 - k) // s + 1
                 for n, k, s, (p0, p1) in zip(_pair(in_size), _pair(kernel_size), _pair(stride), pads))


def conv_transpose2d_output_size(in_size, kernel_size, stride=1, padding=0, output_padding=0):
    """(H, W) of a conv_transpose2d on an (h, w) input: the big side of the matching conv2d."""
    ks, ss, ops = _pair(kernel_size), _pair(stride), _pair(output_padding, "output_padding")
    if isinstance(padding, str) and padding.lower() == "same":
        if any(ops):
            raise ValueError("output_padding must be 0 with padding='same' (the output is in * stride)")
        return tuple(n * s for n, s in zip(_pair(in_size), ss))
    pads = resolve_padding(padding, None, ks, ss)
    return tuple((n - 1) * s + k - p0 - p1 + op
                 for n, k, s, (p0, p1), op in zip(_pair(in_size), ks, ss, pads, ops))


class ConvGeometry(NamedTuple):
    """One convolution's shapes. conv2d maps big -> small; conv_transpose2d maps small -> big."""
    big: tuple       # (H, W) unpadded: conv2d's input, conv_transpose2d's output
    small: tuple     # (Ho, Wo): conv2d's output, conv_transpose2d's input
    kernel: tuple    # (kH, kW)
    stride: tuple    # (sH, sW)
    pad: tuple       # ((top, bottom), (left, right)) zeros around the big side


def conv2d_geometry(in_size, kernel_size, stride, padding):
    kernel, stride = _pair(kernel_size, "kernel_size"), _pair(stride, "stride")
    if min(kernel) < 1 or min(stride) < 1:
        raise ValueError(f"kernel_size and stride must be >= 1, got {kernel} and {stride}")
    pad = resolve_padding(padding, in_size, kernel, stride)
    small = conv2d_output_size(in_size, kernel, stride, pad)
    if min(small) < 1:
        raise ValueError(f"conv2d: input of size {tuple(in_size)} with padding {pad} is smaller than "
                         f"the kernel {kernel}; the output would be {small}")
    return ConvGeometry(tuple(in_size), small, kernel, stride, pad)


def conv_transpose2d_geometry(in_size, kernel_size, stride, padding, output_padding):
    kernel, stride = _pair(kernel_size, "kernel_size"), _pair(stride, "stride")
    out_pad = _pair(output_padding, "output_padding")
    if min(kernel) < 1 or min(stride) < 1:
        raise ValueError(f"kernel_size and stride must be >= 1, got {kernel} and {stride}")
    if any(not 0 <= op < s for op, s in zip(out_pad, stride)):
        raise ValueError(f"output_padding must be >= 0 and smaller than stride {stride}, got {out_pad}")
    big = conv_transpose2d_output_size(in_size, kernel, stride, padding, out_pad)
    if min(big) < 1:
        raise ValueError(f"conv_transpose2d: input of size {tuple(in_size)} with padding {padding!r} "
                         f"gives an empty output {big}")
    # The pads belong to the conv2d this is the adjoint of (whose input is `big`).
    pad = resolve_padding(padding, big, kernel, stride)
    return ConvGeometry(big, tuple(in_size), kernel, stride, pad)


# --- patches and un-patches ------------------------------------------------------------------
def pad_image(x, geom):
    """Zeros around an (N, C, H, W) image, as many as the geometry's pads say."""
    xp = get_array_module(x)
    return xp.pad(x, ((0, 0), (0, 0), *geom.pad))


def im2col(x, geom):
    """(N, C, H, W) -> (C*kH*kW, N*Ho*Wo): column j holds the patch under output pixel j.

    Columns run over images, then output rows, then output columns. Rows run over
    (c, ki, kj), the order of W.reshape(C_out, -1), so filter row f times column j is
    output pixel j of filter f.
    """
    xp = get_array_module(x)
    n, c = x.shape[:2]
    (kh, kw), (sh, sw), (ho, wo) = geom.kernel, geom.stride, geom.small
    padded = pad_image(x, geom)                 # a fresh array, so the view below is safe
    s_n, s_c, s_h, s_w = padded.strides
    # A view, no copy: patches[c, ki, kj, n, oi, oj] = padded[n, c, oi*sH + ki, oj*sW + kj].
    # A step of ki moves one row, a step of oi moves sH rows: the same bytes are read by
    # every patch that overlaps them, which is why this needs strides and not a reshape.
    patches = xp.lib.stride_tricks.as_strided(
        padded, (c, kh, kw, n, ho, wo), (s_c, s_h, s_w, s_n, s_h * sh, s_w * sw))
    return patches.reshape(c * kh * kw, n * ho * wo)    # the one copy: the columns themselves


def col2im(cols, x_shape, geom):
    """The adjoint of im2col: (C*kH*kW, N*Ho*Wo) -> (N, C, H, W), overlapping patches summed.

    A scatter-add: every column goes back onto the patch it was copied from, and a pixel
    that sat in several patches receives the sum. We add one kernel offset (ki, kj) at a
    time: for a fixed offset each output pixel lands on a different input pixel, so one
    strided `+=` is safe; the overlaps are summed across the kH*kW offsets. (np.add.at
    would scatter everything in one call, but it is unbuffered and many times slower.)
    """
    xp = get_array_module(cols)
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (ho, wo) = geom.kernel, geom.stride, geom.small
    (top, bottom), (left, right) = geom.pad
    padded = xp.zeros((n, c, h + top + bottom, w + left + right), dtype=cols.dtype)
    patches = cols.reshape(c, kh, kw, n, ho, wo)
    for ki in range(kh):
        for kj in range(kw):
            padded[:, :, ki:ki + sh * ho:sh, kj:kj + sw * wo:sw] += patches[:, ki, kj].transpose(1, 0, 2, 3)
    # What fell on the padding is dropped: those zeros were constants, not inputs.
    return xp.ascontiguousarray(padded[:, :, top:top + h, left:left + w])


def channel_rows(a):
    """(N, C, h, w) -> (C, N*h*w): one row per channel, columns in im2col's order."""
    return a.transpose(1, 0, 2, 3).reshape(a.shape[1], -1)


def rows_to_image(rows, n, hw):
    """The inverse of channel_rows: (C, N*h*w) -> a contiguous (N, C, h, w) array."""
    xp = get_array_module(rows)
    return xp.ascontiguousarray(rows.reshape(-1, n, *hw).transpose(1, 0, 2, 3))


# --- conv2d ------------------------------------------------------------------------------
class Conv2dCache(NamedTuple):
    cols: np.ndarray      # im2col(x): the weight gradient needs every patch again
    weight: np.ndarray
    x_shape: tuple
    geom: ConvGeometry
    has_bias: bool


def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    """x (N, C_in, H, W), weight (C_out, C_in, kH, kW), bias (C_out,) -> (N, C_out, Ho, Wo)."""
    geom = conv2d_geometry(x.shape[2:], weight.shape[2:], stride, padding)
    w2 = weight.reshape(weight.shape[0], -1)                    # (C_out, C_in*kH*kW): a filter per row
    cols = im2col(x, geom)                                      # (C_in*kH*kW, N*Ho*Wo)
    out = rows_to_image(w2 @ cols, x.shape[0], geom.small)      # every output pixel in one product
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out, Conv2dCache(cols, weight, x.shape, geom, bias is not None)


def conv2d_backward(dout, cache, param_grads=True, input_grad=True):
    """Returns (dx, dweight, dbias); dbias is None when the layer has no bias.
    ``param_grads`` False: dx only (dweight and dbias None), for a frozen layer.
    ``input_grad`` False: dx None, for a first layer whose input nobody differentiates."""
    w2 = cache.weight.reshape(cache.weight.shape[0], -1)
    dout2 = channel_rows(dout)                                  # (C_out, N*Ho*Wo), like W2 @ cols
    dx = col2im(w2.T @ dout2, cache.x_shape, cache.geom) if input_grad else None   # a transposed conv of dout
    if not param_grads:
        return dx, None, None
    dweight = (dout2 @ cache.cols.T).reshape(cache.weight.shape)    # patch times its pixel's gradient
    dbias = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    return dx, dweight, dbias


# --- conv_transpose2d: conv2d's input gradient, run forwards --------------------------------
class ConvTranspose2dCache(NamedTuple):
    x_rows: np.ndarray    # x as (C_in, pixels of every image): the weight gradient needs it
    weight: np.ndarray
    x_shape: tuple
    geom: ConvGeometry
    has_bias: bool


def conv_transpose2d_forward(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    """x (N, C_in, h, w), weight (C_in, C_out, kH, kW), bias (C_out,) -> (N, C_out, H, W)."""
    n, (c_in, c_out) = x.shape[0], weight.shape[:2]
    geom = conv_transpose2d_geometry(x.shape[2:], weight.shape[2:], stride, padding, output_padding)
    w2 = weight.reshape(c_in, -1)                               # (C_in, C_out*kH*kW)
    x_rows = channel_rows(x)                                    # x plays conv2d's dout2 ...
    out = col2im(w2.T @ x_rows, (n, c_out, *geom.big), geom)    # ... and this is conv2d's dx line
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out, ConvTranspose2dCache(x_rows, weight, x.shape, geom, bias is not None)


def conv_transpose2d_backward(dout, cache, param_grads=True, input_grad=True):
    """Returns (dx, dweight, dbias): dx is conv2d(dout, W), the weight gradient its mirror.
    ``param_grads`` False: dx only (dweight and dbias None), for a frozen layer.
    ``input_grad`` False: dx None, for a first layer whose input nobody differentiates."""
    w2 = cache.weight.reshape(cache.weight.shape[0], -1)
    cols = im2col(dout, cache.geom)                             # (C_out*kH*kW, N*h*w)
    dx = rows_to_image(w2 @ cols, cache.x_shape[0], cache.geom.small) if input_grad else None   # conv2d's forward
    if not param_grads:
        return dx, None, None
    dweight = (cache.x_rows @ cols.T).reshape(cache.weight.shape)       # conv2d's dW, roles swapped
    dbias = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    return dx, dweight, dbias
