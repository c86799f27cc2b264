"""Gradient penalties on D: WGAN-GP and R1. Each is a function of D's input gradient g.

    WGAN-GP (Gulrajani et al. 2017, eq. 3):  lambda * E[(||g(x_hat)|| - 1)^2],
             x_hat = e x + (1 - e) G(z),  e ~ U[0, 1] per example ("random interpolates")
    R1      (Mescheder et al. 2018, eq. 9):  gamma / 2 * E[||g(x)||^2] on REAL data only

A penalty's measure is ``measure(g) -> (value, dvalue/dg)``, like a loss of logits. Turning
dvalue/dg into dvalue/dtheta_D is the second-order backward of ``minigan.nn.second_order``.
The D step holds a list of penalty objects (``GradientPenalty``, ``R1``) and applies each the
same way: take its points from the batches, add its weighted gradient into D's .grad, and log
its unweighted value under its name.
"""
from .backend import get_array_module, to_backend, backend_of
from .nn.base import gradients_kept
from .nn.second_order import input_gradient, penalty_backward
from . import rng as _rng

NORM_EPS = 1e-12   # inside the square root, so ||g|| = 0 (a dead critic) gives no 0/0


def _per_example_norm(g):
    xp = get_array_module(g)
    flat = g.reshape(len(g), -1)
    return xp.sqrt((flat * flat).sum(axis=1) + NORM_EPS).reshape((-1,) + (1,) * (g.ndim - 1))


def one_centered(g):
    """mean (||g_i|| - 1)^2; d/dg_i = 2 (||g_i|| - 1) g_i / (N ||g_i||)."""
    norm = _per_example_norm(g)
    value = float(((norm - 1) ** 2).mean())
    return value, 2 * (norm - 1) / norm * g / len(g)


def zero_centered(g):
    """1/2 mean ||g_i||^2 (so that gamma * this is R1's gamma/2 E||g||^2); d/dg_i = g_i / N."""
    flat = g.reshape(len(g), -1)
    return 0.5 * float((flat * flat).sum()) / len(g), g / len(g)


def interpolate(real, fake, rng=None):
    """x_hat = e real + (1 - e) fake with one e ~ U[0, 1] per example, drawn where the batch lives
    (or from the CPU generator ``rng`` when one is given)."""
    shape = (len(real),) + (1,) * (real.ndim - 1)
    if rng is None:
        e = _rng.uniform(get_array_module(real), shape, real.dtype)
    else:
        e = to_backend(rng.random(shape).astype(real.dtype), backend_of(real))
    return e * real + (1 - e) * fake


# -- the penalties as the D step sees them --------------------------------------------------
class Penalty:
    """``weight * measure(g)`` with g = D's input gradient at points taken from the D step's batches.

    ``name`` is the metrics column that logs the unweighted value; ``at`` says where the
    penalty is measured: "interpolates" (between the real and the fake batch), "real" or "fake".
    """

    name = at = measure = None

    def __init__(self, weight):
        self.weight = float(weight)

    def points(self, real, fake, rng=None):
        if self.at == "interpolates":
            return interpolate(real, fake, rng)
        return {"real": real, "fake": fake}[self.at]

    def add_gradient(self, D, real, fake, rng=None):
        """ADD weight * dP/dtheta into D's .grad; returns P's unweighted value."""
        return add_penalty_gradient(D, self.points(real, fake, rng), self.measure, self.weight)

    def __repr__(self):
        return f"{type(self).__name__}(weight={self.weight:g}, at {self.at})"


class GradientPenalty(Penalty):
    """WGAN-GP: (||g|| - 1)^2 at random points on lines between real and fake samples."""
    name, at, measure = "gp", "interpolates", staticmethod(one_centered)


class R1(Penalty):
    """R1: ||g||^2 on the real batch -- no gradient where the data are, so D cannot overshoot."""
    name, at, measure = "r1", "real", staticmethod(zero_centered)


def penalties(gradient_penalty=None, r1=None):
    """The penalties whose weights are given (None or 0: off), in the order the D step applies them."""
    return [cls(weight) for cls, weight in ((GradientPenalty, gradient_penalty), (R1, r1)) if weight]


# -- the gradient of one penalty, and the same without touching D (for the checks) ----------
def add_penalty_gradient(D, x, measure, weight):
    """Measure ``measure`` of D's input gradient at the points x and ADD weight * dP/dtheta
    into D's .grad (what is already there is kept). Returns the penalty's (unweighted) value."""
    with gradients_kept(D):
        g = input_gradient(D, x)          # this backward adds d sum D(x)/dtheta to .grad: not wanted
    value, dP_dg = measure(g)
    penalty_backward(D, weight * dP_dg)   # adds weight * dP/dtheta (linear in dP/dg)
    return value


def penalty_and_gradients(D, x, measure):
    """(value, {param name: dvalue/dparam}, dvalue/dx) without touching D's .grad -- for checks."""
    with gradients_kept(D):
        D.zero_grad()
        g = input_gradient(D, x)
        D.zero_grad()
        value, dP_dg = measure(g)
        dx = penalty_backward(D, dP_dg)
        grads = {name: p.grad.copy() for name, p in D.named_parameters()}
    return value, grads, dx


def penalty_value(D, x, measure):
    """The penalty alone (a forward and a first-order backward): what finite differences perturb."""
    with gradients_kept(D):
        return measure(input_gradient(D, x))[0]
