"""Every preset builds, maps noise to the right image shape and D to one logit; image runs resume exactly."""
import numpy as np
import pytest

import minigan
from minigan import checkpoint
from minigan.cli import main
from minigan.presets import PRESETS, get_preset
from minigan.train import Run

SHAPES = {"ring8": (2,), "grid25": (2,), "dcgan-mnist": (1, 28, 28), "dcgan-mnist-bn": (1, 28, 28),
          "mlp-mnist": (1, 28, 28), "dcgan-digits": (1, 8, 8), "cdcgan-mnist": (2, 28, 28),
          "dcgan": (3, 32, 32), "dcgan-photos": (3, 32, 32), "cdcgan": (4, 32, 32),
          "dcgan-mnist-small": (1, 28, 28), "cdcgan-mnist-quick": (2, 28, 28)}
# A conditional G's output carries a label channel after the image (nn/conditional.py); its
# noise is z followed by the one-hot label.
EXTRA_INPUTS = {"cdcgan-mnist": 10, "cdcgan": 2, "cdcgan-mnist-quick": 10}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_shapes(name, backend):
    minigan.seed(0)
    gan = get_preset(name).build(backend)
    z = gan.sample_noise(3)
    assert z.shape == (3, get_preset(name).z_dim + EXTRA_INPUTS.get(name, 0))
    fake = gan.G.forward(z)
    assert fake.shape == (3, *SHAPES[name])
    assert gan.D.forward(fake).shape == (3, 1)
    if len(SHAPES[name]) == 3:   # images come out of a tanh
        assert float(abs(gan.images(fake)).max()) <= 1.0


def test_dcgan_mnist_is_the_tutorial_architecture():
    gan = get_preset("dcgan-mnist").build()
    text = repr(gan.G) + repr(gan.D)
    for part in ("Dense(100 -> 12544, bias=False)", "Reshape", "ConvTranspose2d(256 -> 128", "ConvTranspose2d(128 -> 64",
                 "ConvTranspose2d(64 -> 1", "Tanh", "Conv2d(1 -> 64", "Conv2d(64 -> 128", "Dropout(p=0.3)",
                 "Dense(6272 -> 1)"):
        assert part in text, part
    assert gan.G.num_parameters() == 100 * 12544 + 256 * 128 * 25 + 128 * 64 * 25 + 64 * 25
    assert not any("BatchNorm" in repr(l) for l in gan.G)
    assert sum("BatchNorm" in repr(l) for l in get_preset("dcgan-mnist-bn").build().G) == 3
    assert gan.g_opt.lr == 2e-4 and gan.g_opt.betas == (0.5, 0.999)
    # samples come from a moving average of G's weights, and the preset says where that comes from
    assert gan.ema is not None and gan.ema.decay == 0.999
    assert any("Yazici" in v for v in get_preset("dcgan-mnist").sources.values())
    assert get_preset("cdcgan-mnist").build().ema.decay == 0.999


def test_dcgan_mnist_small_is_the_small_28x28_dcgan():
    gan = get_preset("dcgan-mnist-small").build()
    text = repr(gan.G) + repr(gan.D)
    for part in ("Dense(100 -> 6272, bias=False)", "ConvTranspose2d(128 -> 64", "ConvTranspose2d(64 -> 1",
                 "Conv2d(1 -> 64", "Conv2d(64 -> 128", "Dense(6272 -> 1)"):
        assert part in text, part
    assert sum("BatchNorm" in repr(l) for l in gan.G) == 2 and not any("BatchNorm" in repr(l) for l in gan.D)
    assert gan.ema.decay == 0.999 and gan.g_opt.betas == (0.5, 0.999)
    # about a third of dcgan-mnist's G: the smaller network is what fits more steps into the same minutes
    assert gan.G.num_parameters() < get_preset("dcgan-mnist").build().G.num_parameters() / 2


