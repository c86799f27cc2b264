"""``minigan inpaint`` end to end on a small checkpoint, and its one-line errors for bad input."""
import numpy as np
import pytest
from PIL import Image

from minigan.cli import main
from minigan.train import Run, save_run


def fresh_checkpoint(preset, out):
    """The checkpoint a run of ``preset`` starts from, written without training (the command does
    not care how good G is, and skipping the run's pictures keeps the test quick)."""
    run = Run(preset, out=str(out), steps=1, progress=False)
    return save_run(run.ckpt_path, run)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """dcgan-digits: 8x8 images, BatchNorm in G (so eval mode matters), offline."""
    return fresh_checkpoint("dcgan-digits", tmp_path_factory.mktemp("inpaint") / "run")


def images(n=3):
    return np.random.default_rng(0).uniform(-1, 1, (n, 1, 8, 8)).astype(np.float32)


def hole():
    m = np.ones((8, 8), np.float32)
    m[2:6, 2:6] = 0
    return m


def test_npy_batch_in_npy_out_keeps_known_pixels(checkpoint, tmp_path, capsys):
    np.save(tmp_path / "x.npy", images())
    np.save(tmp_path / "m.npy", hole())
    assert main(["inpaint", "--checkpoint", checkpoint, "--image", str(tmp_path / "x.npy"), "--mask",
                 str(tmp_path / "m.npy"), "--out", str(tmp_path / "out.npy"), "--steps", "15"]) == 0
    out = np.load(tmp_path / "out.npy")
    assert out.shape == (3, 1, 8, 8) and out.dtype == np.float32 and np.abs(out).max() <= 1
    np.testing.assert_array_equal(out[..., hole() == 1], images()[..., hole() == 1])
    assert not np.allclose(out[..., hole() == 0], images()[..., hole() == 0])   # the hole was refilled
    assert "inpainted 3 image(s) of shape (1, 8, 8)" in capsys.readouterr().out


def test_png_in_png_out_round_trips(checkpoint, tmp_path):
    x = images(1)
    Image.fromarray(np.rint((x[0, 0] + 1) * 127.5).astype(np.uint8)).save(tmp_path / "x.png")
    Image.fromarray((hole() * 255).astype(np.uint8)).save(tmp_path / "m.png")
    assert main(["inpaint", "--checkpoint", checkpoint, "--image", str(tmp_path / "x.png"), "--mask",
                 str(tmp_path / "m.png"), "--out", str(tmp_path / "out.png"), "--steps", "5"]) == 0
    out = np.asarray(Image.open(tmp_path / "out.png"))
    assert out.shape == (8, 8)
    np.testing.assert_allclose(out[hole() == 1] / 127.5 - 1, x[0, 0][hole() == 1], atol=1 / 127.5)


@pytest.mark.parametrize("case, message", [
    ("missing image", "--image {d}/nope.npy: no such file"),
    ("missing mask", "--mask {d}/nope.npy: no such file"),
    ("image shape", "images of shape (1, 5, 5), but the generator"),
    ("mask shape", "does not fit the images' shape (3, 1, 8, 8)"),
    ("mask values", "values must be 0 (missing) or 1 (known)"),
    ("image range", "values must lie in [-1, 1]"),
    ("nothing missing", "no pixel is marked missing"),
    ("bad extension", "--out {d}/out.jpg: expected a .npy or .png file"),
    ("negative lam", "argument --lam: must be 0 or more"),
])
def test_bad_input_exits_2_with_one_line(checkpoint, tmp_path, capsys, case, message):
    d = tmp_path
    np.save(d / "x.npy", images())
    np.save(d / "m.npy", hole())
    args = {"--image": d / "x.npy", "--mask": d / "m.npy", "--out": d / "out.npy"}
    extra = []
    if case == "missing image":
        args["--image"] = d / "nope.npy"
    elif case == "missing mask":
        args["--mask"] = d / "nope.npy"
    elif case == "image shape":
        np.save(d / "x.npy", np.zeros((5, 5), np.float32))
        np.save(d / "m.npy", np.eye(5))
    elif case == "mask shape":
        np.save(d / "m.npy", np.ones((2, 1, 8, 8)))
    elif case == "mask values":
        np.save(d / "m.npy", hole() * 0.5)
    elif case == "image range":
        np.save(d / "x.npy", images() * 200)
    elif case == "nothing missing":
        np.save(d / "m.npy", np.ones((8, 8)))
    elif case == "bad extension":
        args["--out"] = d / "out.jpg"
    elif case == "negative lam":
        extra = ["--lam", "-1"]
    argv = ["inpaint", "--checkpoint", checkpoint, "--steps", "2", *extra]
    for flag, value in args.items():
        argv += [flag, str(value)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message.format(d=d) in err, err
    assert not (d / "out.npy").exists()


def test_a_missing_checkpoint_is_one_line_like_the_other_commands(tmp_path, capsys):
    np.save(tmp_path / "x.npy", images())
    np.save(tmp_path / "m.npy", hole())
    status = main(["inpaint", "--checkpoint", str(tmp_path / "none.npz"), "--image", str(tmp_path / "x.npy"),
                   "--mask", str(tmp_path / "m.npy"), "--out", str(tmp_path / "o.npy")])
    assert status == main(["sample", "--checkpoint", str(tmp_path / "none.npz"), "--out", str(tmp_path / "s.npy")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status != 0 and len(err) == 2 and "no such checkpoint file" in err[0]


def test_a_2d_checkpoint_is_refused(tmp_path, capsys):
    ring = fresh_checkpoint("ring8", tmp_path / "ring")
    np.save(tmp_path / "x.npy", images())
    np.save(tmp_path / "m.npy", hole())
    assert main(["inpaint", "--checkpoint", ring, "--image", str(tmp_path / "x.npy"),
                 "--mask", str(tmp_path / "m.npy"), "--out", str(tmp_path / "o.npy")]) == 2
    assert "draws points, not images" in capsys.readouterr().err
