"""Training curves from metrics.csv, and the histogram of samples per mode."""
import csv
import math
import os

import numpy as np

from ..backend import to_numpy
from .base import REAL_COLOR, agg_figure, prepare_path, pyplot_axes


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


def plot_curves(metrics, path=None, smooth=None, critic=False, layer_names=None):
    """Plot a training run in three panels and return the Figure; save a PNG when ``path`` is given.

    ``metrics`` (path to ``metrics.csv``, list of dicts or dict of lists) needs ``step`` and
    may have ``d_loss``, ``g_loss``, ``d_real`` (mean D(x)), ``d_fake`` (mean D(G(z))) and any
    number of gradient-norm columns ``gnorm/D/<layer>`` and ``gnorm/G/<layer>``; other columns
    are ignored. Panels: the two losses; D's outputs on real and generated batches; gradient
    norms per layer on a log axis (G solid blues, D dashed reds). Each curve is a moving average
    over ``smooth`` logged rows (default: about 1/50 of them) drawn over its faint raw trace.

    ``critic``: D is a critic (WGAN, hinge) whose outputs are unbounded scores, not probabilities,
    so the middle panel shows the scores and their gap, without the 0.5 line of equilibrium.
    ``layer_names``: legend labels for the gradient-norm columns, {"G/0": "G dense 32->512", ...}
    (``layer_labels`` in minigan.snapshots makes them from a GAN).
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
        fig = agg_figure((8, 9))
    ax_loss, ax_d, ax_g = fig.subplots(3, 1, sharex=True)

    for name, label in (("d_loss", "D loss"), ("g_loss", "G loss")):
        if name in cols:
            _plot_trace(ax_loss, step, cols[name], window, label)
    ax_loss.set_ylabel("loss")
    ax_loss.set_title("losses")

    _plot_outputs(ax_d, cols, step, window, critic)
    _plot_gradient_norms(ax_g, cols, step, window, layer_names or {})
    ax_g.set_ylabel("gradient norm")
    ax_g.set_title("gradient norms per layer (G solid blues, D dashed reds)")
    ax_g.set_xlabel("step")

    for ax in (ax_loss, ax_d, ax_g):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small", ncol=2 if ax is ax_g else 1, loc="best")
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    if path is not None:
        fig.savefig(prepare_path(path), format="png", dpi=100)
    return fig


def _plot_outputs(ax, cols, step, window, critic):
    """D's mean output on real and generated batches: probabilities, or a critic's scores."""
    if critic:
        labels = (("d_real", "critic score, real"), ("d_fake", "critic score, generated"))
    else:
        labels = (("d_real", "D(x), real"), ("d_fake", "D(G(z)), generated"))
    for name, label in labels:
        if name in cols:
            _plot_trace(ax, step, cols[name], window, label)
    if critic:
        # A critic's scores have no fixed scale; the gap between them is what it estimates.
        ax.set_ylabel("mean critic score")
        ax.set_title("critic's scores (the gap estimates the distance between real and generated)")
    else:
        # At the game's equilibrium D cannot tell the two apart and outputs 0.5 for both.
        ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
        ax.set_ylabel("mean D output")
        ax.set_title("discriminator outputs")


def _shades(cmap_name, n):
    """n distinct shades of one colour map, light to dark, none too pale to see."""
    from matplotlib import colormaps
    cmap = colormaps[cmap_name]
    return [cmap(0.45 + 0.5 * i / max(1, n - 1)) for i in range(n)]


def _plot_gradient_norms(ax, cols, step, window, layer_names):
    """Every gnorm/G/<layer> and gnorm/D/<layer> column on a log axis: G solid in blues, D dashed
    in reds, so that no G curve shares a colour with a D curve."""
    # Columns keep the order they were logged in, which is the layers' order in the network.
    gnorms = [k for k in cols if k.startswith(("gnorm/G/", "gnorm/D/"))]
    nets = {net: [k for k in gnorms if k.startswith(f"gnorm/{net}/")] for net in ("G", "D")}
    colors = {net: dict(zip(names, _shades("Blues" if net == "G" else "Reds", len(names))))
              for net, names in nets.items()}
    for name in gnorms:
        _, net, layer = name.split("/", 2)
        label = layer_names.get(f"{net}/{layer}", f"{net} {layer}")
        _plot_trace(ax, step, cols[name], window, label, positive=True,
                    color=colors[net][name], linestyle="-" if net == "G" else "--")
    if gnorms:
        ax.set_yscale("log")
    else:
        ax.text(0.5, 0.5, "no gnorm/ columns logged", ha="center", va="center",
                transform=ax.transAxes, color="grey")


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
        ax = pyplot_axes((6, 3.5))
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
