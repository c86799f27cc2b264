"""The data catalog: where each data set is, whether its checksums match, and ``add`` into the cache.

Fake MNIST files are written by the tests, with the checksum tables pointed at them; the real
files in ../shared/data/mnist are used where present. No test touches the network.
"""
import gzip
import hashlib
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from minigan.data import ChecksumError, DataError, add_dataset, dataset_status, format_status, load_mnist
from minigan.data import catalog, mnist, write_idx

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"
TRAIN = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
TEST = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """A private cache, no $MINIGAN_DATA_DIR, no system folder, and no network."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MINIGAN_DATA_DIR", raising=False)
    monkeypatch.setitem(mnist.SYSTEM_DIRS, "fashion-mnist", [tmp_path / "system"])

    def no_network(url, dest):
        raise AssertionError(f"a test tried to download {url}")
    monkeypatch.setattr(mnist, "fetch", no_network)


def quiet(_message):
    pass


def md5(data):
    return hashlib.md5(data).hexdigest()


@pytest.fixture
def published(tmp_path, monkeypatch):
    """A fake "published" MNIST (train 20 images, test 10) in tmp_path / "download", with the
    checksum tables of minigan.data.mnist and catalog set to these files."""
    folder = tmp_path / "download"
    folder.mkdir()
    rng = np.random.default_rng(0)
    gz_sums, unpacked = {}, {}
    for (images, labels), n in ((TRAIN, 20), (TEST, 10)):
        for base, array in ((images, rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)),
                            (labels, (np.arange(n) % 10).astype(np.uint8))):
            write_idx(folder / (base + ".gz"), array)
            raw = gzip.decompress((folder / (base + ".gz")).read_bytes())
            gz_sums[base + ".gz"] = md5((folder / (base + ".gz")).read_bytes())
            unpacked[base] = (md5(raw), len(raw))
    monkeypatch.setitem(mnist.MD5, "mnist", gz_sums)
    monkeypatch.setitem(catalog.UNPACKED, "mnist", unpacked)
    return folder


def cache(name="mnist"):
    return Path(os.environ["XDG_CACHE_HOME"]) / "minigan" / name


def test_status_lists_every_data_set_and_where_it_looked(tmp_path):
    entries = {e.name: e for e in dataset_status()}
    assert {"digits", "photo-crops", "ring8", "grid25", "mnist", "fashion-mnist"} <= set(entries)
    assert all(entries[n].built_in for n in ("digits", "photo-crops", "ring8", "grid25"))
    assert "NOT FOUND" not in entries["photo-crops"].description
    mnist_entry = entries["mnist"]
    assert [s.split for s in mnist_entry.splits] == ["train", "test"]
    assert all(s.directory is None and not s.ok for s in mnist_entry.splits)
    assert cache() in mnist_entry.searched
    text = format_status(list(entries.values()))
    assert "not found; looked in" in text and str(cache()) in text and "minigan data add" in text


def test_add_checks_copies_and_the_loaders_then_find_the_files(published, tmp_path):
    result = add_dataset("mnist", published, log=quiet)
    assert result.target == cache() and result.splits == ("train", "test")
    assert sorted(p.name for p in result.copied) == sorted(b + ".gz" for b in TRAIN + TEST)
    assert sorted(p.name for p in cache().iterdir()) == sorted(b + ".gz" for b in TRAIN + TEST)   # no .part left
    images, labels = load_mnist("train", download=False)          # no data_dir, no environment variable
    assert images.shape == (20, 1, 28, 28) and labels.shape == (20,)
    entry = next(e for e in dataset_status() if e.name == "mnist")
    assert all(s.ok and s.directory == cache() and s.detail == "published .gz" for s in entry.splits)
    again = add_dataset("mnist", published, log=quiet)
    assert again.copied == () and len(again.present) == 4


def test_a_wrong_checksum_is_refused_naming_the_file_and_nothing_is_copied(published):
    victim = published / (TEST[0] + ".gz")
    data = bytearray(victim.read_bytes())
    data[-9] ^= 0xFF                                              # one flipped byte in the payload
    victim.write_bytes(bytes(data))
    with pytest.raises(ChecksumError) as err:
        add_dataset("mnist", published, log=quiet)
    message = str(err.value)
    assert "\n" not in message and str(victim) in message and "wrong checksum" in message
    assert not cache().exists() or not any(cache().iterdir())
    entry = next(e for e in dataset_status(data_dir=published) if e.name == "mnist")
    assert entry.splits[0].ok and not entry.splits[1].ok
    assert "CHECKSUM MISMATCH" in format_status([entry], folders=[])


def test_recompressed_and_unpacked_copies_are_recognised(published, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    for base in TRAIN:                                            # recompressed: new .gz bytes, same content
        raw = gzip.decompress((published / (base + ".gz")).read_bytes())
        (other / (base + ".gz")).write_bytes(gzip.compress(raw, compresslevel=1, mtime=12345))
    for base in TEST:                                             # unpacked
        (other / base).write_bytes(gzip.decompress((published / (base + ".gz")).read_bytes()))
    ok, how = catalog.check_file("mnist", other / (TRAIN[0] + ".gz"))
    assert ok and how == "published content, recompressed"
    assert catalog.check_file("mnist", other / TEST[0]) == (True, "published content, unpacked")
    add_dataset("mnist", other, log=quiet)
    assert load_mnist("test", download=False)[0].shape == (10, 1, 28, 28)


def test_a_stale_copy_in_the_other_form_is_replaced(published):
    cache().mkdir(parents=True)
    (cache() / TRAIN[0]).write_bytes(b"stale, unpacked, wrong")
    add_dataset("mnist", published, log=quiet)
    assert not (cache() / TRAIN[0]).exists() and (cache() / (TRAIN[0] + ".gz")).is_file()


def test_one_split_is_enough_and_half_a_split_is_refused(published, tmp_path):
    only_test = tmp_path / "only_test"
    only_test.mkdir()
    for base in TEST:
        (only_test / (base + ".gz")).write_bytes((published / (base + ".gz")).read_bytes())
    assert add_dataset("mnist", only_test, log=quiet).splits == ("test",)
    (only_test / (TRAIN[0] + ".gz")).write_bytes((published / (TRAIN[0] + ".gz")).read_bytes())
    with pytest.raises(DataError, match="a split needs both files") as err:
        add_dataset("mnist", only_test, log=quiet)
    assert TRAIN[1] in str(err.value)


@pytest.mark.parametrize("case", ["unknown name", "missing folder", "empty folder"])
def test_add_refuses_without_creating_anything(tmp_path, case):
    folder = tmp_path / "nothing here"
    if case == "empty folder":
        folder.mkdir()
    name = "cifar10" if case == "unknown name" else "mnist"
    with pytest.raises(DataError) as err:
        add_dataset(name, folder, log=quiet)
    assert "\n" not in str(err.value)
    assert (case == "empty folder") == folder.exists()
    assert not cache().exists()


def test_a_sums_file_in_the_folder_is_checked_too(published):
    (published / "SHA256SUMS").write_text(f"{'0' * 64}  {TRAIN[1]}.gz\n")
    with pytest.raises(ChecksumError, match="SHA256SUMS") as err:
        add_dataset("mnist", published, log=quiet)
    assert TRAIN[1] in str(err.value)
    sha = hashlib.sha256((published / (TRAIN[1] + ".gz")).read_bytes()).hexdigest()
    (published / "SHA256SUMS").write_text(f"{sha} *{TRAIN[1]}.gz\n")
    add_dataset("mnist", published, log=quiet)


def test_a_gzip_bomb_is_a_mismatch_not_a_memory_hog(published, tmp_path):
    bomb = tmp_path / "bomb" / (TRAIN[0] + ".gz")
    bomb.parent.mkdir()
    with gzip.open(bomb, "wb") as f:
        for _ in range(64):
            f.write(b"\0" * 2**20)
    ok, why = catalog.check_file("mnist", bomb)
    assert not ok and "wrong checksum" in why


def test_copies_respect_the_umask(published):
    old = os.umask(0o027)
    try:
        add_dataset("mnist", published, log=quiet)
    finally:
        os.umask(old)
    assert stat.S_IMODE((cache() / (TRAIN[0] + ".gz")).stat().st_mode) == 0o640


@pytest.mark.skipif(not (SHARED_MNIST / "train-images-idx3-ubyte.gz").is_file(), reason="real MNIST not at hand")
def test_the_real_mnist_files_match_the_published_checksums():
    for base in TRAIN + TEST:
        assert catalog.check_file("mnist", SHARED_MNIST / (base + ".gz")) == (True, "published .gz")
    result = add_dataset("mnist", SHARED_MNIST, log=quiet)
    assert result.splits == ("train", "test") and len(result.copied) == 4
    entry = next(e for e in dataset_status() if e.name == "mnist")
    assert all(s.ok and s.directory == cache() for s in entry.splits)
