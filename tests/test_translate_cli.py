"""`minigan translate`: .npy, .png and folders in, the generator's translations out; bad input is
one line and exit status 2."""
import numpy as np
import pytest
from PIL import Image

from minigan.cli import main
from minigan.i2i.data import edges
from minigan.i2i.run import load_translation, train_translation


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """A tiny trained checkpoint of each kind (28x28, width 3, 2 steps)."""
    rng = np.random.default_rng(0)
    digits = np.tanh(2 * rng.standard_normal((8, 1, 28, 28))).astype(np.float32)
    found = {}
    for name, data in [("pix2pix-edges2mnist", (edges(digits), digits)),
                       ("cyclegan-digits2mnist", (digits[::-1].copy(), digits))]:
        out = tmp_path_factory.mktemp(name)
        train_translation(name, str(out), steps=2, batch_size=4, width=3, data=data, log=lambda m: None)
        found[name] = str(out / "checkpoint.npz")
    return found


def images(n=3, seed=1, size=28):
    return np.tanh(np.random.default_rng(seed).standard_normal((n, 1, size, size))).astype(np.float32)


def expected(checkpoint, x, direction="a2b"):
    preset, nets, _ = load_translation(checkpoint)
    return preset.translator(nets, direction).forward(x)


def one_line_error(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("minigan translate: error:")
    return err


@pytest.mark.parametrize("direction", ["a2b", "b2a"])
def test_npy_in_npy_out_equals_the_generator(tmp_path, checkpoints, direction):
    ckpt = checkpoints["cyclegan-digits2mnist"]
    x = images()
    np.save(tmp_path / "in.npy", x[:, 0])                                   # (N, H, W) is read as grey
    assert main(["translate", "--checkpoint", ckpt, "--input", str(tmp_path / "in.npy"),
                 "--out", str(tmp_path / "out.npy"), "--direction", direction]) == 0
    out = np.load(tmp_path / "out.npy")
    assert out.shape == (3, 1, 28, 28)
    np.testing.assert_allclose(out, expected(ckpt, x, direction), atol=1e-6)
    other = expected(ckpt, x, "b2a" if direction == "a2b" else "a2b")
    assert np.abs(out - other).max() > 1e-3                                 # the direction matters


def test_png_in_png_out(tmp_path, checkpoints):
    ckpt = checkpoints["pix2pix-edges2mnist"]
    picture = (np.random.default_rng(2).random((28, 28)) > 0.7).astype(np.uint8) * 255
    Image.fromarray(picture).save(tmp_path / "edge.png")
    assert main(["translate", "--checkpoint", ckpt, "--input", str(tmp_path / "edge.png"),
                 "--out", str(tmp_path / "digit.png")]) == 0
    with Image.open(tmp_path / "digit.png") as im:
        assert im.size == (28, 28)
        got = np.asarray(im.convert("L")).astype(np.float32) / 127.5 - 1
    want = expected(ckpt, (picture.astype(np.float32) / 127.5 - 1)[None, None])[0, 0]
    assert np.abs(got - want).max() < 2 / 255 + 1e-6                        # one grey level of rounding


def test_a_folder_in_gives_a_folder_out_with_the_same_names(tmp_path, checkpoints, capsys):
    ckpt = checkpoints["cyclegan-digits2mnist"]
    folder = tmp_path / "in"
    folder.mkdir()
    np.save(folder / "batch.npy", images(4))
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(folder / "blank.png")
    (folder / "notes.txt").write_text("not an image")
    assert main(["translate", "--checkpoint", ckpt, "--input", str(folder), "--out", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["batch.npy", "blank.png"]
    np.testing.assert_allclose(np.load(tmp_path / "out" / "batch.npy"), expected(ckpt, images(4)), atol=1e-6)
    assert "5 image(s) from 2 file(s)" in capsys.readouterr().out


def test_bad_inputs_are_one_line_and_exit_2(tmp_path, checkpoints, capsys):
    p2p, cyc = checkpoints["pix2pix-edges2mnist"], checkpoints["cyclegan-digits2mnist"]
    np.save(tmp_path / "rgb.npy", np.zeros((2, 3, 28, 28), np.float32))
    np.save(tmp_path / "odd.npy", np.zeros((2, 1, 30, 30), np.float32))
    np.save(tmp_path / "ok.npy", images(1))
    (tmp_path / "empty").mkdir()
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "not_a_checkpoint.npz").write_bytes(b"garbage")
    base = ["translate", "--checkpoint"]
    assert "3 channels" in one_line_error(capsys, base + [cyc, "--input", str(tmp_path / "rgb.npy"),
                                                          "--out", str(tmp_path / "o.npy")])
    assert "multiples of 4" in one_line_error(capsys, base + [cyc, "--input", str(tmp_path / "odd.npy"),
                                                              "--out", str(tmp_path / "o.npy")])
    assert "one way only" in one_line_error(capsys, base + [p2p, "--input", str(tmp_path / "ok.npy"),
                                                            "--out", str(tmp_path / "o.npy"), "--direction", "b2a"])
    assert ".npy or .png" in one_line_error(capsys, base + [cyc, "--input", str(tmp_path / "ok.npy"),
                                                            "--out", str(tmp_path / "o.jpg")])
    assert "no .npy or .png" in one_line_error(capsys, base + [cyc, "--input", str(tmp_path / "empty"),
                                                               "--out", str(tmp_path / "o")])
    assert "no such file" in one_line_error(capsys, base + [cyc, "--input", str(tmp_path / "missing.npy"),
                                                            "--out", str(tmp_path / "o.npy")])
    assert "not a minigan checkpoint" in one_line_error(
        capsys, base + [str(tmp_path / "not_a_checkpoint.npz"), "--input", str(tmp_path / "ok.npy"),
                        "--out", str(tmp_path / "o.npy")])
    assert not (tmp_path / "o.npy").exists()                                # nothing written on a refusal


def test_a_gan_checkpoint_is_refused_in_one_line(tmp_path, capsys):
    from minigan import checkpoint
    checkpoint.save(tmp_path / "gan.npz", {"G/0.weight": np.zeros(2)}, {"config": {"preset": "ring8"}, "step": 1})
    np.save(tmp_path / "ok.npy", images(1))
    err = one_line_error(capsys, ["translate", "--checkpoint", str(tmp_path / "gan.npz"), "--input",
                                  str(tmp_path / "ok.npy"), "--out", str(tmp_path / "o.npy")])
    assert "not an image-to-image checkpoint" in err
