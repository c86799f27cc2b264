"""Spectral norm, packing and the minibatch standard deviation."""
import numpy as np
import pytest

from minigan import nn
from minigan.gradcheck import table
from minigan.gradcheck import check_grads
from minigan.nn.spectral import sigma_of


def test_power_iteration_finds_the_largest_singular_value():
    layer = nn.SpectralNorm(nn.Dense(6, 4))
    for _ in range(50):
        layer.forward(np.ones((2, 6), np.float32))
    w_sn, cache = layer._cache
    assert float(cache[2]) == pytest.approx(sigma_of(layer.layer), rel=1e-4)
    assert np.linalg.norm(w_sn, 2) == pytest.approx(1.0, rel=1e-4)


def test_u_is_saved_in_the_state_dict():
    layer = nn.SpectralNorm(nn.Conv2d(2, 3, 3))
    assert "u" in layer.state_dict() and layer.state_dict()["u"].shape == (3,)
    assert "layer.weight" in layer.state_dict()


@pytest.mark.parametrize("make,shape", [
    (lambda: nn.SpectralNorm(nn.Dense(5, 3)).eval(), (4, 5)),
    (lambda: nn.SpectralNorm(nn.Conv2d(2, 3, 3, stride=2, padding=1)).eval(), (2, 2, 5, 5)),
    (lambda: nn.Sequential(nn.Pack(2), nn.Dense(6, 2)), (4, 3)),
    (lambda: nn.Sequential(nn.Pack(3), nn.Dense(6, 2)).eval(), (2, 2)),
    (nn.MinibatchStdDev, (5, 3)),
    (nn.MinibatchStdDev, (4, 2, 3, 3)),
])
def test_gradients(make, shape):
    rng = np.random.default_rng(0)
    layer = table._randomize(make(), rng)
    check_grads(layer, rng.standard_normal(shape))


def test_pack_shapes_and_message():
    x = np.arange(12.0).reshape(6, 2)
    out = nn.Pack(3).forward(x)
    assert out.shape == (2, 6) and np.array_equal(out[0], x[:3].ravel())
    with pytest.raises(nn.ShapeError, match="divisible by 4"):
        nn.Pack(4).forward(x)


def test_minibatch_stddev_feature_is_small_for_a_collapsed_batch():
    layer = nn.MinibatchStdDev()
    spread = layer.forward(np.random.default_rng(0).standard_normal((8, 2)))[:, -1]
    collapsed = layer.forward(np.ones((8, 2)))[:, -1]
    assert np.all(spread == spread[0]) and spread[0] > 0.5 and collapsed[0] < 1e-3
