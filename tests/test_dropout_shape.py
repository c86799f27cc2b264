"""Dropout, Flatten, Reshape and Upsample (with its pure op)."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import minigan
from minigan.backend import backend_of, to_numpy
from minigan.gradcheck import check_grads, check_op
from minigan.nn import Dense, Dropout, Flatten, Reshape, Sequential, ShapeError, Upsample
from minigan.ops import upsample_nearest_backward, upsample_nearest_forward

reuse_fixtures = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
seeds = st.integers(0, 2**32 - 1)
images = st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 6), st.integers(1, 6))  # N, C, H, W
scales = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))


# ---------------------------------------------------------------- Dropout

@reuse_fixtures
@given(shape=st.lists(st.integers(1, 6), min_size=2, max_size=4).map(tuple), p=st.sampled_from([0.1, 0.5, 0.8]),
       seed=seeds)
def test_dropout_gradients_in_train_mode(xp, shape, p, seed):
    # check_grads restores minigan's generator before every forward, so each one draws the same mask.
    x = xp.asarray(np.random.default_rng(seed).standard_normal(shape))
    assert set(check_grads(Dropout(p), x)) == {"input 0"}


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_statistics(xp, p):
    x = xp.ones((400, 250), dtype=np.float32)
    out = to_numpy(Dropout(p)(x))
    dropped = (out == 0).mean()
    assert abs(dropped - p) < 0.01                                    # 100,000 draws: sd of the fraction < 0.002
    np.testing.assert_allclose(out[out != 0], 1 / (1 - p), rtol=1e-6)  # survivors scaled up ...
    assert abs(out.mean() - 1) < 0.03                                   # ... so the mean is kept


def test_backward_uses_the_forward_mask(xp, rng):
    layer = Dropout(0.5)
    x = xp.asarray(rng.standard_normal((6, 7)))
    out = layer(x)
    dout = xp.asarray(rng.standard_normal((6, 7)))
    mask = to_numpy(out) / to_numpy(x)  # 0 or 2 per element
    assert set(np.unique(mask.round(12))) == {0.0, 2.0}
    np.testing.assert_allclose(to_numpy(layer.backward(dout)), to_numpy(dout) * mask, rtol=1e-12)


def test_eval_mode_and_p_zero_are_the_identity(xp, rng):
    x = xp.asarray(rng.standard_normal((5, 3, 2, 2)))
    dout = xp.asarray(rng.standard_normal((5, 3, 2, 2)))
    for layer in (Dropout(0.7).eval(), Dropout(0.0)):
        state = minigan.rng.get_state()
        np.testing.assert_array_equal(to_numpy(layer(x)), to_numpy(x))
        np.testing.assert_array_equal(to_numpy(layer.backward(dout)), to_numpy(dout))
        assert minigan.rng.get_state() == state  # nothing drawn


def test_one_seed_gives_one_mask_on_every_backend(xp, backend, rng):
    x = rng.standard_normal((8, 9)).astype(np.float32)
    minigan.seed(7)
    on_cpu = Dropout(0.5)(x)
    minigan.seed(7)
    here = Dropout(0.5)(xp.asarray(x))
    assert backend_of(here) == backend and here.dtype == np.float32
    np.testing.assert_array_equal(to_numpy(here), on_cpu)
    assert not np.array_equal(to_numpy(Dropout(0.5)(xp.asarray(x))), on_cpu)  # the next draw differs


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        Dropout(p)


# ---------------------------------------------------------------- Flatten and Reshape

def test_flatten_and_reshape_round_trip(xp, rng):
    x = xp.asarray(rng.standard_normal((3, 4, 5, 2)))
    flat = Flatten()
    y = flat(x)
    assert y.shape == (3, 40)
    back = Reshape((4, 5, 2))
    np.testing.assert_array_equal(to_numpy(back(y)), to_numpy(x))
    # Backward puts gradients back into the input's shape, value for value.
    np.testing.assert_array_equal(to_numpy(flat.backward(back.backward(x))), to_numpy(x))
    assert Reshape(6)(xp.zeros((2, 2, 3))).shape == (2, 6)


@reuse_fixtures
@given(shape=st.lists(st.integers(1, 5), min_size=2, max_size=4).map(tuple), seed=seeds)
def test_flatten_and_reshape_gradients(xp, shape, seed):
    x = xp.asarray(np.random.default_rng(seed).standard_normal(shape))
    check_grads(Flatten(), x)
    check_grads(Reshape((int(np.prod(shape[1:])), 1)), x)


def test_reshape_mismatch_is_a_clear_error(xp):
    with pytest.raises(ShapeError, match=r"Reshape\(\(256, 7, 7\)\).*\(2, 100\).*\(N, 256, 7, 7\).*100 values.*12544"):
        Reshape((256, 7, 7))(xp.zeros((2, 100)))
    with pytest.raises(ValueError, match="positive"):
        Reshape((0, 3))


def test_flatten_needs_a_batch_axis(xp):
    with pytest.raises(ShapeError, match=r"Flatten.*got \(5,\)"):
        Flatten()(xp.zeros(5))


def test_generator_head_shapes(backend, rng):
    # Dense -> Reshape -> Upsample: the start of a resize-convolution generator.
    model = Sequential(Dense(8, 4 * 3 * 3, rng=rng, backend=backend), Reshape((4, 3, 3)), Upsample(2))
    z = minigan.backend.get_xp(backend).asarray(rng.standard_normal((5, 8)), dtype=np.float32)
    out = model(z)
    assert out.shape == (5, 4, 6, 6) and out.dtype == np.float32
    assert model.backward(out).shape == (5, 8)


# ---------------------------------------------------------------- Upsample

def reference_upsample(x, sh, sw):
    return np.repeat(np.repeat(x, sh, axis=2), sw, axis=3)


@reuse_fixtures
@given(shape=images, scale=scales, seed=seeds)
def test_upsample_forward_backward_and_adjoint(xp, shape, scale, seed):
    rng = np.random.default_rng(seed)
    sh, sw = (scale, scale) if isinstance(scale, int) else scale
    x = rng.standard_normal(shape)
    out, cache = upsample_nearest_forward(xp.asarray(x), scale)
    np.testing.assert_array_equal(to_numpy(out), reference_upsample(x, sh, sw))
    # Backward is the adjoint of forward: <up(x), y> == <x, up_T(y)> for every x, y.
    y = rng.standard_normal(out.shape)
    dx = to_numpy(upsample_nearest_backward(xp.asarray(y), cache))
    assert dx.shape == shape
    np.testing.assert_allclose(np.sum(to_numpy(out) * y), np.sum(x * dx), rtol=1e-12)
    # ... and it sums each sh-by-sw block.
    np.testing.assert_allclose(dx[:, :, 0, 0], y[:, :, :sh, :sw].sum(axis=(2, 3)), rtol=1e-12)
    check_op(upsample_nearest_forward, upsample_nearest_backward, xp.asarray(x), scale_factor=scale)


def test_upsample_layer_gradients_and_errors(xp, rng):
    layer = Upsample((2, 3))
    assert repr(layer) == "Upsample(scale_factor=(2, 3))"
    assert set(check_grads(layer, xp.asarray(rng.standard_normal((2, 3, 3, 2))))) == {"input 0"}
    with pytest.raises(ShapeError, match=r"Upsample.*\(N, \*, \*, \*\), got \(2, 3\)"):
        layer(xp.zeros((2, 3)))
    for bad in (0, 1.5, (2,), (2, 0)):
        with pytest.raises(ValueError, match="scale_factor"):
            Upsample(bad)


@pytest.mark.parametrize("shape, scale", [((2, 3, 4, 5), 2), ((1, 2, 3, 2), 3), ((2, 1, 2, 3), (2, 3))])
def test_upsample_matches_pytorch(xp, rng, shape, scale):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape).astype(np.float32)
    ours = to_numpy(Upsample(scale)(xp.asarray(x)))
    factor = tuple(float(s) for s in scale) if isinstance(scale, tuple) else float(scale)
    theirs = torch.nn.functional.interpolate(torch.from_numpy(x), scale_factor=factor, mode="nearest").numpy()
    np.testing.assert_array_equal(ours, theirs)
