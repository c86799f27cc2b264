"""Conv2d and ConvTranspose2d: finite differences, the adjoint identity, the naive loops.

The ops exist twice: ``ops.conv`` (plain NCHW im2col, what a learner reads) and
``ops.conv_fast`` (the batch-innermost layout the layers run). The op-level tests run on
both (the ``ops`` fixture), and the two are asserted equal to each other and to the loops.
Every test runs in float64 with random (not unit) weights, biases and upstream gradients,
over hypothesis-drawn shapes: batch 1-3, channels 1-4, spatial 1-9 (H and W drawn apart),
kernels 1-5, stride 1-3, padding 0-2 or "same", output_padding < stride.
"""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from minigan.backend import get_array_module, to_numpy
from minigan.gradcheck import check_grads, check_op
from minigan.nn import Conv2d, ConvTranspose2d, LeakyReLU, Sequential, ShapeError
from minigan.ops import conv, conv_fast
from minigan.ops import conv2d_forward, conv2d_output_size, conv_transpose2d_output_size, same_padding
from minigan.ops.conv import col2im, conv2d_geometry, im2col, resolve_padding
from minigan.ops.conv_naive import (conv2d_backward_naive, conv2d_forward_naive, conv_transpose2d_backward_naive,
                                    conv_transpose2d_forward_naive)

# Hypothesis reuses the (stateless) xp fixture across the examples of one test.
reuse_fixtures = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

pairs = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))  # noqa: E731
paddings = st.one_of(st.integers(0, 2), pairs(0, 2), st.just("same"))


@st.composite
def conv_configs(draw, transposed=False):
    """(N, C_in, C_out, (H, W), (kH, kW), stride, padding, output_padding, bias?, seed)."""
    stride = draw(st.one_of(st.integers(1, 3), pairs(1, 3)))
    padding = draw(paddings)
    s = stride if isinstance(stride, tuple) else (stride, stride)
    out_pad = (0, 0)
    if transposed and padding != "same":
        out_pad = (draw(st.integers(0, s[0] - 1)), draw(st.integers(0, s[1] - 1)))
    return dict(n=draw(st.integers(1, 3)), c_in=draw(st.integers(1, 4)), c_out=draw(st.integers(1, 4)),
                hw=draw(pairs(1, 9)), kernel=draw(pairs(1, 5)), stride=stride, padding=padding,
                output_padding=out_pad, bias=draw(st.booleans()), seed=draw(st.integers(0, 2**32 - 1)))


def conv_arrays(xp, cfg, transposed=False):
    """x, weight and bias (or None) drawn at random in float64; the output must not be empty."""
    rng = np.random.default_rng(cfg["seed"])
    if transposed:
        out_hw = conv_transpose2d_output_size(cfg["hw"], cfg["kernel"], cfg["stride"], cfg["padding"],
                                              cfg["output_padding"])
        w_shape = (cfg["c_in"], cfg["c_out"], *cfg["kernel"])
    else:
        out_hw = conv2d_output_size(cfg["hw"], cfg["kernel"], cfg["stride"], cfg["padding"])
        w_shape = (cfg["c_out"], cfg["c_in"], *cfg["kernel"])
    assume(min(out_hw) >= 1)
    x = xp.asarray(rng.standard_normal((cfg["n"], cfg["c_in"], *cfg["hw"])))
    w = xp.asarray(rng.uniform(0.3, 1.5, w_shape) * rng.choice([-1.0, 1.0], w_shape))
    b = xp.asarray(rng.standard_normal(cfg["c_out"])) if cfg["bias"] else None
    return x, w, b, out_hw


@pytest.fixture(params=[conv, conv_fast], ids=["plain", "fast"])
def ops(request):
    """The module whose four ops a test checks: the plain one or the fast one."""
    return request.param


def conv_kwargs(cfg, transposed=False):
    kw = dict(stride=cfg["stride"], padding=cfg["padding"])
    if transposed:
        kw["output_padding"] = cfg["output_padding"]
    return kw


# ---------------------------------------------------------------- gradient checks (float64)

@reuse_fixtures
@given(cfg=conv_configs())
def test_conv2d_op_gradients(xp, ops, cfg):
    x, w, b, out_hw = conv_arrays(xp, cfg)
    inputs = (x, w) if b is None else (x, w, b)
    out, _ = ops.conv2d_forward(*inputs, **conv_kwargs(cfg))
    assert out.shape == (cfg["n"], cfg["c_out"], *out_hw) and out.dtype == np.float64
    errors = check_op(ops.conv2d_forward, ops.conv2d_backward, *inputs, **conv_kwargs(cfg))
    assert len(errors) == len(inputs)


