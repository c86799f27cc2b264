"""scikit-learn's bundled 8x8 handwritten digits: a real image data set that needs no download.

1,797 grey-scale images with pixel values 0..16. Small enough that a GAN trains on it in
seconds on a laptop CPU, which makes it the first image data set of the chapters.
"""
import numpy as np


def load_digits():
    """``(images, labels)``: float32 (1797, 1, 8, 8) scaled from 0..16 to [-1, 1], and int64."""
    from sklearn.datasets import load_digits as _sklearn_digits  # imported here: sklearn is slow to import

    bunch = _sklearn_digits()
    images = bunch.images.astype(np.float32).reshape(-1, 1, 8, 8) / 8.0 - 1.0
    assert images.min() >= -1.0 and images.max() <= 1.0, "digits must lie in [-1, 1]"
    return images, bunch.target.astype(np.int64)
