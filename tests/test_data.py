"""IDX files, MNIST/Fashion-MNIST search and download, digits, and the batch iterator.

No test touches the network: an autouse fixture replaces ``mnist.fetch`` with one that
fails, and the download tests install their own fake.
"""
import gzip
import hashlib
import os
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from minigan.backend import backend_of, to_numpy
from minigan.data import (ChecksumError, DatasetNotFound, IDXError, batches, load_digits,
                          load_fashion_mnist, load_mnist, mnist, read_idx, write_idx)

SHARED_MNIST = Path("/work/shared/data/mnist")
TEST_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
TRAIN_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """A private cache, no $MINIGAN_DATA_DIR, no system directory, and no network."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MINIGAN_DATA_DIR", raising=False)
    monkeypatch.setitem(mnist.SYSTEM_DIRS, "fashion-mnist", [tmp_path / "system"])

    def no_network(url, dest):
        raise AssertionError(f"a test tried to download {url}")
    monkeypatch.setattr(mnist, "fetch", no_network)


def fake_split(directory, n, files=TEST_FILES, gz=True, n_labels=None):
    """Write a tiny valid split (n images of 28x28, n_labels labels) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(n)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n if n_labels is None else n_labels) % 10).astype(np.uint8)
    suffix = ".gz" if gz else ""
    write_idx(directory / (files[0] + suffix), images, gzip=gz)
    write_idx(directory / (files[1] + suffix), labels, gzip=gz)
    return images, labels


# ---------------------------------------------------------------- IDX

@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), (2, 1, 3, 2)])
@pytest.mark.parametrize("gz", [True, False])
def test_idx_round_trip(tmp_path, dtype, shape, gz):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(shape) * 100).astype(dtype)
    write_idx(tmp_path / "a.idx", a, gzip=gz)
    b = read_idx(tmp_path / "a.idx")
    assert b.dtype == np.dtype(dtype) and b.shape == shape and b.flags.writeable
    np.testing.assert_array_equal(a, b)


def test_idx_gzip_is_detected_by_content_not_name(tmp_path):
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    write_idx(tmp_path / "no-suffix", a, gzip=True)
    write_idx(tmp_path / "lying.gz", a, gzip=False)
    assert (tmp_path / "no-suffix").read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(tmp_path / "no-suffix"), a)
    np.testing.assert_array_equal(read_idx(tmp_path / "lying.gz"), a)


def test_idx_header_layout(tmp_path):
    write_idx(tmp_path / "x", np.zeros((2, 3), np.uint8), gzip=False)
    assert (tmp_path / "x").read_bytes() == bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(6)


def test_write_idx_refuses_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match="int64"):
        write_idx(tmp_path / "x", np.zeros(3, np.int64))


GOOD = bytes([0, 0, 0x08, 1, 0, 0, 0, 4]) + bytes([1, 2, 3, 4])


@pytest.mark.parametrize("raw, problem", [
    (b"\x00\x00", "too short"),
    (b"\x01" + GOOD[1:], "bad magic number"),
    (GOOD[:2] + b"\x0a" + GOOD[3:], "unknown type code 0x0A"),
    (GOOD[:3] + b"\x00" + GOOD[4:], "0 dimensions"),
    (GOOD[:6], "header truncated"),
    (GOOD[:-1], "truncated payload"),
    (GOOD + b"\x00\x00", "2 trailing bytes"),
    (bytes([0, 0, 0x0B, 1, 0, 0, 0, 4]) + bytes(7), "truncated payload"),  # 4 shorts need 8 bytes
])
@pytest.mark.parametrize("gz", [True, False])
def test_idx_errors_name_file_and_problem(tmp_path, raw, problem, gz):
    path = tmp_path / "broken-file.idx"
    path.write_bytes(gzip.compress(raw) if gz else raw)
    with pytest.raises(IDXError) as err:
        read_idx(path)
    assert "broken-file.idx" in str(err.value) and problem in str(err.value)
    assert isinstance(err.value, ValueError)


def test_idx_corrupt_gzip(tmp_path):
    path = tmp_path / "half.gz"
    path.write_bytes(gzip.compress(GOOD * 50)[:20])
    with pytest.raises(IDXError, match="half.gz.*corrupt gzip"):
        read_idx(path)


# ---------------------------------------------------------------- MNIST: the real test set

