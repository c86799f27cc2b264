"""Two ways to let D look at several samples at once, the classic cures for mode collapse.

* ``Pack(m)`` -- PacGAN (Lin et al. 2018): D judges m samples concatenated into one input, so a
  generator whose samples all look alike is caught by their sameness. (N*m, d) -> (N, m*d):
  consecutive rows become one "pack", which is just a reshape (and its backward reshapes back).
* ``MinibatchStdDev()`` -- Karras et al. 2018 (ProGAN), sec. 3: append one feature, the average
  over features of the standard deviation across the batch. A collapsed batch has a small one.
"""
from ..backend import get_array_module
from .base import Layer, ShapeError


class Pack(Layer):
    """(N*m, ...) -> (N, m * ...): m consecutive samples become one input of D.

    In eval mode each sample is judged on its own, as a pack of m copies of itself
    ((N, ...) -> (N, m * ...)), so that D's opinion of single points can still be drawn
    (the heat maps of a run's pictures); backward then sums the m copies' gradients.
    """

    def __init__(self, m):
        if int(m) < 1:
            raise ValueError(f"Pack: m must be >= 1, got {m}")
        self.m = int(m)
        self._cache = None

    def forward(self, x):
        kind = "packs" if self.training else "copies"
        if kind == "packs" and len(x) % self.m:
            raise ShapeError(f"{self!r}: the batch of {len(x)} samples does not split into packs of "
                             f"{self.m}; use a batch size divisible by {self.m}")
        self._cache = (kind, x.shape)
        return self._arrange(x, kind)

    def _arrange(self, x, kind):
        if kind == "copies":
            flat = x.reshape(len(x), 1, -1)
            return get_array_module(x).concatenate([flat] * self.m, axis=1).reshape(len(x), -1)
        return x.reshape(len(x) // self.m, -1)

    def backward(self, dout):
        kind, shape = self._require_cache(self._cache)
        if kind == "copies":
            return dout.reshape(shape[0], self.m, -1).sum(axis=1).reshape(shape)
        return dout.reshape(shape)

    # -- second order (nn/second_order.py): packing is linear, so J t is t arranged the same way
    def tangent_forward(self, t):
        kind, _ = self._require_cache(self._cache)
        return self._arrange(t, kind), None

    def pair_backward(self, a_bar, t_bar, tcache):
        return self.backward(a_bar), self.backward(t_bar)

    def extra_repr(self):
        return f"m={self.m}"


class MinibatchStdDev(Layer):
    """(N, d) -> (N, d + 1) or (N, C, H, W) -> (N, C + 1, H, W); the new entry, the same for all
    examples, is

        s = mean_j sigma_j,   sigma_j = sqrt(mean_i (x_ij - mu_j)^2 + eps)

    over the whole batch i and every feature j. Backward: the first d entries of dout pass
    straight through; the new one, summed over the batch (S = sum_i dout_i,new), flows into
    every x_ij by ds/dx_ij = (x_ij - mu_j) / (N D sigma_j), D = number of features (the
    terms from mu's own dependence on x_ij sum to zero).
    """

    def __init__(self, eps=1e-8):
        self.eps = float(eps)
        self._cache = None

    def forward(self, x):
        if x.ndim not in (2, 4):
            raise ShapeError(f"{self!r}: expected (N, d) or (N, C, H, W), got {tuple(x.shape)}")
        if len(x) < 2:
            raise ShapeError(f"{self!r}: needs a batch of at least 2 examples, got {len(x)}")
        xp = get_array_module(x)
        centered = x - x.mean(axis=0, keepdims=True)
        sigma = xp.sqrt((centered * centered).mean(axis=0) + self.eps)   # per feature, x.shape[1:]
        s = sigma.mean()
        extra_shape = (len(x), 1) + x.shape[2:]
        out = xp.concatenate([x, xp.full(extra_shape, s, dtype=x.dtype)], axis=1)
        self._cache = (centered, sigma)
        return out

    def backward(self, dout):
        centered, sigma = self._require_cache(self._cache)
        n, total = len(centered), sigma.size
        S = dout[:, centered.shape[1]:].sum()                     # all examples' gradient for s
        return dout[:, :centered.shape[1]] + S * centered / (n * total * sigma)

    def extra_repr(self):
        return ""

