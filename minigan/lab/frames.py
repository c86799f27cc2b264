"""What the page draws, as compact JSON-ready numbers: the plane, the curves and the histograms.

The plane uses the same two functions as the training snapshots (minigan/snapshots.py): D's
opinion over a grid, and minus G's loss gradient at each generated point.
"""
import copy

import numpy as np

from ..backend import to_backend, to_numpy
from ..nn.base import eval_mode, gradients_kept
from ..snapshots import d_opinion, generator_arrows

HEAT_SIZE = 24        # heat-map cells per side: 576 points through D per frame (drawn smoothed)
N_FAKE = 240          # generated points drawn on the plane


def plane(gan, fixed_noise, extent, mid_step):
    """Generated points, their arrows, and D's heat map over ``extent``.

    Between steps the GAN itself is used; in the middle of a staged step a copy is, because a
    forward pass would overwrite the caches the next stage's backward pass reads."""
    if mid_step:
        gan = copy.deepcopy(gan)
    # D's gradients are kept for the layer histograms (the arrows' backward pass would clear them).
    with eval_mode(gan.G, gan.D), gradients_kept(gan.D):
        fake = gan.generate(z=to_backend(fixed_noise, gan.backend))
        arrows = generator_arrows(gan, fake)
        xmin, xmax, ymin, ymax = extent
        # cell centres, row by row from the bottom (y = ymin) up
        xs = xmin + (np.arange(HEAT_SIZE) + 0.5) * (xmax - xmin) / HEAT_SIZE
        ys = ymin + (np.arange(HEAT_SIZE) + 0.5) * (ymax - ymin) / HEAT_SIZE
        gx, gy = np.meshgrid(xs, ys)
        grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
        values = d_opinion(gan)(grid)     # in eval mode a packing D judges each point on its own
    fake = to_numpy(fake).astype(np.float64)
    return {"fake": flat(fake, 3), "arrows": flat(_unit(arrows), 2), "heat": _heat(values)}


def _unit(arrows):
    arrows = np.asarray(arrows, dtype=np.float64)
    length = np.linalg.norm(arrows, axis=1, keepdims=True)
    ok = np.isfinite(length) & (length > 0)
    return np.divide(arrows, length, out=np.zeros_like(arrows), where=ok)


def _heat(values):
    """D's output as 0..255 per cell. Probabilities map straight; scores (WGAN, hinge, least
    squares) are squashed around 0.5 so colours keep their meaning: above the middle = 'real'."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    v = np.where(np.isfinite(v), v, 0.5)
    if v.min() < 0 or v.max() > 1:
        half = max(float(np.abs(v - 0.5).max()), 1e-12)
        v = 0.5 + 0.5 * (v - 0.5) / half
    return np.round(v * 255).astype(int).tolist()


def flat(a, decimals):
    a = np.asarray(a, dtype=np.float64)
    return np.round(np.where(np.isfinite(a), a, 0.0), decimals).reshape(-1).tolist()


def histograms(model, layer, bins=24):
    """Histograms of one layer's weights and gradients: {param: {weights: {...}, grads: {...}}}."""
    out = {}
    for name, p in model.named_parameters():
        if (name.rpartition(".")[0] or name) != layer:
            continue
        short = name.rpartition(".")[2]
        out[short] = {"shape": list(p.data.shape), "weights": _hist(to_numpy(p.data), bins),
                      "grads": _hist(to_numpy(p.grad), bins)}
    return out


def _hist(a, bins):
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return {"counts": [], "edges": [], "mean": None, "std": None}
    counts, edges = np.histogram(a, bins=bins)
    return {"counts": counts.tolist(), "edges": np.round(edges, 6).tolist(),
            "mean": float(a.mean()), "std": float(a.std())}


class Thinned:
    """A bounded history: one row every ``every`` steps; past ``limit`` rows, every other row is
    dropped and ``every`` doubles, so a long run keeps its whole shape in a few hundred points."""

    def __init__(self, columns, limit=400):
        self.columns, self.limit, self.every = columns, limit, 1
        self.rows = {c: [] for c in columns}

    def add(self, step, values):
        if step % self.every:
            return
        self.rows["step"].append(step)
        for c in self.columns[1:]:
            v = float(values[c])
            self.rows[c].append(round(v, 5) if np.isfinite(v) else None)
        if len(self.rows["step"]) > self.limit:
            self.rows = {c: v[::2] for c, v in self.rows.items()}
            self.every *= 2
