"""Convolution and transposed convolution as pure forward/backward pairs (NCHW).

conv2d slides a (C_in, kH, kW) filter over the image; every output pixel is the dot
product of the filter with one patch. im2col copies every patch into a column of one
matrix, and the whole layer becomes a single matrix product (what BLAS is fast at):

    cols = im2col(x)                (C_in*kH*kW, N*Ho*Wo)   one column per output pixel
    out  = W2 @ cols                (C_out, N*Ho*Wo)         W2 = W.reshape(C_out, -1)

Backward is two more products and col2im, which adds each column back onto the
patch it was copied from (patches overlap, so their gradients sum):

    dW   = dout2 @ cols.T           dout2 = dout as (C_out, N*Ho*Wo)
    dx   = col2im(W2.T @ dout2)

(The code computes W2 @ cols and dout2 @ cols.T as transposes of cols.T @ W2.T and
cols @ dout2.T: the same numbers, in the orientation BLAS runs fastest; see _apply.)

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
import threading
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


# --- the building blocks: patches, un-patches, and channel-major rows -----------------------
# Layout. Inside these ops an image is held "batch innermost", as (C, H, W, N): the batch
# axis is the one that is contiguous. Every copy below then moves runs of N numbers at a
# time instead of runs of W (5-14 pixels), which makes im2col and col2im 2-3x faster in
# NumPy; the GEMMs do not care about column order. The public arrays stay NCHW: _rows and
# _apply convert at the edges, and those copies are as small as the activations.
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
    by page on first touch, which cost ~10 ms per layer step here (a fifth of the time). So
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
# columns (channels), never the other way round. Same numbers, same FLOPs, but measured
# with OpenBLAS on 2 busy cores a (64, 3136) result took up to 5x longer than its
# (3136, 64) transpose. The transposes are views; only small results are copied.
def _apply(w2, cols, n, hw, bias=None):
    """Each output pixel = the weight times its patch: W2 @ cols, as an (N, C, h, w) image."""
    xp = get_array_module(cols)
    c, m = w2.shape[0], cols.shape[1]
    pixels = xp.matmul(cols.T, w2.T, out=_scratch((m, c), cols.dtype, xp, "pixels"))  # = (W2 @ cols).T
    # (h*w, N, C) -> (N, C, h*w) in two moves: whole C-runs to (N, h*w, C) first, then one
    # small transpose per image; the direct 3-axis shuffle jumps around memory, 2-4x slower.
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
class Conv2dCache(NamedTuple):
    cols: np.ndarray      # im2col(x): reused by the weight gradient
    weight: np.ndarray
    x_shape: tuple
    geom: ConvGeometry
    has_bias: bool


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
class ConvTranspose2dCache(NamedTuple):
    x_rows: np.ndarray    # x as (C_in, h*w*N): reused by the weight gradient
    weight: np.ndarray
    x_shape: tuple
    geom: ConvGeometry
    has_bias: bool


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
