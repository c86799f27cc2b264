"""Conditional GANs: labels travel in the arrays (nn/conditional.py); gradients stay exact."""
import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.gradcheck import check_grads
from minigan.nn.conditional import CarryLabels, LabelMaps, ProjectionD, label_channel, labels_of
from minigan.presets import get_preset


def test_label_channel_round_trips_and_label_maps_are_one_hot():
    x = np.random.default_rng(0).uniform(-1, 1, (4, 1, 3, 2))
    labelled = label_channel(x, [3, 0, 9, 3])
    assert labelled.shape == (4, 2, 3, 2)
    assert list(labels_of(labelled)) == [3, 0, 9, 3]
    maps = LabelMaps(10).forward(labelled)
    assert maps.shape == (4, 11, 3, 2)
    np.testing.assert_array_equal(maps[:, 0], x[:, 0])
    for i, label in enumerate([3, 0, 9, 3]):
        assert np.all(maps[i, 1 + label] == 1) and maps[i, 1:].sum() == 3 * 2


def test_label_maps_reject_an_unknown_class():
    with pytest.raises(ValueError, match="labels must be 0..9"):
        LabelMaps(10).forward(label_channel(np.zeros((2, 1, 2, 2)), [1, 10]))


def test_gradients_through_a_conditional_g_and_d():
    minigan.seed(0)
    rng = np.random.default_rng(1)
    k, z_dim = 3, 4
    G = CarryLabels(nn.Sequential(nn.Dense(z_dim + k, 2 * 3 * 3, dtype=np.float64), nn.Tanh(),
                                  nn.Reshape((2, 3, 3))), k)
    zy = np.concatenate([rng.standard_normal((5, z_dim)), np.eye(k)[rng.integers(0, k, 5)]], axis=1)
    errors = check_grads(G, zy)
    assert max(errors.values()) < 1e-8
    assert G.forward(zy).shape == (5, 3, 3, 3)
    assert list(labels_of(G.forward(zy))) == list(zy[:, z_dim:].argmax(axis=1))
    D = nn.Sequential(LabelMaps(k), nn.Conv2d(2 + k, 4, 3, padding=1, dtype=np.float64), nn.LeakyReLU(0.2),
                      nn.Flatten(), nn.Dense(4 * 9, 1, dtype=np.float64))
    x = label_channel(rng.standard_normal((5, 2, 3, 3)), rng.integers(0, k, 5))
    errors = check_grads(D, x)
    assert max(errors.values()) < 1e-8


def projection_d(k=3, seed=0):
    minigan.seed(seed)
    body = nn.Sequential(nn.Conv2d(2, 3, 3, dtype=np.float64), nn.LeakyReLU(0.2), nn.Flatten())
    return ProjectionD(body, 3 * 2 * 1, k, dtype=np.float64)


def test_projection_d_is_the_unconditional_logit_plus_the_class_embedding_dotted_with_the_features():
    rng = np.random.default_rng(2)
    D = projection_d()
    x = label_channel(rng.standard_normal((5, 2, 4, 3)), [0, 2, 1, 2, 0])
    logits = D.forward(x)
    phi = D.features.forward(x[:, :-1])
    by_hand = phi @ D.linear.weight.data + D.linear.bias.data + np.sum(D.embed.data[[0, 2, 1, 2, 0]] * phi, axis=1,
                                                                      keepdims=True)
    np.testing.assert_allclose(logits, by_hand, rtol=1e-12)
    # the same image asked about as another class gets another verdict
    relabelled = label_channel(x[:, :-1], [1, 0, 0, 0, 2])
    assert np.all(D.forward(relabelled) != logits)
    with pytest.raises(ValueError, match="labels must be 0..2"):
        D.forward(label_channel(x[:, :-1], [0, 1, 2, 3, 0]))


def test_projection_d_gradients_and_an_absent_class_learns_nothing():
    rng = np.random.default_rng(3)
    D = projection_d()
    x = label_channel(rng.standard_normal((6, 2, 4, 3)), [0, 2, 0, 2, 2, 0])
    errors = check_grads(D, x)
    assert max(errors.values()) < 1e-8
    D.zero_grad()
    D.forward(x)
    dx = D.backward(rng.standard_normal((6, 1)))
    assert np.all(D.embed.grad[1] == 0) and np.all(D.embed.grad[[0, 2]] != 0)   # no 1 in this batch
    assert np.all(dx[:, -1] == 0)                                                # labels are data


def test_conditional_gan_draws_the_requested_classes_and_steps():
    minigan.seed(0)
    gan = get_preset("cdcgan-mnist").build()
    z = gan.sample_noise(6, [1, 2, 3, 4, 5, 6])
    assert z.shape == (6, 110)
    assert list(z[:, 100:].argmax(axis=1)) == [1, 2, 3, 4, 5, 6]
    assert gan.generate(4, labels=7).shape == (4, 1, 28, 28)
    with pytest.raises(ValueError):
        gan.sample_noise(2, 10)
    real = label_channel(np.random.default_rng(0).uniform(-1, 1, (8, 1, 28, 28)).astype(np.float32), np.arange(8))
    g_before = {n: p.data.copy() for n, p in gan.G.named_parameters()}
    record = gan.step(real)
    assert np.isfinite(record.d_loss) and np.isfinite(record.g_loss)
    assert all(not np.array_equal(g_before[n], p.data) for n, p in gan.G.named_parameters())


def test_sample_with_a_label_needs_a_conditional_checkpoint(tmp_path, capsys):
    from minigan.cli import main
    run = tmp_path / "run"
    assert main(["train", "--preset", "dcgan-digits", "--steps", "2", "--out", str(run)]) == 0
    assert main(["sample", "--checkpoint", str(run / "checkpoint.npz"), "--label", "3",
                 "--out", str(tmp_path / "x.npy")]) == 2
    assert "--label needs a conditional model" in capsys.readouterr().err


def test_cli_samples_a_requested_digit_and_a_row_per_class(tmp_path, mnist_dir):
    from minigan.cli import main
    mnist = mnist_dir
    run = tmp_path / "run"
    assert main(["train", "--preset", "cdcgan-mnist", "--data-dir", str(mnist), "--steps", "2", "--out", str(run)]) == 0
    ckpt = str(run / "checkpoint.npz")
    assert main(["sample", "--checkpoint", ckpt, "--label", "7", "-n", "5", "--out", str(tmp_path / "s.npy")]) == 0
    s = np.load(tmp_path / "s.npy")
    assert s.shape == (5, 1, 28, 28) and s.dtype == np.float32 and np.abs(s).max() <= 1
    assert main(["sample", "--checkpoint", ckpt, "-n", "20", "--out", str(tmp_path / "rows.png")]) == 0
    assert (tmp_path / "rows.png").stat().st_size > 0
