"""Inpainting and AnoGAN: z's gradient, through G and D, against finite differences in float64;
G and D stay untouched (no parameter change, no .grad accumulated, modes restored)."""
import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.apps.anomaly import AnomalyLoss, anomaly_experiment, anomaly_scores, discriminator_features
from minigan.apps.inpaint import (InpaintingLoss, centre_mask, half_mask, importance_weights, inpaint,
                                  masked_error)
from minigan.apps.latent import eval_mode, search
from minigan.backend import get_xp, to_numpy
from minigan.gradcheck import check_grads

Z = 3


def tiny_gan(backend, dtype=np.float64):
    """An 8x8 G (with BatchNorm, so eval mode matters) and a D with Dropout, random non-unit weights."""
    minigan.seed(5)
    kw = dict(dtype=dtype, backend=backend)
    G = nn.Sequential(nn.Dense(Z, 2 * 4 * 4, **kw), nn.BatchNorm1d(32, **kw), nn.LeakyReLU(0.2), nn.Reshape((2, 4, 4)),
                      nn.ConvTranspose2d(2, 1, 4, stride=2, padding=1, **kw), nn.Tanh())
    D = nn.Sequential(nn.Conv2d(1, 3, 3, stride=2, padding=1, **kw), nn.LeakyReLU(0.2),
                      nn.Dropout(0.3), nn.Flatten(), nn.Dense(3 * 4 * 4, 1, **kw))
    rng = np.random.default_rng(0)
    xp = get_xp(backend)
    for model in (G, D):
        for p in model.parameters():
            p.data[...] = xp.asarray(rng.uniform(0.3, 1.2, p.shape) * rng.choice([-1, 1], p.shape))
    bn = G[1]   # running statistics that differ from a batch's, so train mode would give other numbers
    bn.running_mean[...] = xp.asarray(rng.standard_normal(32))
    bn.running_var[...] = xp.asarray(rng.uniform(0.5, 2.0, 32))
    return G, D


def snapshot(*models):
    return [(to_numpy(p.data).copy(), to_numpy(p.grad).copy()) for m in models for p in m.parameters()]


def assert_untouched(before, *models):
    after = snapshot(*models)
    for (d0, g0), (d1, g1) in zip(before, after):
        assert np.array_equal(d0, d1) and np.array_equal(g0, g1)


def losses(backend):
    xp = get_xp(backend)
    rng = np.random.default_rng(1)
    G, D = tiny_gan(backend)
    images = xp.asarray(rng.uniform(-1, 1, (4, 1, 8, 8)))
    mask = xp.asarray(np.broadcast_to(centre_mask(8, 4), (4, 1, 8, 8)).copy())
    return G, D, {"inpainting": InpaintingLoss(G, D, images, mask, lam=0.7, window=3),
                  "anomaly": AnomalyLoss(G, D, images, lam=0.3)}


@pytest.mark.parametrize("which", ["inpainting", "anomaly"])
def test_z_gradient_matches_finite_differences(backend, which):
    G, D, all_losses = losses(backend)
    loss = all_losses[which]
    for p in G.parameters() + D.parameters():      # .grad holding something: it must stay as it is
        p.grad[...] = 0.5
    before = snapshot(G, D)
    z = get_xp(backend).asarray(np.random.default_rng(2).standard_normal((4, Z)))

    def fn(z):
        return loss.forward(z), lambda dvalues: (loss.backward(dvalues),)
    errors = check_grads(fn, z, tol=1e-6)           # random upstream gradient: each image's own weight
    assert errors["input 0"] < 1e-6
    assert_untouched(before, G, D)
    assert G.training and D.training                 # modes given back


@pytest.mark.parametrize("which", ["inpainting", "anomaly"])
def test_losses_run_the_networks_in_eval_mode(which):
    G, D, all_losses = losses("numpy")
    z = np.random.default_rng(3).standard_normal((4, Z))
    values = all_losses[which].forward(z)
    G.eval(), D.eval()
    fake = G.forward(z)
    if which == "inpainting":
        loss = all_losses[which]
        contextual = (loss.weights * np.abs(fake - loss.images)).sum(axis=(1, 2, 3))
        expected = contextual - loss.lam * np.logaddexp(0, D.forward(fake)[:, 0])      # log(1 - sigmoid(l))
    else:
        loss = all_losses[which]
        f = discriminator_features(D)
        expected = ((1 - loss.lam) * np.abs(fake - loss.images).sum(axis=(1, 2, 3))
                    + loss.lam * np.abs(f.forward(fake) - f.forward(loss.images)).sum(axis=1))
    np.testing.assert_allclose(values, expected, rtol=1e-12)


