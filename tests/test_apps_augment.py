"""Augmentation helpers: the labelled subset, shifted copies, cGAN samples, the summary; and the
training-loop hook they rest on (Run trains on arrays given in memory)."""
import numpy as np
import pytest

import minigan
from minigan.apps.augment import generated_set, shifted_copies, summarise
from minigan.apps.training import per_class, train_gan, without_class
from minigan.presets import get_preset


def test_per_class_draws_n_distinct_examples_of_each_class_by_seed():
    labels = np.random.default_rng(0).integers(0, 10, 500)
    idx = per_class(labels, 7, seed=3)
    assert len(set(idx)) == 70 and np.array_equal(np.bincount(labels[idx]), np.full(10, 7))
    assert np.array_equal(idx, per_class(labels, 7, seed=3))
    assert not np.array_equal(idx, per_class(labels, 7, seed=4))
    with pytest.raises(ValueError, match="class"):
        per_class(labels, 400, seed=0)


def test_without_class_drops_exactly_the_anomaly():
    labels = np.array([9, 0, 9, 3])
    x, y = without_class(np.arange(4)[:, None], labels, anomaly=9)
    assert y.tolist() == [0, 3] and x.ravel().tolist() == [1, 3]


def test_shifted_copies_are_translations_within_the_limit():
    images = np.full((5, 1, 9, 9), -1.0, np.float32)
    images[:, 0, 4, 4] = 1.0                                # one bright pixel in the middle
    labels = np.arange(5)
    out, out_labels = shifted_copies(images, labels, copies=3, seed=0, max_shift=2)
    assert out.shape == (15, 1, 9, 9) and out_labels.tolist() == labels.tolist() * 3
    moves = set()
    for img in out:
        assert (img == 1).sum() == 1 and (img == -1).sum() == 80   # moved, not smeared or lost
        y, x = np.argwhere(img[0] == 1)[0]
        assert abs(y - 4) <= 2 and abs(x - 4) <= 2
        moves.add((y, x))
    assert len(moves) > 3                                    # and the moves differ


def test_generated_set_is_balanced_seeded_and_leaves_the_global_generator_alone():
    minigan.seed(0)
    gan = get_preset("cdcgan-mnist").build()
    state = minigan.rng.get_state()
    x, y = generated_set(gan, 3, seed=5)
    assert minigan.rng.get_state() == state
    assert x.shape == (30, 1, 28, 28) and x.dtype == np.float32 and np.bincount(y).tolist() == [3] * 10
    np.testing.assert_array_equal(x, generated_set(gan, 3, seed=5)[0])
    assert not np.array_equal(x, generated_set(gan, 3, seed=6)[0])


def test_summarise_pairs_the_gain_by_seed():
    runs = [{"accuracy": {"real": 0.80, "real + cGAN": 0.82, "real + shifts": 0.85, "cGAN only": 0.5}},
            {"accuracy": {"real": 0.90, "real + cGAN": 0.91, "real + shifts": 0.93, "cGAN only": 0.6}}]
    table = summarise(runs)
    assert table["real"]["accuracy"][0] == pytest.approx(0.85)
    assert table["real"]["accuracy"][1] == pytest.approx(0.05)          # std 0.0707 / sqrt 2
    assert table["real + cGAN"]["gain_over_real"][0] == pytest.approx(0.015)
    assert table["real + cGAN"]["gain_over_real"][1] == pytest.approx(0.005)


def test_train_gan_trains_on_the_arrays_given_and_reloads_from_the_checkpoint(tmp_path):
    """Run(data=...) draws its batches from these arrays only: a conditional run sees their labels."""
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (70, 1, 28, 28)).astype(np.float32)
    labels = np.full(70, 4)                                  # every label a 4
    gan, ckpt = train_gan("cdcgan-mnist", images, labels, str(tmp_path / "run"), steps=1)
    assert gan.step_count == 1 and not gan.G.training
    from minigan.checkpoint import load
    assert load(ckpt)[1]["config"]["data"] == "70 images given in memory"
    from minigan.train import Run
    run = Run("cdcgan-mnist", out=str(tmp_path / "other"), steps=1, data=(images, labels), progress=False)
    batch = run.stream.next()
    assert batch.shape == (64, 2, 28, 28) and np.all(batch[:, 1] == 4)   # the label channel: all 4s
    assert any(np.array_equal(batch[0, :1], im) for im in images)
    with pytest.raises(ValueError, match="not 2"):
        train_gan("cdcgan-mnist", images, labels, str(tmp_path / "run"), steps=2)
