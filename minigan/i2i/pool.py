"""CycleGAN's image pool (Shrivastava et al. 2017, sec. 2.3; Zhu et al. 2017, sec. 4).

D is shown generated images drawn half from G's latest batch and half from a history of the
last ``size`` images G made, so it keeps being judged against older versions of G too; this damps
the oscillation in which D only ever answers the newest G and the two chase each other.

For each new image: while the pool is not full, store it and pass it on; afterwards, with
probability 1/2 pass it on unchanged, otherwise pass on a stored image chosen at random and put
the new one in its place. The pool draws from its own generator, so a seed fixes its choices.
"""
import numpy as np

from ..backend import get_array_module, to_numpy


class ImagePool:
    def __init__(self, size=50, seed=0):
        self.size = int(size)
        self.images = []                          # NumPy copies: the pool outlives any one batch
        self.rng = np.random.default_rng(seed)

    def query(self, images):
        """A batch of the same shape and backend: each image this batch's or one from the history."""
        if self.size == 0:
            return images
        xp = get_array_module(images)
        out = []
        for image in to_numpy(images):
            if len(self.images) < self.size:
                self.images.append(image.copy())
                out.append(image)
            elif self.rng.random() < 0.5:
                out.append(image)
            else:
                i = int(self.rng.integers(self.size))
                out.append(self.images[i])
                self.images[i] = image.copy()
        return xp.asarray(np.stack(out))
