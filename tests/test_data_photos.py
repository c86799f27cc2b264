"""The offline colour data set: random crops of scikit-learn's two sample photos."""
import numpy as np
import pytest

from minigan.data import load_photo_crops
from minigan.data import photos


def test_shape_range_and_labels():
    images, labels = load_photo_crops(200, size=32, seed=3, with_labels=True)
    assert images.shape == (200, 3, 32, 32) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1 and images.std() > 0.2
    assert labels.dtype == np.int64 and set(np.unique(labels)) == {0, 1}
    assert load_photo_crops(5, size=64).shape == (5, 3, 64, 64)


def test_the_same_seed_gives_the_same_crops_and_another_seed_others():
    a = load_photo_crops(50, seed=7)
    np.testing.assert_array_equal(a, load_photo_crops(50, seed=7))
    assert not np.array_equal(a, load_photo_crops(50, seed=8))


def test_each_crop_is_a_window_of_its_photo_possibly_mirrored():
    size, zoom = 16, 2
    images, labels = load_photo_crops(12, size=size, seed=0, zoom=zoom, with_labels=True)
    shrunk = [photos._shrink(p, size * zoom) for p in photos.sample_photos()]
    mirrored = 0
    for image, label in zip(images, labels):
        pixels = np.rint((image + 1) * 127.5).astype(np.uint8).transpose(1, 2, 0)     # back to (H, W, 3)
        windows = np.lib.stride_tricks.sliding_window_view(shrunk[label], (size, size, 3))[:, :, 0]
        plain = (windows == pixels).all(axis=(2, 3, 4)).any()
        flipped = (windows == pixels[:, ::-1]).all(axis=(2, 3, 4)).any()
        assert plain or flipped
        mirrored += bool(flipped and not plain)
    assert 0 < mirrored < len(images)


def test_default_count_keeps_memory_in_check():
    assert photos.default_count(32) == 10_000
    assert photos.default_count(64) == 2_500
    assert photos.default_count(8) == 20_000 and photos.default_count(256) == 1_000


@pytest.mark.parametrize("kwargs", [dict(n=0), dict(size=2), dict(size=300), dict(zoom=0.5), dict(size=64, zoom=8)])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError, match="photo crops"):
        load_photo_crops(**{"n": 4, **kwargs})
