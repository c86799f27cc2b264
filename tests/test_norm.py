"""Batch norm: the ops and BatchNorm1d/2d. Finite differences are the ground truth; PyTorch is a second opinion."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from minigan import init
from minigan.backend import backend_of, to_numpy
from minigan.gradcheck import check_grads, check_op, numerical_gradient
from minigan.nn import (BatchNorm1d, BatchNorm2d, Dense, Flatten, LeakyReLU, Sequential, ShapeError,
                        Upsample)
from minigan.ops import batchnorm_backward, batchnorm_eval_backward, batchnorm_eval_forward, batchnorm_forward

# Hypothesis reuses the (stateless) xp/backend fixtures across the examples of one test.
reuse_fixtures = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

def values_per_channel(shape):
    return int(np.prod(shape)) // shape[1]


# (N, C) or (N, C, H, W): batch 2-4, channels 1-4, spatial 1-6 (H and W drawn apart, so often non-square).
# At least 3 values per channel: with exactly 2, x_hat is +-1 whatever x is, dL/dx is ~eps/var ~ 1e-8 and a
# relative check measures only rounding noise; test_two_values_per_channel covers that case on its own.
bn_shapes = st.one_of(
    st.tuples(st.integers(2, 4), st.integers(1, 4)),
    st.tuples(st.integers(2, 4), st.integers(1, 4), st.integers(1, 6), st.integers(1, 6)),
).filter(lambda shape: values_per_channel(shape) >= 3)
seeds = st.integers(0, 2**32 - 1)


def random_affine(rng, c):
    """Random gamma (either sign) and beta instead of 1 and 0, so neither can hide a bug."""
    gamma = rng.uniform(0.5, 2.0, c) * rng.choice([-1.0, 1.0], c)
    return gamma, rng.standard_normal(c)


def set_affine(layer, xp, rng):
    gamma, beta = random_affine(rng, layer.num_features)
    layer.weight.data[...] = xp.asarray(gamma)
    layer.bias.data[...] = xp.asarray(beta)
    return gamma, beta


def bn_layer(shape, backend, dtype=np.float64, **kwargs):
    return (BatchNorm1d if len(shape) == 2 else BatchNorm2d)(shape[1], dtype=dtype, backend=backend, **kwargs)


def channel_axes(shape):
    return (0,) + tuple(range(2, len(shape)))


# ---------------------------------------------------------------- gradient checks (float64)

@reuse_fixtures
@given(shape=bn_shapes, seed=seeds)
def test_train_op_gradients(xp, shape, seed):
    rng = np.random.default_rng(seed)
    gamma, beta = random_affine(rng, shape[1])
    x = xp.asarray(3 * rng.standard_normal(shape) + 1)
    errors = check_op(batchnorm_forward, batchnorm_backward, x, xp.asarray(gamma), xp.asarray(beta))
    assert set(errors) == {"input 0", "input 1", "input 2"}


@reuse_fixtures
@given(shape=bn_shapes, seed=seeds)
def test_eval_op_gradients(xp, shape, seed):
    rng = np.random.default_rng(seed)
    c = shape[1]
    gamma, beta = random_affine(rng, c)
    mean, var = xp.asarray(rng.standard_normal(c)), xp.asarray(rng.uniform(0.2, 3.0, c))
    x = xp.asarray(rng.standard_normal(shape))
    check_op(lambda x, g, b: batchnorm_eval_forward(x, g, b, mean, var), batchnorm_eval_backward,
             x, xp.asarray(gamma), xp.asarray(beta))


@reuse_fixtures
@given(shape=bn_shapes, seed=seeds, training=st.booleans())
def test_layer_gradients_train_and_eval(xp, backend, shape, seed, training):
    rng = np.random.default_rng(seed)
    layer = bn_layer(shape, backend)
    set_affine(layer, xp, rng)
    layer.running_mean[...] = xp.asarray(rng.standard_normal(shape[1]))
    layer.running_var[...] = xp.asarray(rng.uniform(0.2, 3.0, shape[1]))
    layer.train(training)
    errors = check_grads(layer, xp.asarray(2 * rng.standard_normal(shape) - 0.5))
    assert set(errors) == {"input 0", "weight", "bias"}


@reuse_fixtures
@given(n=st.integers(3, 4), widths=st.tuples(st.integers(2, 5), st.integers(2, 5), st.integers(1, 4)), seed=seeds)
def test_batchnorm1d_inside_a_dense_stack(xp, backend, n, widths, seed):
    rng = np.random.default_rng(seed)
    d_in, hidden, d_out = widths
    bn = BatchNorm1d(hidden, dtype=np.float64, backend=backend)
    set_affine(bn, xp, rng)
    # No bias before BN: the mean subtraction cancels it, so its true gradient is exactly 0 (as DCGAN
    # does). BN also ignores the scale of each weight column, so d_in >= 2 keeps dL/dW off zero, and
    # hidden >= 2 keeps a near-degenerate channel (dL/dx ~ 1e-4, where rounding noise shows) from being all there is.
    model = Sequential(Dense(d_in, hidden, bias=False, rng=rng, dtype=np.float64, backend=backend), bn,
                       LeakyReLU(0.2), Dense(hidden, d_out, rng=rng, dtype=np.float64, backend=backend))
    model[3].bias.data[...] = xp.asarray(rng.standard_normal(d_out))
    errors = check_grads(model, xp.asarray(rng.standard_normal((n, d_in))))
    assert set(errors) == {"input 0", "0.weight", "1.weight", "1.bias", "3.weight", "3.bias"}


@pytest.mark.parametrize("shape", [(2, 3), (2, 2, 1, 1)])
def test_two_values_per_channel(xp, shape, rng):
    # Two values a < b normalise to -1 and +1 (up to eps) wherever they sit, so dL/dx all but
    # vanishes: check it absolutely, and gamma/beta (whose gradients do not vanish) as usual.
    gamma, beta = (xp.asarray(v) for v in random_affine(rng, shape[1]))
    first = rng.standard_normal(shape[1])
    gap = rng.uniform(1.0, 3.0, shape[1]) * rng.choice([-1.0, 1.0], shape[1])  # keep the pair apart
    x = xp.asarray(np.stack([first, first + gap]).reshape(shape))
    out, cache = batchnorm_forward(x, gamma, beta)
    dout = xp.asarray(rng.standard_normal(shape))
    dx = to_numpy(batchnorm_backward(dout, cache)[0])
    numeric = numerical_gradient(lambda: float(xp.sum(batchnorm_forward(x, gamma, beta)[0] * dout)), x)
    assert np.abs(dx).max() < 1e-4
    np.testing.assert_allclose(dx, numeric, atol=1e-9)
    errors = check_op(lambda g, b: batchnorm_forward(x, g, b), lambda d, c: batchnorm_backward(d, c)[1:], gamma, beta)
    assert max(errors.values()) < 1e-6


def test_batchnorm2d_inside_a_resize_stack(xp, backend, rng):
    # Upsample -> BatchNorm2d -> LeakyReLU -> Flatten -> Dense: a D/G-like tail in miniature.
    bn = BatchNorm2d(3, dtype=np.float64, backend=backend)
    set_affine(bn, xp, rng)
    model = Sequential(Upsample(2), bn, LeakyReLU(0.2), Flatten(),
                       Dense(3 * 4 * 6, 2, rng=rng, dtype=np.float64, backend=backend))
    errors = check_grads(model, xp.asarray(rng.standard_normal((2, 3, 2, 3))))
    assert {"1.weight", "1.bias", "4.weight", "4.bias"} <= set(errors)


def test_affine_false_has_no_parameters_and_still_checks(xp, backend, rng):
    layer = BatchNorm2d(2, affine=False, dtype=np.float64, backend=backend)
    assert layer.parameters() == [] and layer.weight is None and layer.bias is None
    x = xp.asarray(rng.standard_normal((3, 2, 2, 5)))
    out = to_numpy(layer(x))
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    assert set(check_grads(layer, x)) == {"input 0"}


# ---------------------------------------------------------------- behaviour

def test_train_mode_normalises_and_updates_running_stats(xp, backend, rng):
    shape = (4, 3, 5, 2)
    layer = bn_layer(shape, backend)
    gamma, beta = set_affine(layer, xp, rng)
    x = 2 * rng.standard_normal(shape) + 3
    out = to_numpy(layer(xp.asarray(x)))
    axes = channel_axes(shape)
    var = x.var(axis=axes)
    np.testing.assert_allclose(out.mean(axis=axes), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=axes), np.abs(gamma) * np.sqrt(var / (var + 1e-5)), rtol=1e-12)
    m = x.size // 3
    # momentum 0.1, and the UNBIASED variance (m / (m - 1)) in the running estimate
    np.testing.assert_allclose(to_numpy(layer.running_mean), 0.1 * x.mean(axis=axes), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(layer.running_var), 0.9 + 0.1 * var * m / (m - 1), rtol=1e-12)


def test_eval_mode_uses_running_stats_and_leaves_them_alone(xp, backend, rng):
    layer = BatchNorm1d(4, dtype=np.float64, backend=backend)
    gamma, beta = set_affine(layer, xp, rng)
    mean, var = rng.standard_normal(4), rng.uniform(0.5, 2.0, 4)
    layer.running_mean[...], layer.running_var[...] = xp.asarray(mean), xp.asarray(var)
    layer.eval()
    x = rng.standard_normal((5, 4))
    out = to_numpy(layer(xp.asarray(x)))
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5) * gamma + beta, rtol=1e-12)
    np.testing.assert_array_equal(to_numpy(layer.running_mean), mean)
    np.testing.assert_array_equal(to_numpy(layer.running_var), var)
    # In eval mode one example's output does not depend on the rest of the batch.
    np.testing.assert_allclose(to_numpy(layer(xp.asarray(x[:1]))), out[:1], rtol=1e-12)
    layer.train()
    assert not np.allclose(to_numpy(layer(xp.asarray(x))), out)


def test_one_value_per_channel_is_a_clear_error_in_train_mode_only(xp, backend):
    with pytest.raises(ShapeError, match=r"BatchNorm1d\(3.*more than 1 value per channel.*\(1, 3\)"):
        BatchNorm1d(3, backend=backend)(xp.ones((1, 3), dtype=np.float32))
    with pytest.raises(ShapeError, match="more than 1 value per channel"):
        BatchNorm2d(2, backend=backend)(xp.ones((1, 2, 1, 1), dtype=np.float32))
    assert BatchNorm2d(2, backend=backend)(xp.ones((1, 2, 2, 1), dtype=np.float32)).shape == (1, 2, 2, 1)
    assert BatchNorm1d(3, backend=backend).eval()(xp.ones((1, 3), dtype=np.float32)).shape == (1, 3)


def test_wrong_shapes_name_the_layer_and_both_shapes(xp, backend):
    with pytest.raises(ShapeError, match=r"BatchNorm2d\(3.*expected input of shape \(N, 3, \*, \*\), got \(2, 4, 5, 5\)"):
        BatchNorm2d(3, backend=backend)(xp.zeros((2, 4, 5, 5), dtype=np.float32))
    with pytest.raises(ShapeError, match=r"BatchNorm1d\(3.*expected input of shape \(N, 3\), got \(2, 3, 4, 4\)"):
        BatchNorm1d(3, backend=backend)(xp.zeros((2, 3, 4, 4), dtype=np.float32))
    with pytest.raises(RuntimeError, match="before forward"):
        BatchNorm1d(3, backend=backend).backward(xp.zeros((2, 3), dtype=np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_end_to_end(xp, backend, rng, dtype):
    layer = BatchNorm2d(2, dtype=dtype, backend=backend)
    x = xp.asarray(rng.standard_normal((3, 2, 4, 3)), dtype=dtype)
    out = layer(x)
    dx = layer.backward(xp.ones_like(out))
    arrays = [out, dx, layer.weight.grad, layer.bias.grad, layer.running_mean, layer.running_var]
    assert all(a.dtype == dtype and backend_of(a) == backend for a in arrays)


def test_backward_accumulates_into_grad(xp, backend, rng):
    layer = BatchNorm1d(3, dtype=np.float64, backend=backend)
    set_affine(layer, xp, rng)
    x, dout = xp.asarray(rng.standard_normal((4, 3))), xp.asarray(rng.standard_normal((4, 3)))
    layer(x)
    layer.backward(dout)
    once = to_numpy(layer.weight.grad).copy(), to_numpy(layer.bias.grad).copy()
    weight_before = to_numpy(layer.weight.data).copy()
    layer.backward(dout)
    np.testing.assert_allclose(to_numpy(layer.weight.grad), 2 * once[0], rtol=1e-12)
    np.testing.assert_allclose(to_numpy(layer.bias.grad), 2 * once[1], rtol=1e-12)
    np.testing.assert_array_equal(to_numpy(layer.weight.data), weight_before)  # backward never updates


def test_state_dict_round_trip_includes_running_stats(xp, backend, rng):
    layer = BatchNorm2d(3, dtype=np.float64, backend=backend)
    set_affine(layer, xp, rng)
    for _ in range(3):
        layer(xp.asarray(rng.standard_normal((4, 3, 2, 2)) + 1))
    state = layer.state_dict()
    assert set(state) == {"weight", "bias", "running_mean", "running_var"}
    assert not np.allclose(state["running_mean"], 0) and not np.allclose(state["running_var"], 1)
    fresh = BatchNorm2d(3, dtype=np.float64, backend=backend)
    fresh.load_state_dict(state)
    x = xp.asarray(rng.standard_normal((2, 3, 2, 2)))
    np.testing.assert_array_equal(to_numpy(fresh.eval()(x)), to_numpy(layer.eval()(x)))
    # Nested in a model the buffers carry dotted names, as parameters do.
    assert "1.running_var" in Sequential(Flatten(), BatchNorm1d(2)).state_dict()


def test_to_and_astype_move_the_buffers(backend):
    layer = BatchNorm1d(3).to(backend).astype(np.float64)
    for a in (layer.weight.data, layer.running_mean, layer.running_var):
        assert backend_of(a) == backend and a.dtype == np.float64


def test_dcgan_initialize_draws_gamma_near_one(rng):
    model = Sequential(BatchNorm2d(512), BatchNorm1d(4))
    model[0].bias.data[...] = 3.0
    init.initialize(model, "dcgan", rng=rng)
    gamma = to_numpy(model[0].weight.data)
    assert abs(gamma.mean() - 1) < 0.01 and 0.015 < gamma.std() < 0.025
    np.testing.assert_array_equal(to_numpy(model[0].bias.data), 0)
    init.initialize(model, "he", rng=rng)
    np.testing.assert_array_equal(to_numpy(model[1].weight.data), 1)


def test_bad_momentum_is_rejected():
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm1d(3, momentum=1.5)


# ---------------------------------------------------------------- PyTorch parity

@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 5, 4)], ids=["1d", "2d"])
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-10), (np.float32, 2e-5)], ids=["float64", "float32"])
def test_matches_pytorch(xp, backend, rng, shape, dtype, tol):
    # tol is both rtol and atol. float32 differences seen were ~2e-6 (summation order), so 2e-5 leaves 10x room.
    torch = pytest.importorskip("torch")
    c = shape[1]
    ours = bn_layer(shape, backend, dtype=dtype)
    ref = (torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d)(c).to(
        torch.float64 if dtype == np.float64 else torch.float32)
    gamma, beta = random_affine(rng, c)
    ours.weight.data[...], ours.bias.data[...] = xp.asarray(gamma), xp.asarray(beta)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(gamma))
        ref.bias.copy_(torch.from_numpy(beta))

    def close(mine, theirs, what):
        np.testing.assert_allclose(to_numpy(mine), theirs.detach().numpy(), rtol=tol, atol=tol, err_msg=what)

    for step in range(3):  # parameter grads accumulate in both libraries, so compare the running sums
        x = (2 * rng.standard_normal(shape) + step).astype(dtype)
        dout = rng.standard_normal(shape).astype(dtype)
        xt = torch.tensor(x, requires_grad=True)
        out_t = ref(xt)
        out_t.backward(torch.from_numpy(dout))
        out = ours(xp.asarray(x))
        dx = ours.backward(xp.asarray(dout))
        close(out, out_t, "output")
        close(dx, xt.grad, "input gradient")
        close(ours.weight.grad, ref.weight.grad, "gamma gradient")
        close(ours.bias.grad, ref.bias.grad, "beta gradient")
        close(ours.running_mean, ref.running_mean, "running_mean")
        close(ours.running_var, ref.running_var, "running_var")

    ours.eval(), ref.eval()
    x = rng.standard_normal(shape).astype(dtype)
    close(ours(xp.asarray(x)), ref(torch.from_numpy(x)), "eval output")