def test_cdcgan_mnist_quick_is_cdcgan_mnist_for_fewer_steps():
    quick, full = get_preset("cdcgan-mnist-quick"), get_preset("cdcgan-mnist")
    assert quick.steps == 2500 and quick.epochs is None and full.epochs == 10
    assert quick.conditional and repr(quick.build().G) == repr(full.build().G)
    assert repr(quick.build().D) == repr(full.build().D)


def _digits(tmp_path, name, **kw):
    return Run("dcgan-digits", out=str(tmp_path / name), steps=12, batch_size=16, progress=False, **kw)


def test_image_run_is_reproducible_and_resumes_bit_for_bit(tmp_path):
    _digits(tmp_path, "a", seed=5).train()
    _digits(tmp_path, "b", seed=5).train()
    half = _digits(tmp_path, "c", seed=5).train(until=7)
    assert half.stream.pos == 7 * 16
    _digits(tmp_path, "c", resume=True).train()
    texts = [(tmp_path / n / "metrics.csv").read_text() for n in "abc"]
    assert texts[0] == texts[1] == texts[2]
    a, _ = checkpoint.load(tmp_path / "a" / "checkpoint.npz")
    c, _ = checkpoint.load(tmp_path / "c" / "checkpoint.npz")
    assert all(np.array_equal(a[k], c[k]) for k in a)   # BatchNorm running stats and Adam moments too
    assert any(k.endswith("running_var") for k in a)


def test_image_run_leaves_grids_curves_gif_and_samples(tmp_path):
    out = tmp_path / "img"
    assert main(["train", "--epochs", "2", "--batch-size", "256", "--out", str(out), "--no-progress"]) == 0
    for name in ("samples/epoch_001.png", "samples/epoch_002.png", "samples.png", "samples.gif",
                 "curves.png", "checkpoint.npz", "metrics.csv"):
        assert (out / name).stat().st_size > 0, name
    npy = tmp_path / "s.npy"
    assert main(["sample", "--checkpoint", str(out / "checkpoint.npz"), "-n", "10", "--out", str(npy)]) == 0
    x = np.load(npy)
    assert x.shape == (10, 1, 8, 8) and x.dtype == np.float32 and x.min() >= -1 and x.max() <= 1
    strip = tmp_path / "strip.npy"
    assert main(["sample", "--checkpoint", str(out / "checkpoint.npz"), "-n", "2", "--interpolate", "5",
                 "--out", str(strip)]) == 0
    x = np.load(strip)
    assert x.shape == (10, 1, 8, 8)
    png = tmp_path / "grid.png"
    assert main(["sample", "--checkpoint", str(out / "checkpoint.npz"), "-n", "16", "--out", str(png)]) == 0
    assert png.stat().st_size > 0


def test_slerp_walks_between_the_two_ends():
    from minigan.apps.latent import slerp
    rng = np.random.default_rng(0)
    z0, z1 = rng.standard_normal((2, 4, 100))
    t = np.linspace(0, 1, 7)[None, :, None]
    path = slerp(z0[:, None], z1[:, None], t)
    assert np.allclose(path[:, 0], z0) and np.allclose(path[:, -1], z1)
    # ends of equal norm: the whole path keeps that norm (a straight line would dip in the middle)
    z1 = z1 / np.linalg.norm(z1, axis=-1, keepdims=True) * np.linalg.norm(z0, axis=-1, keepdims=True)
    path = slerp(z0[:, None], z1[:, None], t)
    assert np.allclose(np.linalg.norm(path, axis=-1), np.linalg.norm(z0, axis=-1)[:, None])


def _rates_during(run):
    """(D's lr, G's lr) at each step the run takes."""
    seen, real_step = [], run.gan.step

    def recording_step(batch):
        seen.append((run.gan.d_opt.lr, run.gan.g_opt.lr))
        return real_step(batch)
    run.gan.step = recording_step
    return seen


