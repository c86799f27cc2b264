"""MNIST and Fashion-MNIST: find the four IDX files, or download them once.

Where we look, in order (the first directory holding both files of the split wins):

1. the ``data_dir`` argument (the files sit directly in it);
2. ``$MINIGAN_DATA_DIR/<dataset>`` (one sub-folder per data set, e.g. ``.../mnist``);
3. the cache, ``$XDG_CACHE_HOME/minigan/<dataset>`` (default ``~/.cache/minigan/<dataset>``);
4. for Fashion-MNIST, the Debian package's ``/usr/share/datasets/fashion-mnist``;
5. otherwise we download into the first of 1-3 that applies, checking each file's MD5.

Each file may be gzipped (``train-images-idx3-ubyte.gz``) or not (``train-images-idx3-ubyte``).
Images come back as float32 (N, 1, 28, 28) in [-1, 1], the range of a tanh generator;
labels as int64.
"""
import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

from .idx import IDXError, read_idx

# (images, labels) base names of each split; ".gz" is appended for the gzipped form.
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

MIRRORS = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ],
    "fashion-mnist": [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ],
}

# MD5 sums of the published .gz files. The MD5 guards against truncated or corrupted
# downloads (and lets plain-http mirrors be used safely enough for a public data set).
MD5 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}

SYSTEM_DIRS = {"mnist": [], "fashion-mnist": [Path("/usr/share/datasets/fashion-mnist")]}


class DatasetNotFound(FileNotFoundError):
    """The data set's files are nowhere we looked and could not be downloaded."""


class ChecksumError(ValueError):
    """A downloaded file's MD5 differs from the published one (the file was removed)."""


def fetch(url, dest):
    """Download ``url`` into the file ``dest``. Tests replace this function, so they never
    touch the network; network failures raise OSError (urllib's URLError is one)."""
    with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as out:
        shutil.copyfileobj(response, out)


def md5sum(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_dir(dataset):
    """``$XDG_CACHE_HOME/minigan/<dataset>``, or ``~/.cache/minigan/<dataset>``."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "minigan" / dataset


def search_dirs(dataset, data_dir=None):
    """The directories searched for ``dataset``, in order."""
    dirs = []
    if data_dir is not None:
        dirs.append(Path(data_dir))
    if os.environ.get("MINIGAN_DATA_DIR"):
        dirs.append(Path(os.environ["MINIGAN_DATA_DIR"]) / dataset)
    dirs.append(cache_dir(dataset))
    return dirs + SYSTEM_DIRS[dataset]


def _find_file(directory, base):
    for name in (base + ".gz", base):
        if (directory / name).is_file():
            return directory / name
    return None


def _find_split(dirs, split):
    """(images, labels) paths from the first directory holding both, else None.
    Both files must come from one directory so two data sets never get mixed."""
    for d in dirs:
        paths = [_find_file(d, base) for base in SPLITS[split]]
        if all(paths):
            return paths
    return None


def _download(dataset, base, target):
    """Fetch ``base``.gz into ``target``, trying each mirror; return its path.

    The bytes go to a temporary file in ``target`` and are renamed into place only
    after the MD5 matches, so an interrupted or corrupt download never looks like data.
    """
    name = base + ".gz"
    expected = MD5[dataset][name]
    target.mkdir(parents=True, exist_ok=True)
    failures = []
    for mirror in MIRRORS[dataset]:
        url = mirror + name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=target)
        os.close(fd)
        try:
            print(f"minigan: downloading {url}", file=sys.stderr)
            fetch(url, tmp)
            got = md5sum(tmp)
            if got == expected:
                os.replace(tmp, target / name)  # atomic on one file system
                return target / name
            failures.append(ChecksumError(f"{url}: MD5 {got}, expected {expected}"))
        except (OSError, http.client.HTTPException) as err:
            failures.append(err)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    if any(isinstance(f, ChecksumError) for f in failures):
        raise ChecksumError(f"{dataset}: could not get a correct copy of {name} (nothing was kept in {target}):\n  "
                            + "\n  ".join(str(f) for f in failures))
    raise OSError("; ".join(f"{mirror}{name}: {err}" for mirror, err in zip(MIRRORS[dataset], failures)))


def _not_found(dataset, split, dirs, reason):
    names = [b + ".gz" for b in SPLITS[split]]
    lines = [f"{dataset} {split} split not found ({reason}).",
             "Looked for " + " and ".join(names) + " (or the same names without .gz) in:"]
    lines += [f"  {d}" for d in dirs]
    other = "test" if split == "train" else "train"
    found_other = _find_split(dirs, other)
    if found_other:
        lines.append(f"The {other} split IS present in {found_other[0].parent}: "
                     f"pass split={other!r} to use it.")
    lines.append(f"Put the files in one of those directories (e.g. {dirs[0]}), pass data_dir=..., "
                 f"set MINIGAN_DATA_DIR=<root> with the files in <root>/{dataset}, "
                 f"or run once with network access to download them from {MIRRORS[dataset][0]}.")
    return DatasetNotFound("\n".join(lines))


def _read_split(images_path, labels_path):
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise IDXError(f"{images_path}: expected uint8 images of shape (N, 28, 28), "
                       f"got {images.dtype} {images.shape}")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise IDXError(f"{labels_path}: expected a 1-D uint8 label vector, got {labels.dtype} {labels.shape}")
    if len(images) != len(labels):
        raise IDXError(f"{images_path} holds {len(images)} images but {labels_path} "
                       f"holds {len(labels)} labels; the counts must match")
    if labels.size and labels.max() > 9:
        raise IDXError(f"{labels_path}: labels must be 0-9, found {labels.max()}")

    # uint8 0..255 -> float32 -1..1, in place to avoid a second full-size temporary.
    x = images.reshape(len(images), 1, 28, 28).astype(np.float32)
    x /= 127.5
    x -= 1.0
    assert x.size == 0 or (x.min() >= -1.0 and x.max() <= 1.0), "images must lie in [-1, 1]"
    return x, labels.astype(np.int64)


def _load(dataset, split, data_dir, download):
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    dirs = search_dirs(dataset, data_dir)
    found = _find_split(dirs, split)
    if found is None:
        if not download:
            raise _not_found(dataset, split, dirs, "download=False")
        target = dirs[0]  # data_dir, else $MINIGAN_DATA_DIR/<dataset>, else the cache
        try:
            found = [_find_file(target, base) or _download(dataset, base, target) for base in SPLITS[split]]
        except OSError as err:  # the network, or a directory we cannot write
            raise _not_found(dataset, split, dirs, f"download failed: {err}") from None
    return _read_split(*found)


def load_mnist(split="train", data_dir=None, download=True):
    """MNIST digits: ``(images, labels)``, float32 (N, 1, 28, 28) in [-1, 1] and int64.

    ``split`` is "train" (60,000) or "test" (10,000). See the module docstring for where
    the files are looked for and downloaded to.
    """
    return _load("mnist", split, data_dir, download)


def load_fashion_mnist(split="train", data_dir=None, download=True):
    """Fashion-MNIST (Zalando's clothing images), same format as ``load_mnist``."""
    return _load("fashion-mnist", split, data_dir, download)