@reuse_fixtures
@given(cfg=conv_configs(transposed=True))
def test_conv_transpose2d_op_gradients(xp, ops, cfg):
    x, w, b, out_hw = conv_arrays(xp, cfg, transposed=True)
    inputs = (x, w) if b is None else (x, w, b)
    out, _ = ops.conv_transpose2d_forward(*inputs, **conv_kwargs(cfg, True))
    assert out.shape == (cfg["n"], cfg["c_out"], *out_hw) and out.dtype == np.float64
    errors = check_op(ops.conv_transpose2d_forward, ops.conv_transpose2d_backward, *inputs,
                      **conv_kwargs(cfg, True))
    assert len(errors) == len(inputs)


@reuse_fixtures
@given(cfg=conv_configs(), mid=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_layers_in_a_stack(xp, backend, cfg, mid, seed):
    """Conv2d -> LeakyReLU -> ConvTranspose2d back to the input size: input and all parameter grads."""
    x, _, _, small = conv_arrays(xp, cfg)
    pads = resolve_padding(cfg["padding"], cfg["hw"], cfg["kernel"], cfg["stride"])
    s = cfg["stride"] if isinstance(cfg["stride"], tuple) else (cfg["stride"],) * 2
    # the output_padding that makes the transposed conv land exactly on (H, W) again
    out_pad = tuple((n + p0 + p1 - k) % st_ for n, (p0, p1), k, st_ in zip(cfg["hw"], pads, cfg["kernel"], s))
    model = Sequential(
        Conv2d(cfg["c_in"], mid, cfg["kernel"], cfg["stride"], pads, dtype=np.float64, backend=backend),
        LeakyReLU(0.2),
        ConvTranspose2d(mid, cfg["c_out"], cfg["kernel"], cfg["stride"], pads, out_pad,
                        dtype=np.float64, backend=backend))
    rng = np.random.default_rng(seed)
    for p in model.parameters():   # random, not unit/zero, so no gradient can hide
        p.data[...] = xp.asarray(rng.uniform(0.3, 1.5, p.shape) * rng.choice([-1.0, 1.0], p.shape))
    assert model.forward(x).shape == (cfg["n"], cfg["c_out"], *cfg["hw"])
    # Finite differences straddle LeakyReLU's kink when a pre-activation lies within eps of 0;
    # there the two-sided difference is half of each slope and no backward can match it.
    assume(float(abs(to_numpy(model.layers[0].forward(x))).min()) > 1e-3)
    errors = check_grads(model, x)
    assert set(errors) == {"input 0", "0.weight", "0.bias", "2.weight", "2.bias"}


def test_layer_backward_accumulates_and_leaves_weights(xp, backend):
    rng = np.random.default_rng(0)
    for layer in (Conv2d(2, 3, 3, 2, 1, dtype=np.float64, backend=backend),
                  ConvTranspose2d(2, 3, 3, 2, 1, 1, dtype=np.float64, backend=backend)):
        layer.bias.data[...] = xp.asarray(rng.standard_normal(3))
        x = xp.asarray(rng.standard_normal((2, 2, 5, 4)))
        out = layer.forward(x)
        g = xp.asarray(rng.standard_normal(out.shape))
        before = [to_numpy(p.data).copy() for p in layer.parameters()]
        layer.backward(g)
        once = [to_numpy(p.grad).copy() for p in layer.parameters()]
        layer.forward(x)
        layer.backward(g)
        for p, b, o in zip(layer.parameters(), before, once):
            np.testing.assert_array_equal(to_numpy(p.data), b)
            np.testing.assert_allclose(to_numpy(p.grad), 2 * o, rtol=1e-12)


# ---------------------------------------------------------------- the adjoint identity

@reuse_fixtures
@given(cfg=conv_configs())
def test_conv_and_transposed_conv_are_adjoint(xp, ops, cfg):
    """<conv2d(x, W), y> == <x, conv_transpose2d(y, W)>: one is the other's transpose matrix."""
    x, w, _, small = conv_arrays(xp, cfg)
    pads = resolve_padding(cfg["padding"], cfg["hw"], cfg["kernel"], cfg["stride"])
    s = cfg["stride"] if isinstance(cfg["stride"], tuple) else (cfg["stride"],) * 2
    out_pad = tuple((n + p0 + p1 - k) % st_ for n, (p0, p1), k, st_ in zip(cfg["hw"], pads, cfg["kernel"], s))
    y = xp.asarray(np.random.default_rng(cfg["seed"] + 1).standard_normal((cfg["n"], cfg["c_out"], *small)))
    left = float(xp.sum(ops.conv2d_forward(x, w, None, cfg["stride"], pads)[0] * y))
    back = ops.conv_transpose2d_forward(y, w, None, cfg["stride"], pads, out_pad)[0]
    assert back.shape == x.shape
    right = float(xp.sum(x * back))
    assert math.isclose(left, right, rel_tol=1e-10, abs_tol=1e-10)


@reuse_fixtures
@given(cfg=conv_configs(transposed=True))
def test_transposed_backward_is_conv2d_forward(xp, ops, cfg):
    """The symmetry the code is built on: conv_transpose2d's dx is conv2d(dout, W), same padding."""
    x, w, b, out_hw = conv_arrays(xp, cfg, transposed=True)
    _, cache = ops.conv_transpose2d_forward(x, w, b, **conv_kwargs(cfg, True))
    g = xp.asarray(np.random.default_rng(cfg["seed"] + 1).standard_normal((cfg["n"], cfg["c_out"], *out_hw)))
    dx, _, _ = ops.conv_transpose2d_backward(g, cache)
    pads = resolve_padding(cfg["padding"], out_hw, cfg["kernel"], cfg["stride"])
    as_conv, _ = ops.conv2d_forward(g, w, None, cfg["stride"], pads)
    np.testing.assert_allclose(to_numpy(dx), to_numpy(as_conv), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- plain == fast == naive loops

def run_pair(pair, x, w, b, kw, g_seed):
    """Forward, then backward with a random upstream gradient: [out, dx, dweight, dbias]."""
    forward, backward = pair
    out, cache = forward(x, w, b, **kw)
    g = get_array_module(x).asarray(np.random.default_rng(g_seed).standard_normal(out.shape)).astype(x.dtype)
    return [out, *backward(g, cache)]


def op_pairs(module, transposed):
    if module == "naive":
        return ((conv_transpose2d_forward_naive, conv_transpose2d_backward_naive) if transposed
                else (conv2d_forward_naive, conv2d_backward_naive))
    return ((module.conv_transpose2d_forward, module.conv_transpose2d_backward) if transposed
            else (module.conv2d_forward, module.conv2d_backward))


def assert_same_results(got, want, **tolerance):
    for g, w in zip(got, want, strict=True):
        if w is None:
            assert g is None
        else:
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(to_numpy(g), to_numpy(w), **tolerance)


@reuse_fixtures
@given(cfg=conv_configs(), transposed=st.booleans())
def test_naive_equals_im2col(xp, ops, cfg, transposed):
    x, w, b, _ = conv_arrays(xp, cfg, transposed)
    kw = conv_kwargs(cfg, transposed)
    got = run_pair(op_pairs(ops, transposed), x, w, b, kw, cfg["seed"] + 1)
    want = run_pair(op_pairs("naive", transposed), x, w, b, kw, cfg["seed"] + 1)
    assert_same_results(got, want, rtol=1e-10, atol=1e-10)


@settings(reuse_fixtures, max_examples=60)
@given(cfg=conv_configs(), transposed=st.booleans(), dtype=st.sampled_from([np.float64, np.float32]))
def test_plain_equals_fast(xp, cfg, transposed, dtype):
    """The two im2col modules: the same numbers up to the order of the sums, in both dtypes."""
    x, w, b, _ = conv_arrays(xp, cfg, transposed)
    x, w, b = (None if a is None else a.astype(dtype) for a in (x, w, b))
    kw = conv_kwargs(cfg, transposed)
    plain = run_pair(op_pairs(conv, transposed), x, w, b, kw, cfg["seed"] + 1)
    fast = run_pair(op_pairs(conv_fast, transposed), x, w, b, kw, cfg["seed"] + 1)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
    assert_same_results(plain, fast, **tol)


def test_frozen_layer_gets_only_dx(xp, ops):
    """param_grads=False: the same dx, no parameter gradients."""
    rng = np.random.default_rng(3)
    x, w = xp.asarray(rng.standard_normal((2, 3, 6, 5))), xp.asarray(rng.standard_normal((3, 3, 3, 3)))
    for forward, backward in ((ops.conv2d_forward, ops.conv2d_backward),
                              (ops.conv_transpose2d_forward, ops.conv_transpose2d_backward)):
        out, cache = forward(x, w, None, 2, 1)
        g = xp.asarray(rng.standard_normal(out.shape))
        dx, dweight, dbias = backward(g, cache, param_grads=False)
        assert dweight is None and dbias is None
        np.testing.assert_array_equal(to_numpy(dx), to_numpy(backward(g, cache)[0]))


def test_input_grad_false_gives_the_same_parameter_gradients_and_no_dx(xp, ops):
    rng = np.random.default_rng(4)
    x, w = xp.asarray(rng.standard_normal((2, 3, 6, 5))), xp.asarray(rng.standard_normal((3, 3, 3, 3)))
    b = xp.asarray(rng.standard_normal(3))
    for forward, backward in ((ops.conv2d_forward, ops.conv2d_backward),
                              (ops.conv_transpose2d_forward, ops.conv_transpose2d_backward)):
        out, cache = forward(x, w, b, 2, 1)
        g = xp.asarray(rng.standard_normal(out.shape))
        dx, dweight, dbias = backward(g, cache, input_grad=False)
        _, want_dweight, want_dbias = backward(g, cache)
        assert dx is None
        np.testing.assert_array_equal(to_numpy(dweight), to_numpy(want_dweight))
        np.testing.assert_array_equal(to_numpy(dbias), to_numpy(want_dbias))


# ---------------------------------------------------------------- im2col and col2im (plain)

@reuse_fixtures
@given(cfg=conv_configs())
def test_im2col_columns_are_patches(xp, cfg):
    """Column (n, i, j) is the padded patch under output pixel (i, j) of image n, flattened."""
    x, _, _, (ho, wo) = conv_arrays(xp, cfg)
    geom = conv2d_geometry(cfg["hw"], cfg["kernel"], cfg["stride"], cfg["padding"])
    cols = to_numpy(im2col(x, geom))
    padded = np.pad(to_numpy(x), ((0, 0), (0, 0), *geom.pad))
    (kh, kw), (sh, sw) = geom.kernel, geom.stride
    assert cols.shape == (cfg["c_in"] * kh * kw, cfg["n"] * ho * wo)
    for col, (n, i, j) in enumerate(np.ndindex(cfg["n"], ho, wo)):
        np.testing.assert_array_equal(cols[:, col], padded[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw].ravel())


@reuse_fixtures
@given(cfg=conv_configs())
def test_col2im_is_the_adjoint_of_im2col(xp, cfg):
    """<im2col(x), c> == <x, col2im(c)>: col2im sums every copy im2col made of a pixel."""
    x, _, _, _ = conv_arrays(xp, cfg)
    geom = conv2d_geometry(cfg["hw"], cfg["kernel"], cfg["stride"], cfg["padding"])
    cols = im2col(x, geom)
    c = xp.asarray(np.random.default_rng(cfg["seed"] + 2).standard_normal(cols.shape))
    back = col2im(c, x.shape, geom)
    assert back.shape == x.shape
    assert math.isclose(float(xp.sum(cols * c)), float(xp.sum(x * back)), rel_tol=1e-10, abs_tol=1e-10)


# ---------------------------------------------------------------- sizes and "same"

def test_same_padding_matches_tensorflow():
    assert same_padding((28, 28), 5, 2) == ((1, 2), (1, 2))   # TF: the odd pad goes bottom/right
    assert same_padding((7, 7), 5, 1) == ((2, 2), (2, 2))
    assert same_padding((15, 9), (4, 3), 2) == ((1, 2), (1, 1))
    assert same_padding(5, 1, 3) == ((0, 0), (0, 0))


@given(hw=pairs(1, 40), kernel=pairs(1, 7), stride=pairs(1, 4))
def test_same_output_sizes(hw, kernel, stride):
    assert conv2d_output_size(hw, kernel, stride, "same") == tuple(math.ceil(n / s) for n, s in zip(hw, stride))
    assert conv_transpose2d_output_size(hw, kernel, stride, "same") == tuple(n * s for n, s in zip(hw, stride))


@pytest.mark.parametrize("hw, kernel, stride", [((28, 28), 5, 2), ((7, 5), 5, 1), ((9, 4), 2, 3), ((1, 1), 5, 2)])
def test_same_padding_layers(xp, backend, hw, kernel, stride):
    conv = Conv2d(2, 3, kernel, stride, "same", backend=backend)
    convt = ConvTranspose2d(2, 3, kernel, stride, "same", backend=backend)
    x = xp.zeros((1, 2, *hw), dtype=np.float32)
    assert conv(x).shape[2:] == tuple(math.ceil(n / stride) for n in hw)
    assert convt(x).shape[2:] == tuple(n * stride for n in hw)


def test_output_size_formulas():
    assert conv2d_output_size((28, 28), 5, 2, 0) == (12, 12)
    assert conv2d_output_size((9, 6), (3, 2), (2, 1), (1, 0)) == (5, 5)
    assert conv_transpose2d_output_size((7, 7), 5, 2, 2, 1) == (14, 14)   # PyTorch: (7-1)*2 - 4 + 5 + 1
    assert conv_transpose2d_output_size((3, 4), (3, 2), (2, 1), ((0, 1), (1, 0))) == (6, 4)


def test_dtypes_are_kept(xp, backend):
    x = xp.ones((2, 1, 6, 6), dtype=np.float32)
    for layer in (Conv2d(1, 2, 3, 2, 1, backend=backend), ConvTranspose2d(1, 2, 3, 2, 1, 1, backend=backend)):
        out = layer(x)
        assert out.dtype == np.float32 and layer.backward(xp.ones_like(out)).dtype == np.float32
        assert layer.weight.grad.dtype == np.float32
        layer.astype(np.float64)
        assert layer(x.astype(np.float64)).dtype == np.float64


# ---------------------------------------------------------------- errors for people

def test_shape_errors_name_layer_and_shapes(xp, backend):
    conv = Conv2d(3, 8, 3, backend=backend)
    with pytest.raises(ShapeError, match=r"Conv2d\(3 -> 8.*\(N, 3, \*, \*\).*\(2, 4, 5, 5\)"):
        conv(xp.zeros((2, 4, 5, 5), dtype=np.float32))
    with pytest.raises(ShapeError, match=r"Conv2d.*\(N, 3, \*, \*\).*\(3, 5, 5\)"):
        conv(xp.zeros((3, 5, 5), dtype=np.float32))
    with pytest.raises(ShapeError, match=r"Conv2d.*\(2, 2\).*empty output"):
        Conv2d(3, 8, 5, backend=backend)(xp.zeros((1, 3, 2, 2), dtype=np.float32))
    convt = ConvTranspose2d(4, 2, 3, backend=backend)
    with pytest.raises(ShapeError, match=r"ConvTranspose2d\(4 -> 2.*\(N, 4, \*, \*\).*\(1, 2, 5, 5\)"):
        convt(xp.zeros((1, 2, 5, 5), dtype=np.float32))
    with pytest.raises(ShapeError, match=r"ConvTranspose2d.*empty output"):
        ConvTranspose2d(1, 1, 1, padding=2, backend=backend)(xp.zeros((1, 1, 2, 2), dtype=np.float32))


def test_bad_hyperparameters():
    with pytest.raises(ValueError, match="output_padding"):
        ConvTranspose2d(1, 1, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding"):
        ConvTranspose2d(1, 1, 3, stride=2, padding="same", output_padding=1)
    with pytest.raises(ValueError, match="padding"):
        Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match="padding"):
        Conv2d(1, 1, 3, padding=-1)
    with pytest.raises(ValueError, match="smaller than the kernel"):
        conv2d_forward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3)))


def test_fans_and_repr():
    conv, convt = Conv2d(3, 8, (5, 3)), ConvTranspose2d(8, 3, 4, 2, "same", bias=False)
    assert conv.fans() == (3 * 15, 8 * 15) and convt.fans() == (8 * 16, 3 * 16)
    assert conv.weight.shape == (8, 3, 5, 3) and convt.weight.shape == (8, 3, 4, 4) and convt.bias is None
    assert repr(conv) == "Conv2d(3 -> 8, kernel_size=(5, 3), stride=1, padding=0)"
    assert repr(convt) == "ConvTranspose2d(8 -> 3, kernel_size=4, stride=2, padding='same', bias=False)"
