"""The skip connection of a U-Net: a layer's input travels past it and is laid beside its output.

    forward:   out = concat([inner(x), x], along channels)
    backward:  dx  = inner.backward(dout[:, :c]) + dout[:, c:]

x reaches the output by two roads, so its gradient is the SUM of what comes back along each: the
long road through ``inner`` (in a U-Net, down through the bottleneck and back up) and the short
road, the copy. The short road brings the output's gradient to x untouched by any layer, which is
why a U-Net's early layers learn fast and its output keeps the input's fine detail.
"""
from ..backend import get_array_module
from ..nn.base import Layer


def concat_channels(a, b):
    return get_array_module(a).concatenate([a, b], axis=1)


def split_channels(g, c):
    """The gradient of concat_channels(a, b) split back into a's part (c channels) and b's."""
    return g[:, :c], g[:, c:]


class Skip(Layer):
    """``concat([inner(x), x])``; backward sums the gradient through ``inner`` and the skip's.

    ``last_parts`` keeps the two terms of the last backward ("through" and "skip") so a learner
    can look at each, and a test can check that their sum is x's gradient.
    """

    def __init__(self, inner):
        self.inner = inner
        self._inner_channels = None
        self.last_parts = None

    def forward(self, x):
        y = self.inner.forward(x)
        self._inner_channels = y.shape[1]
        return concat_channels(y, x)

    def backward(self, dout):
        if self._inner_channels is None:
            raise RuntimeError(f"{self!r}: backward() called before forward()")
        d_inner_out, d_skip = split_channels(dout, self._inner_channels)
        d_through = self.inner.backward(d_inner_out)
        self.last_parts = {"through": d_through, "skip": d_skip}
        return d_through + d_skip           # two roads from x to the output: their gradients add

    def extra_repr(self):
        return repr(self.inner).replace("\n", "\n  ")
