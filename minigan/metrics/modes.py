"""Mode coverage for 2D toy mixtures, as in PacGAN (Lin et al. 2018).

Given generated points and the true modes, PacGAN reports three numbers
(over 2,500 generated samples):

* ``modes``        - how many modes received at least one high-quality sample;
* ``high_quality`` - the percentage of samples within 3 sigma of their nearest mode;
* ``reverse_kl``   - KL(q || p), where q is the histogram of the high-quality samples
  over the modes and p is the uniform distribution the real data follows.

"Reverse" KL because the generator's distribution comes first: it is small when the
generated points spread evenly over the modes, and large when they pile onto a few.
"""
import numpy as np

from ..backend import to_numpy


def mode_metrics(samples, mixture_or_centers, sigma=None):
    """PacGAN's mode statistics for generated 2D ``samples`` (N, 2), NumPy or CuPy.

    ``mixture_or_centers`` is a ``minigan.data.Mixture`` (its ``sigma`` is used unless
    ``sigma`` is given) or an array of centers (K, 2), in which case ``sigma`` is required.

    Returns a dict with ``modes`` (int), ``high_quality`` (percent, 0-100), ``reverse_kl``
    (nats), ``counts`` (high-quality samples per mode, a list of K ints) and ``n_samples``.

    With no high-quality samples at all q is undefined; we then report log(K), the KL of
    a q that sits on a single mode (the worst value any real histogram can reach), so
    "nothing landed on a mode" never looks better than "everything landed on one mode".
    """
    if hasattr(mixture_or_centers, "centers"):
        centers = mixture_or_centers.centers
        sigma = mixture_or_centers.sigma if sigma is None else sigma
    else:
        centers = mixture_or_centers
        if sigma is None:
            raise ValueError("mode_metrics: pass sigma when giving bare centers (or pass a Mixture)")
    centers = np.asarray(to_numpy(centers), dtype=np.float64)
    points = np.asarray(to_numpy(samples), dtype=np.float64)
    if centers.ndim != 2 or centers.shape[1] != 2 or len(centers) == 0:
        raise ValueError(f"mode_metrics: centers must have shape (K, 2) with K >= 1, got {centers.shape}")
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"mode_metrics: samples must have shape (N, 2), got {points.shape}")
    k, n = len(centers), len(points)

    # Distance from every sample to every mode: (N, 1, 2) - (1, K, 2) -> (N, K).
    dist = np.linalg.norm(points[:, None, :] - centers[None, :, :], axis=2)
    nearest = dist.argmin(axis=1) if n else np.zeros(0, dtype=np.int64)
    # NaN distances (a diverged generator) compare False, so such points are never high quality.
    good = dist[np.arange(n), nearest] <= 3.0 * float(sigma)

    counts = np.bincount(nearest[good], minlength=k)
    n_good = int(counts.sum())
    if n_good == 0:
        reverse_kl = float(np.log(k))
    else:
        q = counts / n_good
        q = q[q > 0]  # 0 * log 0 = 0: empty modes add nothing to KL(q || p)
        reverse_kl = float(np.sum(q * np.log(q * k)))  # log(q / p) with p = 1/K
    return {
        "modes": int(np.count_nonzero(counts)),
        "high_quality": 100.0 * n_good / n if n else 0.0,
        "reverse_kl": reverse_kl,
        "counts": counts.tolist(),
        "n_samples": n,
    }
