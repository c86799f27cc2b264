"""Which split an image preset trains on: MNIST's and Fashion-MNIST's training split, else (only
the test split at hand) the test split, and one line on stderr says which."""
from pathlib import Path

import numpy as np
import pytest

from minigan.data import load_dataset, mnist, write_idx

TEST_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
TRAIN_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """A private cache, no $MINIGAN_DATA_DIR, no system directory, and no network."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MINIGAN_DATA_DIR", raising=False)
    monkeypatch.setitem(mnist.SYSTEM_DIRS, "fashion-mnist", [])

    def no_network(url, dest):
        raise AssertionError(f"a test tried to download {url}")
    monkeypatch.setattr(mnist, "fetch", no_network)


def write_split(directory, n, files):
    """n random 28x28 images and their labels, as the two gzipped IDX files of a split."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(n)
    write_idx(directory / (files[0] + ".gz"), rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), gzip=True)
    write_idx(directory / (files[1] + ".gz"), (np.arange(n) % 10).astype(np.uint8), gzip=True)


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_the_training_split_wins_and_the_log_says_so(tmp_path, name):
    write_split(tmp_path / "d", 7, TRAIN_FILES)
    write_split(tmp_path / "d", 5, TEST_FILES)
    said = []
    images, labels = load_dataset(name, data_dir=tmp_path / "d", with_labels=True, log=said.append)
    assert images.shape == (7, 1, 28, 28) and len(labels) == 7
    assert len(said) == 1 and "training split (7 images" in said[0] and str(tmp_path / "d") in said[0]


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_with_only_the_test_split_it_trains_on_that_and_says_so(tmp_path, name):
    write_split(tmp_path / "d", 5, TEST_FILES)
    said = []
    images = load_dataset(name, data_dir=tmp_path / "d", log=said.append)
    assert images.shape == (5, 1, 28, 28)
    assert len(said) == 1 and "no " + name + " training split" in said[0] and "5-image test split" in said[0]


def test_the_default_log_is_one_line_on_stderr(tmp_path, capsys):
    write_split(tmp_path / "d", 3, TRAIN_FILES)
    load_dataset("mnist", data_dir=tmp_path / "d")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "training split" in captured.err


@pytest.mark.skipif(not (SHARED_MNIST / "train-images-idx3-ubyte.gz").is_file(),
                    reason=f"MNIST's training split is not in {SHARED_MNIST}")
def test_dcgan_mnist_trains_on_the_60000_training_images(tmp_path, capsys):
    from minigan.cli import main
    assert main(["train", "--preset", "dcgan-mnist", "--data-dir", str(SHARED_MNIST), "--steps", "1",
                 "--out", str(tmp_path / "run"), "--no-progress"]) == 0
    assert "training on the mnist training split (60,000 images" in capsys.readouterr().err
