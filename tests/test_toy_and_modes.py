"""Toy 2D mixtures (PacGAN's ring8 / grid25) and the mode-coverage metrics."""
import math

import numpy as np
import pytest

import minigan
from minigan.backend import backend_of, to_numpy
from minigan.data import MIXTURES, Mixture, get_mixture
from minigan.metrics import mode_metrics


# ---------------------------------------------------------------- mixtures

def test_ring8_and_grid25_layout():
    ring, grid = get_mixture("ring8"), get_mixture("grid25")
    assert ring.centers.shape == (8, 2) and ring.sigma == 0.01
    np.testing.assert_allclose(np.linalg.norm(ring.centers, axis=1), 1.0)
    assert grid.centers.shape == (25, 2) and grid.sigma == 0.05
    assert {tuple(c) for c in grid.centers} == {(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
    assert set(MIXTURES) == {"ring8", "grid25"}


def test_mixture_is_frozen():
    ring = get_mixture("ring8")
    with pytest.raises(AttributeError):
        ring.sigma = 1.0
    with pytest.raises(ValueError):
        ring.centers[0, 0] = 5.0


def test_unknown_mixture_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown toy mixture 'ring9'.*grid25.*ring8"):
        get_mixture("ring9")


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_sample_statistics(name, backend, rng):
    mix = get_mixture(name)
    x = mix.sample(20000, rng=rng, backend=backend)
    assert backend_of(x) == backend and x.shape == (20000, 2) and x.dtype == np.float32
    x = to_numpy(x).astype(np.float64)
    nearest = np.linalg.norm(x[:, None] - mix.centers[None], axis=2).argmin(axis=1)
    counts = np.bincount(nearest, minlength=mix.n_modes)
    # Every mode is used about equally often (uniform choice of mode).
    assert counts.min() > 0.6 * len(x) / mix.n_modes
    for k in range(mix.n_modes):
        pts = x[nearest == k]
        np.testing.assert_allclose(pts.mean(axis=0), mix.centers[k], atol=5 * mix.sigma / math.sqrt(len(pts)))
        np.testing.assert_allclose(pts.std(axis=0), mix.sigma, rtol=0.15)


def test_sample_is_seeded_and_uses_the_global_generator():
    mix = get_mixture("grid25")
    a = mix.sample(100, rng=np.random.default_rng(7))
    b = mix.sample(100, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    minigan.seed(3)
    c = mix.sample(100)
    minigan.seed(3)
    np.testing.assert_array_equal(c, mix.sample(100))
    assert not np.array_equal(a, c)


def test_sample_dtype():
    assert get_mixture("ring8").sample(5, dtype=np.float64).dtype == np.float64


def test_mixture_rejects_bad_centers():
    with pytest.raises(ValueError, match=r"\(K, 2\)"):
        Mixture("bad", np.zeros((3, 3)), 0.1)


# ---------------------------------------------------------------- mode metrics

@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_exact_centers_cover_every_mode(name):
    mix = get_mixture(name)
    m = mode_metrics(mix.centers, mix)
    assert m["modes"] == mix.n_modes
    assert m["high_quality"] == 100.0
    assert m["reverse_kl"] == pytest.approx(0.0, abs=1e-12)
    assert m["counts"] == [1] * mix.n_modes and m["n_samples"] == mix.n_modes


def test_real_samples_score_well(backend, rng):
    mix = get_mixture("grid25")
    m = mode_metrics(mix.sample(2500, rng=rng, backend=backend), mix)
    assert m["modes"] == 25 and m["high_quality"] > 99.0 and m["reverse_kl"] < 0.05


def test_one_mode_only_gives_log_k():
    mix = get_mixture("ring8")
    x = mix.centers[3] + 0.5 * mix.sigma * np.random.default_rng(0).standard_normal((500, 2))
    m = mode_metrics(x, mix)
    assert m["modes"] == 1 and m["high_quality"] == 100.0
    assert m["reverse_kl"] == pytest.approx(math.log(8))
    assert m["counts"] == [0, 0, 0, 500, 0, 0, 0, 0]


def test_far_away_points_are_not_high_quality():
    mix = get_mixture("ring8")
    m = mode_metrics(np.full((100, 2), 10.0), mix)
    assert m["modes"] == 0 and m["high_quality"] == 0.0
    assert m["counts"] == [0] * 8
    assert m["reverse_kl"] == pytest.approx(math.log(8))  # documented: no samples -> log K


def test_half_split_hand_computed_kl():
    # 3 samples on mode 0, 1 on mode 1 (within 3 sigma = 0.03), 4 far away; K = 4 modes.
    centers = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    x = np.array([[0, 0], [0.01, 0], [0, -0.01], [1.02, 0]] + [[5, 5]] * 4, dtype=np.float32)
    m = mode_metrics(x, centers, sigma=0.01)
    # q = (3/4, 1/4, 0, 0), p = 1/4: KL = 3/4 log 3 + 1/4 log 1 = 0.75 log 3
    assert m["counts"] == [3, 1, 0, 0]
    assert m["modes"] == 2 and m["high_quality"] == 50.0
    assert m["reverse_kl"] == pytest.approx(0.75 * math.log(3))


def test_three_sigma_boundary():
    centers = np.array([[0.0, 0.0], [10.0, 0.0]])
    x = np.array([[0.0299, 0.0], [0.0301, 0.0]])
    assert mode_metrics(x, centers, sigma=0.01)["counts"] == [1, 0]


def test_nan_samples_are_not_high_quality():
    mix = get_mixture("ring8")
    x = np.vstack([mix.centers[:1], [[np.nan, np.nan]]])
    m = mode_metrics(x, mix)
    assert m["counts"][0] == 1 and sum(m["counts"]) == 1 and m["high_quality"] == 50.0


def test_bare_centers_need_sigma_and_shapes_are_checked():
    with pytest.raises(ValueError, match="sigma"):
        mode_metrics(np.zeros((3, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        mode_metrics(np.zeros((3, 3)), get_mixture("ring8"))
