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
4. No product is spent on padding rows. A patch's rows are ordered (kernel row, channel,
   kernel column), so "kernel row ki of the patches under output rows o0..o1" is one
   rectangular block of the column matrix, and each product runs over the blocks where the
   kernel row lands inside the image. The zeros of the top and bottom pads, multiplied and
   summed for nothing in conv.py (a sixth of a 5x5 "same" conv's work on a 7x7 image, a
   twelfth on 14x14), are skipped. (The left and right pads are not: a column range inside a
   row of (W, N) pixels is not one block.)

The public arrays stay NCHW and the signatures match conv.py's, so either module serves a layer.
"""
import functools
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


@functools.lru_cache(maxsize=256)
def _row_plan(geom):
    """Where each kernel row lands inside the image (not in the top or bottom pad).

    Output row oi (of the small side) reads padded row oi*sH + ki through kernel row ki, which
    is an image row when pad_top <= oi*sH + ki < pad_top + H. Returns
      bands: [(k0, k1, o0, o1)], consecutive output rows o0..o1-1 that share the kernel rows
             k0..k1-1 landing inside (k0 == k1: none do), covering every output row once;
      reach: [(o0, o1)] per kernel row ki, the output rows at which it lands inside.
    """
    (kh, _), (sh, _), (ho, _) = geom.kernel, geom.stride, geom.small
    top, h = geom.pad[0][0], geom.big[0]
    inside = [[top <= oi * sh + ki < top + h for ki in range(kh)] for oi in range(ho)]
    bands = []
    for oi, row in enumerate(inside):
        ks = [ki for ki in range(kh) if row[ki]]
        k0, k1 = (ks[0], ks[-1] + 1) if ks else (0, 0)
        if bands and bands[-1][:2] == [k0, k1]:
            bands[-1][3] = oi + 1
        else:
            bands.append([k0, k1, oi, oi + 1])
    reach = []
    for ki in range(kh):
        ois = [oi for oi in range(ho) if inside[oi][ki]]     # one run: oi*sH + ki is monotone in oi
        reach.append((ois[0], ois[-1] + 1) if ois else (0, 0))
    return tuple(map(tuple, bands)), tuple(reach)


def _kernel_rows_first(weight):
    """(A, B, kH, kW) -> (A, kH*B*kW): a weight as a matrix whose columns match the patch rows."""
    a, b, kh, kw = weight.shape
    return weight.transpose(0, 2, 1, 3).reshape(a, kh * b * kw)


def im2col(x, geom, out=None):
    """(N, C, H, W) -> (kH*C*kW, Ho*Wo*N): column j holds the patch under output pixel j.

    Kernel row ki of the patches is read through a strided *view* with axes (c, kj, oi, oj, n):
    element x_pad[c, oi*sH + ki, oj*sW + kj, n]; one copy per kernel row moves the pixels (into
    ``out`` when given, else a new array). Rows are ordered (ki, c, kj), matching
    _kernel_rows_first(W); all output pixels of the batch are columns of ONE matrix, so the
    layer is one big GEMM (split only at the padding bands, see _row_plan) rather than N small ones.
    Only the blocks where a kernel row lands inside the image are filled, the blocks the products
    read; the others (the top and bottom pads' zeros) are left as they are.
    """
    xp = get_array_module(x)
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ho, wo) = geom.kernel, geom.stride, geom.small
    (top, _), (l, r) = geom.pad
    padded = xp.zeros((c, h, l + w + r, n), dtype=x.dtype)          # the side pads only
    padded[:, :, l:l + w, :] = x.transpose(1, 2, 3, 0)
    if out is None:
        out = xp.empty((kh * c * kw, ho * wo * n), dtype=x.dtype)
    blocks = out.reshape(kh, c, kw, ho, wo, n)
    s_c, s_h, s_w, s_n = padded.strides
    for ki, (o0, o1) in enumerate(_row_plan(geom)[1]):
        if o0 == o1:
            continue
        start = padded[:, o0 * sh + ki - top:]                      # the image row output row o0 reads
        blocks[ki, :, :, o0:o1] = xp.lib.stride_tricks.as_strided(
            start, (c, kw, o1 - o0, wo, n), (s_c, s_w, s_h * sh, s_w * sw, s_n))
    return out


def col2im(cols, n, c, geom):
    """The adjoint of im2col: (kH*C*kW, Ho*Wo*N) -> an (N, C, H, W) view, patches summed.

    Patches overlap, so a pixel's gradient is the sum over every patch that saw it. We add
    one kernel offset at a time: kH*kW strided adds (25 for a 5x5 kernel), each covering
    all channels, pixels and images at once. That Python loop is the honest fast way in
    NumPy: np.add.at would do the scatter in one call but is unbuffered and many times slower.
    Kernel row ki is read only at the output rows where it lands inside the image (_row_plan):
    _spread computes nothing else, and what fell in the top or bottom pad would be cut off anyway,
    so the buffer has no top or bottom pad. Every pixel still sums its terms in the same order.
    """
    xp = get_array_module(cols)
    (kh, kw), (sh, sw), (ho, wo) = geom.kernel, geom.stride, geom.small
    (top, _), (l, r) = geom.pad
    (h, w), (_, reach) = geom.big, _row_plan(geom)
    patches = cols.reshape(kh, c, kw, ho, wo, n)
    padded = xp.zeros((c, h, l + w + r, n), dtype=cols.dtype)
    for i in range(kh):
        o0, o1 = reach[i]
        if o0 == o1:
            continue
        first = o0 * sh + i - top                       # the image row output row o0 reaches
        rows = slice(first, first + sh * (o1 - o0 - 1) + 1, sh)
        for j in range(kw):
            padded[:, rows, j:j + sw * wo:sw, :] += patches[i, :, j, o0:o1]
    return padded[:, :, l:l + w, :].transpose(3, 0, 1, 2)


# --- the three products every conv op is made of --------------------------------------------
# Each is written so that the GEMM's output has many rows (pixels, or C*kH*kW) and few
# columns (channels), never the other way round. Same numbers, same FLOPs, but OpenBLAS
# can take several times longer for a short, wide result such as (64, 3136) than for its
# (3136, 64) transpose. The transposes are views; only small results are copied.
# Each runs as a few GEMMs over the blocks of _row_plan, so padding rows cost nothing; every
# block is a strided 2-D view that BLAS reads in place.
def _blocks(geom, rows_per_k, pixels):
    """Per band of _row_plan: (patch rows, pixel columns) slices of a (kH*rows_per_k, pixels) matrix."""
    run = pixels // geom.small[0]                       # Wo*N pixel columns per output row
    return [(slice(k0 * rows_per_k, k1 * rows_per_k), slice(o0 * run, o1 * run))
            for k0, k1, o0, o1 in _row_plan(geom)[0]]


def _apply(w2, cols, n, geom, bias=None):
    """Each output pixel = the weight times its patch: W2 @ cols, as an (N, C, h, w) image."""
    xp = get_array_module(cols)
    c, m = w2.shape[0], cols.shape[1]
    pixels = _scratch((m, c), cols.dtype, xp, "pixels")                 # = (W2 @ cols).T
    for ks, ps in _blocks(geom, w2.shape[1] // geom.kernel[0], m):
        if ks.start == ks.stop:
            pixels[ps] = 0                              # every kernel row in the pads
        else:
            xp.matmul(cols[ks, ps].T, w2[:, ks].T, out=pixels[ps])
    # (h*w, N, C) -> (N, C, h*w) in two moves: whole C-runs to (N, h*w, C) first, then one
    # small transpose per image; the direct 3-axis shuffle jumps around memory and is slower.
    staged = _scratch((n, m // n, c), cols.dtype, xp, "staged")
    pixels = pixels.reshape(m // n, n, c).transpose(1, 0, 2)
    if bias is None:
        staged[...] = pixels
    else:
        xp.add(pixels, bias, out=staged)
    out = xp.empty((n, c, *geom.small), dtype=cols.dtype)
    out.reshape(n, c, -1)[...] = staged.transpose(0, 2, 1)
    return out


def _spread(w2, rows, geom):
    """Each pixel's channels, spread back through the weight into patches: W2.T @ rows.
    Only the blocks col2im reads are computed; the rest of the scratch holds stale numbers."""
    xp = get_array_module(rows)
    out = _scratch((w2.shape[1], rows.shape[1]), rows.dtype, xp)
    for ks, ps in _blocks(geom, w2.shape[1] // geom.kernel[0], rows.shape[1]):
        if ks.start != ks.stop:
            xp.matmul(w2[:, ks].T, rows[:, ps], out=out[ks, ps])
    return out


def _weight_grad(cols, rows, geom, shape):
    """dW = rows @ cols.T: every patch times the gradient (or input) at its pixel, summed; one
    product per kernel row, over the pixels at which that row lands inside the image."""
    xp = get_array_module(cols)
    kh, per_row = geom.kernel[0], cols.shape[0] // geom.kernel[0]
    run = cols.shape[1] // geom.small[0]
    out = xp.empty((cols.shape[0], rows.shape[0]), dtype=cols.dtype)    # tall: (kH*C*kW, C')
    for ki, (o0, o1) in enumerate(_row_plan(geom)[1]):
        ks, ps = slice(ki * per_row, (ki + 1) * per_row), slice(o0 * run, o1 * run)
        if o0 == o1:
            out[ks] = 0
        else:
            xp.matmul(cols[ks, ps], rows[:, ps].T, out=out[ks])
    a, b, kh, kw = shape                                # back from (kH, C, kW) to (C, kH, kW) order
    return out.T.reshape(a, kh, b, kw).transpose(0, 2, 1, 3)


# --- conv2d ------------------------------------------------------------------------------
def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    """x (N, C_in, H, W), weight (C_out, C_in, kH, kW), bias (C_out,) -> (N, C_out, Ho, Wo)."""
    n = x.shape[0]
    geom = conv2d_geometry(x.shape[2:], weight.shape[2:], stride, padding)
    cols = im2col(x, geom)                                      # (kH*C_in*kW, Ho*Wo*N)
    out = _apply(_kernel_rows_first(weight), cols, n, geom, bias)
    return out, Conv2dCache(cols, weight, x.shape, geom, bias is not None)


def conv2d_backward(dout, cache, param_grads=True, input_grad=True):
    """Returns (dx, dweight, dbias); dbias is None when the layer has no bias.
    ``param_grads`` False: dx only (dweight and dbias None), for a frozen layer.
    ``input_grad`` False: dx None, for a first layer whose input nobody differentiates."""
    n, c_in = cache.x_shape[:2]
    w2 = _kernel_rows_first(cache.weight)
    dout2 = _rows(dout)                                         # (C_out, Ho*Wo*N)
    dx = None
    if input_grad:                                              # a transposed conv of dout
        dx = _contiguous(col2im(_spread(w2, dout2, cache.geom), n, c_in, cache.geom))
    if not param_grads:
        return dx, None, None
    dweight = _weight_grad(cache.cols, dout2, cache.geom, cache.weight.shape)
    dbias = dout2.sum(axis=1) if cache.has_bias else None
    return dx, dweight, dbias


# --- conv_transpose2d: conv2d's input gradient, run forwards --------------------------------
def conv_transpose2d_forward(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    """x (N, C_in, h, w), weight (C_in, C_out, kH, kW), bias (C_out,) -> (N, C_out, H, W)."""
    n, c_out = x.shape[0], weight.shape[1]
    geom = conv_transpose2d_geometry(x.shape[2:], weight.shape[2:], stride, padding, output_padding)
    x_rows = _rows(x)                                           # x plays conv2d's dout2 ...
    out = _contiguous(col2im(_spread(_kernel_rows_first(weight), x_rows, geom), n, c_out, geom), bias)  # ... its dx line
    return out, ConvTranspose2dCache(x_rows, weight, x.shape, geom, bias is not None)


def conv_transpose2d_backward(dout, cache, param_grads=True, input_grad=True):
    """Returns (dx, dweight, dbias): dx is conv2d(dout, W), the weight gradient its mirror.
    ``param_grads`` False: dx only (dweight and dbias None), for a frozen layer.
    ``input_grad`` False: dx None, for a first layer whose input nobody differentiates."""
    xp = get_array_module(dout)
    n = cache.x_shape[0]
    w2 = _kernel_rows_first(cache.weight)
    cols = im2col(dout, cache.geom, out=_scratch((w2.shape[1], cache.x_rows.shape[1]), dout.dtype, xp))
    dx = _apply(w2, cols, n, cache.geom) if input_grad else None    # conv2d's forward, without bias
    if not param_grads:
        return dx, None, None
    dweight = _weight_grad(cols, cache.x_rows, cache.geom, cache.weight.shape)   # conv2d's dW, roles swapped
    dbias = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    return dx, dweight, dbias
