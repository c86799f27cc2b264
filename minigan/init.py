"""Weight initialisers. Every draw comes from minigan's seeded generator (or an ``rng``).

Each function returns a NumPy array of the requested shape and dtype; layers
move it to their backend. ``fan_in``/``fan_out`` count the inputs/outputs that
one weight connects: for a dense layer its in/out features, for a convolution
channels times kernel area.
"""
import math

import numpy as np

from .rng import get_rng


def normal(shape, std=0.02, mean=0.0, rng=None, dtype=np.float32):
    """N(mean, std^2). DCGAN (Radford et al. 2015, sec. 4) uses N(0, 0.02^2) for every weight."""
    return (mean + std * get_rng(rng).standard_normal(shape)).astype(dtype)


def xavier_uniform(shape, fan_in, fan_out, rng=None, dtype=np.float32):
    """U(-a, a), a = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010); Keras's default."""
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return get_rng(rng).uniform(-a, a, shape).astype(dtype)


def xavier_normal(shape, fan_in, fan_out, rng=None, dtype=np.float32):
    """N(0, 2 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""
    return normal(shape, std=math.sqrt(2.0 / (fan_in + fan_out)), rng=rng, dtype=dtype)


def he_normal(shape, fan_in, fan_out=None, rng=None, dtype=np.float32):
    """N(0, 2 / fan_in) (He et al. 2015), which keeps ReLU activations' variance steady."""
    return normal(shape, std=math.sqrt(2.0 / fan_in), rng=rng, dtype=dtype)


def he_uniform(shape, fan_in, fan_out=None, rng=None, dtype=np.float32):
    """U(-a, a), a = sqrt(6 / fan_in) (He et al. 2015)."""
    a = math.sqrt(6.0 / fan_in)
    return get_rng(rng).uniform(-a, a, shape).astype(dtype)


SCHEMES = {
    "xavier": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he": he_normal,
    "he_uniform": he_uniform,
    "dcgan": lambda shape, fan_in, fan_out, rng=None, dtype=np.float32: normal(shape, 0.02, rng=rng, dtype=dtype),
}


def init_weight(scheme, shape, fan_in, fan_out, rng=None, dtype=np.float32):
    """Draw a weight with a named scheme: one of SCHEMES."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; choose one of {sorted(SCHEMES)}")
    return SCHEMES[scheme](shape, fan_in, fan_out, rng=rng, dtype=dtype)


def initialize(model, scheme="dcgan", rng=None):
    """Re-draw every weight of a model with one scheme; biases become zero.

    For "dcgan", normalisation scales (gamma) are drawn from N(1, 0.02^2) as in
    the DCGAN reference code. Returns the model.
    """
    from .backend import to_backend, backend_of
    for layer in model.modules():
        weight = getattr(layer, "weight", None)
        is_norm = getattr(layer, "is_normalization", False)
        if weight is None or not (is_norm or hasattr(layer, "fans")):
            continue
        dtype, where = weight.data.dtype, backend_of(weight.data)
        if is_norm:
            new = normal(weight.shape, 0.02, 1.0, rng, dtype) if scheme == "dcgan" else np.ones(weight.shape, dtype)
        else:
            fan_in, fan_out = layer.fans()
            new = init_weight(scheme, weight.shape, fan_in, fan_out, rng, dtype)
        weight.data[...] = to_backend(new, where)
        bias = getattr(layer, "bias", None)
        if bias is not None:
            bias.data[...] = 0
    return model
