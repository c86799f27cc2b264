"""Gradient penalties on D: WGAN-GP and R1. Each is a function of D's input gradient g.

    WGAN-GP (Gulrajani et al. 2017, eq. 3):  lambda * E[(||g(x_hat)|| - 1)^2],
             x_hat = e x + (1 - e) G(z),  e ~ U[0, 1] per example ("random interpolates")
    R1      (Mescheder et al. 2018, eq. 9):  gamma / 2 * E[||g(x)||^2] on REAL data only

A penalty here is ``penalty(g) -> (value, dvalue/dg)``, like a loss of logits. Turning
dvalue/dg into dvalue/dtheta_D is the second-order backward of ``minigan.nn.second_order``.
"""
from .backend import get_array_module, to_backend, backend_of
from .nn.second_order import input_gradient, penalty_backward
from .rng import get_rng

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
    """x_hat = e real + (1 - e) fake with one e ~ U[0, 1] per example, drawn on the CPU (seeded)."""
    e = get_rng(rng).random((len(real),) + (1,) * (real.ndim - 1)).astype(real.dtype)
    e = to_backend(e, backend_of(real))
    return e * real + (1 - e) * fake


def add_penalty_gradient(D, x, penalty, weight):
    """Measure ``penalty`` of D's input gradient at the points x and ADD weight * dpenalty/dtheta
    into D's .grad (what is already there is kept). Returns the penalty's (unweighted) value."""
    saved = [p.grad.copy() for p in D.parameters()]
    g = input_gradient(D, x)              # this backward adds d sum D(x)/dtheta to .grad: not wanted,
    for p, s in zip(D.parameters(), saved):
        p.grad[...] = s                   # so D's gradients go back to what they were
    value, dP_dg = penalty(g)
    penalty_backward(D, weight * dP_dg)   # adds weight * dP/dtheta (linear in dP/dg)
    return value


def penalty_and_gradients(D, x, penalty):
    """(value, {param name: dvalue/dparam}, dvalue/dx) without touching D's .grad -- for checks."""
    saved = [p.grad.copy() for p in D.parameters()]
    D.zero_grad()
    g = input_gradient(D, x)
    D.zero_grad()
    value, dP_dg = penalty(g)
    dx = penalty_backward(D, dP_dg)
    grads = {name: p.grad.copy() for name, p in D.named_parameters()}
    for p, s in zip(D.parameters(), saved):
        p.grad[...] = s
    return value, grads, dx


def penalty_value(D, x, penalty):
    """The penalty alone (a forward and a first-order backward): what finite differences perturb."""
    saved = [p.grad.copy() for p in D.parameters()]
    value = penalty(input_gradient(D, x))[0]
    for p, s in zip(D.parameters(), saved):
        p.grad[...] = s
    return value


PENALTIES = {"gp": one_centered, "r1": zero_centered}
