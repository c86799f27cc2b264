"""Activation layers: thin wrappers that keep the op's cache for backward."""
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


class ReLU(_Elementwise):
    _forward = staticmethod(ops.relu_forward)
    _backward = staticmethod(ops.relu_backward)


class Tanh(_Elementwise):
    _forward = staticmethod(ops.tanh_forward)
    _backward = staticmethod(ops.tanh_backward)


class Sigmoid(_Elementwise):
    _forward = staticmethod(ops.sigmoid_forward)
    _backward = staticmethod(ops.sigmoid_backward)


class LeakyReLU(_Elementwise):
    """max(x, slope * x); DCGAN's discriminator uses slope 0.2 (Radford et al. 2015)."""

    def __init__(self, slope=0.2):
        super().__init__()
        self.slope = float(slope)

    def _forward(self, x):
        return ops.leaky_relu_forward(x, self.slope)

    _backward = staticmethod(ops.leaky_relu_backward)

    def extra_repr(self):
        return f"slope={self.slope}"
