"""Pictures: grids map values and pad as promised, files open in Pillow at the right size,
curves read a metrics.csv, and field plots contain a heat map and arrows."""
import csv

import matplotlib
import numpy as np
import pytest
from matplotlib.image import AxesImage
from matplotlib.quiver import Quiver
from PIL import Image

from minigan import viz
from minigan.viz.base import agg_figure

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ----------------------------------------------------------------- image grids

def test_image_grid_shape_values_and_pad(xp):
    images = xp.zeros((5, 1, 4, 3))
    images[0] = -1.0
    images[1] = 1.0
    images[2] = -7.0  # clipped to -1
    images[3] = 7.0   # clipped to 1
    grid = viz.image_grid(images, pad=2, pad_value=77)
    # ceil(sqrt(5)) = 3 images per row -> 2 rows; every cell is framed by `pad` pixels.
    assert grid.dtype == np.uint8
    assert grid.shape == (2 * (4 + 2) + 2, 3 * (3 + 2) + 2)
    cell = lambda i: grid[2 + (i // 3) * 6:2 + (i // 3) * 6 + 4, 2 + (i % 3) * 5:2 + (i % 3) * 5 + 3]
    assert (cell(0) == 0).all() and (cell(1) == 255).all()
    assert (cell(2) == 0).all() and (cell(3) == 255).all()
    assert (cell(4) == 128).all()  # 0 sits in the middle of [-1, 1]
    assert (grid[:2] == 77).all() and (grid[:, :2] == 77).all() and (grid[:, 5:7] == 77).all()
    assert (grid[8:, 10:] == 77).all()  # the unused sixth cell (row 1 from y=8, its pad from x=10)


def test_image_grid_colour_nrow_and_nan():
    images = np.full((4, 3, 2, 2), 0.5)
    images[0, 0] = np.nan  # a diverged generator still gets a picture (black)
    grid = viz.image_grid(images, nrow=4, pad=0)
    assert grid.shape == (2, 8, 3)
    assert (grid[:, :2, 0] == 0).all() and (grid[:, :2, 1] == 191).all()


def test_image_grid_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        viz.image_grid(np.zeros((2, 2, 4, 4)))


def test_save_image_grid_scales_with_nearest_neighbour(tmp_path):
    images = np.linspace(-1, 1, 4 * 8 * 8).reshape(4, 1, 8, 8)
    path = viz.save_image_grid(images, tmp_path / "sub" / "grid.png", scale=4)
    with Image.open(path) as im:
        assert im.format == "PNG" and im.mode == "L"
        assert im.size == ((2 * 10 + 2) * 4, (2 * 10 + 2) * 4)
        big = np.asarray(im)
    small = viz.image_grid(images)
    assert (big[::4, ::4] == small).all()  # nearest neighbour: no new, blurred values


# ----------------------------------------------------------------- frames and GIFs

def test_figure_to_array_and_gif(tmp_path):
    frames = []
    for i in range(3):
        fig = agg_figure((2, 1.5))
        fig.add_subplot().plot([0, 1], [0, i])
        frames.append(viz.figure_to_array(fig))
    assert frames[0].shape == (150, 200, 3) and frames[0].dtype == np.uint8
    path = viz.save_gif(frames, tmp_path / "run.gif", duration_ms=50)
    with Image.open(path) as im:
        assert im.format == "GIF" and im.n_frames == 3 and im.size == (200, 150)
        assert im.info["loop"] == 0


def test_gif_from_png_paths_and_size_mismatch(tmp_path):
    paths = [viz.save_image_grid(np.full((1, 1, 4, 4), v), tmp_path / f"{i}.png")
             for i, v in enumerate([-1.0, 0.0, 1.0, 0.5])]
    with Image.open(viz.save_gif(paths, tmp_path / "grids.gif")) as im:
        assert im.n_frames == 4
    with pytest.raises(ValueError, match="frame 1"):
        viz.save_gif([np.zeros((4, 4), np.uint8), np.zeros((5, 4), np.uint8)], tmp_path / "bad.gif")


# ----------------------------------------------------------------- curves

def _metrics_rows(n=60):
    rng = np.random.default_rng(0)
    return [{"step": s, "d_loss": 1.4 + 0.1 * rng.standard_normal(), "g_loss": 0.7 + rng.random(),
             "d_real": 0.6, "d_fake": 0.4, "lr": 2e-4, "note": "ok",
             "gnorm/D/0.weight": 0.5 + rng.random(), "gnorm/D/0.bias": 0.1,
             "gnorm/G/0.weight": 2.0 + rng.random(), "gnorm/G/1.weight": 1.0}
            for s in range(n)]


def test_plot_curves_reads_csv_and_saves_png(tmp_path):
    rows = _metrics_rows()
    rows[3]["gnorm/G/1.weight"] = ""  # a column logged less often leaves empty cells
    csv_path = tmp_path / "metrics.csv"
    with open(csv_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    png = tmp_path / "curves.png"
    fig = viz.plot_curves(csv_path, path=png)
    loss_ax, _, g_ax = fig.axes[:3]
    assert g_ax.get_yscale() == "log"
    labels = {line.get_label(): line for line in g_ax.get_lines()}
    assert {"G 0.weight", "G 1.weight", "D 0.weight", "D 0.bias"} <= set(labels)
    assert labels["G 0.weight"].get_linestyle() == "-" and labels["D 0.weight"].get_linestyle() == "--"
    assert {"D loss", "G loss"} <= {line.get_label() for line in loss_ax.get_lines()}
    with Image.open(png) as im:
        assert im.format == "PNG" and im.size == (800, 900)


def test_plot_curves_accepts_rows_or_columns():
    rows = _metrics_rows(10)
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    for metrics in (rows, columns):
        fig = viz.plot_curves(metrics)
        assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="step"):
        viz.plot_curves([{"d_loss": 1.0}])


# ----------------------------------------------------------------- 2D fields and modes

def _sigmoid_d(points):
    # A toy D that believes points to the right (x > 0) are real.
    return 1.0 / (1.0 + np.exp(-3.0 * points[:, 0]))


def test_field_figure_draws_heat_map_points_and_arrows(xp):
    rng = np.random.default_rng(0)
    real = xp.asarray(rng.normal(1.0, 0.3, size=(50, 2)))
    fake = xp.asarray(rng.normal(-1.0, 0.3, size=(40, 2)))
    arrows = xp.asarray(rng.normal(size=(40, 2)) * rng.uniform(0.01, 100, size=(40, 1)))
    ax = viz.field_figure(real, fake, d_fn=_sigmoid_d, arrows=arrows, title="step 0", resolution=30)
    images = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    quivers = [c for c in ax.collections if isinstance(c, Quiver)]
    assert len(images) == 1 and images[0].get_array().shape == (30, 30)
    assert len(quivers) == 1
    lengths = np.hypot(quivers[0].U, quivers[0].V)
    assert np.allclose(lengths, lengths[0])  # normalised: every arrow equally long
    assert ax.figure.axes[-1].get_ylabel() == "D(x)"  # the colorbar
    xmin, xmax = ax.get_xlim()
    assert xmin < float(real[:, 0].min()) and xmax > float(real[:, 0].max())


def test_field_figure_checks_arrow_shape_and_works_without_d():
    real, fake = np.zeros((5, 2)), np.ones((3, 2))
    ax = viz.field_figure(real, fake)
    assert not ax.images and not any(isinstance(c, Quiver) for c in ax.collections)
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        viz.field_figure(real, fake, arrows=np.ones((4, 2)))


def test_save_field_writes_png(tmp_path):
    real = np.random.default_rng(1).normal(size=(30, 2))
    path = viz.save_field(tmp_path / "field.png", real, real + 2.0, d_fn=_sigmoid_d,
                          arrows=-(real + 2.0), resolution=20)
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size == (600, 500)


def test_plot_mode_histogram_one_bar_per_mode():
    ax = viz.plot_mode_histogram([10, 0, 5, 0, 25, 8, 0, 12])
    assert len(ax.patches) == 8
    assert "3 of 8 empty" in ax.get_title()
    crosses = [line for line in ax.get_lines() if line.get_label() == "empty mode"]
    assert list(crosses[0].get_xdata()) == [1, 3, 6]
    ax = viz.plot_mode_histogram({"a": 1, "b": 2})
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
