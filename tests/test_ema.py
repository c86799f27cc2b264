"""The moving average of G's weights: its arithmetic, that training never reads it, that sampling
does, and that checkpoints carry it so a resumed run is bit-identical."""
import numpy as np
import pytest

import minigan
from minigan import checkpoint, nn
from minigan.backend import to_numpy
from minigan.cli import main
from minigan.ema import WeightAverage
from minigan.gan import GAN
from minigan.train import Run, load_gan


def test_average_follows_the_formula_with_its_warm_up(xp, backend):
    minigan.seed(0)
    model = nn.Sequential(nn.Dense(3, 4), nn.LeakyReLU(0.2), nn.Dense(4, 2)).to(backend)
    w = model[0].weight
    avg = WeightAverage(model, decay=0.9)
    expected = to_numpy(w.data).astype(np.float64)
    rng = np.random.default_rng(1)
    betas = []
    for t in range(100):
        w.data[...] = xp.asarray(rng.standard_normal(w.shape).astype(np.float32))   # "a G update"
        beta = min(0.9, (1 + t) / (10 + t))
        betas.append(avg.beta())
        expected = beta * expected + (1 - beta) * to_numpy(w.data)
        avg.update(model)
    assert betas[0] == pytest.approx(0.1) and betas[-1] == 0.9   # fast at first, then the decay
    assert avg.count == 100
    np.testing.assert_allclose(to_numpy(avg.shadow["0.weight"]), expected, rtol=1e-5, atol=1e-6)


def test_applied_swaps_the_average_in_and_the_weights_back(xp, backend):
    minigan.seed(0)
    model = nn.Sequential(nn.Dense(3, 2)).to(backend)
    avg = WeightAverage(model, decay=0.5)
    before = to_numpy(model[0].weight.data).copy()
    avg.shadow["0.weight"][...] = 7.0
    with avg.applied(model):
        assert np.all(to_numpy(model[0].weight.data) == 7.0)
    np.testing.assert_array_equal(to_numpy(model[0].weight.data), before)
    with pytest.raises(RuntimeError):
        with avg.applied(model):
            raise RuntimeError("an error inside the block")
    np.testing.assert_array_equal(to_numpy(model[0].weight.data), before)   # restored even then


def _toy_gan(backend, ema):
    minigan.seed(3)
    G = nn.Sequential(nn.Dense(2, 16), nn.ReLU(), nn.Dense(16, 2)).to(backend)
    D = nn.Sequential(nn.Dense(2, 16), nn.LeakyReLU(0.2), nn.Dense(16, 1)).to(backend)
    return GAN(G, D, z_dim=2, ema=ema)


def test_training_never_reads_the_average_and_generate_does(xp, backend):
    plain, averaged = _toy_gan(backend, None), _toy_gan(backend, 0.99)
    data = np.random.default_rng(0).standard_normal((30, 8, 2)).astype(np.float32)
    for batch in data:
        minigan.seed(len(batch))   # both GANs draw the same noise
        a = plain.step(xp.asarray(batch))
        minigan.seed(len(batch))
        b = averaged.step(xp.asarray(batch))
        assert (a.d_loss, a.g_loss) == (b.d_loss, b.g_loss)
    for p, q in zip(plain.G.parameters(), averaged.G.parameters()):
        np.testing.assert_array_equal(to_numpy(p.data), to_numpy(q.data))   # the same G was trained
    z = averaged.sample_noise(5)
    with averaged.averaged():
        expected = to_numpy(averaged.G.forward(z))
    np.testing.assert_array_equal(to_numpy(averaged.generate(z=z)), expected)
    assert not np.allclose(to_numpy(plain.generate(z=z)), expected)   # the average is not the last G
    for p, q in zip(plain.G.parameters(), averaged.G.parameters()):
        np.testing.assert_array_equal(to_numpy(p.data), to_numpy(q.data))   # and generate put G back


def _digits(tmp_path, name, **kw):
    return Run("dcgan-digits", out=str(tmp_path / name), steps=12, batch_size=16, progress=False, **kw)


def test_a_run_with_an_average_resumes_bit_for_bit_and_samples_from_it(tmp_path):
    _digits(tmp_path, "whole", seed=5, ema=0.9).train()
    _digits(tmp_path, "half", seed=5, ema=0.9).train(until=5)
    _digits(tmp_path, "half", resume=True).train()
    a, ha = checkpoint.load(tmp_path / "whole" / "checkpoint.npz")
    b, hb = checkpoint.load(tmp_path / "half" / "checkpoint.npz")
    assert a.keys() == b.keys() and any(k.startswith("G_ema/") for k in a)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert ha["ema"] == hb["ema"] == {"decay": 0.9, "count": 12}
    gan, _, _ = load_gan(tmp_path / "whole" / "checkpoint.npz")
    for name, value in checkpoint.unpack("G_ema", a).items():
        np.testing.assert_array_equal(to_numpy(gan.ema.shadow[name]), value)
    ckpt = str(tmp_path / "whole" / "checkpoint.npz")
    assert main(["sample", "--checkpoint", ckpt, "-n", "6", "--out", str(tmp_path / "s.npy")]) == 0
    minigan.seed(0)   # `minigan sample` seeds with --seed 0, then draws z
    gan.G.eval()
    z = gan.sample_noise(6)
    with gan.averaged():
        expected = to_numpy(gan.G.forward(z))
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"), expected)
    assert main(["sample", "--checkpoint", ckpt, "-n", "6", "--no-ema", "--out", str(tmp_path / "last.npy")]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "last.npy"), to_numpy(gan.G.forward(z)))   # G's own weights
    assert not np.allclose(expected, to_numpy(gan.G.forward(z)))


def test_ema_zero_turns_the_average_off(tmp_path):
    assert main(["train", "--preset", "dcgan-digits", "--steps", "2", "--ema", "0", "--out", str(tmp_path / "r")]) == 0
    arrays, header = checkpoint.load(tmp_path / "r" / "checkpoint.npz")
    assert "ema" not in header and not any(k.startswith("G_ema/") for k in arrays)
    with pytest.raises(SystemExit):
        main(["train", "--ema", "1.5"])
