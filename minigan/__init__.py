"""minigan: a from-scratch, autograd-free GAN library for learning and teaching."""
from .backend import get_array_module, synchronize, to_numpy
from .rng import get_rng, seed

__version__ = "0.1.0"
