"""Gradient checks: compare a hand-written backward with central finite differences.

For a function f with an upstream gradient g (random, so no error can hide
behind a gradient of ones), the scalar  L(x) = sum(f(x) * g)  has dL/dx equal to
what backward(g) returns. Numerically, for every element x_i,

    dL/dx_i  ~  (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)

whose error is O(eps^2) from truncation plus O(machine_eps / eps) from rounding;
in float64 with eps = 1e-5 both are far below the 1e-6 tolerance, which is why
checks insist on float64 (in float32 the rounding term alone is ~1e-2).

This module is the checker, used by the tests and shown to learners; ``table.py`` beside it
holds the cases ``minigan gradcheck`` runs through it.
"""
import numpy as np

from .. import rng as _rng
from ..backend import get_array_module, to_numpy
from ..nn.base import Layer


class GradCheckError(AssertionError):
    """A backward disagrees with finite differences; the message names the tensor."""


def numerical_gradient(loss, x, eps=1e-5):
    """Central differences of the scalar ``loss()`` with respect to the array ``x`` (perturbed in place)."""
    grad = np.zeros(x.shape, dtype=np.float64)
    if not x.flags.c_contiguous:  # reshape would return a copy, and perturbing it would not move x
        raise ValueError("numerical_gradient needs a C-contiguous array; pass xp.ascontiguousarray(x)")
    flat = x.reshape(-1)  # a view: writing into it perturbs x
    for i in range(x.size):
        saved = flat[i].item()
        flat[i] = saved + eps
        plus = loss()
        flat[i] = saved - eps
        minus = loss()
        flat[i] = saved
        grad.reshape(-1)[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic, numeric, atol=1e-8):
    """Largest elementwise |a - n| / (|a| + |n|).

    Two allowances for the rounding noise of finite differences (~1e-10 in float64): elements
    much smaller than the tensor's largest are measured against a floor of 1e-2 of that scale,
    and a tensor whose gradients are all below ``atol`` counts as zero on both sides -- so an
    exactly zero gradient (a bias right before BatchNorm, say) is not mistaken for a wrong one.
    """
    a, n = to_numpy(analytic).astype(np.float64), to_numpy(numeric).astype(np.float64)
    if a.shape != n.shape:
        raise GradCheckError(f"analytic gradient has shape {a.shape}, numeric {n.shape}")
    if a.size == 0:
        return 0.0
    scale = max(np.abs(a).max(), np.abs(n).max())
    if scale <= atol:
        return 0.0
    denom = np.maximum(np.abs(a) + np.abs(n), 1e-2 * scale)
    return float((np.abs(a - n) / denom).max())


def _require_float64(name, array):
    if array.dtype != np.float64:
        raise TypeError(f"gradient checks need float64, but {name} is {array.dtype}; "
                        "cast with .astype(np.float64) (layers: layer.astype(np.float64))")


def _random_like(out, seed):
    xp = get_array_module(out)
    g = np.random.default_rng(seed).standard_normal(np.shape(out))
    return xp.asarray(g, dtype=np.float64) if np.ndim(out) else float(g)


def _as_function(target):
    """Turn a Layer into fn(x) -> (out, backward) and list the parameters to check."""
    if isinstance(target, Layer):
        def fn(x):
            out = target.forward(x)
            return out, lambda dout: (target.backward(dout),)
        return fn, list(target.named_parameters())
    return target, []


def check_grads(target, *inputs, eps=1e-5, tol=1e-6, seed=0, raise_on_fail=True):
    """Check every input gradient and every parameter gradient of a layer or function.

    ``target`` is a Layer (one input) or a function ``fn(*inputs) -> (out, backward)`` where
    ``backward(dout)`` returns one gradient per input (None for inputs that have none).
    Returns {tensor name: max relative error}; raises GradCheckError naming the first
    tensor above ``tol`` and showing analytic against numeric values.
    """
    fn, params = _as_function(target)
    for i, x in enumerate(inputs):
        _require_float64(f"input {i}", x)
    for name, p in params:
        _require_float64(f"parameter {name}", p.data)

    state = _rng.get_state()  # layers that draw (Dropout) must draw the same mask every time
    for _, p in params:
        p.zero_grad()
    out, backward = fn(*inputs)
    dout = _random_like(out, seed)
    analytic = {f"input {i}": g for i, g in enumerate(backward(dout))}
    analytic.update({name: p.grad.copy() for name, p in params})

    def loss():
        _rng.set_state(state)
        value, _ = fn(*inputs)
        xp = get_array_module(value)
        return float(xp.sum(value * dout))

    tensors = {f"input {i}": x for i, x in enumerate(inputs)}
    tensors.update({name: p.data for name, p in params})
    errors = {}
    for name, array in tensors.items():
        if analytic.get(name) is None:
            continue
        numeric = numerical_gradient(loss, array, eps)
        errors[name] = err = relative_error(analytic[name], numeric)
        if raise_on_fail and not err < tol:
            a, n = to_numpy(analytic[name]).ravel(), numeric.ravel()
            worst = int(np.argmax(np.abs(a - n)))
            raise GradCheckError(
                f"{_describe(target)}: gradient of {name} is wrong (max relative error {err:.2e} > {tol:.0e}); "
                f"worst element {worst}: analytic {a[worst]:.6g} vs numeric {n[worst]:.6g}\n"
                f"  analytic[:5] = {np.array2string(a[:5], precision=5)}\n"
                f"  numeric[:5]  = {np.array2string(n[:5], precision=5)}")
    _rng.set_state(state)
    return errors


def check_op(forward, backward, *inputs, **kwargs):
    """Check a pure op pair ``forward(*inputs) -> (out, cache)``, ``backward(dout, cache) -> grads``.

    Keyword arguments other than check_grads' own are passed to ``forward``.
    """
    own = {k: kwargs.pop(k) for k in ("eps", "tol", "seed", "raise_on_fail") if k in kwargs}

    def fn(*xs):
        out, cache = forward(*xs, **kwargs)
        return out, lambda dout: _tuple(backward(dout, cache))
    fn.__name__ = getattr(forward, "__name__", "op")
    return check_grads(fn, *inputs, **own)


def _tuple(grads):
    return grads if isinstance(grads, tuple) else (grads,)


def _describe(target):
    return repr(target) if isinstance(target, Layer) else getattr(target, "__name__", "function")
