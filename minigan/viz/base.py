"""What every drawing module shares: GAN Lab's colours, and figures made outside pyplot."""
import os

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# GAN Lab's colours: green means "real", purple means "generated". The heat map uses the
# same diverging palette, so a green region is one where D says "real".
FIELD_CMAP = "PiYG"
REAL_COLOR = "#7fd34e"
FAKE_COLOR = "#c77cff"


def agg_figure(figsize):
    """A figure that lives outside pyplot and renders with Agg (no display needed)."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def pyplot_axes(figsize):
    # Imported here so that saving files never touches pyplot's global state.
    import matplotlib.pyplot as plt
    _, ax = plt.subplots(figsize=figsize)
    return ax


def prepare_path(path):
    """Make the parent folder of ``path`` so callers can write into fresh run folders."""
    path = os.fspath(path)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    return path
