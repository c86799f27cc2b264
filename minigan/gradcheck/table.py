"""The cases ``minigan gradcheck`` runs: every layer, activation and objective, in float64.

Each case builds its subject with random (not unit) parameters and a random input of
an awkward shape, so that a backward bug cannot hide behind a gamma of 1, a square
kernel or a gradient of ones.
"""
import numpy as np

from .. import nn, regularizers
from .. import rng as _rng
from ..losses import OBJECTIVES
from ..nn.conditional import CarryLabels, LabelMaps, ProjectionD, label_channel
from ..ops import conv as plain_conv
from . import check_grads, check_op, numerical_gradient, relative_error


def _randomize(layer, rng):
    # The table is a CPU check in float64 (finite differences need the precision), whatever
    # MINIGAN_BACKEND says; the test suite checks the same gradients on CuPy through its xp fixture.
    layer.to("numpy").astype(np.float64)
    for p in layer.parameters():
        p.data[...] = rng.uniform(0.5, 1.5, p.shape) * rng.choice([-1, 1], p.shape)
    return layer


def _layer_cases():
    """(name, layer factory, input shape) for every layer type.

    A layer right before BatchNorm has no bias: BN subtracts the mean, so that bias has an exactly
    zero gradient, which a relative error cannot measure (and DCGAN drops it for the same reason).
    """
    return [
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
        # Spectral norm in eval mode: u stays put between the checker's forwards (in training mode
        # each forward takes a power-iteration step, so the function itself would move).
        ("SpectralNorm(Dense)", lambda: nn.SpectralNorm(nn.Dense(5, 4)).eval(), (3, 5)),
        ("SpectralNorm(Conv2d k3 s2 p1)", lambda: nn.SpectralNorm(nn.Conv2d(2, 3, 3, stride=2, padding=1)).eval(),
         (2, 2, 5, 4)),
        ("Pack(3)", lambda: nn.Pack(3), (6, 2)),
        ("Pack(3) (eval: copies)", lambda: nn.Pack(3).eval(), (4, 2)),
        ("MinibatchStdDev (N, d)", nn.MinibatchStdDev, (5, 3)),
        ("MinibatchStdDev (N, C, H, W)", nn.MinibatchStdDev, (3, 2, 3, 2)),
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


def _conditional_cases(rng):
    """(name, layer, input): the label-carrying layers of nn/conditional.py need well-formed inputs
    (a one-hot at the end of G's input, whole class indices in the label channel), not plain noise."""
    z = np.concatenate([rng.standard_normal((4, 3)), np.eye(5)[[0, 3, 1, 4]]], axis=1)
    images = label_channel(rng.standard_normal((4, 2, 3, 3)), np.array([2, 0, 4, 1]))
    net = nn.Sequential(nn.Dense(8, 18), nn.Tanh(), nn.Reshape((2, 3, 3)))
    return [("CarryLabels(Dense-Tanh-Reshape)", CarryLabels(net, 5), z),
            ("stack: LabelMaps-Conv2d", nn.Sequential(LabelMaps(5), nn.Conv2d(2 + 5, 2, 3, padding=1)), images),
            ("ProjectionD(Conv2d-Tanh-Flatten)",
             ProjectionD(nn.Sequential(nn.Conv2d(2, 2, 3), nn.Tanh(), nn.Flatten()), 2, 5), images)]


def _plain_op_cases():
    """(name, forward, backward, input shapes, keyword arguments): ops/conv.py, the readable
    convolutions, which the layers' fast ops are tested equal to."""
    return [
        ("op conv2d, plain (k3 s2 p1)", plain_conv.conv2d_forward, plain_conv.conv2d_backward,
         [(2, 3, 7, 6), (4, 3, 3, 3), (4,)], dict(stride=2, padding=1)),
        ("op conv_transpose2d, plain (k3 s2 op1)", plain_conv.conv_transpose2d_forward,
         plain_conv.conv_transpose2d_backward, [(2, 3, 3, 4), (3, 2, 3, 3), (2,)],
         dict(stride=2, padding=1, output_padding=1)),
    ]


def _objective_cases():
    variants = [(name, cls()) for name, cls in OBJECTIVES.items()]
    variants.append(("non_saturating (label smoothing 0.1)", OBJECTIVES["non_saturating"](label_smoothing=0.1)))
    for name, objective in variants:
        for term in ("d_real", "d_fake", "g"):
            def fn(logits, f=getattr(objective, term)):
                value, grad = f(logits)
                return value, lambda dout: (dout * grad,)
            fn.__name__ = f"{name}.{term}"
            yield f"objective {name}.{term}", fn


# -- second order: each layer's tangent_forward and pair_backward (nn/second_order.py), and penalties
def _second_order_cases():
    """(name, layer factory, input shape): every layer a penalised D may contain."""
    return [
        ("Dense", lambda: nn.Dense(4, 3), (5, 4)),
        ("ReLU", nn.ReLU, (4, 5)),
        ("LeakyReLU", lambda: nn.LeakyReLU(0.2), (4, 5)),
        ("Tanh", nn.Tanh, (4, 5)),
        ("Sigmoid", nn.Sigmoid, (4, 5)),
        ("Dropout (train)", lambda: nn.Dropout(0.3), (4, 5)),
        ("Flatten", nn.Flatten, (2, 3, 2, 2)),
        ("Reshape", lambda: nn.Reshape((2, 3)), (3, 6)),
        ("Pack(2)", lambda: nn.Pack(2), (6, 3)),
        ("Pack(2) (eval: copies)", lambda: nn.Pack(2).eval(), (3, 3)),
        ("Conv2d (k3 s2 p1)", lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 5, 6)),
        ("Conv2d (k5 s2 same)", lambda: nn.Conv2d(2, 2, 5, stride=2, padding="same"), (2, 2, 6, 5)),
        ("SpectralNorm(Dense)", lambda: nn.SpectralNorm(nn.Dense(4, 3)).eval(), (3, 4)),
        ("SpectralNorm(Conv2d)", lambda: nn.SpectralNorm(nn.Conv2d(2, 2, 3, padding=1)).eval(), (2, 2, 3, 4)),
        ("stack: Dense-Tanh-Dense-Sigmoid-Dense",
         lambda: nn.Sequential(nn.Dense(3, 5), nn.Tanh(), nn.Dense(5, 4), nn.Sigmoid(), nn.Dense(4, 2)), (4, 3)),
    ]


