"""The 2D game in one picture, in the style of GAN Lab (Kahng et al. 2018): D's opinion as a heat
map, real and generated points, and the direction G's loss pushes each generated point."""
import numpy as np
from matplotlib.colors import Normalize

from ..backend import to_numpy
from .base import FAKE_COLOR, FIELD_CMAP, REAL_COLOR, agg_figure, prepare_path, pyplot_axes


def _points(a, what):
    a = np.asarray(to_numpy(a), dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"field_figure: {what} must have shape (N, 2), got {a.shape}")
    return a


def default_extent(real, margin=0.15):
    """A box (xmin, xmax, ymin, ymax) around ``real`` points, padded by ``margin`` of its size."""
    real = _points(real, "real")
    lo, hi = real.min(axis=0), real.max(axis=0)
    # A single point (or a line) has no size to pad by: fall back to one unit.
    pad = np.maximum((hi - lo) * margin, 0.5)
    return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])


def field_figure(real, fake, d_fn=None, arrows=None, extent=None, ax=None, title=None, resolution=120,
                 paths=None):
    """Draw a GAN-Lab-style picture of the 2D game and return the Axes.

    real, fake  (N, 2) arrays: data points (green) and generated points (purple).
    d_fn        optional ``d_fn(points) -> values``: ``points`` is a NumPy float32 array (M, 2)
                of grid positions, the result has M values, typically D's probability that a
                point is real. It is drawn as a heat map on a diverging colour scale centred at
                0.5, where D cannot tell real from fake. (A D on the GPU must move ``points``
                there itself; the result may be NumPy or CuPy.)
    arrows      optional (N_fake, 2): for each generated point, the direction the generator's
                loss pushes it, i.e. minus dLoss_G/dx. Arrow lengths are NORMALISED (every
                arrow is drawn the same length) so the directions stay readable; they show
                where the points move, not how fast.
    extent      (xmin, xmax, ymin, ymax); defaults to a padded box around the real points.
                It ignores the generated points on purpose: across the frames of an animation
                the view must stay still while the fake points travel.
    resolution  grid points per side for the heat map (resolution**2 calls of D in one batch).
    paths       optional (K, T, 2): K walks of T generated points each (e.g. a latent
                interpolation), each drawn as a line from its first point to its last.
    """
    real = _points(real, "real")
    fake = _points(fake, "fake")
    xmin, xmax, ymin, ymax = default_extent(real) if extent is None else extent
    if ax is None:
        ax = pyplot_axes((6, 5))

    if d_fn is not None:
        _draw_opinion(ax, d_fn, (xmin, xmax, ymin, ymax), resolution)

    # Light fills with dark edges stay visible on both ends of the colour scale.
    ax.scatter(real[:, 0], real[:, 1], s=16, c=REAL_COLOR, edgecolors="black", linewidths=0.6,
               label="real", zorder=3)
    ax.scatter(fake[:, 0], fake[:, 1], s=16, c=FAKE_COLOR, edgecolors="black", linewidths=0.6,
               label="generated", zorder=3)

    if arrows is not None:
        _draw_arrows(ax, fake, arrows, size=0.06 * max(xmax - xmin, ymax - ymin))
    if paths is not None:
        for i, path in enumerate(np.asarray(to_numpy(paths), dtype=np.float64)):
            ax.plot(path[:, 0], path[:, 1], color="black", linewidth=1, alpha=0.7, zorder=4,
                    label="latent walk" if i == 0 else None)

    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
    if title:
        ax.set_title(title)
    return ax


def _draw_opinion(ax, d_fn, extent, resolution):
    """D's opinion over the plane as a heat map, with its colour bar."""
    xmin, xmax, ymin, ymax = extent
    xs = np.linspace(xmin, xmax, resolution)
    ys = np.linspace(ymin, ymax, resolution)
    gx, gy = np.meshgrid(xs, ys)  # row i holds y = ys[i], matching imshow(origin="lower")
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    values = np.asarray(to_numpy(d_fn(grid)), dtype=np.float64).reshape(-1)
    if values.size != grid.shape[0]:
        raise ValueError(f"field_figure: d_fn must return one value per point ({grid.shape[0]}), "
                         f"got {values.size}")
    # Probabilities get a fixed 0..1 scale so colours mean the same thing in every frame;
    # anything else (e.g. logits) gets a scale symmetric about 0.5.
    finite = values[np.isfinite(values)]
    if finite.size == 0 or (finite.min() >= 0.0 and finite.max() <= 1.0):
        norm = Normalize(0.0, 1.0)
    else:
        half = float(np.abs(finite - 0.5).max())
        norm = Normalize(0.5 - half, 0.5 + half)
    image = ax.imshow(values.reshape(resolution, resolution), origin="lower",
                      extent=(xmin, xmax, ymin, ymax), cmap=FIELD_CMAP, norm=norm,
                      interpolation="bilinear", aspect="auto", alpha=0.85)
    ax.figure.colorbar(image, ax=ax, label="D(x)")


def _draw_arrows(ax, fake, arrows, size):
    """One arrow of length ``size`` at each generated point, along its (dx, dy)."""
    arrows = np.asarray(to_numpy(arrows), dtype=np.float64)
    if arrows.shape != fake.shape:
        raise ValueError(f"field_figure: arrows must have one (dx, dy) per generated point, "
                         f"shape {fake.shape}, got {arrows.shape}")
    length = np.linalg.norm(arrows, axis=1, keepdims=True)
    # Unit directions; a zero (or non-finite) gradient draws no arrow instead of a NaN.
    ok = np.isfinite(length) & (length > 0)
    unit = np.divide(arrows, length, out=np.zeros_like(arrows), where=ok)
    ax.quiver(fake[:, 0], fake[:, 1], unit[:, 0] * size, unit[:, 1] * size,
              angles="xy", scale_units="xy", scale=1.0, width=0.004,
              color="black", alpha=0.7, zorder=4)


def save_field(path, *args, **kwargs):
    """Draw ``field_figure(*args, **kwargs)`` into a new figure, save it as a PNG, return the path."""
    fig = agg_figure((6, 5))
    field_figure(*args, ax=fig.add_subplot(), **kwargs)
    fig.tight_layout()
    path = prepare_path(path)
    fig.savefig(path, format="png", dpi=100)
    return path
