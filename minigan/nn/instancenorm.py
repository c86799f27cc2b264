"""InstanceNorm2d with PyTorch's conventions: affine=False by default, eps 1e-5, no running
statistics (train and eval mode compute the same thing), ``.weight`` = gamma, ``.bias`` = beta.

Pix2Pix and CycleGAN put it after most convolutions of G and D (CycleGAN's choice, following
Ulyanov et al.'s style-transfer networks): each picture is normalised on its own.
"""
import numpy as np

from ..backend import get_xp
from ..ops.instancenorm import instancenorm_backward, instancenorm_forward
from .base import Layer, Parameter, ShapeError


class InstanceNorm2d(Layer):
    def __init__(self, num_features, eps=1e-5, affine=False, dtype=np.float32, backend=None):
        self.num_features, self.eps = int(num_features), float(eps)
        xp = get_xp(backend)
        self.weight = Parameter(xp.ones(self.num_features, dtype=dtype), "weight") if affine else None
        self.bias = Parameter(xp.zeros(self.num_features, dtype=dtype), "bias") if affine else None
        self._cache = None

    def forward(self, x):
        self._check_shape(x, (None, self.num_features, None, None))
        if x.shape[2] * x.shape[3] < 2:
            raise ShapeError(f"{self!r}: needs more than one pixel per channel to estimate a variance, "
                             f"got input of shape {tuple(x.shape)}")
        gamma = None if self.weight is None else self.weight.data
        beta = None if self.bias is None else self.bias.data
        out, self._cache = instancenorm_forward(x, gamma, beta, self.eps)
        return out

    def backward(self, dout):
        dx, dgamma, dbeta = instancenorm_backward(dout, self._require_cache(self._cache))
        if self.weight is not None:
            self.weight.accumulate(dgamma)       # ADD, as every layer does
            self.bias.accumulate(dbeta)
        return dx

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps:g}" + (", affine=True" if self.weight is not None else "")
