"""The gradient checker itself: it must pass correct backwards and catch (and name) broken ones."""
import re

import numpy as np
import pytest

import minigan
from minigan.backend import to_numpy
from minigan.gradcheck import (GradCheckError, check_grads, check_op, numerical_gradient,
                               relative_error)
from minigan.nn import Dense, Sequential, Tanh, LeakyReLU
from minigan.ops import dense_backward, dense_forward


def random_dense(xp, backend, fin, fout, bias=True, cls=Dense, seed=0):
    rng = np.random.default_rng(seed)
    layer = cls(fin, fout, bias=bias, dtype=np.float64, backend=backend)
    for p in layer.parameters():
        p.data[...] = xp.asarray(rng.uniform(0.5, 1.5, p.shape) * rng.choice([-1.0, 1.0], p.shape))
    return layer


def random_input(xp, shape, seed=1):
    return xp.asarray(np.random.default_rng(seed).standard_normal(shape))


# ---------------------------------------------------------------- deliberately broken layers

class ScaledWeightGrad(Dense):
    """dW off by 0.5 %: the kind of slip a hand-written backward makes."""

    def backward(self, dout):
        before = self.weight.grad.copy()
        dx = super().backward(dout)
        self.weight.grad[...] = before + 1.005 * (self.weight.grad - before)
        return dx


class NoBiasGrad(Dense):
    """Forgets to accumulate the bias gradient."""

    def backward(self, dout):
        saved = self.bias.grad.copy()
        dx = super().backward(dout)
        self.bias.grad[...] = saved
        return dx


class TransposedWeightGrad(Dense):
    """Writes dout.T @ x instead of x.T @ dout (same shape only when in == out, so no shape error hides it)."""

    def backward(self, dout):
        x = self._require_cache(self._cache).x
        self.weight.grad += dout.T @ x
        self.bias.grad += dout.sum(axis=0)
        return dout @ self.weight.data.T


class WrongInputGrad(Dense):
    """dx uses W instead of W.T: only the input gradient is wrong."""

    def backward(self, dout):
        super().backward(dout)
        return dout @ self.weight.data


class SlightlyWrongTanh(Tanh):
    def backward(self, dout):
        return 1.001 * super().backward(dout)


def assert_names(err, tensor):
    msg = str(err)
    assert f"gradient of {tensor} is wrong" in msg, msg
    m = re.search(r"analytic (\S+) vs numeric (\S+)", msg)
    assert m, msg
    assert "analytic[:5]" in msg and "numeric[:5]" in msg
    return float(m.group(1)), float(m.group(2))


def test_scaled_weight_gradient_is_caught(xp, backend):
    layer = random_dense(xp, backend, 4, 3, cls=ScaledWeightGrad)
    x = random_input(xp, (5, 4))
    with pytest.raises(GradCheckError) as info:
        check_grads(layer, x)
    analytic, numeric = assert_names(info.value, "weight")
    assert analytic == pytest.approx(1.005 * numeric, rel=1e-4)
    assert "ScaledWeightGrad(4 -> 3)" in str(info.value)          # names the layer too
    assert isinstance(info.value, AssertionError)                   # reads as a test failure


def test_dropped_bias_gradient_is_caught(xp, backend):
    layer = random_dense(xp, backend, 3, 4, cls=NoBiasGrad)
    with pytest.raises(GradCheckError) as info:
        check_grads(layer, random_input(xp, (6, 3)))
    analytic, numeric = assert_names(info.value, "bias")
    assert analytic == 0.0 and abs(numeric) > 1e-3


def test_transposed_weight_gradient_is_caught(xp, backend):
    layer = random_dense(xp, backend, 4, 4, cls=TransposedWeightGrad)
    with pytest.raises(GradCheckError) as info:
        check_grads(layer, random_input(xp, (5, 4)))
    assert_names(info.value, "weight")


def test_wrong_input_gradient_is_caught(xp, backend):
    layer = random_dense(xp, backend, 3, 3, cls=WrongInputGrad)
    with pytest.raises(GradCheckError) as info:
        check_grads(layer, random_input(xp, (2, 3)))
    assert_names(info.value, "input 0")


