"""Dense: ``x @ W + b`` with W of shape (in_features, out_features)."""
import numpy as np

from .. import init
from ..backend import get_xp
from ..ops.linear import dense_backward, dense_forward
from .base import Layer, Parameter, wants_grad


class Dense(Layer):
    def __init__(self, in_features, out_features, bias=True, init_scheme="xavier",
                 rng=None, dtype=np.float32, backend=None):
        self.in_features, self.out_features = int(in_features), int(out_features)
        xp = get_xp(backend)
        w = init.init_weight(init_scheme, (self.in_features, self.out_features), *self.fans(), rng=rng, dtype=dtype)
        self.weight = Parameter(xp.asarray(w), "weight")
        self.bias = Parameter(xp.zeros(self.out_features, dtype=dtype), "bias") if bias else None
        self._cache = None

    def fans(self):
        return self.in_features, self.out_features

    def forward(self, x):
        self._check_shape(x, (None, self.in_features))
        out, self._cache = dense_forward(x, self.weight.data, None if self.bias is None else self.bias.data)
        return out

    def backward(self, dout):
        dx, dweight, dbias = dense_backward(dout, self._require_cache(self._cache),
                                            param_grads=wants_grad(self.weight, self.bias),
                                            input_grad=self.input_grad)
        self.weight.accumulate(dweight)
        if self.bias is not None:
            self.bias.accumulate(dbias)
        return dx

    # -- second order (nn/second_order.py): J t = t W, the tangent skips the bias ----------
    def tangent_forward(self, t):
        return dense_forward(t, self.weight.data)       # (t W, the op's cache of the pair (t, W))

    def pair_backward(self, a_bar, t_bar, tcache):
        a_bar_in = self.backward(a_bar)                 # J^T a_bar; adds a^T a_bar to dW, sum a_bar to db
        t_bar_in, dweight, _ = dense_backward(t_bar, tcache, param_grads=self.weight.requires_grad)
        self.weight.accumulate(dweight)                 # d/dW <t_bar, t W> = t^T t_bar
        return a_bar_in, t_bar_in

    def extra_repr(self):
        return f"{self.in_features} -> {self.out_features}" + ("" if self.bias is not None else ", bias=False")
