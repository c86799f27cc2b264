"""GAN objectives: stable at huge logits, correct gradients, and the textbook formulas."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import minigan
from minigan import losses
from minigan.backend import to_numpy
from minigan.gradcheck import check_grads
from minigan.losses import OBJECTIVES, get_objective

reuse_fixtures = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

NAMES = sorted(OBJECTIVES)
TERMS = ("d_real", "d_fake", "g")


def as_function(objective, term):
    """fn(t) -> (value, backward) in the form check_grads takes."""
    loss = getattr(objective, term)

    def fn(t):
        value, grad = loss(t)
        return value, lambda d: (d * grad,)
    fn.__name__ = f"{objective.name}.{term}"
    return fn


def moderate_logits(rng, shape):
    """Logits in (-4, 4) but at least 0.05 from the hinge's kinks at -1 and +1."""
    t = rng.uniform(-4, 4, shape)
    near = np.abs(np.abs(t) - 1) < 0.05
    return np.where(near, t + 0.2 * np.sign(t), t)


# ---------------------------------------------------------------- stability at +/-1e4

@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("term", TERMS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finite_at_huge_logits(xp, name, term, dtype):
    obj = get_objective(name)
    for sign in (1.0, -1.0):
        t = xp.full((4, 1), sign * 1e4, dtype=dtype)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            value, grad = getattr(obj, term)(t)
        g = to_numpy(grad)
        assert isinstance(value, float) and np.isfinite(value), (name, term, sign, value)
        assert g.dtype == dtype and g.shape == (4, 1)
        assert np.all(np.isfinite(g))
        assert np.all(np.abs(g) <= 1.0 / 4 * (1e4 + 2))   # a per-example gradient of at most |t|, over N


@pytest.mark.parametrize("name", ["minimax", "non_saturating"])
def test_cross_entropy_has_the_right_limits_at_huge_logits(xp, name):
    obj = get_objective(name)
    big, n = 1e4, 3
    right = {"d_real": big, "d_fake": -big}          # the logit D should output for each batch
    for term, good in right.items():
        loss = getattr(obj, term)
        v, g = loss(xp.full((n, 1), good))
        assert v == pytest.approx(0.0, abs=1e-12) and np.allclose(to_numpy(g), 0.0, atol=1e-12)
        v, g = loss(xp.full((n, 1), -good))
        assert v == pytest.approx(big, rel=1e-12)    # -log sigmoid(-1e4) = 1e4, not inf
        assert np.allclose(to_numpy(g), -np.sign(good) / n)   # full-strength push towards good


def test_softplus_is_stable_and_correct(xp):
    t = xp.asarray([-1e4, -30.0, -1.0, 0.0, 1.0, 30.0, 1e4])
    with np.errstate(over="raise"):
        out = to_numpy(losses.softplus(t))
    h = to_numpy(t)
    mid = np.abs(h) < 100
    assert np.allclose(out[mid], np.log1p(np.exp(h[mid])), rtol=1e-14)
    assert out[0] == 0.0 and out[-1] == 1e4


# ---------------------------------------------------------------- gradients vs finite differences

@reuse_fixtures
@given(name=st.sampled_from(NAMES), term=st.sampled_from(TERMS), n=st.integers(1, 6),
       seed=st.integers(0, 2**32 - 1))
def test_gradient_matches_finite_differences(xp, name, term, n, seed):
    rng = np.random.default_rng(seed)
    t = xp.asarray(moderate_logits(rng, (n, 1)))
    errors = check_grads(as_function(get_objective(name), term), t, seed=seed % 997)
    assert errors["input 0"] < 1e-6


@pytest.mark.parametrize("name", ["minimax", "non_saturating"])
@pytest.mark.parametrize("term", ["d_real", "d_fake"])
def test_gradient_with_label_options_matches_finite_differences(xp, name, term):
    # check_grads restores minigan's generator before each evaluation, so the flips stay put.
    obj = get_objective(name, label_smoothing=0.15, label_flip=0.3)
    t = xp.asarray(moderate_logits(np.random.default_rng(0), (12, 1)))
    assert check_grads(as_function(obj, term), t)["input 0"] < 1e-6


# ---------------------------------------------------------------- the textbook formulas

def sig(t):
    return 1.0 / (1.0 + np.exp(-t))


def textbook(name, real, fake):
    """Each loss written naively from its paper, with probabilities where the paper has them."""
    if name in ("minimax", "non_saturating"):
        d_real, d_fake = -np.mean(np.log(sig(real))), -np.mean(np.log(1 - sig(fake)))
        g = np.mean(np.log(1 - sig(fake))) if name == "minimax" else -np.mean(np.log(sig(fake)))
    elif name == "least_squares":
        d_real, d_fake = 0.5 * np.mean((real - 1) ** 2), 0.5 * np.mean(fake ** 2)
        g = 0.5 * np.mean((fake - 1) ** 2)
    elif name == "wasserstein":
        d_real, d_fake, g = -np.mean(real), np.mean(fake), -np.mean(fake)
    elif name == "hinge":
        d_real, d_fake = np.mean(np.maximum(0, 1 - real)), np.mean(np.maximum(0, 1 + fake))
        g = -np.mean(fake)
    return {"d_real": d_real, "d_fake": d_fake, "g": g}


@reuse_fixtures
@given(name=st.sampled_from(NAMES), n=st.integers(1, 8), seed=st.integers(0, 2**32 - 1))
def test_values_equal_the_textbook_formulas(xp, name, n, seed):
    rng = np.random.default_rng(seed)
    real, fake = moderate_logits(rng, (n, 1)), moderate_logits(rng, (n, 1))
    obj = get_objective(name)
    want = textbook(name, real, fake)
    got = {"d_real": obj.d_real(xp.asarray(real))[0], "d_fake": obj.d_fake(xp.asarray(fake))[0],
           "g": obj.g(xp.asarray(fake))[0]}
    for term in TERMS:
        assert got[term] == pytest.approx(want[term], rel=1e-10, abs=1e-12), term


def test_textbook_gradients_at_moderate_logits(xp):
    t = np.array([[-2.0], [-0.5], [0.3], [2.5]])
    n = len(t)
    expected = {
        ("non_saturating", "g"): (sig(t) - 1) / n,
        ("minimax", "g"): -sig(t) / n,
        ("minimax", "d_real"): (sig(t) - 1) / n,
        ("minimax", "d_fake"): sig(t) / n,
        ("least_squares", "d_real"): (t - 1) / n,
        ("least_squares", "d_fake"): t / n,
        ("wasserstein", "d_real"): -np.ones_like(t) / n,
        ("wasserstein", "d_fake"): np.ones_like(t) / n,
        ("hinge", "d_real"): -(t < 1).astype(float) / n,
        ("hinge", "d_fake"): (t > -1) / n,
        ("hinge", "g"): -np.ones_like(t) / n,
    }
    for (name, term), want in expected.items():
        got = to_numpy(getattr(get_objective(name), term)(xp.asarray(t))[1])
        assert np.allclose(got, want, rtol=1e-12, atol=1e-15), (name, term)


def test_minimax_saturates_where_non_saturating_does_not(xp):
    fake = xp.full((8, 1), -15.0)            # D is sure these are fake: G is bad
    mm = np.abs(to_numpy(get_objective("minimax").g(fake)[1]))
    ns = np.abs(to_numpy(get_objective("non_saturating").g(fake)[1]))
    assert mm.max() < 1e-7                    # sigmoid(-15)/8 ~ 4e-8: G barely learns
    assert ns.min() > 0.99 / 8                # 1 - sigmoid(-15) ~ 1: G learns fastest when worst
    # both games share their fixed point: at D(G(z)) = 1/2 the gradients agree up to sign convention
    half = xp.zeros((8, 1))
    assert np.allclose(to_numpy(get_objective("minimax").g(half)[1]),
                       to_numpy(get_objective("non_saturating").g(half)[1]))


# ---------------------------------------------------------------- label smoothing and flips

@pytest.mark.parametrize("name", ["minimax", "non_saturating"])
def test_one_sided_label_smoothing_changes_only_the_real_term(xp, name):
    rng = np.random.default_rng(3)
    real, fake = moderate_logits(rng, (6, 1)), moderate_logits(rng, (6, 1))
    plain, smooth = get_objective(name), get_objective(name, label_smoothing=0.1)
    # the real term is BCE against 0.9
    p = sig(real)
    bce_09 = np.mean(-0.9 * np.log(p) - 0.1 * np.log(1 - p))
    v, g = smooth.d_real(xp.asarray(real))
    assert v == pytest.approx(bce_09, rel=1e-12)
    assert np.allclose(to_numpy(g), (p - 0.9) / 6, rtol=1e-12)
    assert v != pytest.approx(plain.d_real(xp.asarray(real))[0])
    # fake and G terms are untouched (one-sided: fake targets stay 0)
    for term, x in (("d_fake", fake), ("g", fake)):
        a, ga = getattr(plain, term)(xp.asarray(x))
        b, gb = getattr(smooth, term)(xp.asarray(x))
        assert a == b and np.array_equal(to_numpy(ga), to_numpy(gb)), term


def flipped_targets(obj, term, xp, n, target):
    """With logits 0, the gradient is (1/2 - target_i)/N: read the targets back from it."""
    _, g = getattr(obj, term)(xp.zeros((n, 1), dtype=xp.float64))
    return 0.5 - to_numpy(g).ravel() * n


@pytest.mark.parametrize("p", [0.05, 0.2, 0.4])
def test_label_flip_flips_about_the_requested_fraction(xp, p):
    obj = get_objective("non_saturating", label_flip=p)
    n = 20000
    real_targets = flipped_targets(obj, "d_real", xp, n, 1.0)
    fake_targets = flipped_targets(obj, "d_fake", xp, n, 0.0)
    assert set(np.round(real_targets, 9)) <= {0.0, 1.0} and set(np.round(fake_targets, 9)) <= {0.0, 1.0}
    assert abs(np.mean(real_targets == 0.0) - p) < 0.015
    assert abs(np.mean(fake_targets == 1.0) - p) < 0.015
    # G's term is never flipped
    _, g = obj.g(xp.zeros((100, 1)))
    assert np.allclose(to_numpy(g), -0.5 / 100)


def test_label_flip_with_smoothing_flips_to_the_smoothed_opposite(xp):
    obj = get_objective("minimax", label_smoothing=0.1, label_flip=0.3)
    targets = np.round(flipped_targets(obj, "d_real", xp, 2000, 0.9), 9)
    assert set(targets) == {0.9, 0.1}


def test_label_flip_is_deterministic_under_seed(xp):
    obj = get_objective("non_saturating", label_flip=0.25)
    t = xp.asarray(np.random.default_rng(0).standard_normal((50, 1)))
    minigan.seed(77)
    a = obj.d_real(t)
    minigan.seed(77)
    b = obj.d_real(t)
    c = obj.d_real(t)
    assert a[0] == b[0] and np.array_equal(to_numpy(a[1]), to_numpy(b[1]))
    assert not np.array_equal(to_numpy(b[1]), to_numpy(c[1]))       # a fresh draw next time
    # an explicit generator is used instead of the global one
    own = get_objective("non_saturating", label_flip=0.25, rng=np.random.default_rng(5))
    own2 = get_objective("non_saturating", label_flip=0.25, rng=np.random.default_rng(5))
    minigan.seed(1)
    x = own.d_fake(t)
    minigan.seed(2)
    y = own2.d_fake(t)
    assert np.array_equal(to_numpy(x[1]), to_numpy(y[1]))


# ---------------------------------------------------------------- options, names, dtypes

@pytest.mark.parametrize("options", [dict(label_smoothing=-0.1), dict(label_smoothing=1.0),
                                     dict(label_smoothing=1.5), dict(label_flip=-0.01),
                                     dict(label_flip=0.5), dict(label_flip=0.9)])
@pytest.mark.parametrize("name", ["minimax", "non_saturating"])
def test_bad_option_values_raise(name, options):
    key = next(iter(options))
    with pytest.raises(ValueError, match=key):
        get_objective(name, **options)


@pytest.mark.parametrize("alias,cls", [("ns", losses.NonSaturating), ("non-saturating", losses.NonSaturating),
                                       ("non_saturating", losses.NonSaturating), ("minimax", losses.Minimax),
                                       ("lsgan", losses.LeastSquares), ("least-squares", losses.LeastSquares),
                                       ("least_squares", losses.LeastSquares), ("wgan", losses.Wasserstein),
                                       ("wasserstein", losses.Wasserstein), ("hinge", losses.Hinge)])
def test_get_objective_names_and_aliases(alias, cls):
    obj = get_objective(alias)
    assert type(obj) is cls
    assert obj.name in OBJECTIVES and OBJECTIVES[obj.name] is cls


def test_get_objective_default_instance_and_unknown():
    assert type(get_objective()) is losses.NonSaturating
    obj = losses.Hinge()
    assert get_objective(obj) is obj
    with pytest.raises(ValueError) as info:
        get_objective("bce-gan")
    msg = str(info.value)
    assert "'bce-gan'" in msg and all(name in msg for name in OBJECTIVES)
    assert set(OBJECTIVES) == {"minimax", "non_saturating", "least_squares", "wasserstein", "hinge"}


@pytest.mark.parametrize("name", NAMES)
def test_float32_logits_give_float32_gradients(xp, name):
    t = xp.asarray(np.random.default_rng(1).standard_normal((5, 1)), dtype=xp.float32)
    for obj in [get_objective(name)] + ([get_objective(name, label_smoothing=0.1, label_flip=0.2)]
                                        if get_objective(name).probabilities else []):
        for term in TERMS:
            value, grad = getattr(obj, term)(t)
            assert grad.dtype == np.float32, (repr(obj), term, grad.dtype)
            assert isinstance(value, float)
        assert obj.d_output(t).dtype == np.float32


def test_d_output_is_a_probability_only_for_cross_entropy(xp):
    t = xp.asarray([[-2.0], [0.0], [3.0]])
    for name in NAMES:
        obj = get_objective(name)
        out = to_numpy(obj.d_output(t))
        want = sig(to_numpy(t)) if name in ("minimax", "non_saturating") else to_numpy(t)
        assert np.allclose(out, want), name
    assert get_objective("lsgan").threshold == 0.5 and get_objective("hinge").threshold == 0.0


def test_repr_shows_options():
    assert repr(get_objective("minimax", label_smoothing=0.1)) == "Minimax(label_smoothing=0.1)"
    assert repr(get_objective("ns")) == "NonSaturating()"
