"""The lab's training data: one of the library's 2D mixtures, or a distribution drawn with the mouse."""
import numpy as np

from ..data import get_mixture

DRAWN_SIGMA = 0.02    # each drawn point becomes a small Gaussian, so G has an area to aim at


class LabData:
    """Batches for the lab's GAN, drawn from the lab's own generator ``rng``.

    ``mixture`` is set for the built-in mixtures (the mode metrics need its centres); a drawn
    distribution is the drawn points, each blurred by N(0, DRAWN_SIGMA^2 I)."""

    def __init__(self, name, points=None):
        self.name = name
        self.mixture = None if points is not None else get_mixture(name)
        self.points = None if points is None else np.asarray(points, dtype=np.float64)

    def sample(self, n, rng):
        if self.mixture is not None:
            return self.mixture.sample(n, rng=rng, backend="numpy")
        picks = self.points[rng.integers(0, len(self.points), size=int(n))]
        return (picks + rng.standard_normal((int(n), 2)) * DRAWN_SIGMA).astype(np.float32)

    def reference(self, n=240):
        """A fixed set of real points to draw on the plane (the same in every frame)."""
        if getattr(self, "_reference", None) is None or len(self._reference) != n:
            self._reference = self.sample(n, np.random.default_rng(0))
        return self._reference

    def extent(self, margin=0.15):
        """The plane's box (xmin, xmax, ymin, ymax): the data's bounding box, padded, made square."""
        ref = self.mixture.centers if self.mixture is not None else self.points
        lo, hi = ref.min(axis=0), ref.max(axis=0)
        centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2, 0.5)
        half *= 1 + 2 * margin
        return [float(centre[0] - half), float(centre[0] + half), float(centre[1] - half), float(centre[1] + half)]
