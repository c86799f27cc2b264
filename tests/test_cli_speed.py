"""Speed by default: threads chosen by the work's size, pictures and GIFs bounded by the run's length."""
import os

import numpy as np
from PIL import Image

from minigan import checkpoint, rng
from minigan.cli import main
from minigan.presets import get_preset
from minigan.train import Run
from minigan.train.threads import LARGE_WORK, choose_threads, limited_threads, multiply_adds
from minigan.viz import save_gif


def test_small_presets_count_little_work_and_get_one_thread():
    for name in ("ring8", "grid25", "dcgan-digits", "mlp-mnist"):
        gan = get_preset(name).build()
        assert 0 < multiply_adds(gan) < LARGE_WORK, name
        assert choose_threads(gan) == 1, name


def test_the_28x28_convolutions_get_every_core():
    gan = get_preset("dcgan-mnist").build()
    assert multiply_adds(gan) > LARGE_WORK
    assert choose_threads(gan) == (os.cpu_count() or 1)
    assert choose_threads(gan, requested=3) == 3


def test_counting_draws_nothing_from_the_random_generator_and_leaves_layers_as_they_were():
    rng.seed(5)
    gan = get_preset("ring8").build()
    before = rng.get_state()
    multiply_adds(gan)
    assert rng.get_state() == before
    assert all("forward" not in vars(m) for m in gan.G.modules())


def test_dense_work_is_in_times_out():
    from minigan import nn
    from minigan.gan import GAN
    G, D = nn.Sequential(nn.Dense(3, 5), nn.ReLU(), nn.Dense(5, 2)), nn.Sequential(nn.Dense(2, 7), nn.Dense(7, 1))
    assert multiply_adds(GAN(G, D, z_dim=3)) == 3 * 5 + 5 + 5 * 2 + 2 + 2 * 7 + 7 + 7 * 1 + 1   # weights + biases


def test_limited_threads_sets_the_blas_pool():
    from threadpoolctl import threadpool_info
    with limited_threads(1):
        assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")


def test_threads_flag_is_recorded_in_the_run_config(tmp_path):
    out = tmp_path / "r"
    assert main(["train", "--preset", "ring8", "--steps", "3", "--out", str(out), "--no-progress",
                 "--threads", "2"]) == 0
    assert checkpoint.load(out / "checkpoint.npz")[1]["config"]["threads"] == 2
    out = tmp_path / "default"
    Run("ring8", out=str(out), steps=3, progress=False).train()
    assert checkpoint.load(out / "checkpoint.npz")[1]["config"]["threads"] == 1


def test_a_short_run_draws_a_picture_every_ten_steps_not_every_step(tmp_path):
    run = Run("ring8", out=str(tmp_path / "r"), steps=50, progress=False).train()
    assert run.frame_every == 10
    assert len(os.listdir(tmp_path / "r" / "frames")) == 5
    assert Run("ring8", out=str(tmp_path / "s"), progress=False).frame_every == 250   # 10,000 steps: 40 frames


def test_epoch_runs_draw_every_few_epochs_when_long():
    run = Run("dcgan-digits", out="unused", progress=False)
    per_epoch = run.stream.steps_per_epoch
    assert run.frame_every % per_epoch == 0
    assert run.total_steps // run.frame_every <= 40


def test_gif_keeps_few_frames_and_a_bounded_size(tmp_path):
    frames = [np.full((600, 300, 3), i, dtype=np.uint8) for i in range(0, 250, 5)]   # 50 frames
    path = save_gif(frames, tmp_path / "a.gif", max_frames=10, max_side=120)
    with Image.open(path) as im:
        assert max(im.size) == 120 and im.size == (60, 120)
        assert im.n_frames == 10
        im.seek(im.n_frames - 1)
        assert np.asarray(im.convert("RGB"))[0, 0, 0] == 245        # the last frame is kept
