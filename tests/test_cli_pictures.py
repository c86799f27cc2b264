"""The pictures say what they show: read through matplotlib's objects (legends, titles, labels)."""
import os

import numpy as np
import pytest
from matplotlib.colors import to_hex

from minigan import snapshots, viz
from minigan.cli import main
from minigan.cli import sample as sample_cli
from minigan.presets import get_preset
from minigan.train import Run, save_run


def fresh_checkpoint(preset, out, **kwargs):
    run = Run(preset, out=str(out), steps=1, progress=False, **kwargs)
    save_run(run.ckpt_path, run)
    return run.ckpt_path


def capture(monkeypatch, module, name):
    """Keep the Axes / Figure a drawing function returns while still writing its file."""
    made = []
    original = getattr(module, name)

    def keep(*args, **kwargs):
        made.append(original(*args, **kwargs))
        return made[-1]
    monkeypatch.setattr(module, name, keep)
    return made


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.fixture(scope="module")
def ring8(tmp_path_factory):
    return fresh_checkpoint("ring8", tmp_path_factory.mktemp("ring8") / "run")


def test_2d_sample_picture_draws_real_points_beside_the_samples(ring8, tmp_path, monkeypatch):
    made = capture(monkeypatch, viz.field, "field_figure")
    assert main(["sample", "--checkpoint", ring8, "-n", "50", "--out", str(tmp_path / "s.png")]) == 0
    ax = made[-1]
    assert legend_texts(ax) == ["real", "generated"]
    real, fake = ax.collections[:2]
    assert len(real.get_offsets()) >= 500 and len(fake.get_offsets()) == 50
    ring_radius = np.linalg.norm(np.asarray(real.get_offsets()), axis=1).mean()
    assert ring_radius > 1.0                                    # the ring's points, not the samples again
    assert ax.get_title() == "50 samples"


def test_2d_interpolation_draws_one_path_per_walk_and_counts_points(ring8, tmp_path, monkeypatch):
    made = capture(monkeypatch, viz.field, "field_figure")
    assert main(["sample", "--checkpoint", ring8, "-n", "4", "--interpolate", "5",
                 "--out", str(tmp_path / "walk.png")]) == 0
    ax = made[-1]
    assert ax.get_title() == "4 latent walks of 5 steps (20 points)"
    assert len(ax.lines) == 4 and all(len(line.get_xdata()) == 5 for line in ax.lines)
    assert "latent walk" in legend_texts(ax)


def _metrics(tmp_path, preset, objective=None):
    run = Run(preset, out=str(tmp_path / preset), steps=2, progress=False, objective=objective)
    run.train()
    return run


def test_critics_get_score_curves_without_the_half_line(tmp_path):
    run = _metrics(tmp_path, "ring8", objective="wgan")
    fig = viz.plot_curves(run.metrics_path, critic=True)
    ax = fig.axes[1]
    assert ax.get_ylabel() == "mean critic score"
    assert legend_texts(ax) == ["critic score, real", "critic score, generated"]
    assert not any(list(line.get_ydata()) == [0.5, 0.5] for line in ax.lines)
    ax = viz.plot_curves(run.metrics_path).axes[1]
    assert ax.get_ylabel() == "mean D output"
    assert any(list(line.get_ydata()) == [0.5, 0.5] for line in ax.lines)


def test_a_run_picks_critic_curves_for_wgan_and_hinge(tmp_path, monkeypatch):
    made = capture(monkeypatch, viz, "plot_curves")
    Run("ring8", out=str(tmp_path / "h"), steps=2, progress=False, objective="hinge").train()
    assert made[-1].axes[1].get_ylabel() == "mean critic score"


def test_gradient_norm_legends_name_layers_and_players_have_their_own_colours(tmp_path):
    run = _metrics(tmp_path, "dcgan-digits")
    names = snapshots.layer_labels(run.gan)
    assert names["G/4"] == "G convT 128->64" and names["D/0"] == "D conv 1->64" and names["G/0"] == "G dense 32->512"
    ax = viz.plot_curves(run.metrics_path, layer_names=names).axes[2]
    texts = legend_texts(ax)
    assert "G convT 128->64" in texts and "D dense 512->1" in texts
    handles, labels = ax.get_legend_handles_labels()
    by_player = {"G": set(), "D": set()}
    for handle, label in zip(handles, labels):
        by_player[label[0]].add(to_hex(handle.get_color()))
    assert by_player["G"] and by_player["D"] and not by_player["G"] & by_player["D"]
    assert len(by_player["G"]) == len([t for t in texts if t.startswith("G ")])       # each layer its own shade


def test_inpaint_png_writes_original_masked_and_result_side_by_side(tmp_path, monkeypatch, capsys):
    ckpt = fresh_checkpoint("dcgan-digits", tmp_path / "d")
    x = np.random.default_rng(0).uniform(-1, 1, (2, 1, 8, 8)).astype(np.float32)
    mask = np.ones((8, 8), np.float32)
    mask[2:6, 2:6] = 0
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "m.npy", mask)
    made = capture(monkeypatch, viz, "side_by_side_figure")
    out = tmp_path / "out.png"
    assert main(["inpaint", "--checkpoint", ckpt, "--image", str(tmp_path / "x.npy"), "--mask",
                 str(tmp_path / "m.npy"), "--out", str(out), "--steps", "2"]) == 0
    assert [ax.get_title() for ax in made[-1].axes] == ["original", "masked input", "inpainted"]
    assert os.path.getsize(tmp_path / "out_side_by_side.png") > 0 and out.exists()
    assert "out_side_by_side.png (original, masked input, result)" in capsys.readouterr().out


def test_conditional_grids_label_each_row_with_its_class(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    data = (rng.uniform(-1, 1, (128, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 128))
    ckpt = fresh_checkpoint("cdcgan-mnist", tmp_path / "c", data=data)
    made = capture(monkeypatch, viz, "labelled_grid_figure")
    assert main(["sample", "--checkpoint", ckpt, "-n", "20", "--out", str(tmp_path / "grid.png")]) == 0
    ax = made[-1].axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(k) for k in range(10)]
    assert ax.get_ylabel() == "class"


def test_run_dataset_reads_the_recorded_data_set():
    header = {"config": {"preset": "dcgan-mnist", "overrides": {"dataset": "fashion-mnist"}}}
    assert sample_cli.run_dataset(header) == "fashion-mnist"
    assert sample_cli.run_dataset({"config": {"preset": "ring8"}}) == get_preset("ring8").dataset
