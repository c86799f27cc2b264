"""A run's folder: metrics.csv rows kept through kills, SIGTERM, the lock, run files never overwritten,
temporary files cleaned, and the user's umask."""
import os
import signal
import stat
import time

import numpy as np
import pytest

from minigan import checkpoint
from minigan.cli import main
from minigan.train import Run

STEPS = 20


def run(out, **kwargs):
    kwargs.setdefault("steps", None if kwargs.get("resume") else STEPS)
    return Run("ring8", out=str(out), progress=False, frames=2, seed=1, log=lambda m: None, **kwargs)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def in_child(fn):
    """Run ``fn()`` in a forked child; its exit status, or minus the signal that ended it."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            fn()
            code = 0
        except KeyboardInterrupt:
            code = 130
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    out = tmp_path_factory.mktemp("outdir") / "whole"
    run(out).train()
    return out


def test_a_kill_right_after_resuming_keeps_every_row_the_checkpoint_covers(tmp_path, whole):
    out = tmp_path / "r"
    run(out).train(until=10)
    resumed = run(out, resume=True)

    def die_at_first_step(batch):
        os.kill(os.getpid(), signal.SIGKILL)
    resumed.gan.step = die_at_first_step
    assert in_child(resumed.train) == -signal.SIGKILL
    rows = read(out / "metrics.csv").splitlines(keepends=True)
    assert rows == read(whole / "metrics.csv").splitlines(keepends=True)[:11]
    run(out, resume=True).train()
    assert read(out / "metrics.csv") == read(whole / "metrics.csv")


def test_a_row_torn_by_a_kill_after_the_checkpoint_is_cut_on_resume(tmp_path, whole):
    out = tmp_path / "r"
    run(out).train(until=10)
    with open(out / "metrics.csv", "ab") as f:
        f.write(b"10,0.69,0.3")           # half a row of a step the checkpoint does not cover
    run(out, resume=True).train()
    assert read(out / "metrics.csv") == read(whole / "metrics.csv")


@pytest.mark.parametrize("damage", ["missing", "short", "binary"])
def test_resume_with_a_missing_or_damaged_metrics_file_says_so(tmp_path, capsys, damage):
    out = tmp_path / "r"
    run(out).train(until=10)
    path = out / "metrics.csv"
    if damage == "missing":
        path.unlink()
    elif damage == "short":
        path.write_bytes(b"".join(read(path).splitlines(keepends=True)[:4]))
    else:
        path.write_bytes(b"\xff\xfe\x00garbage\n" * 20)
    before = read(out / "checkpoint.npz")
    capsys.readouterr()
    assert main(["train", "--preset", "ring8", "--resume", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and "Traceback" not in err
    assert read(out / "checkpoint.npz") == before


def test_sigterm_saves_an_exact_checkpoint_and_stops_like_ctrl_c(tmp_path, whole):
    out = tmp_path / "t"
    r = run(out, checkpoint_every=100)
    real_step = r.gan.step

    def step_then_sigterm(batch):
        if r.step == 12:   # SIGTERM arrives during the 13th step
            os.kill(os.getpid(), signal.SIGTERM)
        return real_step(batch)
    r.gan.step = step_then_sigterm
    assert in_child(r.train) == 130
    assert checkpoint.load(out / "checkpoint.npz")[1]["step"] == 13
    run(out, resume=True).train()
    assert read(out / "metrics.csv") == read(whole / "metrics.csv")


def test_temporary_files_of_an_interrupted_checkpoint_write_are_removed(tmp_path):
    out = tmp_path / "c"
    run(out).train(until=5)
    stale = out / ".checkpoint-x1y2.npz.tmp"
    stale.write_bytes(b"half a checkpoint")
    run(out, resume=True).train()
    assert not stale.exists()
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]


def test_output_files_respect_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        run(tmp_path / "u", steps=4).train()
    finally:
        os.umask(old)
    for name in ("checkpoint.npz", "metrics.csv", "curves.png"):
        assert stat.S_IMODE(os.stat(tmp_path / "u" / name).st_mode) == 0o640, name


def train_argv(out, *extra):
    return ["train", "--preset", "ring8", "--out", str(out), "--no-progress", *extra]


def test_a_second_run_on_a_folder_in_use_exits_2_and_a_killed_run_leaves_no_stuck_lock(tmp_path, capsys):
    out = tmp_path / "busy"
    pid = os.fork()
    if pid == 0:   # a long run in the background
        code = 1
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
            code = main(train_argv(out, "--steps", "1000000", "--checkpoint-every", "1000000"))
        finally:
            os._exit(code)
    try:
        deadline = time.time() + 60
        while not (out / "checkpoint.npz").exists():   # written under the lock, before the first step
            assert time.time() < deadline
            time.sleep(0.02)
        for extra in ((), ("--resume",)):
            capsys.readouterr()
            assert main(train_argv(out, "--steps", "5", *extra)) == 2
            err = capsys.readouterr().err.strip()
            assert len(err.splitlines()) == 1 and str(out) in err, err
        assert "in use" in err and str(pid) in err
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    capsys.readouterr()
    assert main(train_argv(out, "--resume", "--steps", "3")) == 0   # the kernel dropped the dead run's lock


@pytest.mark.parametrize("left", ["metrics.csv", "frames/field_0000010.png", "curves.png"])
def test_run_files_without_a_checkpoint_are_not_overwritten(tmp_path, capsys, left):
    out = tmp_path / "old"
    (out / left).parent.mkdir(parents=True, exist_ok=True)
    (out / left).write_bytes(b"somebody's work")
    assert main(train_argv(out, "--steps", "3")) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and left.split("/")[0] in err
    assert read(out / left) == b"somebody's work"
    assert not (out / "checkpoint.npz").exists()


def test_an_empty_folder_or_one_left_by_a_run_killed_before_its_first_checkpoint_is_used(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    (out / ".minigan.lock").write_text("12345\n")
    (out / ".checkpoint-abc.npz.tmp").write_bytes(b"x")
    assert main(train_argv(out, "--steps", "3")) == 0
    assert np.isfinite(checkpoint.load(out / "checkpoint.npz")[0]["G/0.weight"]).all()