def test_preset_schedule_holds_then_decays_linearly():
    plain = get_preset("ring8").with_overrides(lr=1e-3, lr_decay=True, lr_hold=0.0, g_lr_scale=1.0)
    gan = plain.build()
    schedule, d = plain.schedule(gan, 10), []
    for _ in range(10):
        d.append(gan.d_opt.lr)
        schedule.step()
    assert [d[s] for s in (0, 5, 9)] == [1e-3 * (1 - s / 10) for s in (0, 5, 9)]
    assert gan.d_opt.lr == 0.0                                     # zero after the last step
    held = plain.with_overrides(lr_hold=0.5, g_lr_scale=2.0)
    gan = held.build()
    schedule, d, g = held.schedule(gan, 10), [], []
    for _ in range(10):
        d.append(gan.d_opt.lr)
        g.append(gan.g_opt.lr)
        schedule.step()
    assert d[:6] == [1e-3] * 6                                      # full lr for the first half
    assert np.allclose(d[5:], 1e-3 * np.array([1.0, 0.8, 0.6, 0.4, 0.2]))   # then linearly to zero
    assert np.allclose(g, 2 * np.array(d))                         # G's lr is twice D's throughout
    constant = plain.with_overrides(lr_decay=False)
    gan = constant.build()
    schedule = constant.schedule(gan, 10, start=9)
    assert (gan.d_opt.lr, gan.g_opt.lr) == (1e-3, 1e-3)
    with pytest.raises(ValueError, match="lr_hold"):
        plain.with_overrides(lr_hold=1.0).schedule(gan, 10)


def test_g_lr_scale_reaches_the_optimizers_and_the_run(tmp_path):
    gan = get_preset("ring8").with_overrides(lr=1e-3, g_lr_scale=2.0).build()
    assert (gan.d_opt.lr, gan.g_opt.lr) == (1e-3, 2e-3)
    run = Run("ring8", out=str(tmp_path / "r"), steps=4, objective="sharp", progress=False, frames=1)
    assert (run.preset.lr_decay, run.preset.lr_hold, run.preset.g_lr_scale) == (True, 0.5, 2.0)
    seen = _rates_during(run)
    run.train()
    # held at full rate for steps 0-2 (2 = half the run), then 1 - (3 - 2) / (4 - 2) = 0.5 at step 3
    assert seen == [(1e-3, 2e-3)] * 3 + [(1e-3 * 0.5, 2e-3 * 0.5)]


def test_a_resumed_run_takes_up_the_schedule_where_it_stopped(tmp_path):
    whole = Run("ring8", out=str(tmp_path / "a"), steps=6, objective="sharp", progress=False, frames=1)
    seen_whole = _rates_during(whole)
    whole.train()
    Run("ring8", out=str(tmp_path / "b"), steps=6, objective="sharp", progress=False, frames=1).train(until=4)
    resumed = Run("ring8", out=str(tmp_path / "b"), resume=True, progress=False, frames=1)
    seen_resumed = _rates_during(resumed)
    resumed.train()
    assert seen_resumed == seen_whole[4:] and seen_resumed[0][0] < 1e-3


def test_objective_names_the_objective_only_and_recipes_are_applied_explicitly():
    from minigan import recipes
    ring8 = get_preset("ring8")
    for text in ("wgan-gp", "wgan", "sharp+mbstd", "pacgan4"):
        with pytest.raises(ValueError, match="recipes.apply"):
            ring8.with_overrides(objective=text)
    hinge = recipes.apply(ring8, "hinge")                  # an objective is the smallest recipe
    assert hinge.objective == "hinge" and hinge.with_overrides(objective=ring8.objective) == ring8
    both = recipes.apply(ring8, "sharp+mbstd")
    assert (both.objective, both.mbstd, both.lr_hold, both.lr) == ("non_saturating", True, 0.5, ring8.lr)
    assert ring8.mbstd is False                            # apply returns a new preset
    grid25 = get_preset("grid25")                          # registered with the sharp recipe applied
    assert (grid25.objective, grid25.betas, grid25.g_lr_scale, grid25.lr) == ("non_saturating", (0.0, 0.999), 2.0, 1e-3)
    with pytest.raises(ValueError, match="unknown objective or recipe 'nope'"):
        recipes.apply(ring8, "sharp+nope")
