"""The data and the GANs the applications use: MNIST split by position, GANs trained on parts of it.

Only MNIST's 10,000-image test file is assumed to be at hand (as in the tests and CI). It is cut
the way the shipped classifier cuts it (minigan.metrics.classifier.split): the first 8,000 images
are the training part, the last 2,000 are held out. No experiment here trains on a held-out image.
"""
import os
from dataclasses import replace

import numpy as np

from .. import rng as _rng
from ..data.mnist import load_mnist
from ..metrics.classifier import split
from ..presets import cdcgan_mnist_concat_D, get_preset
from ..train import Run, labelled_stream, load_gan


def mnist_parts(data_dir=None):
    """((train images, labels), (held-out images, labels)) from the 10,000-image test file, never
    downloading: the first 8,000 and the last 2,000. Raises DatasetNotFound without the file."""
    images, labels = load_mnist("test", data_dir=data_dir, download=False)
    return split(images, labels)


def without_class(images, labels, anomaly=9):
    """The normal data for anomaly detection: every image whose label is not ``anomaly``."""
    keep = labels != anomaly
    return images[keep], labels[keep]


def train_gan(preset, images, labels, out, steps, seed=0, log=None):
    """Train ``preset`` (a name, e.g. "dcgan-mnist") on these arrays with the ordinary training loop
    (``minigan.train.Run``), then load it back from the checkpoint the way ``minigan sample`` does.

    Returns (gan, checkpoint path). An existing finished run in ``out`` is loaded, not retrained.
    """
    ckpt = os.path.join(out, "checkpoint.npz")
    if not os.path.exists(ckpt):
        Run(preset, out=out, steps=steps, seed=seed, data=(images, labels), progress=False,
            log=log or (lambda msg: None)).train()
    gan, header, _ = load_gan(ckpt)
    if header["step"] != steps:
        raise ValueError(f"{ckpt} holds a run of {header['step']} steps, not {steps}; delete it or pick another folder")
    gan.G.eval()
    gan.D.eval()
    return gan, ckpt


def per_class(labels, n, seed, classes=10):
    """Indices of ``n`` examples of each class, drawn at random (by ``seed``) from ``labels``."""
    rng = np.random.default_rng(seed)
    picks = []
    for k in range(classes):
        pool = np.flatnonzero(labels == k)
        if len(pool) < n:
            raise ValueError(f"class {k} has only {len(pool)} examples; {n} asked for")
        picks.append(rng.choice(pool, n, replace=False))
    return np.sort(np.concatenate(picks))


def cdcgan_mnist_bn():
    """cdcgan-mnist (BatchNorm in G) with the label-map D instead of the preset's projection D: the
    recipe of the augmentation experiment, built here and not registered as a preset.

    Why: on 1,000 labelled images cdcgan-mnist, then without BatchNorm in G, collapsed in our runs (D
    right about everything within ~30 steps, G drawing black squares), as dcgan-mnist did on the 0-8
    digits, while the BatchNorm generator trained. D stays the label-map D of those runs (the results
    recorded in experiments/applications/results/applications.md); the preset has since moved to a projection D."""
    base = get_preset("cdcgan-mnist")
    return replace(base, name="cdcgan-mnist-bn", build_D=cdcgan_mnist_concat_D,
                   description="cdcgan-mnist with the label-map D (one-hot maps beside D's input)")


def train_in_memory(preset, images, labels, steps, seed=0):
    """The training loop reduced to its core, for presets that are not registered (so Run cannot
    save and reload them): seed, shuffled batches, ``gan.step``. Returns the GAN in eval mode."""
    _rng.seed(seed)
    stream = labelled_stream(images, labels, preset.batch_size, seed, "numpy", preset.conditional)
    gan = preset.build()
    for _ in range(steps):
        gan.step(stream.next())
    gan.G.eval()
    gan.D.eval()
    return gan
