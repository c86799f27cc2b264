"""Second-order backward ("double backprop") for the layers a discriminator is built from.

Why: a gradient penalty (WGAN-GP, R1) is a function of D's INPUT gradient g = dD/dx, and
training D on it needs dP/dtheta -- the derivative of a derivative. Autograd libraries get
this by recording the backward pass; here every rule is written out by hand.

The trick that keeps it small. For a penalty P(g) let G = dP/dg (cheap: g is just an array).
Holding G fixed, P's parameter gradient equals the gradient of the scalar

    Q(theta) = <G, g(theta)> = <G, J^T 1> = <J G, 1> = sum( J(theta) G )

where J = d out / d x is D's Jacobian at the batch. ``J G`` is a *forward-mode* directional
derivative: push a tangent t_0 = G through the network, t_l = J_l t_(l-1), alongside the
activations a_l. So each layer is lifted to a function of a pair,

    (a, t)  ->  ( f(a; theta),  J(a; theta) t )

and dQ/dtheta is ordinary reverse mode through the lifted network, starting from the
adjoints (a_bar, t_bar) = (0, 1) at D's output. Each layer needs two rules:

* ``tangent_forward(layer, t) -> (t_out, tcache)``   t_out = J t, using the layer's forward cache;
* ``pair_backward(layer, a_bar, t_bar, tcache) -> (a_bar_in, t_bar_in)``, ADDING into .grad

    t_bar_in = J^T t_bar                                   (the first-order backward of t_bar)
    a_bar_in = J^T a_bar + d/da     <t_bar, J(a) t>         (second-order term)
    dtheta  += (df/dtheta)^T a_bar + d/dtheta <t_bar, J t>  (second-order term)

Note t_bar at every layer is exactly the first backward's dout with dout = 1 at the top.
The rules below are pure functions keyed by layer type (so conv.py, being optimised
elsewhere, is untouched); ``check_second_order`` in ``minigan.checks`` tests each one against
finite differences of the FIRST-order backward.
"""
from ..backend import get_array_module
from ..ops.conv import conv2d_backward, conv2d_forward
from ..ops.linear import dense_backward, dense_forward
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .base import Sequential
from .conv import Conv2d
from .dropout import Dropout
from .linear import Dense
from .shape import Flatten, Reshape


# -- linear layers: Dense and Conv2d --------------------------------------------------------
# For out = op(a, W) + b (op bilinear), J t = op(t, W): the tangent skips the bias. Then
#   <t_bar, op(t, W)> is bilinear in (t, W) and does not involve a, so
#   t_bar_in = op's input gradient of t_bar (at W),  dW += op's weight gradient of (t, t_bar),
#   a_bar_in and (dW, db) from a_bar are the layer's ordinary backward.
# Running op on (t, W) gives a cache from which op's backward returns BOTH t_bar_in and that dW.

def _dense_tangent(layer, t):
    return dense_forward(t, layer.weight.data)          # t W, no bias


def _dense_pair_backward(layer, a_bar, t_bar, tcache):
    a_bar_in = layer.backward(a_bar)                    # J^T a_bar; adds a^T a_bar to dW, sum a_bar to db
    t_bar_in, dweight, _ = dense_backward(t_bar, tcache, param_grads=layer.weight.requires_grad)
    layer.weight.accumulate(dweight)                    # d/dW <t_bar, t W> = t^T t_bar
    return a_bar_in, t_bar_in


def _conv_tangent(layer, t):
    return conv2d_forward(t, layer.weight.data, None, layer.stride, layer.padding)


def _conv_pair_backward(layer, a_bar, t_bar, tcache):
    a_bar_in = layer.backward(a_bar)
    t_bar_in, dweight, _ = conv2d_backward(t_bar, tcache, param_grads=layer.weight.requires_grad)  # conv's input gradient and dW of (t, t_bar)
    layer.weight.accumulate(dweight)
    return a_bar_in, t_bar_in


# -- elementwise activations y = phi(a) -----------------------------------------------------
# J t = phi'(a) t, so  d/da <t_bar, phi'(a) t> = t_bar * phi''(a) * t, and
#   t_bar_in = phi'(a) t_bar,   a_bar_in = phi'(a) a_bar + phi''(a) t t_bar.
# ReLU / LeakyReLU: phi'' = 0 (almost everywhere), but phi' still depends on the forward mask.
# tanh:    phi' = 1 - y^2,      phi'' = -2 y (1 - y^2)
# sigmoid: phi' = y (1 - y),    phi'' = y (1 - y)(1 - 2 y)

