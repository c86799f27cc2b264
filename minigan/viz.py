"""Every picture minigan draws: 2D field plots, sample grids, training curves, GIFs.

Inputs may be NumPy or CuPy arrays; everything is moved to the CPU with ``to_numpy``
before matplotlib or Pillow sees it.

Who owns the figure:

* Functions that take ``ax`` draw into it and leave the figure to you, so notebooks
  can compose several pictures in one figure.
* Given no ``ax``, a drawing function opens a pyplot figure, so it shows up in a
  notebook cell. Library code never calls ``plt.show()``.
* Functions that save a file build a bare ``Figure`` on the Agg canvas, outside
  pyplot: a training loop can write hundreds of frames with no display and without
  pyplot keeping every figure alive. They return the path they wrote.
"""
import csv
import io
import math
import os

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from PIL import Image

from .backend import to_numpy

# GAN Lab's colours: green means "real", purple means "generated". The heat map uses the
# same diverging palette, so a green region is one where D says "real".
FIELD_CMAP = "PiYG"
REAL_COLOR = "#7fd34e"
FAKE_COLOR = "#c77cff"


# --------------------------------------------------------------------------- helpers

def _agg_figure(figsize):
    """A figure that lives outside pyplot and renders with Agg (no display needed)."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def _pyplot_axes(figsize):
    # Imported here so that saving files never touches pyplot's global state.
    import matplotlib.pyplot as plt
    _, ax = plt.subplots(figsize=figsize)
    return ax


def _prepare_path(path):
    """Make the parent folder of ``path`` so callers can write into fresh run folders."""
    path = os.fspath(path)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    return path


def _points(a, what):
    a = np.asarray(to_numpy(a), dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"field_figure: {what} must have shape (N, 2), got {a.shape}")
    return a


# --------------------------------------------------------------------------- 2D fields

def default_extent(real, margin=0.15):
    """A box (xmin, xmax, ymin, ymax) around ``real`` points, padded by ``margin`` of its size."""
    real = _points(real, "real")
    lo, hi = real.min(axis=0), real.max(axis=0)
    # A single point (or a line) has no size to pad by: fall back to one unit.
    pad = np.maximum((hi - lo) * margin, 0.5)
    return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])


def field_figure(real, fake, d_fn=None, arrows=None, extent=None, ax=None, title=None, resolution=120):
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
    """
    real = _points(real, "real")
    fake = _points(fake, "fake")
    xmin, xmax, ymin, ymax = default_extent(real) if extent is None else extent
    if ax is None:
        ax = _pyplot_axes((6, 5))

    if d_fn is not None:
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

    # Light fills with dark edges stay visible on both ends of the colour scale.
    ax.scatter(real[:, 0], real[:, 1], s=16, c=REAL_COLOR, edgecolors="black", linewidths=0.6,
               label="real", zorder=3)
    ax.scatter(fake[:, 0], fake[:, 1], s=16, c=FAKE_COLOR, edgecolors="black", linewidths=0.6,
               label="generated", zorder=3)

    if arrows is not None:
        arrows = np.asarray(to_numpy(arrows), dtype=np.float64)
        if arrows.shape != fake.shape:
            raise ValueError(f"field_figure: arrows must have one (dx, dy) per generated point, "
                             f"shape {fake.shape}, got {arrows.shape}")
        length = np.linalg.norm(arrows, axis=1, keepdims=True)
        # Unit directions; a zero (or non-finite) gradient draws no arrow instead of a NaN.
        ok = np.isfinite(length) & (length > 0)
        unit = np.divide(arrows, length, out=np.zeros_like(arrows), where=ok)
        size = 0.06 * max(xmax - xmin, ymax - ymin)
        ax.quiver(fake[:, 0], fake[:, 1], unit[:, 0] * size, unit[:, 1] * size,
                  angles="xy", scale_units="xy", scale=1.0, width=0.004,
                  color="black", alpha=0.7, zorder=4)

    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
    if title:
        ax.set_title(title)
    return ax


def save_field(path, *args, **kwargs):
    """Draw ``field_figure(*args, **kwargs)`` into a new figure, save it as a PNG, return the path."""
    fig = _agg_figure((6, 5))
    field_figure(*args, ax=fig.add_subplot(), **kwargs)
    fig.tight_layout()
    path = _prepare_path(path)
    fig.savefig(path, format="png", dpi=100)
    return path


# --------------------------------------------------------------------------- frames and GIFs

