"""Spectral normalisation (Miyato et al. 2018): use W / sigma(W), sigma = W's largest singular value.

Dividing every layer of D by its spectral norm bounds D's Lipschitz constant by 1 (for
1-Lipschitz activations), which is the constraint WGAN needed, without clipping weights.

sigma is estimated by power iteration with a persistent vector u (a buffer, saved in
state_dict). W is viewed as a matrix with one row per output unit: (C_out, C_in*kH*kW) for a
conv; for Dense (in, out) its own shape -- sigma does not care about a transpose. In training
mode each forward first takes one power-iteration step, treating u as a constant afterwards:

    u <- normalize(W normalize(W^T u))                        (no gradient flows into u)
    v  = W^T u / ||W^T u||,   sigma = u^T W v = ||W^T u||

With u constant, sigma(W) = ||W^T u|| is a smooth function of W with d sigma / dW = u v^T
(differentiate sqrt(u^T W W^T u)), so the backward of W_sn = W / sigma is, for G = dL/dW_sn,

    dL/dW = (G - <G, W_sn> u v^T) / sigma                     (Miyato et al. 2018, eq. 12)

exact for this forward, hence checkable by finite differences (in eval mode, where u stays put).
"""
import numpy as np

from ..backend import get_array_module
from .base import Layer


def _normalize(v):
    xp = get_array_module(v)
    return v / (xp.sqrt((v * v).sum()) + 1e-12)


def spectral_normalize(weight, u):
    """(W / sigma, cache) with sigma = ||W^T u|| (u fixed); ``u`` has W.shape[0] entries."""
    w = weight.reshape(weight.shape[0], -1)
    wtu = w.T @ u
    sigma = get_array_module(w).sqrt((wtu * wtu).sum())
    v = wtu / sigma
    return weight / sigma, (u, v, sigma, weight.shape)


def spectral_normalize_backward(dw_sn, w_sn, cache):
    """dL/dW from dL/dW_sn (see the module docstring)."""
    u, v, sigma, shape = cache
    g = dw_sn.reshape(shape[0], -1)
    inner = (g * w_sn.reshape(shape[0], -1)).sum()
    return ((g - inner * (u[:, None] * v[None, :])) / sigma).reshape(shape)


class SpectralNorm(Layer):
    """Wrap a layer with a ``.weight`` (Dense, Conv2d): ``SpectralNorm(nn.Dense(2, 128))``.

    The wrapped layer keeps its own parameters (named ``layer.weight``...); on each forward its
    weight is swapped for W / sigma, and on backward its gradient is mapped back through the
    division. u starts random (seeded by ``rng``), as in the paper's Algorithm 1.
    """

    buffer_names = ("u",)

    def __init__(self, layer, rng=None):
        from ..rng import get_rng
        self.layer = layer
        w = layer.weight.data
        xp = get_array_module(w)
        u = get_rng(rng).standard_normal(w.shape[0])
        self.u = xp.asarray(_normalize(u), dtype=w.dtype)
        self._cache = None

    def power_iteration(self):
        w = self.layer.weight.data.reshape(self.u.shape[0], -1)
        self.u[...] = _normalize(w @ _normalize(w.T @ self.u))   # in place: the buffer's array persists

    def _swap_out(self, saved, w_sn, cache):
        """Put W back and add dL/dW (through the normalisation) into its real gradient."""
        p = self.layer.weight
        dw_sn = p.grad
        p.data, p.grad = saved
        p.accumulate(spectral_normalize_backward(dw_sn, w_sn, cache))

    def forward(self, x):
        if self.training:
            self.power_iteration()
        p = self.layer.weight
        w_sn, cache = spectral_normalize(p.data, self.u)
        raw, p.data = p.data, w_sn             # the layer computes with W / sigma ...
        try:
            out = self.layer.forward(x)
        finally:
            p.data = raw                       # ... and the parameter keeps the raw W
        self._cache = (w_sn, cache)
        return out

    def _call_normalized(self, fn, *args):
        """Run fn(layer, ...) with W / sigma of the last forward in place, mapping gradients back."""
        w_sn, cache = self._require_cache(self._cache)
        p = self.layer.weight
        saved = (p.data, p.grad)
        p.data, p.grad = w_sn, get_array_module(w_sn).zeros_like(w_sn)
        try:
            return fn(self.layer, *args)
        finally:
            self._swap_out(saved, w_sn, cache)

    def backward(self, dout):
        return self._call_normalized(lambda layer, d: layer.backward(d), dout)

    # -- second order (nn/second_order.py): the wrapped layer's own rules, with W / sigma in place
    def tangent_forward(self, t):
        return self._call_normalized(lambda layer, t: layer.tangent_forward(t), t)

    def pair_backward(self, a_bar, t_bar, tcache):
        return self._call_normalized(lambda layer, *adjoints: layer.pair_backward(*adjoints), a_bar, t_bar, tcache)

    def extra_repr(self):
        return repr(self.layer)


def sigma_of(layer):
    """The exact largest singular value of a layer's weight (for plots and tests)."""
    from ..backend import to_numpy
    w = to_numpy(layer.weight.data)
    return float(np.linalg.norm(w.reshape(w.shape[0], -1), 2))

