"""The cases ``minigan gradcheck`` runs: every layer, activation and objective, in float64.

Each case builds its subject with random (not unit) parameters and a random input of
an awkward shape, so that a backward bug cannot hide behind a gamma of 1, a square
kernel or a gradient of ones.
"""
import numpy as np

from . import nn
from .gradcheck import check_grads
from .losses import OBJECTIVES


def _randomize(layer, rng):
    layer.astype(np.float64)
    for p in layer.parameters():
        p.data[...] = rng.uniform(0.5, 1.5, p.shape) * rng.choice([-1, 1], p.shape)
    return layer


def _layer_cases():
    """(name, layer factory, input shape) for every layer type.

    A layer right before BatchNorm has no bias: BN subtracts the mean, so that bias has an exactly
    zero gradient, which a relative error cannot measure (and DCGAN drops it for the same reason).
    """
    cases = [
        ("Dense", lambda: nn.Dense(7, 5), (4, 7)),
        ("Dense (no bias)", lambda: nn.Dense(6, 3, bias=False), (3, 6)),
        ("ReLU", nn.ReLU, (5, 6)),
        ("LeakyReLU", lambda: nn.LeakyReLU(0.2), (5, 6)),
        ("Tanh", nn.Tanh, (5, 6)),
        ("Sigmoid", nn.Sigmoid, (5, 6)),
        ("Dropout (train)", lambda: nn.Dropout(0.3), (4, 9)),
        ("Flatten", nn.Flatten, (2, 3, 4, 5)),
        ("Reshape", lambda: nn.Reshape((3, 2, 2)), (2, 12)),
        ("BatchNorm1d", lambda: nn.BatchNorm1d(5), (6, 5)),
        ("BatchNorm2d", lambda: nn.BatchNorm2d(3), (3, 3, 4, 5)),
        ("BatchNorm2d (eval)", lambda: nn.BatchNorm2d(3).eval(), (2, 3, 4, 3)),
        ("Upsample", lambda: nn.Upsample(2), (2, 3, 3, 4)),
    ]
    if hasattr(nn, "Conv2d"):
        cases += [
            ("Conv2d (k3 s2 p1)", lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 6)),
            ("Conv2d (k5 s2 same)", lambda: nn.Conv2d(2, 3, 5, stride=2, padding="same"), (2, 2, 7, 8)),
            ("ConvTranspose2d (k4 s2 p1)", lambda: nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1), (2, 3, 3, 4)),
            ("ConvTranspose2d (k5 s2 same)", lambda: nn.ConvTranspose2d(2, 3, 5, stride=2, padding="same"), (2, 2, 3, 3)),
            ("ConvTranspose2d (k3 s3 op2)", lambda: nn.ConvTranspose2d(2, 2, 3, stride=3, output_padding=2), (1, 2, 2, 3)),
            ("stack: Conv2d-BN-LeakyReLU-Flatten-Dense",
             lambda: nn.Sequential(nn.Conv2d(2, 3, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(3), nn.LeakyReLU(0.2),
                                   nn.Flatten(), nn.Dense(12, 2)), (3, 2, 4, 4)),
            ("stack: Dense-Reshape-ConvT-BN-ReLU-ConvT-Tanh",
             lambda: nn.Sequential(nn.Dense(4, 2 * 2 * 3, bias=False), nn.Reshape((3, 2, 2)),
                                   nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1, bias=False),
                                   nn.BatchNorm2d(2), nn.ReLU(), nn.ConvTranspose2d(2, 1, 3, padding=1), nn.Tanh()),
             (3, 4)),
        ]
    return cases


def _objective_cases():
    for name, cls in OBJECTIVES.items():
        for term in ("d_real", "d_fake", "g"):
            def fn(logits, f=getattr(cls(), term)):
                value, grad = f(logits)
                return value, lambda dout: (dout * grad,)
            fn.__name__ = f"{name}.{term}"
            yield f"objective {name}.{term}", fn


def run_all(seed=0, tol=1e-6):
    """Run every case; returns a list of (name, max relative error, passed)."""
    rng = np.random.default_rng(seed)
    rows = []
    for name, make, shape in _layer_cases():
        layer = _randomize(make(), rng)
        errors = check_grads(layer, rng.standard_normal(shape) * 1.5 + 0.1, tol=tol, raise_on_fail=False)
        worst = max(errors.values(), default=0.0)
        rows.append((name, worst, worst < tol))
    for name, fn in _objective_cases():
        errors = check_grads(fn, rng.standard_normal((5, 1)) * 3, tol=tol, raise_on_fail=False)
        worst = max(errors.values())
        rows.append((name, worst, worst < tol))
    return rows
