"""Every mistake a user can make is one line on stderr and exit status 2, and loses nothing."""
import errno
import os
import struct
import zlib

import numpy as np
import pytest

from minigan import checkpoint
from minigan.cli import main
from minigan.train import Run


def one_line_error(capsys):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error" in err and "Traceback" not in err, err
    return err


def train_argv(out, *extra):
    return ["train", "--preset", "ring8", "--out", str(out), "--no-progress", *extra]


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("errors") / "ring"
    assert main(train_argv(out, "--steps", "6", "--checkpoint-every", "3")) == 0
    return out


def test_out_that_is_a_file(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("mine")
    assert main(train_argv(path, "--steps", "2")) == 2
    assert "is a file" in one_line_error(capsys)
    assert path.read_text() == "mine"


def test_out_that_cannot_be_created(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(train_argv(tmp_path / "notes.txt" / "run", "--steps", "2")) == 2
    assert "cannot create" in one_line_error(capsys)


def test_out_in_a_folder_one_may_not_write_to(tmp_path, capsys, monkeypatch):
    def refuse(*args, **kwargs):     # tests may run as root, which chmod cannot stop
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "locked"))
    monkeypatch.setattr(os, "makedirs", refuse)
    assert main(train_argv(tmp_path / "locked" / "run", "--steps", "2")) == 2
    assert "Permission denied" in one_line_error(capsys)


def test_a_full_disk_while_saving_keeps_the_previous_checkpoint(tmp_path, capsys, monkeypatch):
    out = tmp_path / "full"
    real_savez, calls = np.savez, []

    def savez_then_disk_full(f, **arrays):
        calls.append(1)
        if len(calls) == 2:   # the checkpoint at step 3: the disk fills up half-way through
            f.write(b"PK\x03\x04 half a checkpoint")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_savez(f, **arrays)
    monkeypatch.setattr(np, "savez", savez_then_disk_full)
    assert main(train_argv(out, "--steps", "6", "--checkpoint-every", "3")) == 2
    err = one_line_error(capsys)
    assert "No space left" in err and "previous checkpoint was kept" in err
    assert checkpoint.load(out / "checkpoint.npz")[1]["step"] == 0
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]


def test_an_absurd_batch_size(tmp_path, capsys):
    assert main(train_argv(tmp_path / "b", "--steps", "2", "--batch-size", "1000000000")) == 2
    assert "--batch-size" in one_line_error(capsys)


def test_resume_with_steps_below_the_checkpoint_does_nothing(ring_run, capsys):
    before = {n: (ring_run / n).read_bytes() for n in ("checkpoint.npz", "metrics.csv")}
    capsys.readouterr()
    assert main(train_argv(ring_run, "--resume", "--steps", "3")) == 2
    err = one_line_error(capsys)
    assert "step 6" in err and "nothing done" in err
    assert {n: (ring_run / n).read_bytes() for n in before} == before


@pytest.mark.parametrize("lam", ["nan", "inf", "-1"])
def test_inpaint_lam_not_finite_or_negative(tmp_path, capsys, lam):
    argv = ["inpaint", "--checkpoint", "c.npz", "--image", "i.npy", "--mask", "m.npy", "--out",
            str(tmp_path / "o.npy"), "--lam", lam]
    assert main(argv) == 2
    assert "--lam" in one_line_error(capsys)


def test_sample_out_with_an_upper_case_extension_is_written_under_that_name(ring_run, tmp_path, capsys):
    out = tmp_path / "x.NPY"
    assert main(["sample", "--checkpoint", str(ring_run / "checkpoint.npz"), "-n", "5", "--out", str(out)]) == 0
    assert os.listdir(tmp_path) == ["x.NPY"]
    assert np.load(out).shape == (5, 2)


def png_header_only(path, width, height):
    """A PNG that declares width x height pixels but holds one row of data (a decompression bomb's shape)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))


def test_inpaint_a_huge_image(tmp_path, capsys):
    png_header_only(tmp_path / "huge.png", 30000, 30000)
    argv = ["inpaint", "--checkpoint", "c.npz", "--image", str(tmp_path / "huge.png"), "--mask", "m.png",
            "--out", str(tmp_path / "o.npy")]
    assert main(argv) == 2
    assert "huge.png" in one_line_error(capsys)


def test_inpaint_an_npy_declaring_a_huge_shape(tmp_path, capsys):
    path = tmp_path / "huge.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False,
                                                 "shape": (100000, 1, 1000, 1000)})
        f.write(b"\0" * 64)
    argv = ["inpaint", "--checkpoint", "c.npz", "--image", str(path), "--mask", "m.npy", "--out", str(tmp_path / "o.npy")]
    assert main(argv) == 2
    assert "huge.npy" in one_line_error(capsys)


@pytest.mark.parametrize("bad", [np.nan, np.inf, 3.0])
def test_training_data_with_non_finite_or_out_of_range_values_is_refused_with_a_count(tmp_path, bad):
    images = np.random.default_rng(0).uniform(-1, 1, (64, 1, 8, 8)).astype(np.float32)
    images[[1, 5, 9], 0, 2, 3] = bad
    with pytest.raises(ValueError, match="3 of 4096 values"):
        Run("dcgan-digits", out=str(tmp_path / "d"), steps=2, data=(images, np.zeros(64, np.int64)), progress=False)


def test_a_data_dir_that_does_not_exist_is_an_error_not_created(tmp_path, capsys):
    missing = tmp_path / "no" / "such"
    assert main(["train", "--preset", "dcgan-mnist", "--data-dir", str(missing), "--steps", "1", "--out",
                 str(tmp_path / "run"), "--no-progress"]) == 2
    assert str(missing) in one_line_error(capsys)
    assert not (tmp_path / "no").exists()


def test_a_relative_data_dir_in_a_checkpoint_is_resolved_against_the_run_and_never_created(ring_run, tmp_path,
                                                                                          capsys, monkeypatch):
    out = tmp_path / "moved"
    out.mkdir()
    for name in ("checkpoint.npz", "metrics.csv"):
        (out / name).write_bytes((ring_run / name).read_bytes())
    arrays, header = checkpoint.load(out / "checkpoint.npz")
    header["config"]["data_dir"] = "data"
    checkpoint.save(out / "checkpoint.npz", arrays, header)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()          # a folder of that name in the current directory must not be used
    assert main(train_argv(out, "--resume", "--steps", "8")) == 2
    assert str(out / "data") in one_line_error(capsys)
    assert not (out / "data").exists()
