"""One entry point for the image data sets a preset can name: ``load_dataset(name)``."""
import sys

import numpy as np

from .arrays import LUMA
from .digits import load_digits
from .mnist import DatasetNotFound, _find_split, load_fashion_mnist, load_mnist, search_dirs
from .photos import load_photo_crops

IMAGE_DATASETS = ("digits", "mnist", "fashion-mnist", "photo-crops")


def load_dataset(name, data_dir=None, with_labels=False, log=None, image_size=None, channels=None):
    """Images (N, C, H, W) in [-1, 1] (and labels when asked) for "digits", "mnist", "fashion-mnist"
    or "photo-crops" (random crops of two sample photos, ``image_size`` square, default 32; in
    colour, or grey with ``channels=1``; labelled 0 china, 1 flower).

    For MNIST and Fashion-MNIST the training split is used; where only the 10,000-image test
    split is at hand (e.g. a folder holding just t10k-*), that is used instead. Either way one
    line on ``log`` (default: stderr) says which split, how many images and from where.
    """
    log = log or (lambda msg: print(msg, file=sys.stderr))
    if name == "digits":
        images, labels = load_digits()
    elif name in ("mnist", "fashion-mnist"):
        images, labels = _load_idx_dataset(name, data_dir, log)
    elif name == "photo-crops":
        images, labels = load_photo_crops(size=image_size or 32, with_labels=True)
        if channels == 1:      # grey, weighted as Pillow's "L" conversion weighs the colours
            images = np.tensordot(LUMA, images, axes=([0], [1]))[:, None].astype(np.float32)
    else:
        raise ValueError(f"unknown image data set {name!r}; choose one of {IMAGE_DATASETS}")
    return (images, labels) if with_labels else images


def _load_idx_dataset(name, data_dir, log):
    """The training split of MNIST or Fashion-MNIST, else its test split; one line says which.

    Training on the test split is a fallback for a machine that has only t10k-*: the image
    metrics compare samples with that same split then, so its figures flatter the generator."""
    loader = load_mnist if name == "mnist" else load_fashion_mnist
    dirs = search_dirs(name, data_dir)
    found = _find_split(dirs, "train")
    if found is None and _find_split(dirs, "test") is not None:
        found = _find_split(dirs, "test")
        images, labels = loader("test", data_dir)
        log(f"minigan: no {name} training split found; training on the {len(images):,}-image test split "
            f"from {found[0].parent} (the image metrics compare with that same split, so they will flatter G)")
        return images, labels
    images, labels = loader("train", data_dir)   # downloads it if it is nowhere
    where = found[0].parent if found else search_dirs(name, data_dir)[0]
    log(f"minigan: training on the {name} training split ({len(images):,} images from {where})")
    return images, labels


__all__ = ["load_dataset", "IMAGE_DATASETS", "DatasetNotFound"]
