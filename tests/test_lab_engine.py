"""The lab's engine: staged steps are gan.py's steps, settings apply or are refused whole, exports load."""
import time

import numpy as np
import pytest

from minigan.cli import main
from minigan.lab import BadRequest, Lab
from minigan.lab.config import check_settings
from minigan.lab.frames import Thinned
from minigan.lab.stages import STAGES
from minigan.train import load_gan


@pytest.fixture
def make_lab(tmp_path):
    labs = []

    def make(preset="ring8", **kwargs):
        lab = Lab(preset, out=str(tmp_path / "exports"), **kwargs)
        labs.append(lab)
        return lab
    yield make
    for lab in labs:
        lab.close()


def weights(lab):
    return [p.data.copy() for p in lab.gan.G.parameters() + lab.gan.D.parameters()]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("n_critic", [1, 3])
def test_five_stages_are_one_step(make_lab, n_critic):
    staged, whole = make_lab(), make_lab()
    for lab in (staged, whole):
        lab.change(check_settings({"n_critic": n_critic, "batch_size": 32}))
    for _ in range(2):
        names = []
        while True:
            answer = staged.stage()
            names.append(answer["ran"]["stage"])
            staged.frame()               # drawing between stages must not disturb the step
            if answer["ran"]["stage"] == "g_update":
                break
        whole.step()
        expected = [s[0] for s in STAGES[:3]] * n_critic + [s[0] for s in STAGES[3:]]
        assert names == expected
        assert staged.gan.step_count == whole.gan.step_count
        assert same(weights(staged), weights(whole))
    assert staged.curves.rows["d_loss"] == whole.curves.rows["d_loss"]


def test_stage_numbers_tell_the_lesson(make_lab):
    lab = make_lab()
    numbers = [lab.stage()["ran"]["numbers"] for _ in STAGES]
    real, fake, d_update, g_step, g_update = numbers
    assert fake["d_loss = real + fake"] == pytest.approx(real["d_loss_real"] + fake["d_loss_fake"])
    assert d_update["|change of D's weights|"] > 0
    assert g_step["D's gradients untouched"] is True
    assert g_step["mean |dLoss_G/dx| handed to G"] > 0
    assert g_update["|change of G's weights|"] > 0
    assert lab.state()["step"] == 1


def test_stage_then_step_finishes_the_step(make_lab):
    staged, whole = make_lab(), make_lab()
    staged.stage()
    staged.stage()
    staged.step()                         # the rest of the staged step, not a new one
    whole.step()
    assert staged.gan.step_count == 1 and same(weights(staged), weights(whole))


def test_play_trains_in_the_background_and_pause_stops_it(make_lab):
    lab = make_lab()
    lab.play(True)
    deadline = time.time() + 60
    while lab.frame()["step"] < 30 and time.time() < deadline:
        time.sleep(0.05)
    lab.play(False)
    stopped = lab.state()["step"]
    assert stopped >= 30
    time.sleep(0.2)
    assert lab.state()["step"] == stopped
    frame = lab.frame()
    history = lab.history()
    assert frame["grad_norms"] and history["step"] == frame["step"]
    assert len(history["curves"]["step"]) > 0 and len(history["mode_curve"]["modes"]) > 0


def test_frame_holds_the_plane(make_lab):
    lab = make_lab()
    frame = lab.frame()
    assert len(frame["fake"]) == len(frame["arrows"]) == 2 * 240
    assert len(frame["heat"]) == frame["heat_size"] ** 2
    assert min(frame["heat"]) >= 0 and max(frame["heat"]) <= 255
    arrows = np.array(frame["arrows"]).reshape(-1, 2)
    assert np.allclose(np.linalg.norm(arrows, axis=1), 1, atol=0.02)
    assert frame["modes"]["n_modes"] == 8


