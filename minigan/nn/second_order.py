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
adjoints (a_bar, t_bar) = (0, 1) at D's output. Each layer needs two rules, which it keeps as
methods beside its forward and backward (nn/linear.py, conv.py, activation.py, ...):

* ``layer.tangent_forward(t) -> (t_out, tcache)``   t_out = J t, using the layer's forward cache;
* ``layer.pair_backward(a_bar, t_bar, tcache) -> (a_bar_in, t_bar_in)``, ADDING into .grad

    t_bar_in = J^T t_bar                                   (the first-order backward of t_bar)
    a_bar_in = J^T a_bar + d/da     <t_bar, J(a) t>         (second-order term)
    dtheta  += (df/dtheta)^T a_bar + d/dtheta <t_bar, J t>  (second-order term)

Note t_bar at every layer is exactly the first backward's dout with dout = 1 at the top.
What the rules come to for each kind of layer:

* linear in (a, W) -- Dense, Conv2d: out = op(a, W) + b, so J t = op(t, W) (the tangent skips
  the bias) and <t_bar, op(t, W)> does not involve a: t_bar_in and the extra dW are op's
  ordinary backward of t_bar at the pair (t, W); a_bar_in is the layer's own backward of a_bar.
* elementwise y = phi(a): J t = phi'(a) t, so d/da <t_bar, phi'(a) t> = t_bar phi''(a) t and
  t_bar_in = phi'(a) t_bar,  a_bar_in = phi'(a) a_bar + phi''(a) t t_bar  (phi'' = 0 for ReLU).
* linear without parameters -- Flatten, Reshape, Pack, Dropout's fixed mask: J t is the
  forward applied to t, and both adjoints go through the ordinary backward.
* containers -- Sequential chains the pairs; SpectralNorm runs its layer's rules with W / sigma.

``check_second_order`` in ``minigan.gradcheck.table`` tests each rule against finite
differences of the FIRST-order backward. A layer without rules (BatchNorm, which mixes the
examples of a batch) raises ``missing_rule``'s error.
"""
from ..backend import get_array_module


def missing_rule(layer):
    """The error for a layer a gradient penalty cannot pass through, naming the ones it can."""
    from .base import Layer

    def with_rules(cls):
        for sub in cls.__subclasses__():
            if sub.tangent_forward is not Layer.tangent_forward and not sub.__name__.startswith("_"):
                yield sub.__name__
            yield from with_rules(sub)
    return TypeError(f"{layer!r} has no second-order rule, so a gradient penalty cannot pass through it "
                     f"(supported: {', '.join(sorted(set(with_rules(Layer))))}; BatchNorm mixes the batch, "
                     "and Gulrajani et al. 2017 drop it from the critic for that reason)")


# -- the whole penalty ----------------------------------------------------------------------
def input_gradient(D, x):
    """g = d sum(D(x)) / dx, per example (D's examples are independent). D's forward caches stay
    on x for a following ``penalty_backward``; the parameter gradients this backward adds to D's
    .grad are not wanted by anyone, and the caller throws them away (nn.gradients_kept)."""
    out = D.forward(x)
    xp = get_array_module(out)
    return D.backward(xp.ones_like(out))


def penalty_backward(D, dP_dg):
    """Add dP/dtheta into D's .grad, given G = dP/dg for a penalty P of the input gradient g.

    Must follow ``input_gradient(D, x)`` (it uses D's forward caches on x). Returns dP/dx,
    the gradient with respect to the points the penalty was measured at.
    """
    t_out, caches = D.tangent_forward(dP_dg)              # J G, the directional derivative along G
    xp = get_array_module(t_out)
    a_bar, _ = D.pair_backward(xp.zeros_like(t_out), xp.ones_like(t_out), caches)
    return a_bar