def test_slightly_wrong_activation_inside_a_stack_is_caught(xp, backend):
    model = Sequential(random_dense(xp, backend, 3, 4), SlightlyWrongTanh(), random_dense(xp, backend, 4, 2, seed=5))
    with pytest.raises(GradCheckError) as info:
        check_grads(model, random_input(xp, (3, 3)) * 0.3)
    # the first tensor checked is the input; the 0.1 % error upstream of it shows there first
    analytic, numeric = assert_names(info.value, "input 0")
    assert analytic == pytest.approx(1.001 * numeric, rel=1e-5)


def test_errors_are_reported_without_raising(xp, backend):
    layer = random_dense(xp, backend, 3, 4, cls=NoBiasGrad)
    errors = check_grads(layer, random_input(xp, (6, 3)), raise_on_fail=False)
    assert set(errors) == {"input 0", "weight", "bias"}
    assert errors["bias"] > 0.5
    assert errors["input 0"] < 1e-8 and errors["weight"] < 1e-8


# ---------------------------------------------------------------- correct code passes

def test_correct_layers_pass(xp, backend):
    model = Sequential(random_dense(xp, backend, 5, 4), LeakyReLU(0.3), random_dense(xp, backend, 4, 3, seed=2),
                       Tanh())
    x = random_input(xp, (7, 5)) * 0.5
    errors = check_grads(model, x)
    assert set(errors) == {"input 0", "0.weight", "0.bias", "2.weight", "2.bias"}
    assert max(errors.values()) < 1e-8


def test_check_grads_leaves_parameters_as_they_were(xp, backend):
    layer = random_dense(xp, backend, 3, 2)
    before = layer.state_dict()
    x = random_input(xp, (4, 3))
    x_before = to_numpy(x).copy()
    check_grads(layer, x)
    for k, v in layer.state_dict().items():
        assert np.array_equal(v, before[k])
    assert np.array_equal(to_numpy(x), x_before)


def test_check_grads_on_a_function_with_several_inputs(xp):
    a, b = random_input(xp, (3, 4), 1), random_input(xp, (3, 4), 2)

    def product(a, b):
        return a * b, lambda d: (d * b, d * a)

    errors = check_grads(product, a, b)
    assert set(errors) == {"input 0", "input 1"} and max(errors.values()) < 1e-8

    def wrong(a, b):
        return a * b, lambda d: (d * b, d * b)      # input 1's gradient is wrong

    with pytest.raises(GradCheckError, match="wrong: gradient of input 1 is wrong"):
        check_grads(wrong, a, b)

    def partial(a, b):
        return a * b, lambda d: (d * b, None)      # None: this input is not checked
    assert set(check_grads(partial, a, b)) == {"input 0"}


def test_check_grads_replays_the_random_state(xp):
    """A function that draws (like dropout) sees the same draw in every finite-difference evaluation."""
    x = random_input(xp, (4, 5))

    def noisy(x):
        mask = xp.asarray(minigan.get_rng().random(x.shape) < 0.5, dtype=x.dtype)
        return x * mask, lambda d: (d * mask,)

    errors = check_grads(noisy, x)
    assert errors["input 0"] < 1e-8


def test_scalar_output_function(xp):
    x = random_input(xp, (3, 2))

    def sum_of_squares(x):
        return (x * x).sum(), lambda d: (2 * d * x,)

    assert check_grads(sum_of_squares, x)["input 0"] < 1e-8


# ---------------------------------------------------------------- float64 only

@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_non_float64_input_raises_type_error(xp, backend, dtype):
    layer = random_dense(xp, backend, 3, 2)
    with pytest.raises(TypeError, match="need float64.*input 0 is " + np.dtype(dtype).name):
        check_grads(layer, xp.ones((2, 3), dtype=dtype))


def test_float32_parameters_raise_type_error(xp, backend):
    layer = Dense(3, 2, backend=backend)                 # float32 by default
    with pytest.raises(TypeError, match=r"parameter weight is float32.*astype\(np.float64\)"):
        check_grads(layer, xp.ones((2, 3), dtype=xp.float64))


