"""Nearest-neighbour upsampling of NCHW images by whole-number factors.

Forward copies each pixel into an sh-by-sw block:

    out[n, c, i, j] = x[n, c, i // sh, j // sw]         (H, W) -> (H * sh, W * sw)

Each input pixel feeds sh * sw outputs, so backward sums the upstream gradient
over each block. Viewing the output as (N, C, H, sh, W, sw) makes both directions
one line: forward broadcasts along the two block axes, backward sums them away.
Upsampling followed by a convolution ("resize-convolution", Odena et al. 2016)
is the usual cure for the checkerboard artefacts of transposed convolution.
"""
from typing import NamedTuple

import numpy as np

from ..backend import get_array_module


def scale_pair(scale_factor):
    """(sh, sw) from an int or a pair of ints, each at least 1."""
    pair = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor, scale_factor)
    # Whole numbers only: a fractional factor would need a rule for which pixel to pick.
    if len(pair) != 2 or not all(isinstance(s, (int, np.integer)) and s >= 1 for s in pair):
        raise ValueError(f"scale_factor must be a positive int or a pair of them, got {scale_factor!r}")
    return (int(pair[0]), int(pair[1]))


class UpsampleCache(NamedTuple):
    input_shape: tuple
    scale: tuple           # (sh, sw)


def upsample_nearest_forward(x, scale_factor=2):
    xp = get_array_module(x)
    sh, sw = scale_pair(scale_factor)
    n, c, h, w = x.shape
    blocks = xp.broadcast_to(x[:, :, :, None, :, None], (n, c, h, sh, w, sw))
    out = blocks.reshape(n, c, h * sh, w * sw)  # reshape copies here: the broadcast view is not contiguous
    return out, UpsampleCache(x.shape, (sh, sw))


def upsample_nearest_backward(dout, cache):
    n, c, h, w = cache.input_shape
    sh, sw = cache.scale
    return dout.reshape(n, c, h, sh, w, sw).sum(axis=(3, 5))
