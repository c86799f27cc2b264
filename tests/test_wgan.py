"""WGAN, WGAN-GP, R1, hinge + spectral norm and packing in the training step and from the command line."""
import numpy as np
import pytest

from minigan import cli, recipes
from minigan.backend import to_numpy
from minigan.presets import get_preset
from test_gan import real_batch, snapshot, assert_bit_identical, grads_of


@pytest.mark.parametrize("recipe", ["wgan", "wgan-gp", "hinge-sn", "r1", "pacgan4", "mbstd",
                                    "wgan-gp+pacgan2", "r1-narrow"])
def test_recipe_builds_and_g_step_leaves_d_alone(recipe, xp, backend):
    preset = recipes.apply(get_preset("ring8"), recipe)
    gan = preset.build(backend)
    real = real_batch(xp, n=16)
    rec, fake = gan.d_step(real)
    assert np.isfinite(rec.d_loss)
    d_before, d_grads = snapshot(gan.D), grads_of(gan.D)
    gan.g_step(rec, fake)
    assert_bit_identical(d_before, gan.D, "D")
    for name, g in grads_of(gan.D).items():            # D is frozen in the G step
        assert np.array_equal(g, d_grads[name]), f"the G step wrote into D.{name}.grad"


def test_wgan_gp_recipe_is_gulrajanis():
    p = recipes.apply(get_preset("grid25"), "wgan-gp")
    assert (p.objective, p.gradient_penalty, p.n_critic, p.optimizer, p.lr, p.betas) == \
        ("wasserstein", 10.0, 5, "adam", 1e-4, (0.5, 0.9))
    p = recipes.apply(get_preset("grid25"), "wgan")
    assert (p.clip_value, p.n_critic, p.optimizer, p.lr) == (0.01, 5, "rmsprop", 5e-5)
    # a recipe's field can still be changed afterwards
    assert p.with_overrides(lr=1e-3).lr == 1e-3 and p.with_overrides(lr=1e-3).clip_value == 0.01


def test_fields_given_beside_a_recipe_win_over_the_recipes():
    # The recipe is applied first; lr given after it is not overwritten by the recipe's 1e-4.
    p = recipes.apply(get_preset("ring8"), "wgan-gp").with_overrides(lr=1e-3, betas=(0.0, 0.9))
    assert (p.objective, p.gradient_penalty, p.n_critic, p.lr, p.betas) == ("wasserstein", 10.0, 5, 1e-3, (0.0, 0.9))
    assert recipes.apply(get_preset("ring8"), "wgan-gp").lr == 1e-4


def test_run_applies_the_recipe_then_the_flags(tmp_path):
    from minigan.train import Run
    run = Run("ring8", out=str(tmp_path / "r"), steps=3, batch_size=32, objective="wgan-gp", progress=False)
    p = run.preset
    assert (p.objective, p.gradient_penalty, p.batch_size, p.steps, p.lr) == ("wasserstein", 10.0, 32, 3, 1e-4)


def test_r1_narrow_recipe_is_a_weak_r1():
    p = recipes.apply(get_preset("grid25"), "r1-narrow")
    assert (p.objective, p.r1, p.gradient_penalty, p.pack, p.n_critic) == ("non_saturating", 0.01, None, 1, 1)
    p = recipes.apply(get_preset("grid25"), "r1-narrow+pacgan2")    # it joins other recipes
    assert (p.r1, p.pack) == (0.01, 2)


def test_penalty_is_recorded_and_added_to_d_loss(xp, backend):
    gan = recipes.apply(get_preset("ring8"), "wgan-gp").build(backend)
    rec = gan.step([real_batch(xp, n=16, seed=s) for s in range(5)])
    assert rec.gp > 0 and np.isnan(rec.r1)
    assert rec.d_loss == pytest.approx(rec.d_loss_real + rec.d_loss_fake + 10 * rec.gp)
    assert "gp" in rec.as_row()


def test_gradient_penalty_changes_ds_update(xp, backend):
    import minigan
    results = []
    for lam in (None, 10.0):
        minigan.seed(0)
        gan = get_preset("ring8").with_overrides(objective="wasserstein", gradient_penalty=lam).build(backend)
        gan.d_step(real_batch(xp, n=16))
        results.append({n: to_numpy(p.data).copy() for n, p in gan.D.named_parameters()})
    assert any(not np.array_equal(results[0][k], results[1][k]) for k in results[0])


@pytest.mark.parametrize("flags", [["--objective", "wgan-gp"], ["--objective", "hinge-sn"], ["--pack", "4"],
                                   ["--objective", "r1", "--pack", "2"], ["--objective", "sharp"],
                                   ["--objective", "sharp", "--ema", "0.999"], ["--objective", "wgan"],
                                   ["--objective", "sharp+mbstd", "--ema", "0.999"]])
def test_cli_train_and_evaluate(flags, tmp_path, capsys):
    out = str(tmp_path / "run")
    assert cli.main(["train", "--preset", "grid25", "--steps", "4", "--out", out, "--no-progress", *flags]) == 0
    assert cli.main(["evaluate", "--checkpoint", f"{out}/checkpoint.npz", "--json", "-n", "200"]) == 0
    assert '"modes"' in capsys.readouterr().out


def test_cli_pack_needs_a_divisible_batch(tmp_path, capsys):
    status = cli.main(["train", "--preset", "ring8", "--steps", "2", "--pack", "3", "--out", str(tmp_path / "r"),
                       "--no-progress"])
    assert status == 2 and "divisible by 3" in capsys.readouterr().err


def test_sharp_recipe_sets_its_optimizer_and_schedule():
    p = recipes.apply(get_preset("ring8"), "sharp")
    assert (p.objective, p.betas, p.g_lr_scale, p.lr_decay, p.lr_hold) == ("non_saturating", (0.0, 0.999), 2.0, True, 0.5)
    gan = p.build()
    assert gan.g_opt.lr == 2 * gan.d_opt.lr and gan.g_opt.betas == (0.0, 0.999)
    assert recipes.apply(get_preset("grid25"), "sharp+pacgan2").pack == 2   # it joins other recipes


def test_sharp_recipe_covers_the_ring():
    """Behaviour, not just wiring: 1,500 steps of batch 64 put G's samples on all 8 narrow modes."""
    import minigan
    from minigan.data import get_mixture
    from minigan.metrics import mode_metrics
    ring = get_mixture("ring8")
    minigan.seed(0)
    p = recipes.apply(get_preset("ring8"), "sharp").with_overrides(batch_size=64, steps=1500)
    gan = p.build("numpy")
    schedule = p.schedule(gan, p.steps)
    for _ in range(p.steps):
        gan.step(ring.sample(p.batch_size))
        schedule.step()
    m = mode_metrics(gan.generate(2500), ring)
    assert m["modes"] == 8 and m["high_quality"] > 60 and m["reverse_kl"] < 0.1, m
