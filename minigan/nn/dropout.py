"""Dropout (Srivastava et al. 2014), in its "inverted" form.

In train mode each value is zeroed with probability p and the survivors are
scaled by 1 / (1 - p), so the expected output equals the input and eval mode can
simply pass x through unchanged. Backward multiplies by the very same mask.

The mask is drawn on the CPU from minigan's seeded generator and then moved to
the input's backend, so one seed gives the same masks on NumPy and CuPy.
"""
import numpy as np

from ..backend import get_array_module
from ..rng import get_rng
from .base import Layer


class Dropout(Layer):
    def __init__(self, p=0.5):
        p = float(p)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout probability p must be in [0, 1), got {p}")
        self.p = p
        self._cache = None

    def forward(self, x):
        if not self.training or self.p == 0.0:
            self._cache = 1  # identity: backward multiplies by 1
            return x
        xp = get_array_module(x)
        # float32 uniforms: 24 random bits are plenty to compare with p, and drawing them
        # costs less than float64's 53 (this mask is drawn 6 times per DCGAN training step).
        keep = get_rng().random(x.shape, dtype=np.float32) >= self.p   # True with prob 1 - p
        # keep * 1/(1-p) in x's dtype, made where x lives in one pass: to a GPU only the
        # booleans travel (1 byte each, not a float's 4).
        mask = xp.multiply(xp.asarray(keep), x.dtype.type(1.0 / (1.0 - self.p)), dtype=x.dtype)
        self._cache = mask
        return x * mask

    def backward(self, dout):
        return dout * self._require_cache(self._cache)

    # -- second order (nn/second_order.py): with its mask fixed, dropout is linear in x ------
    def tangent_forward(self, t):
        return t * self._require_cache(self._cache), None

    def pair_backward(self, a_bar, t_bar, tcache):
        return self.backward(a_bar), self.backward(t_bar)

    def extra_repr(self):
        return f"p={self.p}"
