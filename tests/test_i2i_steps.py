"""Pix2Pix's and CycleGAN's steps: gradients equal a PyTorch twin's, records add up, seeds repeat,
and the training runs that `minigan train --preset` starts."""
import csv

import numpy as np
import pytest

import minigan
from minigan.cli import main
from minigan.i2i.data import edges, frame_like_mnist
from minigan.i2i.networks import UNet, patchgan
from minigan.i2i.run import load_translation, train_translation
from minigan.i2i.steps import CycleGAN, Pix2Pix


def small_images(n=12, seed=0):
    rng = np.random.default_rng(seed)
    return np.tanh(2 * rng.standard_normal((n, 1, 12, 8))).astype(np.float64)


def capture(opt):
    """Replace an optimizer's update with a copy of the gradients it would have applied."""
    seen = []
    opt.step = lambda: seen.append([p.grad.copy() for p in opt.params])
    return seen


def f64(*layers):
    return [layer.astype(np.float64) for layer in layers]


def test_cyclegan_gradients_equal_a_pytorch_twin():
    torch = pytest.importorskip("torch")
    from minigan.i2i.torch_twin import to_torch
    tf = torch.nn.functional
    minigan.seed(0)
    G_ab, G_ba, D_a, D_b = f64(UNet(1, 1, 3), UNet(1, 1, 3), patchgan(1, 3), patchgan(1, 3))
    twins = [to_torch(n) for n in (G_ab, G_ba, D_a, D_b)]
    model = CycleGAN(G_ab, G_ba, D_a, D_b, pool_size=0)
    g_seen, d_seen = capture(model.g_opt), capture(model.d_opt)
    a, b = small_images(4, 1), small_images(4, 2)
    record = model.step(a, b)

    tG_ab, tG_ba, tD_a, tD_b = twins
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    fake_b, fake_a = tG_ab(ta), tG_ba(tb)
    terms = {"g_ab_gan": tf.mse_loss(tD_b(fake_b), torch.ones(1, dtype=torch.float64).expand_as(tD_b(fake_b))),
             "g_ba_gan": tf.mse_loss(tD_a(fake_a), torch.ones_like(tD_a(fake_a))),
             "cycle_a": 10 * tf.l1_loss(tG_ba(fake_b), ta), "cycle_b": 10 * tf.l1_loss(tG_ab(fake_a), tb),
             "identity_b": 5 * tf.l1_loss(tG_ab(tb), tb), "identity_a": 5 * tf.l1_loss(tG_ba(ta), ta)}
    sum(terms.values()).backward()
    for name, value in terms.items():
        assert getattr(record, name) == pytest.approx(value.item(), rel=1e-10)
    assert record.g_loss == pytest.approx(sum(getattr(record, n) for n in terms), rel=1e-12)
    theirs = [p.grad.numpy() for p in list(tG_ab.parameters()) + list(tG_ba.parameters())]
    for ours, want in zip(g_seen[0], theirs):
        np.testing.assert_allclose(ours, want, rtol=1e-7, atol=1e-12)

    for p in list(tD_a.parameters()) + list(tD_b.parameters()):
        p.grad = None
    d_b = 0.5 * (tf.mse_loss(tD_b(tb), torch.ones_like(tD_b(tb))) + tf.mse_loss(tD_b(fake_b.detach()), torch.zeros_like(tD_b(tb))))
    d_a = 0.5 * (tf.mse_loss(tD_a(ta), torch.ones_like(tD_a(ta))) + tf.mse_loss(tD_a(fake_a.detach()), torch.zeros_like(tD_a(ta))))
    (d_a + d_b).backward()
    assert record.d_a_loss == pytest.approx(d_a.item(), rel=1e-10)
    assert record.d_b_loss == pytest.approx(d_b.item(), rel=1e-10)
    theirs = [p.grad.numpy() for p in list(tD_a.parameters()) + list(tD_b.parameters())]
    for ours, want in zip(d_seen[0], theirs):
        np.testing.assert_allclose(ours, want, rtol=1e-7, atol=1e-12)


def test_pix2pix_gradients_equal_a_pytorch_twin():
    torch = pytest.importorskip("torch")
    from minigan.i2i.torch_twin import to_torch
    tf = torch.nn.functional
    minigan.seed(1)
    G, D = f64(UNet(1, 1, 3), patchgan(2, 3))
    tG, tD = to_torch(G), to_torch(D)
    model = Pix2Pix(G, D)
    g_seen, d_seen = capture(model.g_opt), capture(model.d_opt)     # D stays as it is: the twin's D fits
    source, target = small_images(4, 3), small_images(4, 4)
    record = model.step(source, target)
    ts, tt = torch.from_numpy(source), torch.from_numpy(target)
    fake = tG(ts)
    real_logits, fake_logits = tD(torch.cat([ts, tt], 1)), tD(torch.cat([ts, fake.detach()], 1))
    bce = tf.binary_cross_entropy_with_logits
    d_loss = 0.5 * (bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits)))
    d_loss.backward()
    assert record.d_loss == pytest.approx(d_loss.item(), rel=1e-10)
    for ours, want in zip(d_seen[0], [p.grad.numpy() for p in tD.parameters()]):
        np.testing.assert_allclose(ours, want, rtol=1e-7, atol=1e-12)
    logits = tD(torch.cat([ts, fake], 1))
    g_gan, g_l1 = bce(logits, torch.ones_like(logits)), tf.l1_loss(fake, tt)
    (g_gan + 100 * g_l1).backward()
    assert (record.g_gan, record.g_l1) == (pytest.approx(g_gan.item(), rel=1e-10), pytest.approx(g_l1.item(), rel=1e-10))
    for ours, want in zip(g_seen[0], [p.grad.numpy() for p in tG.parameters()]):
        np.testing.assert_allclose(ours, want, rtol=1e-7, atol=1e-12)


