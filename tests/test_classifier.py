"""The metrics' classifier: its training augmentation, its learning-rate decay, and its recipes."""
import numpy as np
import pytest

from minigan.metrics.classifier import RECIPES, augment, train_classifier
from minigan.metrics.images import _pairwise_sq, precision_recall


def test_augment_moves_each_image_within_the_shift_and_fills_with_background():
    rng = np.random.default_rng(0)
    images = np.full((40, 1, 9, 9), -1.0, np.float32)
    images[:, 0, 4, 4] = 1.0                       # one bright pixel in the centre of each
    moved = augment(images, rng, shift=2)
    assert moved.shape == images.shape and (images[:, 0, 4, 4] == 1).all()   # the input is untouched
    rows, cols = np.nonzero(moved[:, 0] == 1)[1:]
    assert len(rows) == 40 and set(rows - 4) <= {-2, -1, 0, 1, 2} and set(cols - 4) <= {-2, -1, 0, 1, 2}
    assert len(set(zip(rows, cols))) > 10          # the offsets really vary
    assert ((moved == 1) | (moved == -1)).all()    # nothing but the pixel and the background


def test_flip_mirrors_about_half_the_images_and_no_augmentation_draws_nothing():
    rng = np.random.default_rng(1)
    images = np.random.default_rng(2).standard_normal((200, 1, 5, 5)).astype(np.float32)
    out = augment(images, rng, flip=True)
    mirrored = np.array([np.array_equal(o, i[..., ::-1]) for o, i in zip(out, images)])
    kept = np.array([np.array_equal(o, i) for o, i in zip(out, images)])
    assert (mirrored | kept).all() and 70 < mirrored.sum() < 130
    state = rng.bit_generator.state
    assert augment(images, rng) is images and rng.bit_generator.state == state


def test_a_run_of_k_epochs_is_the_first_k_epochs_of_a_longer_run():
    """The rate decays per epoch, not towards a planned end, so a stopped run is a shorter run."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (128, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    recipe = dict(batch_size=32, lr=1e-3, lr_decay=0.5, shift=1, flip=False, log=lambda msg: None)
    snapshots = {}

    def keep(epoch, clf, seconds):
        snapshots[epoch] = {k: v.copy() for k, v in clf.model.state_dict().items()}
    train_classifier(x, y, epochs=3, after_epoch=keep, **recipe)
    short = train_classifier(x, y, epochs=2, **recipe).model.state_dict()
    assert all(np.array_equal(short[k], snapshots[2][k]) for k in short)
    assert not all(np.array_equal(snapshots[3][k], snapshots[2][k]) for k in short)


def test_the_recipes_train_28x28_sets_on_their_training_split_only():
    assert set(RECIPES) == {"mnist", "fashion-mnist", "digits"}
    assert RECIPES["mnist"]["flip"] is False       # a mirrored 2 or 7 is not a digit
    assert RECIPES["digits"] == {"epochs": 40, "batch_size": 64, "lr": 1e-3, "lr_decay": 1.0, "shift": 0,
                                 "flip": False}


@pytest.mark.parametrize("n_real, n_fake", [(1500, 1100), (700, 2100)])
def test_blockwise_precision_recall_equals_the_whole_matrix(n_real, n_fake):
    rng = np.random.default_rng(4)
    real, fake = rng.standard_normal((n_real, 6)), rng.standard_normal((n_fake, 6)) * 1.3 + 0.2
    r_real = np.sort(_pairwise_sq(real, real), axis=1)[:, 3]
    r_fake = np.sort(_pairwise_sq(fake, fake), axis=1)[:, 3]
    d = _pairwise_sq(real, fake)
    expected = {"precision": (d <= r_real[:, None]).any(axis=0).mean(),
                "recall": (d <= r_fake[None, :]).any(axis=1).mean(),
                "coverage": (d.min(axis=1) <= r_real).mean()}
    got = precision_recall(real, fake, k=3)
    assert got == pytest.approx(expected, abs=0) and 0 < got["precision"] < 1 and 0 < got["recall"] < 1
