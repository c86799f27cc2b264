"""The convolution ops the layers run: conv.py's maths in a faster memory layout.

``minigan.ops.conv`` is the version to read: plain NCHW im2col, one matrix product, col2im.
This module computes the same functions (the tests assert it, and against the naive loops)
with three changes that only move memory differently:

1. Inside the ops an image is held batch innermost, as (C, H, W, N). Every copy then moves
   runs of N numbers instead of runs of W (5-14 pixels for a DCGAN), which makes im2col and
   col2im several times faster in NumPy. The GEMMs do not care about column order.
2. Each matrix product is written so that its result is tall (pixels by channels), the
   orientation OpenBLAS handles best, and transposed back as a view.
3. Large temporaries that die inside one call live in reusable per-thread buffers, so the
   OS does not zero-fill fresh pages for them on every step.

The public arrays stay NCHW and the signatures match conv.py's, so either module serves a layer.
"""
import math
import threading

import numpy as np

from ..backend import get_array_module
# The caches are conv.py's; here their cols and x_rows keep the pixels batch-innermost.
from .conv import Conv2dCache, ConvTranspose2dCache, conv2d_geometry, conv_transpose2d_geometry


# --- the building blocks: patches, un-patches, and channel-major rows -----------------------
# Inside: (C, H, W, N), batch innermost. Outside: NCHW. _rows and _apply convert at the
# edges, and those copies are only as large as the activations.
def _rows(a):
    """(N, C, h, w) -> (C, h*w*N): one row per channel, batch innermost (a copy)."""
    return a.transpose(1, 2, 3, 0).reshape(a.shape[1], -1)


def _contiguous(a, bias=None):
    """A C-contiguous copy of an (N, C, h, w) view, adding the bias in the same pass."""
    xp = get_array_module(a)
    out = xp.empty(a.shape, dtype=a.dtype)
    if bias is None:
        out[...] = a
    else:
        xp.add(a, bias.reshape(1, -1, 1, 1), out=out)
    return out


_workspace = threading.local()


def _scratch(shape, dtype, xp, slot="cols"):
    """A reusable array for a big temporary that dies inside one op call.

    A DCGAN layer's column matrices are 20-40 MB. Fresh memory is zero-filled by the OS page
    by page on first touch, a sizeable share of a layer's time at that size. So
    temporaries reuse one buffer per ``slot`` and thread, kept at the largest size seen:
    "cols" for conv2d's dcols and conv_transpose2d's W.T @ x and im2col(dout), "pixels" and
    "staged" for _apply. Nothing returned or cached ever lives here, so reuse cannot
    overwrite a result.
    """
    size, key = math.prod(shape), (slot, xp.__name__, np.dtype(dtype).str)
    pool = _workspace.__dict__
    if key not in pool or pool[key].size < size:
        pool[key] = xp.empty(size, dtype=dtype)
    return pool[key][:size].reshape(shape)


def clear_workspace():
    """Free this thread's reusable scratch buffer (it is re-made on the next call)."""
    _workspace.__dict__.clear()


def _padded_size(geom):
    (t, b), (l, r) = geom.pad
    return geom.big[0] + t + b, geom.big[1] + l + r


def im2col(x, geom, out=None):
    """(N, C, H, W) -> (C*kH*kW, Ho*Wo*N): column j holds the patch under output pixel j.

    The padded image is read through a strided *view* with axes (c, ki, kj, oi, oj, n):
    element x_pad[c, oi*sH + ki, oj*sW + kj, n]. No pixel moves until the single
    copy (into ``out`` when given, else a new array). Rows ordered (c, ki, kj) match W.reshape(C_out, -1), so the weight
    needs no transpose; all output pixels of the batch are columns of ONE matrix, so the
    layer is one big GEMM rather than N small ones.
    """
    xp = get_array_module(x)
    n, c, h, w = x.shape
    (t, _), (l, _) = geom.pad
    padded = xp.zeros((c, *_padded_size(geom), n), dtype=x.dtype)
    padded[:, t:t + h, l:l + w, :] = x.transpose(1, 2, 3, 0)
    (kh, kw), (sh, sw), (ho, wo) = geom.kernel, geom.stride, geom.small
    s_c, s_h, s_w, s_n = padded.strides
    view = xp.lib.stride_tricks.as_strided(
        padded, (c, kh, kw, ho, wo, n), (s_c, s_h, s_w, s_h * sh, s_w * sw, s_n))
    if out is None:
        return xp.ascontiguousarray(view).reshape(c * kh * kw, ho * wo * n)
    out.reshape(view.shape)[...] = view
    return out


