"""Dropout (Srivastava et al. 2014), in its "inverted" form.

In train mode each value is zeroed with probability p and the survivors are
scaled by 1 / (1 - p), so the expected output equals the input and eval mode can
simply pass x through unchanged. Backward multiplies by the very same mask.

The mask is drawn where x lives, from minigan's counter-based generator (rng.py),
which makes the same bits on NumPy and CuPy: one seed gives the same masks on both.
"""
from .. import rng
from ..backend import get_array_module
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
        keep = rng.keep_mask(xp, x.shape, self.p)        # True with probability 1 - p
        # keep * 1/(1-p) in x's dtype, in one pass.
        mask = xp.multiply(keep, x.dtype.type(1.0 / (1.0 - self.p)), dtype=x.dtype)
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