@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="MNIST test files not present")
def test_real_mnist_test_set():
    x, y = load_mnist("test", data_dir=SHARED_MNIST, download=False)
    assert x.shape == (10000, 1, 28, 28) and x.dtype == np.float32
    assert x.min() == -1.0 and x.max() == 1.0
    assert y.shape == (10000,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(10))


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="MNIST test files not present")
def test_md5_table_matches_the_real_files():
    for base in TEST_FILES:
        assert mnist.md5sum(SHARED_MNIST / (base + ".gz")) == mnist.MD5["mnist"][base + ".gz"]


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="MNIST test files not present")
def test_only_test_split_present_says_so(tmp_path):
    only_test = tmp_path / "mnist"
    only_test.mkdir()
    for base in TEST_FILES:   # the real test split alone, as a folder holding just t10k-* would be
        (only_test / (base + ".gz")).symlink_to(SHARED_MNIST / (base + ".gz"))
    with pytest.raises(DatasetNotFound) as err:
        load_mnist("train", data_dir=only_test, download=False)
    msg = str(err.value)
    assert "train-images-idx3-ubyte.gz" in msg and str(only_test) in msg and "split='test'" in msg


# ---------------------------------------------------------------- MNIST: where files are found

def test_scaling_and_ungzipped_names(tmp_path):
    images, labels = fake_split(tmp_path / "d", 6, gz=False)
    x, y = load_mnist("test", data_dir=tmp_path / "d", download=False)
    np.testing.assert_allclose(x[:, 0], images / 127.5 - 1, atol=1e-6)
    np.testing.assert_array_equal(y, labels)


def test_search_order(tmp_path, monkeypatch):
    fake_split(tmp_path / "arg", 3)
    fake_split(tmp_path / "env" / "mnist", 4)
    fake_split(tmp_path / "xdg" / "minigan" / "mnist", 5)
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(tmp_path / "env"))
    assert len(load_mnist("test", data_dir=tmp_path / "arg")[0]) == 3   # data_dir first
    assert len(load_mnist("test")[0]) == 4                             # then $MINIGAN_DATA_DIR/mnist
    monkeypatch.delenv("MINIGAN_DATA_DIR")
    assert len(load_mnist("test")[0]) == 5                             # then the cache