def col2im(cols, n, c, geom):
    """The adjoint of im2col: (C*kH*kW, Ho*Wo*N) -> an (N, C, H, W) view, patches summed.

    Patches overlap, so a pixel's gradient is the sum over every patch that saw it. We add
    one kernel offset at a time: kH*kW strided adds (25 for a 5x5 kernel), each covering
    all channels, pixels and images at once. That Python loop is the honest fast way in
    NumPy: np.add.at would do the scatter in one call but is unbuffered and many times slower.
    """
    xp = get_array_module(cols)
    (kh, kw), (sh, sw), (ho, wo) = geom.kernel, geom.stride, geom.small
    patches = cols.reshape(c, kh, kw, ho, wo, n)
    padded = xp.zeros((c, *_padded_size(geom), n), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            padded[:, i:i + sh * ho:sh, j:j + sw * wo:sw, :] += patches[:, i, j]
    (t, _), (l, _) = geom.pad
    return padded[:, t:t + geom.big[0], l:l + geom.big[1], :].transpose(3, 0, 1, 2)


# --- the three products every conv op is made of --------------------------------------------
# Each is written so that the GEMM's output has many rows (pixels, or C*kH*kW) and few
# columns (channels), never the other way round. Same numbers, same FLOPs, but OpenBLAS
# can take several times longer for a short, wide result such as (64, 3136) than for its
# (3136, 64) transpose. The transposes are views; only small results are copied.
def _apply(w2, cols, n, hw, bias=None):
    """Each output pixel = the weight times its patch: W2 @ cols, as an (N, C, h, w) image."""
    xp = get_array_module(cols)
    c, m = w2.shape[0], cols.shape[1]
    pixels = xp.matmul(cols.T, w2.T, out=_scratch((m, c), cols.dtype, xp, "pixels"))  # = (W2 @ cols).T
    # (h*w, N, C) -> (N, C, h*w) in two moves: whole C-runs to (N, h*w, C) first, then one
    # small transpose per image; the direct 3-axis shuffle jumps around memory and is slower.
    staged = _scratch((n, m // n, c), cols.dtype, xp, "staged")
    pixels = pixels.reshape(m // n, n, c).transpose(1, 0, 2)
    if bias is None:
        staged[...] = pixels
    else:
        xp.add(pixels, bias, out=staged)
    out = xp.empty((n, c, *hw), dtype=cols.dtype)
    out.reshape(n, c, -1)[...] = staged.transpose(0, 2, 1)
    return out


def _spread(w2, rows):
    """Each pixel's channels, spread back through the weight into patches: W2.T @ rows."""
    xp = get_array_module(rows)
    return xp.matmul(w2.T, rows, out=_scratch((w2.shape[1], rows.shape[1]), rows.dtype, xp))


def _weight_grad(cols, rows, shape):
    """dW = rows @ cols.T: every patch times the gradient (or input) at its pixel, summed."""
    return (cols @ rows.T).T.reshape(shape)


# --- conv2d ------------------------------------------------------------------------------
def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    """x (N, C_in, H, W), weight (C_out, C_in, kH, kW), bias (C_out,) -> (N, C_out, Ho, Wo)."""
    n, c_out = x.shape[0], weight.shape[0]
    geom = conv2d_geometry(x.shape[2:], weight.shape[2:], stride, padding)
    cols = im2col(x, geom)                                      # (C_in*kH*kW, Ho*Wo*N)
    out = _apply(weight.reshape(c_out, -1), cols, n, geom.small, bias)
    return out, Conv2dCache(cols, weight, x.shape, geom, bias is not None)


def conv2d_backward(dout, cache, param_grads=True):
    """Returns (dx, dweight, dbias); dbias is None when the layer has no bias.
    ``param_grads`` False: dx only (dweight and dbias None), for a frozen layer."""
    n, c_in = cache.x_shape[:2]
    w2 = cache.weight.reshape(cache.weight.shape[0], -1)
    dout2 = _rows(dout)                                         # (C_out, Ho*Wo*N)
    dx = _contiguous(col2im(_spread(w2, dout2), n, c_in, cache.geom))   # a transposed conv of dout
    if not param_grads:
        return dx, None, None
    dweight = _weight_grad(cache.cols, dout2, cache.weight.shape)
    dbias = dout2.sum(axis=1) if cache.has_bias else None
    return dx, dweight, dbias


# --- conv_transpose2d: conv2d's input gradient, run forwards --------------------------------
def conv_transpose2d_forward(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    """x (N, C_in, h, w), weight (C_in, C_out, kH, kW), bias (C_out,) -> (N, C_out, H, W)."""
    n, (c_in, c_out) = x.shape[0], weight.shape[:2]
    geom = conv_transpose2d_geometry(x.shape[2:], weight.shape[2:], stride, padding, output_padding)
    x_rows = _rows(x)                                           # x plays conv2d's dout2 ...
    out = _contiguous(col2im(_spread(weight.reshape(c_in, -1), x_rows), n, c_out, geom), bias)  # ... its dx line
    return out, ConvTranspose2dCache(x_rows, weight, x.shape, geom, bias is not None)


def conv_transpose2d_backward(dout, cache, param_grads=True):
    """Returns (dx, dweight, dbias): dx is conv2d(dout, W), the weight gradient its mirror.
    ``param_grads`` False: dx only (dweight and dbias None), for a frozen layer."""
    xp = get_array_module(dout)
    n, c_in = cache.x_shape[:2]
    w2 = cache.weight.reshape(c_in, -1)
    cols = im2col(dout, cache.geom, out=_scratch((w2.shape[1], cache.x_rows.shape[1]), dout.dtype, xp))
    dx = _apply(w2, cols, n, cache.geom.small)                  # conv2d's forward, without bias
    if not param_grads:
        return dx, None, None
    dweight = _weight_grad(cols, cache.x_rows, cache.weight.shape)   # conv2d's dW, roles swapped
    dbias = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    return dx, dweight, dbias
