"""The unit of work the step benchmarks time: one whole ``GAN.step`` of the seed DCGAN.

G makes a fake batch, D takes a step on a real and that fake batch (one Adam update), then G takes
a step through the updated D on the same fake batch (one Adam update). The real batch is random
numbers in [-1, 1]: the data loader is not part of the step.
"""
import numpy as np

import minigan
from minigan.backend import get_xp, synchronize
from minigan.presets import get_preset

PRESET = "dcgan-mnist"
IMAGE = (1, 28, 28)


def real_batch(batch, xp, seed=0):
    """A batch of random 'images' in [-1, 1], float32, on the array module ``xp``."""
    rng = np.random.default_rng(seed)
    return xp.asarray(rng.uniform(-1, 1, (batch, *IMAGE)).astype(np.float32))


class MiniganStep:
    """One ``GAN.step`` of the preset on a fixed real batch, synchronised so a clock can be read."""

    def __init__(self, batch, backend="numpy", seed=0):
        minigan.seed(seed)
        self.xp = get_xp(backend)
        self.gan = get_preset(PRESET).build(backend)
        self.real = real_batch(batch, self.xp, seed)

    def __call__(self):
        record = self.gan.step(self.real)
        synchronize(self.xp)
        return record

    def num_parameters(self):
        return self.gan.G.num_parameters() + self.gan.D.num_parameters()