def test_importance_weights_by_hand():
    mask = np.ones((1, 1, 5, 5))
    mask[0, 0, 2, 2] = 0                              # one missing pixel in the middle
    w = importance_weights(mask, window=3)
    assert w[0, 0, 2, 2] == 0                         # the hole itself weighs nothing
    assert np.allclose(w[0, 0, 1:4, 1:4].sum(), 8 / 9)   # its 8 neighbours see 1 of 9 pixels missing
    assert np.allclose(w[0, 0, 0], 0) and np.allclose(w[0, 0, :, 0], 0)   # too far to see the hole
    assert np.array_equal(importance_weights(mask, window=None), mask)


def test_masked_error_counts_only_the_hole():
    truth = np.zeros((2, 1, 4, 4))
    estimate = truth.copy()
    estimate[:, :, :2] = 1.0                          # wrong in the top half only
    mask = np.ones((4, 4))
    mask[2:] = 0                                      # the hole is the bottom half
    np.testing.assert_array_equal(masked_error(estimate, truth, mask), [0.0, 0.0])
    mask = half_mask(4, "right")
    np.testing.assert_allclose(masked_error(estimate, truth, mask), [0.5, 0.5])


def test_search_lowers_the_loss_and_inpainting_keeps_the_known_pixels():
    G, D = tiny_gan("numpy", np.float32)
    minigan.seed(0)
    truth = G.eval().forward(np.random.default_rng(4).standard_normal((6, Z)).astype(np.float32))
    G.train()                                         # inpaint must switch to eval by itself
    mask = centre_mask(8, 4)
    before = snapshot(G, D)
    result = inpaint(G, D, truth, mask, Z, steps=60, lr=0.1, lam=0.01, window=None, starts=2, chunk=4)
    assert_untouched(before, G, D)
    assert result.blended.shape == truth.shape and result.history["loss"].shape == (61, 6)
    np.testing.assert_array_equal(result.blended[..., mask == 1], truth[..., mask == 1])
    assert np.all(result.history["loss"][-1] < result.history["loss"][0])
    # the hole is filled with something closer to the truth than G drew from where the search started
    start = G.eval().forward(np.zeros((6, Z), np.float32))
    assert masked_error(result.blended, truth, mask).mean() < masked_error(start, truth, mask).mean()


def test_anomaly_scores_are_lower_for_what_g_can_draw():
    G, D = tiny_gan("numpy", np.float32)
    rng = np.random.default_rng(5)
    with eval_mode(G):
        drawable = G.forward(rng.standard_normal((8, Z)).astype(np.float32))
    strange = rng.uniform(-1, 1, (8, 1, 8, 8)).astype(np.float32)     # noise: nothing G can draw
    out = anomaly_scores(G, D, np.concatenate([drawable, strange]), Z, steps=40, lr=0.1, starts=2, chunk=5)
    assert out["history"].shape == (41, 16)
    assert out["score"][:8].max() < out["score"][8:].min()


def test_search_on_a_quadratic_finds_the_minimum():
    class Quadratic:          # sum (z - 3)^2 per row: the search alone, without any network
        def forward(self, z):
            self.z = z
            return ((z - 3.0) ** 2).sum(axis=1)

        def backward(self, dvalues):
            return 2 * (self.z - 3.0) * dvalues[:, None]
    z, history = search(Quadratic(), np.zeros((2, 4)), steps=500, lr=0.05)
    np.testing.assert_allclose(z, 3.0, atol=1e-3)
    assert history.shape == (501, 2) and history[0, 0] == 36.0


def test_anomaly_experiment_scores_every_anomaly_and_the_chosen_normals():
    from minigan.apps.roc import auroc
    G, D = tiny_gan("numpy", np.float32)
    rng = np.random.default_rng(6)
    images = rng.uniform(-1, 1, (12, 1, 8, 8)).astype(np.float32)
    labels = np.array([9, 0, 1, 9, 2, 3, 9, 4, 5, 6, 7, 8])
    r = anomaly_experiment(G, D, Z, images, labels, anomaly=9, n_normal=5, seed=0, steps=4, chunk=5)
    assert (r["n_anomalies"], r["n_normal"]) == (3, 5) and r["z"].shape == (8, Z)
    assert sorted(r["digit"][r["is_anomaly"] == 1]) == [9, 9, 9]
    for key in ("score", "residual", "discrimination", "d_verdict"):
        assert r["auroc"][key] == auroc(r[key], r["is_anomaly"])
    with eval_mode(D):
        np.testing.assert_allclose(r["d_verdict"], -D.forward(images[r["index"]])[:, 0], rtol=1e-6)