def check_second_order(layer, x, rng):
    """Check a layer's two second-order rules against finite differences of FIRST-order quantities.

    With random t (input tangent), a_bar and t_bar (output adjoints), the rules claim
      * tangent_forward:  J t          = (f(x + eps t) - f(x - eps t)) / (2 eps)
      * pair_backward:    the gradient of  L(x, t, theta) = <a_bar, f(x)> + <t_bar, J t>, where
        <t_bar, J t> = <J^T t_bar, t> is computed with the ordinary backward -- so perturbing x or
        theta and recomputing the first-order input gradient is the ground truth.
    Returns {quantity: max relative error}.
    """
    params = list(layer.named_parameters())
    state = _rng.get_state()                       # Dropout must draw one mask for every forward
    out = layer.forward(x)
    t = rng.standard_normal(x.shape)
    a_bar, t_bar = rng.standard_normal(out.shape), rng.standard_normal(out.shape)
    layer.zero_grad()
    t_out, tcache = layer.tangent_forward(t)
    a_bar_in, t_bar_in = layer.pair_backward(a_bar, t_bar, tcache)
    analytic = {name: p.grad.copy() for name, p in params}

    def forward(at):
        _rng.set_state(state)
        return layer.forward(at)

    def lifted_loss():
        value = float((a_bar * forward(x)).sum())
        return value + float((layer.backward(t_bar) * t).sum())

    eps = 1e-5
    errors = {"tangent J t": relative_error(t_out, (forward(x + eps * t) - forward(x - eps * t)) / (2 * eps)),
              "x_bar": relative_error(a_bar_in, numerical_gradient(lifted_loss, x)),
              "t_bar (= J^T t_bar)": relative_error(t_bar_in, numerical_gradient(lifted_loss, t))}
    for name, p in params:
        errors[name] = relative_error(analytic[name], numerical_gradient(lifted_loss, p.data))
    _rng.set_state(state)
    return errors