def test_live_changes_keep_the_model_and_restarts_say_so(make_lab):
    lab = make_lab()
    lab.step()
    before = weights(lab)
    state = lab.change(check_settings({"d_lr": 0.003, "g_lr": 0.0005, "batch_size": 64}))
    assert state["step"] == 1 and same(before, weights(lab)) and "live" in state["message"]
    assert (lab.gan.d_opt.lr, lab.gan.g_opt.lr) == (0.003, pytest.approx(0.0005))
    lab.step()
    assert lab.gan.d_opt.lr == 0.003          # held: the decay schedule stopped when set by hand
    state = lab.change(check_settings({"objective": "hinge", "g_width": 32, "d_depth": 3}))
    assert state["step"] == 0 and "restarted" in state["message"]
    assert state["settings"]["objective"] == "hinge"
    assert (state["settings"]["g_width"], state["settings"]["d_depth"]) == (32, 3)
    assert state["settings"]["d_lr"] == 0.003            # kept over a restart


def test_a_recipe_brings_its_own_rates(make_lab):
    lab = make_lab()
    lab.change(check_settings({"d_lr": 0.01}))
    settings = lab.change(check_settings({"objective": "wgan-gp"}))["settings"]
    assert (settings["d_lr"], settings["n_critic"]) == (1e-4, 5)
    lab.step()
    assert lab.last_record.gp == lab.last_record.gp      # the penalty ran (a number, not NaN)


@pytest.mark.parametrize("bad", [{"objective": "nope"}, {"d_lr": -1}, {"d_lr": 0}, {"g_lr": float("nan")},
                                 {"batch_size": 4}, {"batch_size": 2.5}, {"z_dim": True}, {"g_depth": 9},
                                 {"dataset": "moons"}, {"dataset": "custom"}, {"points": [[0, 0]]},
                                 {"points": [[0, 0], [1, "a"], [2, 2]]}, {"colour": 1},
                                 {"objective": "pacgan3", "batch_size": 64}])
def test_bad_settings_are_refused_and_nothing_changes(make_lab, bad):
    lab = make_lab()
    lab.step()
    before, settings = weights(lab), lab.settings()
    with pytest.raises(BadRequest) as err:
        lab.change(check_settings(bad))
    assert str(err.value) and "\n" not in str(err.value)
    assert lab.settings() == settings and lab.gan.step_count == 1 and same(before, weights(lab))


def test_drawn_distribution_trains_without_mode_metrics(make_lab, tmp_path):
    lab = make_lab()
    points = [[x, 0.5 * x] for x in np.linspace(-1, 1, 20)]
    state = lab.change(check_settings({"dataset": "custom", "points": points}))
    assert state["settings"]["dataset"] == "custom"
    batch = lab.real_batches()[0]
    assert np.abs(batch[:, 1] - 0.5 * batch[:, 0]).max() < 0.2
    lab.step()
    frame = lab.frame()
    assert frame["modes"] is None and len(frame["real"]) == 480
    path = lab.export()["path"]
    out = str(tmp_path / "drawn.npy")
    assert main(["sample", "--checkpoint", path, "-n", "50", "--out", out]) == 0
    assert np.load(out).shape == (50, 2)


def test_layer_histograms(make_lab):
    lab = make_lab()
    lab.step()
    lab.frame()                  # drawing the arrows runs D backward: D's gradients must survive it
    assert lab.layers()[0] == "G/0" and "D/0" in lab.layers()
    params = lab.layer("D/0")["params"]
    assert params["weight"]["grads"]["std"] > 0
    assert sum(params["weight"]["weights"]["counts"]) == 2 * 128
    assert sum(params["bias"]["grads"]["counts"]) == 128
    with pytest.raises(BadRequest):
        lab.layer("D/99")


def test_export_is_read_by_load_gan_and_evaluate(make_lab, capsys):
    lab = make_lab()
    lab.change(check_settings({"objective": "hinge", "g_width": 48, "g_depth": 3}))
    for _ in range(3):
        lab.step()
    path = lab.export()["path"]
    gan, header, _ = load_gan(path)
    assert header["step"] == 3
    assert same([p.data for p in gan.G.parameters()], [p.data for p in lab.gan.G.parameters()])
    assert main(["evaluate", "--checkpoint", path, "--json", "-n", "500"]) == 0
    assert '"modes"' in capsys.readouterr().out


def test_non_2d_preset_is_refused():
    with pytest.raises(ValueError, match="2D presets"):
        Lab("dcgan-digits")


def test_thinned_history_stays_bounded():
    history = Thinned(("step", "x"), limit=10)
    for step in range(1, 1001):
        history.add(step, {"x": step})
    assert len(history.rows["step"]) <= 11 and history.rows["step"][-1] > 1000 - history.every
