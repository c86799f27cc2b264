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
from .base import FAKE_COLOR, FIELD_CMAP, REAL_COLOR
from .curves import load_metrics, plot_curves, plot_mode_histogram
from .field import default_extent, field_figure, save_field
from .images import (figure_to_array, image_grid, labelled_grid_figure, save_gif, save_image_grid,
                     side_by_side_figure)

__all__ = ["FAKE_COLOR", "FIELD_CMAP", "REAL_COLOR", "default_extent", "field_figure", "save_field",
           "figure_to_array", "save_gif", "image_grid", "save_image_grid", "labelled_grid_figure",
           "side_by_side_figure", "load_metrics", "plot_curves",
           "plot_mode_histogram"]