def _first_and_second(layer):
    """(phi'(a), phi''(a) or None) from the layer's forward cache."""
    cache = layer._require_cache(layer._cache)
    if isinstance(layer, ReLU):
        return cache, None                               # cache: the mask a > 0
    if isinstance(layer, LeakyReLU):
        return cache, None                               # cache: the slope used per element
    if isinstance(layer, Tanh):
        d1 = 1 - cache * cache                           # cache: y = tanh(a)
        return d1, -2 * cache * d1
    if isinstance(layer, Sigmoid):
        d1 = cache * (1 - cache)
        return d1, d1 * (1 - 2 * cache)
    if isinstance(layer, Dropout):
        return cache, None                               # a fixed mask: linear in a
    raise TypeError(f"no second-order rule for {layer!r}")


def _elementwise_tangent(layer, t):
    d1, _ = _first_and_second(layer)
    return t * d1, t


def _elementwise_pair_backward(layer, a_bar, t_bar, t):
    d1, d2 = _first_and_second(layer)
    a_bar_in = a_bar * d1
    if d2 is not None:
        a_bar_in = a_bar_in + d2 * t * t_bar
    return a_bar_in, t_bar * d1


# -- shape layers: linear, no parameters, J = J^T's reshape ----------------------------------
def _shape_tangent(layer, t):
    return _reshape_like(layer, t), None


def _reshape_like(layer, t):
    if isinstance(layer, Flatten):
        return t.reshape(t.shape[0], -1)
    return t.reshape(t.shape[0], *layer.shape)          # Reshape


def _shape_pair_backward(layer, a_bar, t_bar, tcache):
    return layer.backward(a_bar), layer.backward(t_bar)


# -- Sequential: the lifted chain ------------------------------------------------------------
def _sequential_tangent(model, t):
    caches = []
    for layer in model:
        t, cache = tangent_forward(layer, t)
        caches.append(cache)
    return t, caches


def _sequential_pair_backward(model, a_bar, t_bar, caches):
    for layer, cache in zip(reversed(model.layers), reversed(caches)):
        a_bar, t_bar = pair_backward(layer, a_bar, t_bar, cache)
    return a_bar, t_bar


RULES = {
    Dense: (_dense_tangent, _dense_pair_backward),
    Conv2d: (_conv_tangent, _conv_pair_backward),
    ReLU: (_elementwise_tangent, _elementwise_pair_backward),
    LeakyReLU: (_elementwise_tangent, _elementwise_pair_backward),
    Tanh: (_elementwise_tangent, _elementwise_pair_backward),
    Sigmoid: (_elementwise_tangent, _elementwise_pair_backward),
    Dropout: (_elementwise_tangent, _elementwise_pair_backward),
    Flatten: (_shape_tangent, _shape_pair_backward),
    Reshape: (_shape_tangent, _shape_pair_backward),
    Sequential: (_sequential_tangent, _sequential_pair_backward),
}


def register(cls, tangent, pair):
    """Add the two rules for a new layer type (SpectralNorm and Pack register themselves)."""
    RULES[cls] = (tangent, pair)


def _rule(layer, which):
    for cls in type(layer).__mro__:
        if cls in RULES:
            return RULES[cls][which]
    raise TypeError(f"{layer!r} has no second-order rule, so a gradient penalty cannot pass through it "
                    f"(supported: {', '.join(sorted(c.__name__ for c in RULES))}; BatchNorm mixes the batch, "
                    "and Gulrajani et al. 2017 drop it from the critic for that reason)")


def tangent_forward(layer, t):
    """J t at the layer's last forward input; returns (t_out, tcache)."""
    return _rule(layer, 0)(layer, t)


def pair_backward(layer, a_bar, t_bar, tcache):
    """Reverse mode through (a, t) -> (f(a), J t); returns (a_bar_in, t_bar_in), adds into .grad."""
    return _rule(layer, 1)(layer, a_bar, t_bar, tcache)


# -- the whole penalty ----------------------------------------------------------------------
def input_gradient(D, x):
    """g = d sum(D(x)) / dx, per example (D's examples are independent). D's forward caches stay
    on x for a following ``penalty_backward``; the parameter gradients this backward adds to D's
    .grad are not wanted by anyone and the caller throws them away (D.zero_grad())."""
    out = D.forward(x)
    xp = get_array_module(out)
    return D.backward(xp.ones_like(out))


def penalty_backward(D, dP_dg):
    """Add dP/dtheta into D's .grad, given G = dP/dg for a penalty P of the input gradient g.

    Must follow ``input_gradient(D, x)`` (it uses D's forward caches on x). Returns dP/dx,
    the gradient with respect to the points the penalty was measured at.
    """
    t_out, caches = tangent_forward(D, dP_dg)             # J G, the directional derivative along G
    xp = get_array_module(t_out)
    a_bar, _ = pair_backward(D, xp.zeros_like(t_out), xp.ones_like(t_out), caches)
    return a_bar
