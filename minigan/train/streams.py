"""Data streams for a run: endless batches that a checkpoint can resume exactly.

A stream has ``next()`` (one batch on the run's backend), ``state()`` / ``load_state()`` (what a
checkpoint stores), ``steps_per_epoch`` (None for data drawn afresh) and ``reference(n)`` (real
samples, for pictures and the collapse check).
"""
import numpy as np

from ..backend import to_backend


class MixtureStream:
    """Batches drawn fresh from a 2D mixture. Draws use the global generator, which the
    checkpoint saves, so nothing else needs remembering."""

    steps_per_epoch = None

    def __init__(self, mixture, batch_size, backend):
        self.mixture, self.batch_size, self.backend = mixture, batch_size, backend

    def next(self):
        return self.mixture.sample(self.batch_size, backend=self.backend)

    def state(self):
        return {}

    def load_state(self, state):
        pass

    def reference(self, n=2000):
        return self.mixture.sample(n, rng=np.random.default_rng(0))


class ArrayStream:
    """Shuffled epochs over an in-memory array. Its own generator (seeded from the run's seed)
    fixes the order; the state is (epoch, position, generator state at the epoch's start)."""

    def __init__(self, images, batch_size, seed, backend):
        if len(images) < batch_size:
            raise ValueError(f"batch size {batch_size} is larger than the data set ({len(images)} images)")
        self.images, self.batch_size, self.backend = images, batch_size, backend
        self.rng = np.random.default_rng(seed)
        self.steps_per_epoch = len(images) // batch_size
        self.epoch, self.pos = 0, 0
        self._new_order()

    def _new_order(self):
        self._epoch_state = self.rng.bit_generator.state
        self.order = self.rng.permutation(len(self.images))

    def next(self):
        if self.pos + self.batch_size > len(self.images):   # drop the short last batch, start a new epoch
            self.epoch, self.pos = self.epoch + 1, 0
            self._new_order()
        idx = self.order[self.pos:self.pos + self.batch_size]
        self.pos += self.batch_size
        return to_backend(self.images[idx], self.backend)

    def state(self):
        return {"epoch": self.epoch, "pos": self.pos, "rng": self._epoch_state}

    def load_state(self, state):
        self.rng.bit_generator.state = state["rng"]
        self._new_order()
        self.epoch, self.pos = state["epoch"], state["pos"]

    def reference(self, n=2000):
        return self.images[:n]


def make_stream(dataset, batch_size, seed, backend, data_dir=None, conditional=False, image_size=None, channels=None):
    """The stream for a data set by name: a 2D mixture, or images (with labels for a conditional GAN);
    ``image_size`` and ``channels`` shape the data sets that can be cut to any size (photo-crops)."""
    from ..data import get_mixture, MIXTURES
    if dataset in MIXTURES:
        return MixtureStream(get_mixture(dataset), batch_size, backend)
    from ..data import load_dataset
    images, labels = load_dataset(dataset, data_dir=data_dir, with_labels=True, image_size=image_size,
                                  channels=channels)
    return labelled_stream(images, labels, batch_size, seed, backend, conditional)


def check_pixels(images):
    """Refuse training images that hold values outside [-1, 1] or NaN/Inf, counting them."""
    with np.errstate(invalid="ignore"):
        bad = sum(int(np.count_nonzero(~(np.abs(images[i:i + 4096]) <= 1.001)))   # NaN compares False
                  for i in range(0, len(images), 4096))
    if bad:
        raise ValueError(f"training data: {bad} of {images.size} values are not finite numbers in [-1, 1]")


def labelled_stream(images, labels, batch_size, seed, backend, conditional=False):
    """Shuffled epochs over in-memory images; a conditional GAN's carry their labels along."""
    check_pixels(images)
    if conditional:   # each image with its label channel (nn/conditional.py), shuffled together
        from ..nn.conditional import label_channel
        images = label_channel(images, labels)
    return ArrayStream(images, batch_size, seed, backend)
