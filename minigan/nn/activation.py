"""Activation layers: thin wrappers that keep the op's cache for backward.

Each also knows its first and second derivative at the last forward's input, for the
second-order rules a gradient penalty needs (nn/second_order.py): for y = phi(a),

    J t = phi'(a) t,   t_bar_in = phi'(a) t_bar,   a_bar_in = phi'(a) a_bar + phi''(a) t t_bar.
"""
from .. import ops
from .base import Layer


class _Elementwise(Layer):
    """An activation with no parameters: forward caches, backward applies the local derivative."""

    def __init__(self):
        self._cache = None

    def forward(self, x):
        out, self._cache = self._forward(x)
        return out

    def backward(self, dout):
        return self._backward(dout, self._require_cache(self._cache))

    def derivatives(self):
        """(phi'(a), phi''(a)) at the last forward's input; phi'' None where it is 0."""
        raise NotImplementedError

    def tangent_forward(self, t):
        d1, _ = self.derivatives()
        return t * d1, t                                 # t is kept: the phi'' term needs it

    def pair_backward(self, a_bar, t_bar, t):
        d1, d2 = self.derivatives()
        a_bar_in = a_bar * d1
        if d2 is not None:
            a_bar_in = a_bar_in + d2 * t * t_bar
        return a_bar_in, t_bar * d1


class ReLU(_Elementwise):
    _forward = staticmethod(ops.relu_forward)
    _backward = staticmethod(ops.relu_backward)

    def derivatives(self):
        return self._require_cache(self._cache), None    # the cache is the mask a > 0; phi'' = 0


class Tanh(_Elementwise):
    _forward = staticmethod(ops.tanh_forward)
    _backward = staticmethod(ops.tanh_backward)

    def derivatives(self):
        y = self._require_cache(self._cache)             # the cache is y = tanh(a)
        d1 = 1 - y * y
        return d1, -2 * y * d1


class Sigmoid(_Elementwise):
    _forward = staticmethod(ops.sigmoid_forward)
    _backward = staticmethod(ops.sigmoid_backward)

    def derivatives(self):
        y = self._require_cache(self._cache)             # the cache is y = sigmoid(a)
        d1 = y * (1 - y)
        return d1, d1 * (1 - 2 * y)


class LeakyReLU(_Elementwise):
    """max(x, slope * x); DCGAN's discriminator uses slope 0.2 (Radford et al. 2015)."""

    def __init__(self, slope=0.2):
        super().__init__()
        self.slope = float(slope)

    def _forward(self, x):
        return ops.leaky_relu_forward(x, self.slope)

    _backward = staticmethod(ops.leaky_relu_backward)

    def derivatives(self):
        return self._require_cache(self._cache), None    # the cache is the slope used per element

    def extra_repr(self):
        return f"slope={self.slope}"