def test_l1_alone_never_touches_the_discriminator_and_lowers_l1():
    minigan.seed(2)
    G, D = UNet(1, 1, 4), patchgan(2, 4)
    before = {k: v.copy() for k, v in D.state_dict().items()}
    model = Pix2Pix(G, D, lr=2e-3, gan_weight=0.0)
    source = small_images(8, 5).astype(np.float32)
    target = -source                                        # a mapping a U-Net can learn
    losses = [model.step(source, target).g_l1 for _ in range(40)]
    assert all(np.array_equal(before[k], v) for k, v in D.state_dict().items())
    assert losses[-1] < 0.85 * losses[0]


def tiny_run(tmp_path, name, seed=0, steps=3):
    a = small_images(12, 7).astype(np.float32)
    data = (edges(a), a) if name.startswith("pix2pix") else (frame_like_mnist(small_images(12, 8)[:, :, :8, :8]), a)
    if not name.startswith("pix2pix"):
        data = (data[0][:, :, 8:20, 10:18], a)          # the same small size in both domains
    out = tmp_path / f"{name}-{seed}"
    train_translation(name, str(out), steps=steps, batch_size=4, width=3, seed=seed, data=data, log=lambda m: None)
    return out


@pytest.mark.parametrize("name", ["pix2pix-edges2mnist", "cyclegan-digits2mnist"])
def test_one_seed_gives_one_metrics_file_and_a_loadable_checkpoint(tmp_path, name):
    first, second = tiny_run(tmp_path, name, 0), tiny_run(tmp_path / "again", name, 0)
    assert (first / "metrics.csv").read_text() == (second / "metrics.csv").read_text()
    rows = list(csv.DictReader(open(first / "metrics.csv")))
    assert len(rows) == 3 and all(np.isfinite(float(v)) for row in rows for v in row.values())
    assert (first / "translations.png").exists()
    preset, nets, header = load_translation(str(first / "checkpoint.npz"))
    assert preset.name == name and header["step"] == 3 and preset.width == 3
    different = tiny_run(tmp_path, name, 1)
    assert (different / "metrics.csv").read_text() != (first / "metrics.csv").read_text()


def test_l1_alone_trains_and_leaves_only_the_missing_discriminator_unrecorded(tmp_path):
    out = tiny_run(tmp_path, "pix2pix-edges2mnist-l1")
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    assert len(rows) == 3
    for row in rows:
        d_fields = {k for k, v in row.items() if not np.isfinite(float(v))}
        assert d_fields == {"d_loss", "d_loss_real", "d_loss_fake", "g_gan", "d_real", "d_fake"}
        assert float(row["g_loss"]) == pytest.approx(100 * float(row["g_l1"]))


def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    out = tiny_run(tmp_path, "pix2pix-edges2mnist")
    with pytest.raises(ValueError, match="already holds a run"):
        train_translation("pix2pix-edges2mnist", str(out), steps=1, data=(np.zeros((4, 1, 8, 8)),) * 2)


@pytest.mark.parametrize("name", ["pix2pix-edges2mnist", "cyclegan-digits2mnist"])
def test_train_command_runs_a_translation_preset_on_mnist(tmp_path, mnist_dir, name, capsys):
    if not (mnist_dir / "train-images-idx3-ubyte.gz").exists() and not (mnist_dir / "train-images-idx3-ubyte").exists():
        pytest.skip("MNIST's training split is not beside its test split")
    out = tmp_path / "run"
    code = main(["train", "--preset", name, "--steps", "2", "--batch-size", "4", "--width", "4",
                 "--data-dir", str(mnist_dir), "--out", str(out), "--no-progress"])
    assert code == 0
    assert f"trained {name} for 2 steps" in capsys.readouterr().out
    assert len(list(csv.DictReader(open(out / "metrics.csv")))) == 2
    assert load_translation(str(out / "checkpoint.npz"))[2]["step"] == 2


def test_train_command_refuses_flags_a_translation_preset_has_no_use_for(tmp_path, capsys):
    code = main(["train", "--preset", "cyclegan-digits2mnist", "--objective", "wgan", "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "--objective does not apply" in err and len(err.splitlines()) == 1
