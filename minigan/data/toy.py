"""2D toy mixtures of Gaussians, the standard test bed for mode collapse.

We follow the protocol of PacGAN (Lin et al. 2018, "PacGAN: The power of two
samples in generative adversarial networks"):

* ``ring8``  - 8 Gaussians evenly spaced on a circle of radius 1, sigma 0.01;
* ``grid25`` - 25 Gaussians on the grid {-4, -2, 0, 2, 4}^2, sigma 0.05.

The modes are tiny and far apart, so a generator that collapses onto a few of
them is easy to spot, and ``minigan.metrics.mode_metrics`` can count them.
"""
from dataclasses import dataclass

import numpy as np

from ..backend import default_backend, to_backend
from ..rng import get_rng


# eq=False: the dataclass' generated __eq__/__hash__ would compare arrays, which
# is ambiguous; two mixtures are "the same" only if they are the same object.
@dataclass(frozen=True, eq=False)
class Mixture:
    """An equal-weight mixture of isotropic 2D Gaussians."""

    name: str
    centers: np.ndarray  # (K, 2) float64, one row per mode
    sigma: float         # standard deviation of every mode, in each coordinate

    def __post_init__(self):
        centers = np.array(self.centers, dtype=np.float64)  # a private copy...
        if centers.ndim != 2 or centers.shape[1] != 2:
            raise ValueError(f"mixture {self.name!r}: centers must have shape (K, 2), got {centers.shape}")
        centers.setflags(write=False)  # ...made read-only, so "frozen" really means frozen
        object.__setattr__(self, "centers", centers)
        object.__setattr__(self, "sigma", float(self.sigma))

    @property
    def n_modes(self):
        return len(self.centers)

    def sample(self, n, rng=None, backend=None, dtype=np.float32):
        """Draw ``n`` points: pick a mode uniformly at random, then add N(0, sigma^2 I) noise.

        Draws happen on the CPU from ``get_rng(rng)`` so one seed gives the same points on
        every backend; the result is then moved to ``backend`` (default: MINIGAN_BACKEND).
        """
        rng = get_rng(rng)
        modes = rng.integers(0, self.n_modes, size=int(n))
        noise = rng.standard_normal((int(n), 2)) * self.sigma
        points = (self.centers[modes] + noise).astype(dtype)
        return to_backend(points, backend or default_backend())


def _ring(k=8, radius=1.0):
    angles = 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _grid(values=(-4, -2, 0, 2, 4)):
    xs, ys = np.meshgrid(values, values, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


RING8 = Mixture("ring8", _ring(8, 1.0), 0.01)
GRID25 = Mixture("grid25", _grid(), 0.05)

MIXTURES = {"ring8": RING8, "grid25": GRID25}


def get_mixture(name):
    """The registered mixture called ``name`` ("ring8" or "grid25")."""
    try:
        return MIXTURES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown toy mixture {name!r}; choose one of {sorted(MIXTURES)}") from None