def _penalty_cases():
    """(name, D factory, input shape, penalty): the whole WGAN-GP and R1 gradients."""
    def mlp_d():
        return nn.Sequential(nn.Dense(2, 6), nn.LeakyReLU(0.2), nn.Dense(6, 5), nn.Tanh(), nn.Dense(5, 1))

    def pac_sn_d():
        return nn.Sequential(nn.Pack(2), nn.SpectralNorm(nn.Dense(4, 5)).eval(), nn.Sigmoid(),
                             nn.SpectralNorm(nn.Dense(5, 1)).eval())

    def conv_d():
        return nn.Sequential(nn.Conv2d(1, 3, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
                             nn.Conv2d(3, 2, 3, stride=2, padding=1), nn.Tanh(), nn.Flatten(), nn.Dense(8, 1))
    return [
        ("WGAN-GP penalty, MLP critic", mlp_d, (5, 2), regularizers.one_centered),
        ("R1 penalty, MLP critic", mlp_d, (5, 2), regularizers.zero_centered),
        ("WGAN-GP penalty, Pack(2)+SpectralNorm critic", pac_sn_d, (6, 2), regularizers.one_centered),
        ("WGAN-GP penalty, conv critic", conv_d, (3, 1, 7, 6), regularizers.one_centered),
        ("R1 penalty, conv critic", conv_d, (3, 1, 7, 6), regularizers.zero_centered),
    ]


def check_penalty(D, x, penalty):
    """The penalty's gradient (parameters and points) against finite differences of the penalty."""
    _, grads, dx = regularizers.penalty_and_gradients(D, x, penalty)

    def value():
        return regularizers.penalty_value(D, x, penalty)
    errors = {"x": relative_error(dx, numerical_gradient(value, x))}
    for name, p in D.named_parameters():
        errors[name] = relative_error(grads[name], numerical_gradient(value, p.data))
    return errors


def run_all(seed=0, tol=1e-6):
    """Run every case; returns a list of (name, max relative error, passed)."""
    rng = np.random.default_rng(seed)
    rows = []
    for name, make, shape in _layer_cases():
        layer = _randomize(make(), rng)
        errors = check_grads(layer, rng.standard_normal(shape) * 1.5 + 0.1, tol=tol, raise_on_fail=False)
        worst = max(errors.values(), default=0.0)
        rows.append((name, worst, worst < tol))
    for name, layer, x in _conditional_cases(rng):
        errors = check_grads(_randomize(layer, rng), x, tol=tol, raise_on_fail=False)
        worst = max(errors.values(), default=0.0)
        rows.append((name, worst, worst < tol))
    for name, forward, backward, shapes, kwargs in _plain_op_cases():
        inputs = [rng.uniform(0.5, 1.5, shape) * rng.choice([-1, 1], shape) for shape in shapes]
        errors = check_op(forward, backward, *inputs, tol=tol, raise_on_fail=False, **kwargs)
        worst = max(errors.values())
        rows.append((name, worst, worst < tol))
    for name, fn in _objective_cases():
        errors = check_grads(fn, rng.standard_normal((5, 1)) * 3, tol=tol, raise_on_fail=False)
        worst = max(errors.values())
        rows.append((name, worst, worst < tol))
    for name, make, shape in _second_order_cases():
        layer = _randomize(make(), rng)
        errors = check_second_order(layer, rng.standard_normal(shape) * 1.5 + 0.1, rng)
        worst = max(errors.values())
        rows.append((f"second order: {name}", worst, worst < tol))
    for name, make, shape, penalty in _penalty_cases():
        D = _randomize(make(), rng)
        for p in D.parameters():
            p.data *= 0.5                          # keep sigmoid/tanh off their flat tails
        errors = check_penalty(D, rng.standard_normal(shape), penalty)
        worst = max(errors.values())
        rows.append((name, worst, worst < tol))
    # image-to-image translation: instance norm, the skip connection, U-Net, PatchGAN and their losses
    from ..i2i.gradcheck_cases import run_rows as translation_rows
    rows.extend(translation_rows(rng, tol))
    return rows