def figure_to_array(fig):
    """Render a matplotlib figure to a uint8 RGB array (H, W, 3), e.g. a GIF frame.

    Goes through an in-memory PNG, which works whatever canvas (backend) the figure has.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB"))


def save_gif(frames, path, duration_ms=200):
    """Write ``frames`` (uint8 arrays (H, W) / (H, W, 3), or PNG paths) as a GIF that loops forever.

    All frames must have the same size. Note that Pillow merges identical consecutive frames
    into one longer frame. Returns the path.
    """
    images = []
    for i, frame in enumerate(frames):
        if isinstance(frame, (str, os.PathLike)):
            with Image.open(frame) as im:
                im = im.convert("RGB")
        else:
            arr = np.asarray(to_numpy(frame))
            if arr.dtype != np.uint8:
                raise ValueError(f"save_gif: frame {i} must be uint8 (see image_grid / figure_to_array), "
                                 f"got {arr.dtype}")
            im = Image.fromarray(arr).convert("RGB")
        if images and im.size != images[0].size:
            raise ValueError(f"save_gif: frame {i} is {im.size[0]}x{im.size[1]} pixels but frame 0 is "
                             f"{images[0].size[0]}x{images[0].size[1]}; all frames must match")
        images.append(im)
    if not images:
        raise ValueError("save_gif: no frames to write")
    path = _prepare_path(path)
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                   duration=int(duration_ms), loop=0)  # loop=0: repeat forever
    return path


# --------------------------------------------------------------------------- image grids

def image_grid(images, nrow=None, pad=2, pad_value=128):
    """Tile images (N, C, H, W) with values in [-1, 1] into one uint8 picture.

    C is 1 (grey; the result is (H', W')) or 3 (colour; the result is (H', W', 3)); an
    (N, H, W) array counts as grey. Values are clipped to [-1, 1] and mapped linearly to
    0..255 (-1 -> 0, 1 -> 255). ``nrow`` is the number of images per row, by default
    ceil(sqrt(N)). Images are separated, and framed, by ``pad`` pixels of ``pad_value``
    (mid grey, visible on both black and white backgrounds). NaNs, from a generator
    that has diverged, are drawn black.
    """
    x = np.asarray(to_numpy(images), dtype=np.float64)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] not in (1, 3) or x.shape[0] == 0:
        raise ValueError(f"image_grid: images must have shape (N, C, H, W) with N >= 1 and C in (1, 3), "
                         f"got {x.shape}")
    n, c, h, w = x.shape
    ncol = int(nrow) if nrow else math.ceil(math.sqrt(n))
    rows = math.ceil(n / ncol)

    pixels = np.rint((np.clip(np.nan_to_num(x, nan=-1.0), -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)
    pixels = pixels.transpose(0, 2, 3, 1)  # NCHW -> NHWC, the layout image files use

    grid = np.full((rows * (h + pad) + pad, ncol * (w + pad) + pad, c), pad_value, dtype=np.uint8)
    for i in range(n):
        top = pad + (i // ncol) * (h + pad)
        left = pad + (i % ncol) * (w + pad)
        grid[top:top + h, left:left + w] = pixels[i]
    return grid[:, :, 0] if c == 1 else grid


def save_image_grid(images, path, nrow=None, scale=1):
    """Save ``image_grid(images, nrow)`` as a PNG and return the path.

    ``scale`` enlarges the picture with nearest-neighbour resampling, so tiny images
    (8x8 digits) stay crisp and visible, e.g. ``scale=4``.
    """
    im = Image.fromarray(image_grid(images, nrow=nrow))
    if scale != 1:
        im = im.resize((im.width * int(scale), im.height * int(scale)), Image.NEAREST)
    path = _prepare_path(path)
    im.save(path, format="PNG")
    return path


# --------------------------------------------------------------------------- training curves

def _to_float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def load_metrics(metrics):
    """Columns of training metrics as a dict of float arrays.

    ``metrics`` is a path to a CSV file, a list of dicts (one per logged step) or a dict of
    lists. Missing or empty cells become NaN (some columns are logged less often than others);
    columns with no numbers at all (e.g. text) are dropped.
    """
    if isinstance(metrics, (str, os.PathLike)):
        with open(metrics, newline="") as f:
            metrics = list(csv.DictReader(f))
    if isinstance(metrics, dict):
        columns = {k: [_to_float(v) for v in vals] for k, vals in metrics.items()}
    else:
        rows = list(metrics)
        names = list(dict.fromkeys(k for row in rows for k in row))  # union, first-seen order
        columns = {k: [_to_float(row.get(k)) for row in rows] for k in names}
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()}
    return {k: a for k, a in arrays.items() if np.isfinite(a).any()}


def _smooth(y, window):
    """Trailing moving average: each point averages itself and the window-1 before it."""
    if window <= 1 or len(y) < window:
        return y
    kernel = np.ones(window) / window
    head = np.cumsum(y[:window - 1]) / np.arange(1, window)  # shorter windows at the start
    return np.concatenate([head, np.convolve(y, kernel, mode="valid")])


def _plot_trace(ax, step, y, window, label, positive=False, **style):
    """The raw trace, faint, with its moving average (the labelled line) on top."""
    keep = np.isfinite(step) & np.isfinite(y)
    if positive:  # a log axis cannot show zeros
        keep &= y > 0
    if not keep.any():
        return
    s, v = step[keep], y[keep]
    (raw,) = ax.plot(s, v, alpha=0.25, linewidth=0.8, **style)
    style["color"] = raw.get_color()  # the smooth line takes the raw trace's colour
    ax.plot(s, _smooth(v, window), linewidth=1.6, label=label, **style)


def plot_curves(metrics, path=None, smooth=None):
    """Plot a training run in three panels and return the Figure; save a PNG when ``path`` is given.

    ``metrics`` (path to ``metrics.csv``, list of dicts or dict of lists) needs ``step`` and
    may have ``d_loss``, ``g_loss``, ``d_real`` (mean D(x)), ``d_fake`` (mean D(G(z))) and any
    number of gradient-norm columns ``gnorm/D/<layer>`` and ``gnorm/G/<layer>``; other columns
    are ignored. Panels: the two losses; D's outputs on real and generated batches; gradient
    norms per layer on a log axis (G solid, D dashed). Each curve is a moving average over
    ``smooth`` logged rows (default: about 1/50 of them) drawn over its faint raw trace.
    """
    cols = load_metrics(metrics)
    if "step" not in cols:
        raise ValueError(f"plot_curves: metrics need a 'step' column; found {sorted(cols)}")
    step = cols["step"]
    window = int(smooth) if smooth else max(1, len(step) // 50)

    if path is None:
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=(8, 9))
    else:
        fig = _agg_figure((8, 9))
    ax_loss, ax_d, ax_g = fig.subplots(3, 1, sharex=True)

    for name, label in (("d_loss", "D loss"), ("g_loss", "G loss")):
        if name in cols:
            _plot_trace(ax_loss, step, cols[name], window, label)
    ax_loss.set_ylabel("loss")
    ax_loss.set_title("losses")

    for name, label in (("d_real", "D(x), real"), ("d_fake", "D(G(z)), generated")):
        if name in cols:
            _plot_trace(ax_d, step, cols[name], window, label)
    # At the game's equilibrium D cannot tell the two apart and outputs 0.5 for both.
    ax_d.axhline(0.5, color="grey", linestyle=":", linewidth=1)
    ax_d.set_ylabel("mean D output")
    ax_d.set_title("discriminator outputs")

    # Columns keep the order they were logged in, which is the layers' order in the network.
    gnorms = [k for k in cols if k.startswith(("gnorm/G/", "gnorm/D/"))]
    seen = {"G": 0, "D": 0}
    for name in gnorms:
        _, net, layer = name.split("/", 2)
        # One colour cycle per network: G's first layer and D's first layer share a colour.
        color = f"C{seen[net] % 10}"
        seen[net] += 1
        _plot_trace(ax_g, step, cols[name], window, f"{net} {layer}", positive=True,
                    color=color, linestyle="-" if net == "G" else "--")
    if gnorms:
        ax_g.set_yscale("log")
    else:
        ax_g.text(0.5, 0.5, "no gnorm/ columns logged", ha="center", va="center",
                  transform=ax_g.transAxes, color="grey")
    ax_g.set_ylabel("gradient norm")
    ax_g.set_title("gradient norms per layer (G solid, D dashed)")
    ax_g.set_xlabel("step")

    for ax in (ax_loss, ax_d, ax_g):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small", ncol=2 if ax is ax_g else 1, loc="best")
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    if path is not None:
        fig.savefig(_prepare_path(path), format="png", dpi=100)
    return fig


# --------------------------------------------------------------------------- mode histograms

def plot_mode_histogram(counts, ax=None, title="samples per mode"):
    """Bar chart of generated samples per mode; returns the Axes.

    ``counts`` is a sequence (one count per mode, e.g. ``mode_metrics(...)["counts"]``) or a
    dict {mode label: count}. Empty modes are marked with a red cross and the dashed line marks
    an even spread, so mode collapse is visible at a glance.
    """
    if isinstance(counts, dict):
        labels, values = [str(k) for k in counts], list(counts.values())
    else:
        values = list(np.asarray(to_numpy(counts)).reshape(-1))
        labels = [str(i) for i in range(len(values))]
    values = np.asarray(values, dtype=np.float64)
    if ax is None:
        ax = _pyplot_axes((6, 3.5))
    positions = np.arange(len(values))
    ax.bar(positions, values, color=REAL_COLOR, edgecolor="black", linewidth=0.5, tick_label=labels)
    empty = values == 0
    if empty.any():  # a bar of height 0 is invisible, so mark missed modes explicitly
        ax.plot(positions[empty], values[empty], "x", color="#d73027", markersize=9,
                markeredgewidth=2, label="empty mode", clip_on=False, zorder=3)
    if len(values):
        ax.axhline(values.sum() / len(values), color="grey", linestyle="--", linewidth=1,
                   label="even spread")
        ax.legend(fontsize="small")
    ax.set_xlabel("mode")
    ax.set_ylabel("samples")
    if title:
        ax.set_title(f"{title} ({int(empty.sum())} of {len(values)} empty)")
    return ax
