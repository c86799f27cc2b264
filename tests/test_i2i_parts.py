"""The translation parts: instance norm, the skip connection, U-Net, PatchGAN, losses, the pool.

Finite differences are the ground truth (float64, random upstream gradients, odd shapes);
PyTorch parity is the extra check."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import nn
from minigan.gradcheck import check_grads, numerical_gradient, relative_error
from minigan.i2i.gradcheck_cases import run_rows
from minigan.i2i.losses import cycle_loss, identity_loss, l1_loss, lsgan_d_fake, lsgan_d_real, lsgan_g
from minigan.i2i.networks import UNet, patchgan, receptive_field
from minigan.i2i.pool import ImagePool
from minigan.i2i.skip import Skip
from minigan.nn.instancenorm import InstanceNorm2d


def randomized(layer, rng, scale=1.0):
    layer.astype(np.float64)
    for p in layer.parameters():
        p.data[...] = scale * rng.uniform(0.5, 1.5, p.shape) * rng.choice([-1, 1], p.shape)
    return layer


@given(n=st.integers(1, 3), c=st.integers(1, 4), h=st.integers(2, 5), w=st.integers(2, 5),
       affine=st.booleans(), seed=st.integers(0, 100))
def test_instance_norm_gradients_match_finite_differences(n, c, h, w, affine, seed):
    rng = np.random.default_rng(seed)
    layer = randomized(InstanceNorm2d(c, affine=affine), rng)
    # The upstream gradient's seed differs from the input's: an upstream gradient that is an affine
    # function of x (same draws) lies in what instance norm projects out, and x's gradient vanishes.
    errors = check_grads(layer, rng.standard_normal((n, c, h, w)) * 2 + 0.3, seed=seed + 1)
    assert len(errors) == (3 if affine else 1)


def test_instance_norm_normalises_each_image_alone():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 4, 5)) * 5 + 2
    out = InstanceNorm2d(2).astype(np.float64)(x)
    np.testing.assert_allclose(out.mean(axis=(2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(2, 3)), 1, atol=1e-4)   # eps 1e-5 over a variance of ~25
    alone = InstanceNorm2d(2).astype(np.float64)(x[1:2])
    np.testing.assert_allclose(alone, out[1:2])                        # the rest of the batch plays no part


def test_instance_norm_refuses_a_single_pixel_and_wrong_channels():
    with pytest.raises(nn.ShapeError, match="InstanceNorm2d"):
        InstanceNorm2d(2)(np.zeros((1, 2, 1, 1), np.float32))
    with pytest.raises(nn.ShapeError, match="expected input of shape"):
        InstanceNorm2d(2)(np.zeros((1, 3, 4, 4), np.float32))


def test_the_skip_gradient_is_the_sum_of_both_roads():
    rng = np.random.default_rng(1)
    skip = randomized(Skip(nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.Tanh())), rng, 0.5)
    x = rng.standard_normal((2, 2, 5, 4))
    out = skip(x)
    assert out.shape == (2, 5, 5, 4)
    np.testing.assert_array_equal(out[:, 3:], x)                      # the copy travels unchanged
    g = rng.standard_normal(out.shape)
    dx = skip.backward(g)
    numeric = numerical_gradient(lambda: float((skip.forward(x) * g).sum()), x)
    through, copy = skip.last_parts["through"], skip.last_parts["skip"]
    np.testing.assert_array_equal(copy, g[:, 3:])
    assert relative_error(dx, numeric) < 1e-7
    assert relative_error(through + copy, numeric) < 1e-7
    assert relative_error(through, numeric) > 0.1 and relative_error(copy, numeric) > 0.1   # neither alone


def test_unet_gradient_needs_both_roads_at_every_level(monkeypatch):
    rng = np.random.default_rng(2)
    unet = randomized(UNet(1, 1, width=2), rng, 0.5)
    x = rng.standard_normal((2, 1, 8, 12))
    assert unet(x).shape == (2, 1, 8, 12)
    check_grads(unet, x, tol=1e-6)                                   # every parameter, the input too
    outer, inner = unet.skips()
    for skip in (outer, inner):
        parts = skip.last_parts
        assert np.abs(parts["through"]).max() > 0 and np.abs(parts["skip"]).max() > 0
    # Drop the skip's share of the sum: the input gradient is then wrong.
    monkeypatch.setattr(Skip, "backward", lambda self, d: self.inner.backward(d[:, :self._inner_channels]))
    errors = check_grads(unet, x, raise_on_fail=False)
    assert errors["input 0"] > 1e-3


def test_unet_refuses_sizes_it_cannot_halve_twice():
    with pytest.raises(nn.ShapeError, match="multiples of 4"):
        UNet(1, 1, width=2)(np.zeros((1, 1, 10, 12), np.float32))
    with pytest.raises(nn.ShapeError, match="expected input of shape"):
        UNet(1, 1, width=2)(np.zeros((1, 3, 8, 8), np.float32))


def test_patchgan_gives_a_grid_of_logits_each_seeing_an_18_pixel_patch():
    rng = np.random.default_rng(3)
    D = randomized(patchgan(1, width=2, norm=False), rng, 0.5)
    assert receptive_field(D) == (18, 4, 7)
    x = rng.standard_normal((1, 1, 28, 28))
    logits = D(x)
    assert logits.shape == (1, 1, 7, 7)
    for i, j in [(3, 3), (2, 4), (0, 0)]:
        g = np.zeros_like(logits)
        g[0, 0, i, j] = 1.0
        D(x)
        seen = np.abs(D.backward(g)[0, 0]) > 0
        rows, cols = np.nonzero(seen.any(axis=1))[0], np.nonzero(seen.any(axis=0))[0]
        top, left = i * 4 - 7, j * 4 - 7
        assert (rows.min(), rows.max()) == (max(top, 0), min(top + 17, 27))
        assert (cols.min(), cols.max()) == (max(left, 0), min(left + 17, 27))


def test_patchgan_with_instance_norm_sees_the_whole_image():
    # the per-image statistics reach past the patch: a gradient arrives from every pixel
    rng = np.random.default_rng(4)
    D = randomized(patchgan(1, width=2), rng, 0.5)
    x = rng.standard_normal((1, 1, 28, 28))
    logits = D(x)
    g = np.zeros_like(logits)
    g[0, 0, 0, 0] = 1.0
    assert (np.abs(D.backward(g)) > 0).mean() > 0.95


def test_translation_rows_of_minigan_gradcheck_all_pass():
    rows = run_rows(np.random.default_rng(0))
    names = " | ".join(name for name, _, _ in rows)
    for part in ("InstanceNorm2d (affine)", "InstanceNorm2d (no affine)", "U-Net", "PatchGAN", "L1",
                 "cycle", "identity", "least squares"):
        assert part in names
    assert all(ok for _, _, ok in rows), [r for r in rows if not r[2]]


def test_losses_values_and_gradients():
    rng = np.random.default_rng(5)
    pred, target = rng.standard_normal((2, 1, 3, 4)), rng.standard_normal((2, 1, 3, 4))
    value, grad = l1_loss(pred, target)
    assert value == pytest.approx(np.abs(pred - target).mean())
    np.testing.assert_allclose(grad, np.sign(pred - target) / pred.size)
    assert cycle_loss(pred, target, 10.0)[0] == pytest.approx(10 * value)
    assert identity_loss(pred, target, 5.0)[0] == pytest.approx(5 * value)
    logits = rng.standard_normal((3, 1, 2, 2))
    assert lsgan_d_real(logits)[0] == pytest.approx(0.5 * ((logits - 1) ** 2).mean())
    assert lsgan_d_fake(logits)[0] == pytest.approx(0.5 * (logits ** 2).mean())
    assert lsgan_g(logits)[0] == pytest.approx(((logits - 1) ** 2).mean())
    for term in (lsgan_d_real, lsgan_d_fake, lsgan_g):
        def fn(t, term=term):
            v, g = term(t)
            return v, lambda dout: (dout * g,)
        check_grads(fn, logits)


def test_image_pool_keeps_fifty_and_answers_half_from_history():
    pool = ImagePool(50, seed=0)
    first = np.arange(50, dtype=np.float64).reshape(50, 1, 1, 1)
    np.testing.assert_array_equal(pool.query(first), first)            # filling: everything passes through
    seen = set(range(50))
    from_history = 0
    for k in range(20):
        batch = np.arange(100 + 10 * k, 110 + 10 * k, dtype=np.float64).reshape(10, 1, 1, 1)
        out = pool.query(batch)
        assert out.shape == batch.shape
        for new, got in zip(batch.ravel(), out.ravel()):
            assert got == new or got in seen                           # never invented
            from_history += got != new
            seen.add(new)                                              # it may be swapped in and out at once
        assert len(pool.images) == 50
    assert 60 < from_history < 140                                     # about half of 200


def test_image_pool_is_fixed_by_its_seed_and_size_zero_passes_through():
    batches = [np.random.default_rng(k).standard_normal((8, 1, 2, 2)) for k in range(10)]
    one, two = ImagePool(5, seed=3), ImagePool(5, seed=3)
    for b in batches:
        np.testing.assert_array_equal(one.query(b), two.query(b))
    assert ImagePool(0).query(batches[0]) is batches[0]


@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm_matches_pytorch(affine):
    torch = pytest.importorskip("torch")
    from minigan.i2i.torch_twin import to_torch
    rng = np.random.default_rng(6)
    layer = randomized(InstanceNorm2d(3, affine=affine), rng)
    _check_parity(torch, layer, to_torch(layer), rng.standard_normal((2, 3, 5, 7)) * 3 + 1, rng)


@pytest.mark.parametrize("make, shape", [(lambda: UNet(2, 1, width=3), (2, 2, 12, 8)),
                                         (lambda: patchgan(2, width=3), (2, 2, 28, 28)),
                                         (lambda: Skip(nn.Sequential(nn.Conv2d(2, 2, 3, padding=1), nn.ReLU())),
                                          (2, 2, 5, 6))])
def test_translation_networks_match_pytorch(make, shape):
    torch = pytest.importorskip("torch")
    from minigan.i2i.torch_twin import to_torch
    rng = np.random.default_rng(7)
    layer = randomized(make(), rng, 0.3)
    _check_parity(torch, layer, to_torch(layer), rng.standard_normal(shape), rng)


def _check_parity(torch, layer, twin, x, rng):
    out = layer(x)
    g = rng.standard_normal(out.shape)
    layer.zero_grad()
    dx = layer.backward(g)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    tout = twin(tx)
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    ours = [p.grad for p in layer.parameters()]
    theirs = [p.grad.numpy() for p in twin.parameters()]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
