"""Layers that only move values around: Flatten, Reshape, Upsample.

Flatten and Reshape change the view of each example without touching its values,
so backward just puts the gradient back into the input's shape. They are the
glue between dense and convolutional halves: D ends with Flatten -> Dense, and
G starts with Dense -> Reshape((256, 7, 7)).
"""
import math

from ..ops.upsample import scale_pair, upsample_nearest_backward, upsample_nearest_forward
from .base import Layer, ShapeError


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...)."""

    def __init__(self):
        self._cache = None

    def forward(self, x):
        if x.ndim < 2:
            raise ShapeError(f"{self!r}: expected input of shape (N, ...) with at least 2 axes, got {tuple(x.shape)}")
        self._cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self._require_cache(self._cache))

    # -- second order (nn/second_order.py): a reshape is linear, so J t is the same reshape --
    def tangent_forward(self, t):
        return t.reshape(t.shape[0], -1), None

    def pair_backward(self, a_bar, t_bar, tcache):
        return self.backward(a_bar), self.backward(t_bar)


class Reshape(Layer):
    """(N, ...) -> (N, *shape); ``shape`` excludes the batch axis, e.g. Reshape((256, 7, 7))."""

    def __init__(self, shape):
        shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
        if not all(s >= 1 for s in shape):
            raise ValueError(f"Reshape sizes must be positive ints, got {shape}")
        self.shape = shape
        self._cache = None

    def forward(self, x):
        need, got = math.prod(self.shape), math.prod(x.shape[1:])
        if x.ndim < 1 or need != got:
            raise ShapeError(f"{self!r}: cannot reshape input of shape {tuple(x.shape)} to "
                             f"(N, {', '.join(map(str, self.shape))}): each example has {got} values, "
                             f"the target shape needs {need}")
        self._cache = x.shape
        return x.reshape(x.shape[0], *self.shape)

    def backward(self, dout):
        return dout.reshape(self._require_cache(self._cache))

    def tangent_forward(self, t):                       # second order: as Flatten's
        return t.reshape(t.shape[0], *self.shape), None

    def pair_backward(self, a_bar, t_bar, tcache):
        return self.backward(a_bar), self.backward(t_bar)

    def extra_repr(self):
        return str(self.shape)


class Upsample(Layer):
    """Nearest-neighbour upsampling of (N, C, H, W) images: (H, W) -> (H * s, W * s)."""

    def __init__(self, scale_factor=2):
        self.scale_factor = scale_pair(scale_factor)
        self._cache = None

    def forward(self, x):
        self._check_shape(x, (None, None, None, None))
        out, self._cache = upsample_nearest_forward(x, self.scale_factor)
        return out

    def backward(self, dout):
        return upsample_nearest_backward(dout, self._require_cache(self._cache))

    def extra_repr(self):
        sh, sw = self.scale_factor
        return f"scale_factor={sh}" if sh == sw else f"scale_factor=({sh}, {sw})"
