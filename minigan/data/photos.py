"""A colour data set that needs no download: random square crops of scikit-learn's two sample photos.

scikit-learn ships two colour photographs, ``china.jpg`` (a temple among trees above a lake)
and ``flower.jpg`` (an orange flower on dark green), each 427 x 640 pixels. Each photo is first
shrunk so that its shorter side is ``zoom`` times the crop size (2 by default), so that a crop
shows a whole flower or a temple's roofs rather than a patch of texture; crops are then cut at
uniformly random positions, half of them mirrored left to right. The crops overlap heavily, so
a GAN learns "what views of these two photos look like" -- a small colour task for a CPU.

The same ``seed`` gives the same crops (NumPy's PCG64 generator, independent of minigan's
global seed); the labels say which photo each crop comes from (0 china, 1 flower).
"""
import numpy as np

PHOTO_CROPS = "photo-crops"
PHOTO_NAMES = ("china", "flower")
DEFAULT_CROPS = 10_000     # at 32x32: 123 MB of float32, the order of MNIST's 188 MB


def default_count(size):
    """The default number of crops: 10,000 at 32x32, fewer for larger crops (same memory), 1,000 at least."""
    return int(min(20_000, max(1_000, round(DEFAULT_CROPS * (32 / size) ** 2))))


def sample_photos():
    """The two photos as uint8 (427, 640, 3) arrays, in PHOTO_NAMES order."""
    from sklearn.datasets import load_sample_images   # imported here: sklearn is slow to import
    bunch = load_sample_images()
    by_name = {name.replace("\\", "/").rsplit("/", 1)[-1]: image for name, image in zip(bunch.filenames, bunch.images)}
    return [by_name[f"{name}.jpg"] for name in PHOTO_NAMES]


def _shrink(photo, shorter):
    """``photo`` resized with Pillow (Lanczos) so that its shorter side is ``shorter`` pixels."""
    from PIL import Image
    h, w = photo.shape[:2]
    scale = shorter / min(h, w)
    size = (max(shorter, round(w * scale)), max(shorter, round(h * scale)))
    return np.asarray(Image.fromarray(photo).resize(size, Image.Resampling.LANCZOS))


def load_photo_crops(n=None, size=32, seed=0, zoom=2, with_labels=False):
    """``n`` random ``size`` x ``size`` crops: float32 (n, 3, size, size) in [-1, 1].

    ``n`` defaults to ``default_count(size)``; ``zoom`` is how many crop sides fit in the shrunk
    photo's height (2: a crop shows half of it, often a whole flower or roof). With ``with_labels``, returns (images, labels),
    the labels int64 0 (china) or 1 (flower).
    """
    n = default_count(size) if n is None else int(n)
    size, zoom = int(size), float(zoom)
    if n < 1 or not 4 <= size <= 256 or zoom < 1 or size * zoom > 427:
        raise ValueError(f"photo crops: need n >= 1, size 4..256 and 1 <= zoom <= 427 / size; "
                         f"got n={n}, size={size}, zoom={zoom:g}")
    photos = [_shrink(p, round(size * zoom)) for p in sample_photos()]
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(photos), size=n)
    images = np.empty((n, 3, size, size), np.float32)
    for k, photo in enumerate(photos):
        rows = np.flatnonzero(which == k)
        # every size x size window of the photo, as a view: (H - size + 1, W - size + 1, 3, size, size)
        windows = np.lib.stride_tricks.sliding_window_view(photo, (size, size), axis=(0, 1))
        top = rng.integers(0, windows.shape[0], size=len(rows))
        left = rng.integers(0, windows.shape[1], size=len(rows))
        crops = windows[top, left]                                  # a copy: (rows, 3, size, size) uint8
        mirror = rng.random(len(rows)) < 0.5
        crops[mirror] = crops[mirror, :, :, ::-1]
        images[rows] = crops
    images /= np.float32(127.5)
    images -= np.float32(1.0)
    return (images, which.astype(np.int64)) if with_labels else images