def test_cache_falls_back_to_home(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    fake_split(tmp_path / "home" / ".cache" / "minigan" / "fashion-mnist", 7)
    assert len(load_fashion_mnist("test", download=False)[0]) == 7
    with pytest.raises(DatasetNotFound):  # Fashion-MNIST files are not MNIST files
        load_mnist("test", download=False)


def test_fashion_system_directory(tmp_path):
    fake_split(tmp_path / "system", 2)
    assert len(load_fashion_mnist("test", download=False)[0]) == 2


def test_split_files_must_come_from_one_directory(tmp_path):
    fake_split(tmp_path / "arg", 3)
    (tmp_path / "arg" / "t10k-labels-idx1-ubyte.gz").unlink()
    fake_split(tmp_path / "xdg" / "minigan" / "mnist", 5)
    assert len(load_mnist("test", data_dir=tmp_path / "arg", download=False)[0]) == 5


def test_image_and_label_counts_must_match(tmp_path):
    fake_split(tmp_path / "d", 3, n_labels=4)
    with pytest.raises(IDXError) as err:
        load_mnist("test", data_dir=tmp_path / "d", download=False)
    msg = str(err.value)
    assert "t10k-images-idx3-ubyte.gz" in msg and "t10k-labels-idx1-ubyte.gz" in msg
    assert "3 images" in msg and "4 labels" in msg


def test_bad_split_name():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        load_mnist("valid")


# ---------------------------------------------------------------- MNIST: downloads (faked)

@pytest.fixture
def served(tmp_path, monkeypatch):
    """Fake mirrors: the bytes of a small valid test split, with the MD5 table patched to match."""
    fake_split(tmp_path / "served", 8)
    files = {}
    for base in TEST_FILES:
        data = (tmp_path / "served" / (base + ".gz")).read_bytes()
        files[base + ".gz"] = data
        monkeypatch.setitem(mnist.MD5["mnist"], base + ".gz", hashlib.md5(data).hexdigest())
    calls = []

    def install(behaviour):
        def fake_fetch(url, dest):
            calls.append(url)
            Path(dest).write_bytes(behaviour(url, files[url.rsplit("/", 1)[1]]))
        monkeypatch.setattr(mnist, "fetch", fake_fetch)
        return calls
    return install


def test_download_correct_bytes(tmp_path, served):
    calls = served(lambda url, data: data)
    x, y = load_mnist("test", data_dir=tmp_path / "new")
    assert x.shape == (8, 1, 28, 28) and len(calls) == 2
    assert calls[0].startswith(mnist.MIRRORS["mnist"][0])
    assert sorted(os.listdir(tmp_path / "new")) == sorted(b + ".gz" for b in TEST_FILES)


def test_download_defaults_to_the_cache(tmp_path, served):
    served(lambda url, data: data)
    load_mnist("test")
    assert sorted(os.listdir(tmp_path / "xdg" / "minigan" / "mnist")) == sorted(b + ".gz" for b in TEST_FILES)


def test_download_wrong_bytes_leaves_nothing(tmp_path, served):
    calls = served(lambda url, data: data[:-10] + bytes(10))
    with pytest.raises(ChecksumError) as err:
        load_mnist("test", data_dir=tmp_path / "new")
    assert "t10k-images-idx3-ubyte.gz" in str(err.value) and "MD5" in str(err.value)
    assert len(calls) == len(mnist.MIRRORS["mnist"])  # every mirror was tried
    assert os.listdir(tmp_path / "new") == []          # neither the file nor a temp file


def test_download_falls_back_to_next_mirror(tmp_path, served):
    def first_mirror_down(url, data):
        if url.startswith(mnist.MIRRORS["mnist"][0]):
            raise urllib.error.URLError("connection refused")
        return data
    served(first_mirror_down)
    assert len(load_mnist("test", data_dir=tmp_path / "new")[0]) == 8
    assert not [f for f in os.listdir(tmp_path / "new") if f.endswith(".part")]


def test_network_error_lists_directories(tmp_path, monkeypatch):
    def offline(url, dest):
        Path(dest).write_bytes(b"partial")  # a half-written file must not survive
        raise urllib.error.URLError("Name or service not known")
    monkeypatch.setattr(mnist, "fetch", offline)
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(DatasetNotFound) as err:
        load_mnist("train", data_dir=tmp_path / "new")
    msg = str(err.value)
    for d in (tmp_path / "new", tmp_path / "env" / "mnist", tmp_path / "xdg" / "minigan" / "mnist"):
        assert str(d) in msg
    assert "train-images-idx3-ubyte.gz" in msg and "download failed" in msg
    assert os.listdir(tmp_path / "new") == []


def test_download_false_never_fetches(tmp_path):
    # The autouse fixture's fetch raises AssertionError if called.
    with pytest.raises(DatasetNotFound, match="download=False"):
        load_fashion_mnist("test", data_dir=tmp_path / "nothing", download=False)


# ---------------------------------------------------------------- digits

def test_digits():
    x, y = load_digits()
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float32
    assert x.min() == -1.0 and x.max() == 1.0
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))


# ---------------------------------------------------------------- batches

def test_batches_cover_every_index_once(backend):
    data = np.arange(10)
    out = list(batches(data, 3, rng=np.random.default_rng(0), drop_last=False, backend=backend))
    assert [len(b) for b in out] == [3, 3, 3, 1] and all(backend_of(b) == backend for b in out)
    seen = np.concatenate([to_numpy(b) for b in out])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))


def test_batches_drop_last():
    out = list(batches(np.arange(10), 3, rng=np.random.default_rng(0)))
    assert [len(b) for b in out] == [3, 3, 3]
    assert list(batches(np.arange(2), 3)) == []


def test_batches_seeded():
    a = [b.tolist() for b in batches(np.arange(50), 7, rng=np.random.default_rng(5))]
    b = [b.tolist() for b in batches(np.arange(50), 7, rng=np.random.default_rng(5))]
    c = [b.tolist() for b in batches(np.arange(50), 7, rng=np.random.default_rng(6))]
    assert a == b and a != c


def test_batches_tuples_stay_aligned():
    images = np.arange(20, dtype=np.float32).reshape(20, 1)
    labels = np.arange(20) * 10
    for x, y in batches((images, labels), 4, rng=np.random.default_rng(1)):
        np.testing.assert_array_equal(x[:, 0] * 10, y)


def test_batches_without_shuffle_and_errors():
    assert [b.tolist() for b in batches(np.arange(5), 2, shuffle=False)] == [[0, 1], [2, 3]]
    with pytest.raises(ValueError, match="different lengths"):
        next(batches((np.arange(3), np.arange(4)), 2))
    with pytest.raises(ValueError, match="batch_size"):
        next(batches(np.arange(3), 0))