# ---------------------------------------------------------------- check_op

def test_check_op_on_the_dense_pair(xp):
    rng = np.random.default_rng(3)
    x, w, b = (xp.asarray(rng.standard_normal(s)) for s in ((5, 4), (4, 3), (3,)))
    errors = check_op(dense_forward, dense_backward, x, w, b)
    assert set(errors) == {"input 0", "input 1", "input 2"}
    assert max(errors.values()) < 1e-8
    errors = check_op(dense_forward, dense_backward, x, w, tol=1e-9)   # no bias: dbias is None
    assert set(errors) == {"input 0", "input 1"}


def test_check_op_catches_a_broken_op_pair(xp):
    rng = np.random.default_rng(4)
    x, w = xp.asarray(rng.standard_normal((3, 4))), xp.asarray(rng.standard_normal((4, 2)))

    def bad_backward(dout, cache):
        dx, dw, db = dense_backward(dout, cache)
        return dx, 0.99 * dw, db

    with pytest.raises(GradCheckError, match="dense_forward: gradient of input 1 is wrong"):
        check_op(dense_forward, bad_backward, x, w)


def test_check_op_passes_keyword_arguments_to_forward(xp):
    from minigan.ops import leaky_relu_backward, leaky_relu_forward
    x = xp.asarray(np.random.default_rng(5).uniform(0.1, 1, (3, 3)) * np.array([1, -1, 1]))
    assert check_op(leaky_relu_forward, leaky_relu_backward, x, slope=0.37)["input 0"] < 1e-8


# ---------------------------------------------------------------- the building blocks

def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = numerical_gradient(lambda: float((x ** 3).sum()), x)
    assert np.allclose(g, 3 * x ** 2, rtol=1e-8)
    assert np.array_equal(x, [[1.0, -2.0], [0.5, 3.0]])           # restored afterwards


def test_relative_error_basics():
    a = np.array([1.0, -2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.zeros(0), np.zeros(0)) == 0.0
    assert relative_error(np.array([1.0]), np.array([1.1])) == pytest.approx(0.1 / 2.1)
    assert relative_error(np.array([1.0]), np.array([-1.0])) == pytest.approx(1.0)     # opposite signs: worst
    assert relative_error(a, 2 * a) == pytest.approx(1 / 3)
    # symmetric in its arguments
    b = a + np.array([0.01, 0.0, -0.02])
    assert relative_error(a, b) == relative_error(b, a)
    # a near-zero element is measured against 1e-2 of the tensor's scale, not against itself
    tiny = relative_error(np.array([100.0, 1e-7]), np.array([100.0, 2e-7]), atol=0)
    assert tiny == pytest.approx(1e-7 / 1.0)
    # a gradient that is zero up to finite-difference rounding noise passes...
    assert relative_error(np.array([0.0, 0.0]), np.array([3e-10, -2e-10])) == 0.0
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0 + 1e-10, 2.0])) > 0   # (errors are still reported)
    # ...but a real error on a small gradient does not hide behind it
    assert relative_error(np.array([0.0, 1e-3]), np.array([1e-3, 1e-3])) > 0.5
    assert relative_error(np.float32(1.0), np.float64(1.0)) == 0.0
    with pytest.raises(GradCheckError, match=r"analytic gradient has shape \(2,\), numeric \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_refuses_a_non_contiguous_array(xp):
    """Perturbing a reshaped copy would leave x alone and give an all-zero 'gradient'."""
    x = xp.asarray(np.arange(12.0).reshape(3, 4)).T
    with pytest.raises(ValueError, match="C-contiguous"):
        numerical_gradient(lambda: float((x ** 2).sum()), x)
    with pytest.raises(ValueError, match="C-contiguous"):
        check_grads(lambda a: (a * a, lambda d: (2 * d * a,)), x)
    y = xp.ascontiguousarray(x)
    assert np.allclose(numerical_gradient(lambda: float((y ** 2).sum()), y), 2 * to_numpy(y))
