"""nn.frozen: backward through frozen layers gives the same input gradient and leaves .grad alone."""
import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.backend import get_xp, to_numpy


def stack(backend):
    minigan.seed(3)
    return nn.Sequential(
        nn.SpectralNorm(nn.Conv2d(2, 3, 3, stride=2, padding=1, dtype=np.float64, backend=backend)),
        nn.BatchNorm2d(3, dtype=np.float64, backend=backend), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1, dtype=np.float64, backend=backend), nn.Tanh(),
        nn.Flatten(), nn.Dense(2 * 6 * 4, 5, dtype=np.float64, backend=backend))


def grads(model):
    return {name: to_numpy(p.grad).copy() for name, p in model.named_parameters()}


def test_frozen_backward_gives_the_same_input_gradient_and_keeps_grads(backend):
    xp = get_xp(backend)
    rng = np.random.default_rng(0)
    x = xp.asarray(rng.standard_normal((3, 2, 6, 4)))
    dout = xp.asarray(rng.standard_normal((3, 5)))
    model = stack(backend).eval()     # eval: no power-iteration step, so both forwards are the same
    model.forward(x)
    model.zero_grad()
    dx_free = to_numpy(model.backward(dout))
    assert all(np.any(g) for g in grads(model).values())       # unfrozen: every parameter got a gradient
    before = grads(model)

    model.forward(x)
    with nn.frozen(model):
        assert not any(p.requires_grad for p in model.parameters())
        dx_frozen = to_numpy(model.backward(dout))
    np.testing.assert_array_equal(dx_frozen, dx_free)
    for name, g in grads(model).items():
        assert np.array_equal(g, before[name]), f"frozen backward changed {name}.grad"
    assert all(p.requires_grad for p in model.parameters())


def test_frozen_restores_each_flag_even_after_an_error():
    model = stack("numpy")
    model.parameters()[0].requires_grad = False                # frozen by hand before the block
    with pytest.raises(RuntimeError):
        with nn.frozen(model):
            raise RuntimeError("boom")
    flags = [p.requires_grad for p in model.parameters()]
    assert flags == [False] + [True] * (len(flags) - 1)


def test_a_partly_frozen_layer_still_fills_the_other_parameter():
    layer = nn.Dense(4, 3, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((5, 4))
    layer.forward(x)
    layer.weight.requires_grad = False
    layer.backward(np.ones((5, 3)))
    assert not np.any(layer.weight.grad)
    np.testing.assert_allclose(layer.bias.grad, np.full(3, 5.0))


def test_parameter_prints_its_name_shape_and_dtype():
    p = nn.Dense(4, 3, dtype=np.float64).weight
    assert repr(p) == "Parameter('weight', shape=(4, 3), dtype=float64)"


def test_eval_mode_restores_each_layers_own_mode_even_after_an_error():
    model = nn.Sequential(nn.Dense(2, 3), nn.Dropout(0.5), nn.Sequential(nn.BatchNorm1d(3), nn.Tanh()))
    model[2].eval()                                            # one branch in eval mode already
    before = [m.training for m in model.modules()]
    assert True in before and False in before
    with pytest.raises(RuntimeError):
        with nn.eval_mode(model):
            assert not any(m.training for m in model.modules())
            raise RuntimeError("boom")
    assert [m.training for m in model.modules()] == before


def test_gradients_kept_puts_back_every_gradient_in_the_same_array():
    model = nn.Sequential(nn.Dense(3, 2, dtype=np.float64), nn.Dense(2, 1, dtype=np.float64))
    rng = np.random.default_rng(4)
    for p in model.parameters():
        p.grad[...] = rng.standard_normal(p.shape)
    arrays, before = [p.grad for p in model.parameters()], grads(model)
    with pytest.raises(RuntimeError):
        with nn.gradients_kept(model):
            model.forward(rng.standard_normal((4, 3)))
            model.backward(np.ones((4, 1)))                    # scratch gradients ...
            assert any(not np.array_equal(g, before[n]) for n, g in grads(model).items())
            raise RuntimeError("boom")
    assert grads(model).keys() == before.keys()
    for name, g in grads(model).items():                       # ... gone, even after the error
        np.testing.assert_array_equal(g, before[name])
    assert all(p.grad is a for p, a in zip(model.parameters(), arrays))


@pytest.mark.parametrize("first", ["dense", "conv", "conv_transpose"])
def test_input_grad_skipped_gives_the_same_parameter_gradients_and_no_input_gradient(first):
    rng = np.random.default_rng(4)
    layer, x = {
        "dense": (nn.Dense(6, 2 * 3 * 3, dtype=np.float64), rng.standard_normal((3, 6))),
        "conv": (nn.Conv2d(2, 2, 3, stride=2, padding=1, dtype=np.float64), rng.standard_normal((3, 2, 6, 6))),
        "conv_transpose": (nn.ConvTranspose2d(2, 2, 4, stride=2, padding=1, dtype=np.float64),
                           rng.standard_normal((3, 2, 3, 3))),
    }[first]
    tail = [nn.Reshape((2, 3, 3))] if first == "dense" else []
    model = nn.Sequential(nn.Sequential(layer, *tail), nn.Tanh(), nn.Flatten())
    out = model.forward(x)
    dout = rng.standard_normal(out.shape)
    model.zero_grad()
    dx_full = model.backward(dout)
    full = grads(model)

    model.zero_grad()
    with nn.input_grad_skipped(model):
        assert model.backward(dout) is None                     # the nested first layer skipped dx
    for name, g in grads(model).items():
        np.testing.assert_array_equal(g, full[name])
    assert "input_grad" not in vars(layer)                      # the class default is back
    np.testing.assert_array_equal(model.backward(dout), dx_full)


def test_input_grad_skipped_leaves_a_layer_that_cannot_skip_computing_it():
    model = nn.Sequential(nn.Tanh(), nn.Dense(4, 3, dtype=np.float64))
    x = np.random.default_rng(5).standard_normal((2, 4))
    model.forward(x)
    dx = model.backward(np.ones((2, 3)))
    with nn.input_grad_skipped(model):
        np.testing.assert_array_equal(model.backward(np.ones((2, 3))), dx)


def test_a_gan_step_skipping_input_gradients_records_what_a_full_backward_records(monkeypatch):
    from contextlib import nullcontext

    import minigan.gan
    from minigan.presets import get_preset

    def run(skipping):
        if not skipping:
            monkeypatch.setattr(minigan.gan, "input_grad_skipped", lambda model: nullcontext())
        minigan.seed(0)
        gan = get_preset("dcgan-mnist").with_overrides(width=8).build("numpy")
        real = np.random.default_rng(0).uniform(-1, 1, (4, 1, 28, 28)).astype(np.float32)
        rows = [gan.step(real).as_row() for _ in range(2)]
        monkeypatch.undo()
        return rows, grads(gan.G), grads(gan.D)

    skipped, full = run(True), run(False)
    np.testing.assert_equal(skipped, full)       # records and every gradient, bit for bit (NaN == NaN)
