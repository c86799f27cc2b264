"""The translation parts' rows of ``minigan gradcheck``: float64, random parameters, awkward shapes.

The networks are checked whole (every parameter, the skips' sums included); the cycle and
identity rows check the gradient of the loss with respect to the INPUT image, which reaches it
by two roads at once -- through the generators, and directly as the loss's target.
"""
import numpy as np

from ..gradcheck import check_grads
from ..nn.instancenorm import InstanceNorm2d
from .. import nn
from .losses import cycle_loss, identity_loss, l1_loss, lsgan_d_fake, lsgan_d_real, lsgan_g
from .networks import UNet, patchgan
from .skip import Skip


def _randomized(layer, rng, scale=1.0):
    layer.to("numpy").astype(np.float64)
    for p in layer.parameters():
        p.data[...] = scale * rng.uniform(0.5, 1.5, p.shape) * rng.choice([-1, 1], p.shape)
    return layer


def _layer_cases():
    """(name, layer factory, input shape, parameter scale): the small scales keep tanh unsaturated."""
    return [
        ("InstanceNorm2d (affine)", lambda: InstanceNorm2d(3, affine=True), (2, 3, 5, 4), 1.0),
        ("InstanceNorm2d (no affine)", lambda: InstanceNorm2d(4), (3, 4, 3, 5), 1.0),
        ("Skip(Conv2d k3 s1 p1 - Tanh)", lambda: Skip(nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.Tanh())),
         (2, 2, 5, 4), 0.5),
        ("U-Net (width 2, skips included)", lambda: UNet(2, 1, width=2), (2, 2, 8, 12), 0.5),
        ("PatchGAN (width 2, instance norm)", lambda: patchgan(2, width=2), (2, 2, 12, 8), 0.5),
    ]


def _loss_cases(rng):
    """(name, fn, inputs): functions of one image batch, as check_grads takes them."""
    target = rng.standard_normal((2, 1, 4, 5))
    G = _randomized(UNet(1, 1, width=2), rng, 0.3)
    F = _randomized(UNet(1, 1, width=2), rng, 0.3)

    def l1(pred):
        value, grad = l1_loss(pred, target)
        return value, lambda dout: (dout * grad,)

    def cycle(a):
        # a -> G -> F -> reconstruction, compared with a itself: two roads lead back to a.
        value, grad = cycle_loss(F.forward(G.forward(a)), a, weight=7.0)

        def backward(dout):
            through = G.backward(F.backward(dout * grad))
            return (through - dout * grad,)          # d|r - a|/da = -sign(r - a): the target's road
        return value, backward

    def identity(b):
        value, grad = identity_loss(G.forward(b), b, weight=3.0)
        return value, lambda dout: (G.backward(dout * grad) - dout * grad,)

    def objective(term):
        def fn(logits):
            value, grad = term(logits)
            return value, lambda dout: (dout * grad,)
        fn.__name__ = term.__name__
        return fn
    images = rng.standard_normal((2, 1, 8, 8))
    logits = rng.standard_normal((3, 1, 4, 3)) * 2
    return [("L1 loss", l1, rng.standard_normal((2, 1, 4, 5))),
            ("cycle loss through G then F (d/d image)", cycle, images),
            ("identity loss through G (d/d image)", identity, rng.standard_normal((2, 1, 8, 8))),
            ("least squares per patch: D real", objective(lsgan_d_real), logits),
            ("least squares per patch: D fake", objective(lsgan_d_fake), logits),
            ("least squares per patch: G", objective(lsgan_g), logits)]


def run_rows(rng, tol=1e-6):
    """A list of (name, max relative error, passed), as gradcheck.table.run_all gives them."""
    rows = []
    for name, make, shape, scale in _layer_cases():
        layer = _randomized(make(), rng, scale)
        errors = check_grads(layer, rng.standard_normal(shape) * 1.5 + 0.1, tol=tol, raise_on_fail=False)
        worst = max(errors.values(), default=0.0)
        rows.append((name, worst, worst < tol))
    for name, fn, x in _loss_cases(rng):
        errors = check_grads(fn, x, tol=tol, raise_on_fail=False)
        worst = max(errors.values())
        rows.append((name, worst, worst < tol))
    return rows
