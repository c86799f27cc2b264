"""Dense and the elementwise activations: gradients, the Layer contract, saving, printing, initialisers."""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import minigan
from minigan import init
from minigan.backend import backend_of, to_numpy
from minigan.gradcheck import check_grads
from minigan.nn import Dense, LeakyReLU, ReLU, Sequential, ShapeError, Sigmoid, Tanh, summary

reuse_fixtures = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

batches = st.integers(1, 5)
features = st.integers(1, 7)
seeds = st.integers(0, 2**32 - 1)


def randomize(layer, xp, rng):
    """Overwrite every parameter with random, non-unit values (not what the initialiser drew)."""
    for p in layer.parameters():
        p.data[...] = xp.asarray(rng.uniform(0.3, 1.5, p.shape) * rng.choice([-1.0, 1.0], p.shape))
    return layer


def away_from_zero(rng, shape, low=0.05, high=2.0):
    """Inputs whose magnitude keeps finite differences (eps 1e-5) off the kink of ReLU/LeakyReLU."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


# ---------------------------------------------------------------- gradient checks (float64)

@reuse_fixtures
@given(n=batches, fin=features, fout=features, bias=st.booleans(), seed=seeds)
def test_dense_gradients(xp, backend, n, fin, fout, bias, seed):
    rng = np.random.default_rng(seed)
    layer = randomize(Dense(fin, fout, bias=bias, dtype=np.float64, backend=backend), xp, rng)
    x = xp.asarray(rng.standard_normal((n, fin)) * 2.0 + 0.5)
    errors = check_grads(layer, x, seed=seed % 1000)
    expected = {"input 0", "weight"} | ({"bias"} if bias else set())
    assert set(errors) == expected
    assert max(errors.values()) < 1e-6


def make_activation(kind, slope):
    return {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}[kind]() if kind != "leaky" else LeakyReLU(slope)


@reuse_fixtures
@given(kind=st.sampled_from(["relu", "leaky", "tanh", "sigmoid"]), n=batches, f=features,
       slope=st.floats(0.01, 0.9), seed=seeds)
def test_activation_gradients(xp, kind, n, f, slope, seed):
    rng = np.random.default_rng(seed)
    layer = make_activation(kind, slope)
    x = xp.asarray(away_from_zero(rng, (n, f), high=3.0))
    errors = check_grads(layer, x, seed=seed % 1000)
    assert set(errors) == {"input 0"} and errors["input 0"] < 1e-6


def test_activation_values(xp):
    x = xp.asarray([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    h = to_numpy(x)
    assert np.array_equal(to_numpy(ReLU()(x)), np.maximum(h, 0))
    assert np.allclose(to_numpy(LeakyReLU(0.3)(x)), np.where(h > 0, h, 0.3 * h))
    assert np.allclose(to_numpy(Tanh()(x)), np.tanh(h))
    assert np.allclose(to_numpy(Sigmoid()(x)), 1 / (1 + np.exp(-h)))
    big = xp.asarray([[-1e4, 1e4]], dtype=xp.float32)
    assert np.array_equal(to_numpy(Sigmoid()(big)), [[0.0, 1.0]])   # no overflow at huge |x|


def make_stack(fin, h1, h2, fout, slope, backend, dtype=np.float64):
    return Sequential(Dense(fin, h1, dtype=dtype, backend=backend), LeakyReLU(slope),
                      Dense(h1, h2, dtype=dtype, backend=backend), Tanh(),
                      Dense(h2, fout, dtype=dtype, backend=backend), Sigmoid())


@reuse_fixtures
@given(n=batches, fin=features, h1=features, h2=features, fout=features,
       slope=st.floats(0.05, 0.5), seed=seeds)
def test_stack_gradients(xp, backend, n, fin, h1, h2, fout, slope, seed):
    rng = np.random.default_rng(seed)
    model = randomize(make_stack(fin, h1, h2, fout, slope, backend), xp, rng)
    for p in model.parameters():          # smaller weights keep Tanh/Sigmoid out of deep saturation
        p.data *= 0.5
    x = xp.asarray(rng.standard_normal((n, fin)))
    # keep LeakyReLU's inputs off its kink, where a finite difference straddles two slopes
    assume(np.abs(to_numpy(model[0].forward(x))).min() > 1e-3)
    errors = check_grads(model, x, seed=seed % 1000)
    names = {"input 0"} | {f"{i}.{w}" for i in (0, 2, 4) for w in ("weight", "bias")}
    assert set(errors) == names
    assert max(errors.values()) < 1e-6


# ---------------------------------------------------------------- the Layer contract

def test_backward_accumulates_and_never_touches_data(xp, backend):
    rng = np.random.default_rng(0)
    model = randomize(make_stack(4, 5, 3, 2, 0.2, backend), xp, rng)
    before = {k: v.copy() for k, v in model.state_dict().items()}
    x = xp.asarray(rng.standard_normal((3, 4)))
    dout = xp.asarray(rng.standard_normal((3, 2)))
    model.forward(x)
    dx1 = to_numpy(model.backward(dout))
    once = {name: to_numpy(p.grad).copy() for name, p in model.named_parameters()}
    assert all(np.abs(g).max() > 0 for g in once.values())
    dx2 = to_numpy(model.backward(dout))
    assert np.array_equal(dx1, dx2)                  # dx is returned, not accumulated
    for name, p in model.named_parameters():
        assert np.allclose(to_numpy(p.grad), 2 * once[name], rtol=1e-13, atol=0), name
    after = model.state_dict()
    for k in before:
        assert np.array_equal(before[k], after[k]), f"backward changed {k}"
    model.zero_grad()
    assert all(not np.any(to_numpy(p.grad)) for p in model.parameters())


def test_dense_backward_formulas(xp, backend):
    rng = np.random.default_rng(1)
    layer = randomize(Dense(3, 4, dtype=np.float64, backend=backend), xp, rng)
    x, dout = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    w, b = to_numpy(layer.weight.data), to_numpy(layer.bias.data)
    out = layer.forward(xp.asarray(x))
    assert np.allclose(to_numpy(out), x @ w + b)
    dx = layer.backward(xp.asarray(dout))
    assert np.allclose(to_numpy(dx), dout @ w.T)
    assert np.allclose(to_numpy(layer.weight.grad), x.T @ dout)
    assert np.allclose(to_numpy(layer.bias.grad), dout.sum(0))


def test_parameter_grad_matches_data(xp, backend):
    layer = Dense(3, 2, backend=backend)
    for p in layer.parameters():
        assert p.grad.shape == p.data.shape and p.grad.dtype == p.data.dtype
        assert backend_of(p.grad) == backend_of(p.data) == backend
        assert p.name in ("weight", "bias")
    assert layer.weight.shape == (3, 2) and layer.bias.shape == (2,)
    no_bias = Dense(3, 2, bias=False, backend=backend)
    assert no_bias.bias is None
    assert [name for name, _ in no_bias.named_parameters()] == ["weight"]
    assert no_bias.num_parameters() == 6 and layer.num_parameters() == 8


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_end_to_end(xp, backend, dtype):
    model = make_stack(3, 4, 4, 2, 0.2, backend, dtype=dtype)
    x = xp.asarray(np.random.default_rng(0).standard_normal((2, 3)), dtype=dtype)
    out = model.forward(x)
    assert out.dtype == dtype
    dx = model.backward(xp.ones_like(out))
    assert dx.dtype == dtype
    assert all(p.grad.dtype == dtype for p in model.parameters())


def test_float32_is_the_default(xp, backend):
    layer = Dense(3, 2, backend=backend)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    x = xp.ones((4, 3), dtype=xp.float32)
    assert layer(x).dtype == np.float32
    assert make_stack(3, 4, 4, 2, 0.2, backend, dtype=np.float32)(x).dtype == np.float32


def test_astype_casts_every_child(xp, backend):
    model = make_stack(3, 4, 4, 2, 0.2, backend, dtype=np.float32)
    values = {k: v.astype(np.float64) for k, v in model.state_dict().items()}
    assert model.astype(np.float64) is model
    for name, p in model.named_parameters():
        assert p.data.dtype == np.float64 and p.grad.dtype == np.float64, name
        assert np.array_equal(to_numpy(p.data), values[name])
    out = model(xp.ones((2, 3), dtype=xp.float64))
    assert out.dtype == np.float64


def test_to_numpy_moves_every_child(xp, backend):
    model = make_stack(3, 4, 4, 2, 0.2, backend)
    values = model.state_dict()
    assert model.to("numpy") is model
    for name, p in model.named_parameters():
        assert isinstance(p.data, np.ndarray) and isinstance(p.grad, np.ndarray), name
        assert np.array_equal(p.data, values[name])
    model.to(backend)
    assert all(backend_of(p.data) == backend for p in model.parameters())


def test_train_eval_propagate_to_children():
    inner = Sequential(Dense(2, 2), ReLU())
    model = Sequential(Dense(2, 2), inner, Tanh())
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    mods = list(model.modules())
    assert len(mods) == 6                       # model, Dense, inner, inner's Dense and ReLU, Tanh
    assert not any(m.training for m in mods)
    model.train()
    assert all(m.training for m in mods)
    model.train(False)
    assert not any(m.training for m in mods)


def test_backward_before_forward_is_a_clear_runtime_error(xp, backend):
    for layer in (Dense(3, 2, backend=backend), ReLU(), LeakyReLU(), Tanh(), Sigmoid(),
                  make_stack(3, 4, 4, 2, 0.2, backend)):
        with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
            layer.backward(xp.ones((1, 2), dtype=xp.float32))


# ---------------------------------------------------------------- shapes and errors

def test_shape_error_names_the_layer_and_both_shapes(xp, backend):
    layer = Dense(3, 5, backend=backend)
    with pytest.raises(ShapeError) as info:
        layer.forward(xp.ones((2, 4), dtype=xp.float32))
    msg = str(info.value)
    assert "Dense(3 -> 5)" in msg
    assert "(N, 3)" in msg and "(2, 4)" in msg
    with pytest.raises(ShapeError, match=r"got \(6,\)"):
        layer.forward(xp.ones(6, dtype=xp.float32))   # wrong rank too
    assert issubclass(ShapeError, ValueError)


def test_shape_error_inside_a_stack_names_the_inner_layer(xp, backend):
    model = Sequential(Dense(3, 4, backend=backend), ReLU(), Dense(5, 2, backend=backend))
    with pytest.raises(ShapeError, match=r"Dense\(5 -> 2\).*\(N, 5\).*\(2, 4\)"):
        model(xp.ones((2, 3), dtype=xp.float32))


# ---------------------------------------------------------------- saving

def test_state_dict_round_trip(xp, backend):
    minigan.seed(1)
    a = make_stack(3, 4, 5, 2, 0.2, backend)
    minigan.seed(2)
    b = make_stack(3, 4, 5, 2, 0.2, backend)
    state = a.state_dict()
    assert set(state) == {f"{i}.{w}" for i in (0, 2, 4) for w in ("weight", "bias")}
    assert all(isinstance(v, np.ndarray) for v in state.values())
    assert not np.array_equal(state["0.weight"], b.state_dict()["0.weight"])
    b.load_state_dict(state)
    x = xp.asarray(np.random.default_rng(0).standard_normal((4, 3)), dtype=xp.float32)
    assert np.array_equal(to_numpy(a(x)), to_numpy(b(x)))
    for k, v in b.state_dict().items():
        assert np.array_equal(v, state[k])
    # loading copies: changing the saved arrays afterwards leaves the model alone
    state["0.weight"][...] = 123.0
    assert not np.any(b.state_dict()["0.weight"] == 123.0)
    # the state is a copy too: changing the model leaves an earlier state alone
    snap = a.state_dict()
    a.parameters()[0].data[...] = 0
    assert np.any(snap["0.weight"] != 0)


def test_load_state_dict_keeps_dtype_and_backend(xp, backend):
    model = Dense(2, 3, backend=backend)
    model.load_state_dict({"weight": np.ones((2, 3), dtype=np.float64), "bias": np.zeros(3)})
    assert model.weight.dtype == np.float32 and backend_of(model.weight.data) == backend
    assert np.array_equal(to_numpy(model.weight.data), np.ones((2, 3)))


def test_load_state_dict_missing_and_unexpected_keys(backend):
    model = make_stack(3, 4, 5, 2, 0.2, backend)
    state = model.state_dict()
    del state["2.bias"]
    with pytest.raises(KeyError) as info:
        model.load_state_dict(state)
    msg = str(info.value)
    assert "missing ['2.bias']" in msg and "Sequential" in msg
    state = model.state_dict()
    state["9.weight"] = np.zeros(2)
    with pytest.raises(KeyError, match=r"unexpected \['9.weight'\]"):
        model.load_state_dict(state)


def test_load_state_dict_wrong_shape(backend):
    model = make_stack(3, 4, 5, 2, 0.2, backend)
    before = model.state_dict()
    state = {k: v + 1.0 for k, v in before.items()}
    state["2.weight"] = np.zeros((5, 4), dtype=np.float32)
    with pytest.raises(ShapeError) as info:
        model.load_state_dict(state)
    msg = str(info.value)
    assert "2.weight" in msg and "(4, 5)" in msg and "(5, 4)" in msg
    # a load that fails changes nothing (not even the keys that came before the bad one)
    for k, v in model.state_dict().items():
        assert np.array_equal(v, before[k]), k


# ---------------------------------------------------------------- summary

def test_summary_lists_output_shapes_and_total(backend):
    model = Sequential(Dense(7, 16, backend=backend), LeakyReLU(0.2), Dense(16, 3, bias=False, backend=backend),
                       Tanh(), Dense(3, 1, backend=backend), Sigmoid())
    model.train()
    lines = []
    text = summary(model, (7,), print_fn=lines.append)
    assert lines == [text]
    total = 7 * 16 + 16 + 16 * 3 + 3 * 1 + 1
    assert model.num_parameters() == total == 180
    rows = text.splitlines()
    assert rows[-1].split()[0] == "total" and rows[-1].split()[-1] == f"{total:,}"
    shapes = ["(N, 16)", "(N, 16)", "(N, 3)", "(N, 3)", "(N, 1)", "(N, 1)"]
    body = [r for r in rows if r[:1].isdigit()]
    assert len(body) == 6
    for i, (row, shape) in enumerate(zip(body, shapes)):
        assert row.startswith(f"{i}: ") and shape in row, row
    assert body[0].split()[-1] == "128" and body[2].split()[-1] == "48" and body[1].split()[-1] == "0"
    assert all(m.training for m in model.modules())     # put back in the mode it was in


def test_summary_puts_eval_model_back_in_eval(backend):
    model = Sequential(Dense(2, 2, backend=backend)).eval()
    summary(model, (2,), print_fn=None)
    assert not any(m.training for m in model.modules())


# ---------------------------------------------------------------- initialisers

def test_dcgan_normal_std():
    w = init.init_weight("dcgan", (200, 300), 200, 300)
    assert w.dtype == np.float32 and w.shape == (200, 300)
    assert abs(w.mean()) < 0.02 * 0.02
    assert abs(w.std() - 0.02) < 0.02 * 0.02


def test_xavier_uniform_bounds_and_std():
    fan_in, fan_out = 120, 80
    w = init.xavier_uniform((fan_in, fan_out * 100), fan_in, fan_out, dtype=np.float64)
    a = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(w).max() <= a and np.abs(w).max() > 0.99 * a
    assert abs(w.std() - a / math.sqrt(3)) < 0.01 * a


def test_xavier_normal_std():
    w = init.xavier_normal((300, 300), 100, 200)
    assert abs(w.std() - math.sqrt(2 / 300)) < 0.02 * math.sqrt(2 / 300)


def test_he_normal_and_uniform():
    fan_in = 50
    w = init.he_normal((500, 200), fan_in)
    assert abs(w.std() - math.sqrt(2 / fan_in)) < 0.02 * math.sqrt(2 / fan_in)
    u = init.he_uniform((500, 200), fan_in)
    a = math.sqrt(6 / fan_in)
    assert np.abs(u).max() <= a and np.abs(u).max() > 0.99 * a
    assert abs(u.std() - a / math.sqrt(3)) < 0.02 * a


@pytest.mark.parametrize("scheme", sorted(init.SCHEMES))
def test_initialisers_are_reproducible_under_seed(scheme):
    minigan.seed(11)
    a = init.init_weight(scheme, (6, 5), 6, 5)
    minigan.seed(11)
    b = init.init_weight(scheme, (6, 5), 6, 5)
    c = init.init_weight(scheme, (6, 5), 6, 5)
    assert np.array_equal(a, b)
    assert not np.array_equal(b, c)
    mine = init.init_weight(scheme, (6, 5), 6, 5, rng=np.random.default_rng(11))
    assert np.array_equal(a, mine)          # the global generator is a plain numpy Generator


def test_dense_init_schemes_and_seed(backend):
    minigan.seed(3)
    a = Dense(40, 30, init_scheme="dcgan", backend=backend)
    minigan.seed(3)
    b = Dense(40, 30, init_scheme="dcgan", backend=backend)
    assert np.array_equal(to_numpy(a.weight.data), to_numpy(b.weight.data))
    assert not np.any(to_numpy(a.bias.data))
    assert abs(to_numpy(a.weight.data).std() - 0.02) < 0.003
    he = to_numpy(Dense(40, 30, init_scheme="he", backend=backend).weight.data)
    assert abs(he.std() - math.sqrt(2 / 40)) < 0.15 * math.sqrt(2 / 40)
    with pytest.raises(ValueError, match="unknown init scheme 'kaiming'"):
        Dense(2, 2, init_scheme="kaiming")


def test_initialize_redraws_weights_and_zeroes_biases(backend):
    model = make_stack(30, 40, 20, 2, 0.2, backend, dtype=np.float32)
    for p in model.parameters():
        p.data[...] = 5.0
    assert init.initialize(model, "dcgan") is model
    for name, p in model.named_parameters():
        assert p.dtype == np.float32 and backend_of(p.data) == backend
        v = to_numpy(p.data)
        if name.endswith("bias"):
            assert not np.any(v)
        else:
            assert np.abs(v).max() < 0.2 and v.std() > 0.01
