"""The second-order backward and the gradient penalties, against finite differences in float64."""
import numpy as np
import pytest

from minigan import nn, regularizers
from minigan.gradcheck import table


@pytest.mark.parametrize("name,make,shape", table._second_order_cases(), ids=[c[0] for c in table._second_order_cases()])
def test_layer_second_order_rules(name, make, shape):
    rng = np.random.default_rng(1)
    layer = table._randomize(make(), rng)
    errors = table.check_second_order(layer, rng.standard_normal(shape) * 1.5 + 0.1, rng)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("name,make,shape,penalty", table._penalty_cases(), ids=[c[0] for c in table._penalty_cases()])
def test_penalty_gradients(name, make, shape, penalty):
    rng = np.random.default_rng(2)
    D = table._randomize(make(), rng)
    for p in D.parameters():
        p.data *= 0.5
    errors = table.check_penalty(D, rng.standard_normal(shape), penalty)
    assert max(errors.values()) < 1e-6, errors


def test_check_catches_a_missing_second_derivative(monkeypatch):
    """Dropping tanh's phi'' term must fail the check: the checks are not vacuous."""
    original = nn.Tanh.derivatives
    monkeypatch.setattr(nn.Tanh, "derivatives", lambda layer: (original(layer)[0], 0 * original(layer)[0]))
    rng = np.random.default_rng(0)
    errors = table.check_second_order(table._randomize(nn.Tanh(), rng), rng.standard_normal((4, 5)), rng)
    assert errors["x_bar"] > 1e-2


def test_penalty_leaves_existing_gradients_and_adds_weighted_gradient():
    rng = np.random.default_rng(3)
    D = table._randomize(nn.Sequential(nn.Dense(2, 4), nn.Tanh(), nn.Dense(4, 1)), rng)
    x = rng.standard_normal((6, 2))
    value, grads, _ = regularizers.penalty_and_gradients(D, x, regularizers.one_centered)
    for p in D.parameters():
        p.grad[...] = 1.0
    assert regularizers.add_penalty_gradient(D, x, regularizers.one_centered, 10.0) == pytest.approx(value)
    for name, p in D.named_parameters():
        np.testing.assert_allclose(p.grad, 1.0 + 10.0 * grads[name], rtol=1e-12, atol=1e-12)


def test_penalty_values():
    g = np.array([[3.0, 4.0], [0.0, 1.0]])
    assert regularizers.one_centered(g)[0] == pytest.approx((16 + 0) / 2)
    assert regularizers.zero_centered(g)[0] == pytest.approx(0.5 * (25 + 1) / 2)


def test_batchnorm_has_no_second_order_rule_and_the_error_names_the_layers_that_do():
    with pytest.raises(TypeError, match="BatchNorm") as info:
        nn.BatchNorm1d(3).tangent_forward(np.zeros((2, 3)))
    supported = str(info.value).split("supported: ")[1].split(";")[0].split(", ")
    assert {"Dense", "Conv2d", "LeakyReLU", "Tanh", "SpectralNorm", "Pack", "Sequential"} <= set(supported)
    assert "BatchNorm1d" not in supported and "ConvTranspose2d" not in supported
    D = nn.Sequential(nn.Dense(3, 3), nn.BatchNorm1d(3), nn.Dense(3, 1))      # inside a stack as well
    D.forward(np.ones((2, 3)))
    with pytest.raises(TypeError, match="BatchNorm1d"):
        D.tangent_forward(np.ones((2, 3)))


def test_penalty_objects_know_their_name_weight_and_points():
    assert regularizers.penalties(gradient_penalty=None, r1=0) == []
    gp, r1 = regularizers.penalties(gradient_penalty=10, r1=0.5)
    assert (gp.name, gp.at, gp.weight, r1.name, r1.at, r1.weight) == ("gp", "interpolates", 10.0, "r1", "real", 0.5)
    assert repr(gp) == "GradientPenalty(weight=10, at interpolates)"
    rng = np.random.default_rng(4)
    real, fake = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    assert r1.points(real, fake) is real
    x_hat = gp.points(real, fake, np.random.default_rng(5))
    e = np.random.default_rng(5).random((6, 1))                  # one e per example, on the segment
    np.testing.assert_allclose(x_hat, e * real + (1 - e) * fake, rtol=1e-12)


def test_a_penalty_object_adds_what_add_penalty_gradient_adds():
    rng = np.random.default_rng(6)
    D = table._randomize(nn.Sequential(nn.Dense(3, 4), nn.LeakyReLU(0.2), nn.Dense(4, 1)), rng)
    real, fake = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    value, grads, _ = regularizers.penalty_and_gradients(D, real, regularizers.zero_centered)
    D.zero_grad()
    assert regularizers.R1(2.0).add_gradient(D, real, fake) == pytest.approx(value, rel=1e-12)
    for name, p in D.named_parameters():
        np.testing.assert_allclose(p.grad, 2.0 * grads[name], rtol=1e-12, atol=1e-14)
