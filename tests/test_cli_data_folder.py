"""`minigan train --data`: your own images, from the command line, into a run that samples in colour.

The pictures are written by the test (several sizes and formats, a corrupt file, one sub-folder
per class); every run is a few steps of a narrow network, so the file takes seconds.
"""

import numpy as np
import pytest
from PIL import Image

from minigan import checkpoint
from minigan.cli import main

from test_data_folder import png_declaring, save      # the picture writers the loader's own tests use  # noqa: E402

TINY = ["--steps", "2", "--batch-size", "4", "--width", "4", "--no-progress"]


def status(argv):
    """``minigan ARGV``'s exit status, whether argparse or the command refused it."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def colour_folder(tmp_path):
    """Two classes of colour pictures in five formats and sizes, one nested deeper, one corrupt."""
    rng = np.random.default_rng(1)
    root = tmp_path / "mine"
    save(root / "red" / "a.png", rng.integers(0, 256, (40, 60, 3), dtype=np.uint8))
    save(root / "red" / "b.jpg", rng.integers(0, 256, (70, 35, 3), dtype=np.uint8), quality=90)
    save(root / "red" / "more" / "c.bmp", rng.integers(0, 256, (20, 20, 3), dtype=np.uint8))
    save(root / "blue" / "d.tif", rng.integers(0, 256, (33, 47, 3), dtype=np.uint8))
    save(root / "blue" / "e.webp", rng.integers(0, 256, (50, 50, 3), dtype=np.uint8))
    save(root / "blue" / "f.png", rng.integers(0, 256, (24, 30), dtype=np.uint8))          # one grey picture
    good = (root / "red" / "a.png").read_bytes()
    (root / "blue" / "broken.png").write_bytes(good[: len(good) // 3])                      # truncated
    return root


def test_a_colour_folder_trains_samples_in_colour_and_resumes(colour_folder, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--preset", "dcgan", "--data", str(colour_folder), "--image-size", "16",
                 "--out", str(out), *TINY]) == 0
    err = capsys.readouterr().err
    assert "skipped 1 unreadable file" in err and "blue/broken.png" in err
    cached = next(line for line in err.splitlines() if "cached in" in line)
    assert str(tmp_path / "xdg" / "minigan" / "folders") in cached          # where the decoded array went
    header = checkpoint.load(out / "checkpoint.npz")[1]
    assert header["config"]["data_path"] == str(colour_folder)
    assert header["config"]["overrides"]["channels"] == 3 and header["config"]["overrides"]["image_size"] == 16

    assert main(["sample", "--checkpoint", str(out), "-n", "5", "--out", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (5, 3, 16, 16) and np.abs(samples).max() <= 1
    assert main(["sample", "--checkpoint", str(out), "-n", "4", "--out", str(tmp_path / "s.png")]) == 0
    with Image.open(tmp_path / "s.png") as grid:
        assert grid.mode == "RGB"
        pixels = np.asarray(grid).astype(int)
    assert np.abs(pixels[..., 0] - pixels[..., 1]).max() > 0                # not grey drawn in three channels
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(out), "-n", "8"]) == 2     # no classifier knows your pictures
    assert "no metrics yet" in capsys.readouterr().err

    # resume reads the recorded folder again (from the cache) and carries on
    assert main(["train", "--preset", "dcgan", "--out", str(out), "--resume", "--steps", "3", "--no-progress"]) == 0
    assert "decoded earlier" in capsys.readouterr().err
    assert checkpoint.load(out / "checkpoint.npz")[1]["step"] == 3


def test_sub_folders_are_the_classes_of_a_conditional_run(colour_folder, tmp_path):
    out = tmp_path / "cond"
    assert main(["train", "--preset", "cdcgan", "--data", str(colour_folder), "--image-size", "8",
                 "--out", str(out), *TINY]) == 0
    assert checkpoint.load(out / "checkpoint.npz")[1]["config"]["overrides"]["n_classes"] == 2
    assert main(["sample", "--checkpoint", str(out), "-n", "6", "--label", "1", "--out", str(tmp_path / "c.npy")]) == 0
    assert np.load(tmp_path / "c.npy").shape == (6, 3, 8, 8)
    assert main(["sample", "--checkpoint", str(out), "-n", "4", "--label", "2", "--out", str(tmp_path / "c.npy")]) == 2


def test_channels_can_be_forced_and_fixed_presets_get_their_own_shape(colour_folder, tmp_path):
    grey = tmp_path / "grey"
    assert main(["train", "--preset", "dcgan", "--data", str(colour_folder), "--image-size", "8", "--channels", "1",
                 "--out", str(grey), *TINY]) == 0
    assert main(["sample", "--checkpoint", str(grey), "-n", "3", "--out", str(tmp_path / "g.npy")]) == 0
    assert np.load(tmp_path / "g.npy").shape == (3, 1, 8, 8)
    digits = tmp_path / "digits"      # dcgan-digits reads 1x8x8: the colour pictures are converted
    assert main(["train", "--preset", "dcgan-digits", "--data", str(colour_folder), "--out", str(digits), *TINY]) == 0
    assert main(["sample", "--checkpoint", str(digits), "-n", "3", "--out", str(tmp_path / "d.npy")]) == 0
    assert np.load(tmp_path / "d.npy").shape == (3, 1, 8, 8)


def test_an_array_file_trains_too(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (12, 10, 10, 3), dtype=np.uint8)    # (N, H, W, C)
    np.save(tmp_path / "x.npy", images)
    out = tmp_path / "arr"
    assert main(["train", "--preset", "dcgan", "--data", str(tmp_path / "x.npy"), "--image-size", "8",
                 "--out", str(out), *TINY]) == 0
    assert main(["sample", "--checkpoint", str(out), "-n", "2", "--out", str(tmp_path / "a.npy")]) == 0
    assert np.load(tmp_path / "a.npy").shape == (2, 3, 8, 8)


def _bad_folder(tmp_path, case):
    folder = tmp_path / case
    folder.mkdir()
    if case == "non-images":
        (folder / "notes.txt").write_text("hello")
        (folder / "table.csv").write_text("1,2,3")
    elif case == "unreadable":
        (folder / "a.png").write_bytes(b"not a png at all")
        (folder / "b.jpg").write_bytes(b"\xff\xd8\xff truncated")
    elif case == "bomb":
        save(folder / "fine.png", np.zeros((8, 8, 3), np.uint8))
        (folder / "bomb.png").write_bytes(png_declaring(60_000, 60_000))
    return folder


@pytest.mark.parametrize("case, words", [("empty", "holds no files"), ("non-images", "none of its 2 files is an image"),
                                         ("unreadable", "none of its 2 image files could be read"),
                                         ("bomb", "decompression bomb")])
def test_bad_folders_give_one_line_and_exit_2(tmp_path, capsys, case, words):
    folder = _bad_folder(tmp_path, case)
    out = tmp_path / "run"
    assert main(["train", "--preset", "dcgan", "--data", str(folder), "--image-size", "8", "--out", str(out),
                 *TINY]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("minigan train: error") and words in lines[0]
    assert str(folder) in lines[0]
    assert not (out / "checkpoint.npz").exists()


@pytest.mark.parametrize("argv, words", [
    (["--preset", "ring8", "--data", "."], "trains on 2D points"),
    (["--preset", "dcgan-mnist", "--image-size", "32"], "read 1x28x28 images"),
    (["--preset", "dcgan", "--image-size", "30"], "not B * 2^k"),
    (["--preset", "dcgan", "--data", "no/such/folder"], "no such file or folder"),
    (["--preset", "dcgan", "--data", ".", "--dataset", "photo-crops"], "--data replaces --dataset"),
    (["--preset", "dcgan", "--channels", "2"], "invalid choice"),
])
def test_flags_that_do_not_fit_give_one_line_and_exit_2(tmp_path, capsys, argv, words):
    assert status(["train", *argv, "--out", str(tmp_path / "r"), *TINY]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err


def test_a_conditional_preset_needs_class_folders(tmp_path, capsys):
    flat = tmp_path / "flat"
    for i in range(6):
        save(flat / f"{i}.png", np.full((9, 9, 3), 40 * i, np.uint8))
    assert main(["train", "--preset", "cdcgan", "--data", str(flat), "--image-size", "8",
                 "--out", str(tmp_path / "r"), *TINY]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "one sub-folder per class" in err[-1]


def test_the_photo_presets_train_in_colour_with_no_download(tmp_path):
    demo, cond = tmp_path / "demo", tmp_path / "cond"
    assert main(["train", "--preset", "dcgan-photos", "--out", str(demo), *TINY]) == 0
    assert main(["sample", "--checkpoint", str(demo), "-n", "3", "--out", str(tmp_path / "p.npy")]) == 0
    assert np.load(tmp_path / "p.npy").shape == (3, 3, 32, 32)
    assert main(["train", "--preset", "cdcgan", "--out", str(cond), *TINY]) == 0     # a class per photo
    assert main(["sample", "--checkpoint", str(cond), "-n", "2", "--label", "1", "--out", str(tmp_path / "c.npy")]) == 0
    assert np.load(tmp_path / "c.npy").shape == (2, 3, 32, 32)
