"""BatchNorm1d and BatchNorm2d, with PyTorch's conventions.

* ``.weight`` is gamma (starts at ones), ``.bias`` is beta (starts at zeros).
* Train mode normalises with the batch's statistics (biased variance, / m) and
  updates the running estimates  r <- (1 - momentum) * r + momentum * batch_stat,
  where the variance fed in is the UNBIASED one (/ (m - 1)): it estimates the
  population variance that eval mode will divide by.
* Eval mode normalises with the running estimates, so one example's output no
  longer depends on the rest of its batch.

DCGAN (Radford et al. 2015) puts batch norm in both G and D, except G's output
layer and D's input layer.
"""
import numpy as np

from ..backend import get_xp
from ..ops.norm import batchnorm_backward, batchnorm_eval_backward, batchnorm_eval_forward, batchnorm_forward
from .base import Layer, Parameter, ShapeError


class _BatchNorm(Layer):
    is_normalization = True  # minigan.init draws gamma ~ N(1, 0.02) for these under "dcgan"
    buffer_names = ("running_mean", "running_var")
    spatial_dims = 0  # extra axes after (N, C): 0 for 1d, 2 for 2d

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, dtype=np.float32, backend=None):
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {momentum}")
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), float(momentum)
        xp = get_xp(backend)
        c = self.num_features
        self.weight = Parameter(xp.ones(c, dtype=dtype), "weight") if affine else None
        self.bias = Parameter(xp.zeros(c, dtype=dtype), "bias") if affine else None
        self.running_mean = xp.zeros(c, dtype=dtype)
        self.running_var = xp.ones(c, dtype=dtype)
        self._cache = None
        self._backward_op = None

    def forward(self, x):
        self._check_shape(x, (None, self.num_features) + (None,) * self.spatial_dims)
        gamma = None if self.weight is None else self.weight.data
        beta = None if self.bias is None else self.bias.data
        if not self.training:
            out, self._cache = batchnorm_eval_forward(x, gamma, beta, self.running_mean, self.running_var, self.eps)
            self._backward_op = batchnorm_eval_backward
            return out
        m = x.size // self.num_features  # values per channel
        if m < 2:
            raise ShapeError(f"{self!r}: train mode needs more than 1 value per channel to estimate a variance, "
                             f"got input of shape {tuple(x.shape)}; use a larger batch or call .eval()")
        out, self._cache = batchnorm_forward(x, gamma, beta, self.eps)
        self._backward_op = batchnorm_backward
        self._update_running_stats(self._cache.mean, self._cache.var * (m / (m - 1)))
        return out

    def _update_running_stats(self, mean, unbiased_var):
        # In place (not rebinding), so arrays loaded with load_state_dict stay the ones in use;
        # the running stats keep their own dtype whatever the input's.
        mom = self.momentum
        self.running_mean[...] = (1 - mom) * self.running_mean + mom * mean
        self.running_var[...] = (1 - mom) * self.running_var + mom * unbiased_var

    def backward(self, dout):
        dx, dgamma, dbeta = self._backward_op(dout, self._require_cache(self._cache))
        if self.weight is not None:
            self.weight.accumulate(dgamma)
        if self.bias is not None:
            self.bias.accumulate(dbeta)
        return dx

    def extra_repr(self):
        extra = "" if self.weight is not None else ", affine=False"
        return f"{self.num_features}, eps={self.eps:g}, momentum={self.momentum:g}{extra}"


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) features, e.g. after a Dense layer."""
    spatial_dims = 0


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) images: one gamma/beta per channel, statistics over N, H, W."""
    spatial_dims = 2
