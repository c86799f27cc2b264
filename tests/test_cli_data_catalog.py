"""`minigan data`: the listing, `minigan data add`, and a run that finds the added data with no flag.

Everything lives under a temporary cache (XDG_CACHE_HOME); the real MNIST files are read from where
the command line finds them, or the shared copy, and the tests that need them are skipped without.
"""
import os
import shutil
from pathlib import Path

import pytest

from minigan import checkpoint
from minigan.cli import main
from minigan.data import mnist



def _real_mnist():
    """A folder holding MNIST's four files: where the command line looks (read before any test moves
    the cache), then the project machines' shared copy."""
    places = [Path(os.environ["MINIGAN_DATA_DIR"]) / "mnist"] if os.environ.get("MINIGAN_DATA_DIR") else []
    places += [mnist.cache_dir("mnist"), Path("/work/shared/data/mnist")]
    bases = [base for pair in mnist.SPLITS.values() for base in pair]
    return next((p for p in places if all(any(p.glob(base + "*")) for base in bases)), None)


SHARED_MNIST = _real_mnist()
needs_mnist = pytest.mark.skipif(SHARED_MNIST is None, reason="the real MNIST files are not at hand")


def status(argv):
    """``minigan ARGV``'s exit status, whether argparse or the command refused it."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MINIGAN_DATA_DIR", raising=False)

    def no_network(url, dest):
        raise OSError(f"the test forbids downloading {url}")
    monkeypatch.setattr(mnist, "fetch", no_network)


def test_the_listing_says_where_each_data_set_is_or_would_be(tmp_path, capsys):
    assert main(["data"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip() and not line.startswith(" ")}
    assert "built in" in lines["photo-crops"] and "built in" in lines["digits"]
    assert "not found; looked in" in lines["mnist"] and str(tmp_path / "xdg" / "minigan" / "mnist") in lines["mnist"]
    assert "minigan data add" in out


@needs_mnist
def test_add_then_train_finds_mnist_without_a_data_dir(tmp_path, capsys):
    assert main(["data", "add", "mnist", str(SHARED_MNIST)]) == 0
    cache = tmp_path / "xdg" / "minigan" / "mnist"
    assert "checked" in capsys.readouterr().err
    assert sorted(p.name for p in cache.iterdir()) == sorted(p.name for p in SHARED_MNIST.glob("*-ubyte*"))

    assert main(["data"]) == 0
    listing = capsys.readouterr().out
    mnist_lines = [line for line in listing.splitlines() if str(cache) in line]
    assert len(mnist_lines) == 2 and all("checksums match" in line for line in mnist_lines)

    out = tmp_path / "run"
    assert main(["train", "--preset", "dcgan-mnist", "--steps", "2", "--batch-size", "8", "--width", "4",
                 "--out", str(out), "--no-progress"]) == 0
    assert "test split" not in capsys.readouterr().err          # the 60,000 training images were found
    assert checkpoint.load(out / "checkpoint.npz")[1]["config"]["data_dir"] is None
    images, labels = mnist.load_mnist("test", download=False)     # what the chapters call
    assert images.shape == (10_000, 1, 28, 28) and labels.shape == (10_000,)


@needs_mnist
def test_add_refuses_a_damaged_copy_in_one_line_and_copies_nothing(tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    for base in mnist.SPLITS["test"]:
        shutil.copy(next(SHARED_MNIST.glob(base + "*")), bad)
    labels = next(bad.glob("t10k-labels*"))
    data = bytearray(labels.read_bytes())
    data[-12] ^= 0xFF
    labels.write_bytes(bytes(data))
    assert main(["data", "add", "mnist", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and labels.name in err and "checksum" in err
    assert not (tmp_path / "xdg" / "minigan" / "mnist").exists()


@pytest.mark.parametrize("argv, words", [(["add", "cifar10", "."], "invalid choice"),
                                         (["add", "mnist", "no/such/dir"], "no such folder"),
                                         (["add", "fashion-mnist", "."], "holds no fashion-mnist files")])
def test_bad_add_requests_give_one_line_and_exit_2(tmp_path, capsys, argv, words, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert status(["data", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err


DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not any(DEBIAN_FASHION.glob("train-images*")), reason="Debian's dataset-fashion-mnist is absent")
def test_add_fashion_mnist_from_debians_recompressed_copy(tmp_path, capsys):
    assert main(["data", "add", "fashion-mnist", str(DEBIAN_FASHION)]) == 0
    cache = tmp_path / "xdg" / "minigan" / "fashion-mnist"
    assert main(["data"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if str(cache) in line]
    assert len(lines) == 2 and all("checksums match" in line for line in lines)
