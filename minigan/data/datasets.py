"""One entry point for the image data sets a preset can name: ``load_dataset(name)``."""
import sys

from .digits import load_digits
from .mnist import DatasetNotFound, _find_split, load_fashion_mnist, load_mnist, search_dirs

IMAGE_DATASETS = ("digits", "mnist", "fashion-mnist")


def load_dataset(name, data_dir=None, with_labels=False, log=None):
    """Images (N, C, H, W) in [-1, 1] (and labels when asked) for "digits", "mnist" or "fashion-mnist".

    For MNIST and Fashion-MNIST the training split is used; where only the 10,000-image test
    split is at hand (e.g. a folder holding just t10k-*), that is used instead, and said so.
    """
    log = log or (lambda msg: print(msg, file=sys.stderr))
    if name == "digits":
        images, labels = load_digits()
    elif name in ("mnist", "fashion-mnist"):
        loader = load_mnist if name == "mnist" else load_fashion_mnist
        dirs = search_dirs(name, data_dir)
        if _find_split(dirs, "train") is None and _find_split(dirs, "test") is not None:
            log(f"minigan: no {name} training split found; using the 10,000-image test split")
            images, labels = loader("test", data_dir)
        else:
            images, labels = loader("train", data_dir)
    else:
        raise ValueError(f"unknown image data set {name!r}; choose one of {IMAGE_DATASETS}")
    return (images, labels) if with_labels else images


__all__ = ["load_dataset", "IMAGE_DATASETS", "DatasetNotFound"]
