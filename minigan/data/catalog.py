"""Where each data set is and whether it is intact (what ``minigan data`` prints), and ``add``,
which checks a copy of MNIST or Fashion-MNIST and files it in the cache, found from then on.

MNIST and Fashion-MNIST are looked for where their loaders look (minigan.data.mnist.search_dirs:
a given folder, ``$MINIGAN_DATA_DIR/<name>``, the cache ``~/.cache/minigan/<name>``, Debian's
``/usr/share/datasets/fashion-mnist``); the first folder holding both files of a split is the one
the loaders will read, so that is the one reported and checked. A file is intact when its MD5 is
the published one of its ``.gz``, or when its content -- unpacked if it is gzipped -- has the
MD5 of the published file's unpacked content: Debian's package, for one, recompresses the files,
which changes the ``.gz`` but not what is inside.
"""
import gzip
import hashlib
import os
import shutil
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .arrays import DataError
from .cache import folder_cache_dir, write_atomically
from .mnist import MD5, SPLITS, ChecksumError, _find_file, _find_split, cache_dir, md5sum, search_dirs

# MD5 and length of each file's unpacked IDX content. MNIST's were computed here from the .gz files
# whose MD5 is the published one; Fashion-MNIST's are the values dataset loaders publish for its
# unpacked files (torchvision-style "raw" checksums), which Debian's recompressed copy matches.
UNPACKED = {
    "mnist": {
        "train-images-idx3-ubyte": ("6bbc9ace898e44ae57da46a324031adb", 47_040_016),
        "train-labels-idx1-ubyte": ("a25bea736e30d166cdddb491f175f624", 60_008),
        "t10k-images-idx3-ubyte": ("2646ac647ad5339dbf082846283269ea", 7_840_016),
        "t10k-labels-idx1-ubyte": ("27ae3e4e09519cfbb04c329615203637", 10_008),
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": ("f4a8712d7a061bf5bd6d2ca38dc4d50a", 47_040_016),
        "train-labels-idx1-ubyte": ("9018921c3c673c538a1fc5bad174d6f9", 60_008),
        "t10k-images-idx3-ubyte": ("8181f5470baa50b63fa0f6fddb340f0a", 7_840_016),
        "t10k-labels-idx1-ubyte": ("15d484375f8d13e6eb1aabb0c3f46965", 10_008),
    },
}
BUILT_IN = {
    "digits": "scikit-learn's 8x8 handwritten digits (1,797 images)",
    "photo-crops": "random crops of scikit-learn's sample photos china.jpg and flower.jpg",
    "ring8": "8 Gaussians on a circle (generated)",
    "grid25": "25 Gaussians on a 5x5 grid (generated)",
}
FILE_DATASETS = tuple(UNPACKED)
_SUMS_FILES = {"MD5SUMS": hashlib.md5, "SHA256SUMS": hashlib.sha256}


@dataclass
class SplitStatus:
    split: str                          # "train" or "test"
    directory: Optional[Path]           # where the loaders will read it from; None when not found
    ok: bool = False                    # both files intact
    detail: str = ""                    # how they matched, or the first mismatch, or where we looked


@dataclass
class DatasetStatus:
    name: str
    built_in: bool
    description: str = ""
    splits: tuple = ()                  # SplitStatus for "train" and "test" (file data sets)
    searched: tuple = ()                # the folders looked in, in order


@dataclass
class AddResult:
    name: str
    target: Path                        # the cache folder the files are now in
    splits: tuple                       # the splits found and checked ("train", "test")
    copied: tuple                       # paths written in the cache
    present: tuple                      # paths that were there already, identical


def _unpacked_md5(path, length):
    """MD5 of the file's content (unpacked when gzipped), reading no more than ``length`` + 1 bytes of it,
    so a gzip bomb costs no memory and little time; None when unreadable or longer than ``length``."""
    digest, total = hashlib.md5(), 0
    try:
        with open(path, "rb") as raw:
            packed = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw) if packed else raw
            while total <= length:
                block = stream.read(min(1 << 20, length + 1 - total))
                if not block:
                    break
                digest.update(block)
                total += len(block)
    except (OSError, EOFError, zlib.error):
        return None
    return digest.hexdigest() if total == length else None


def check_file(dataset, path):
    """(True, how it matched) when ``path`` is an intact published file of ``dataset``, else (False, one line)."""
    path = Path(path)
    base = path.name[:-3] if path.name.endswith(".gz") else path.name
    if base not in UNPACKED.get(dataset, {}):
        return False, f"{path}: not one of the {dataset} files"
    try:
        digest = md5sum(path)
    except OSError as err:
        return False, f"{path}: cannot read ({err.strerror or err})"
    published = MD5[dataset][base + ".gz"]
    if digest == published:
        return True, "published .gz"
    want, length = UNPACKED[dataset][base]
    if _unpacked_md5(path, length) == want:
        return True, "published content, " + ("recompressed" if path.name.endswith(".gz") else "unpacked")
    return False, (f"{path}: wrong checksum: MD5 {digest} is neither the published {base}.gz's ({published}) "
                   f"nor that of its unpacked content ({want})")


def _split_status(dataset, split, dirs):
    found = _find_split(dirs, split)
    if found is None:
        return SplitStatus(split, None, False, "not found")
    checks = [check_file(dataset, p) for p in found]
    bad = [detail for ok, detail in checks if not ok]
    return SplitStatus(split, found[0].parent, not bad, bad[0] if bad else checks[0][1])


def _photos_present():
    try:
        import sklearn.datasets
    except ImportError:
        return False
    folder = Path(sklearn.datasets.__file__).parent / "images"
    return all((folder / f"{name}.jpg").is_file() for name in ("china", "flower"))


def status(data_dir=None):
    """A DatasetStatus for every data set minigan knows, built-in ones first. Reads and checks the
    MNIST files it finds (about a second); downloads nothing and writes nothing."""
    entries = []
    for name, description in BUILT_IN.items():
        if name == "photo-crops" and not _photos_present():
            description += " -- NOT FOUND in scikit-learn's installation"
        entries.append(DatasetStatus(name, True, description))
    for name in FILE_DATASETS:
        dirs = search_dirs(name, data_dir)
        splits = tuple(_split_status(name, split, dirs) for split in SPLITS)
        entries.append(DatasetStatus(name, False, splits=splits, searched=tuple(dirs)))
    return entries


def cached_folders(cache=None):
    """[(images .npy, its size in bytes)] of the image folders decoded and cached so far."""
    cache = Path(cache) if cache is not None else folder_cache_dir()
    return [(p, p.stat().st_size) for p in sorted(cache.glob("images-*.npy"))] if cache.is_dir() else []


def format_status(entries, folders=None):
    """The lines ``minigan data`` prints for ``status()``'s entries (and the folder cache)."""
    lines = []
    for entry in entries:
        if entry.built_in:
            lines.append(f"{entry.name:<15}built in  {entry.description}")
            continue
        for i, s in enumerate(entry.splits):
            head = f"{entry.name if i == 0 else '':<15}{s.split:<10}"
            if s.directory is None:
                lines.append(head + "not found; looked in " + ", ".join(map(str, entry.searched)))
            elif s.ok:
                lines.append(head + f"{s.directory}  (checksums match: {s.detail})")
            else:
                lines.append(head + f"{s.directory}  CHECKSUM MISMATCH: {s.detail}")
    folders = cached_folders() if folders is None else folders
    total = sum(size for _, size in folders)
    lines.append(f"{'image folders':<15}{'cache':<10}{len(folders)} decoded folder{'s' * (len(folders) != 1)}, "
                 f"{total / 1e6:.1f} MB in {folder_cache_dir()}")
    if any(not s.ok for e in entries for s in e.splits):
        lines.append("(copy a checked MNIST or Fashion-MNIST folder into the cache with: "
                     "minigan data add mnist|fashion-mnist DIR)")
    return "\n".join(lines)


# -- add ------------------------------------------------------------------------------------------

def _splits_in(name, directory):
    """{split: [images path, labels path]} of the splits whose two files ``directory`` holds."""
    found = {}
    for split, bases in SPLITS.items():
        paths = [_find_file(directory, base) for base in bases]
        if all(paths):
            found[split] = paths
        elif any(paths):
            have = next(p for p in paths if p)
            missing = next(b for b, p in zip(bases, paths) if not p)
            raise DataError(f"{directory}: holds {have.name} but not {missing}(.gz); a split needs both files")
    if not found:
        wanted = ", ".join(b + ".gz" for bases in SPLITS.values() for b in bases)
        raise DataError(f"{directory}: holds no {name} files (looked for {wanted}, or the same without .gz)")
    return found


def _listed_sums(directory):
    """{file name: [(hash constructor, hex digest)]} from MD5SUMS / SHA256SUMS in ``directory``, if any."""
    listed = {}
    for sums_name, algorithm in _SUMS_FILES.items():
        sums = directory / sums_name
        if not sums.is_file() or sums.stat().st_size > 1 << 16:
            continue
        for line in sums.read_text(errors="replace").splitlines():
            parts = line.split(maxsplit=1)
            if len(parts) == 2:
                listed.setdefault(parts[1].lstrip("*").strip(), []).append((algorithm, sums_name, parts[0].lower()))
    return listed


def _check_listed(path, listed):
    for algorithm, sums_name, expected in listed.get(path.name, []):
        digest = algorithm()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != expected:
            raise ChecksumError(f"{path}: wrong checksum: {digest.name} {digest.hexdigest()} differs from "
                                f"{expected} in {path.parent / sums_name}")


def _copy_into(path, target):
    """Copy ``path`` into ``target`` atomically; True if written, False if an identical copy was there."""
    dest = target / path.name
    if dest.is_file() and (os.path.samefile(dest, path) or md5sum(dest) == md5sum(path)):
        return dest, False

    def copy(out):
        with open(path, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
    write_atomically(dest, copy)
    if md5sum(dest) != md5sum(path):           # the copy is checked too: a full disk, a flaky drive
        dest.unlink()
        raise OSError(f"{dest}: the copy differs from {path}")
    base = path.name[:-3] if path.name.endswith(".gz") else path.name
    other = target / (base if path.name.endswith(".gz") else base + ".gz")
    if other.is_file():
        other.unlink()                          # the loaders read .gz first: never leave a stale one
    return dest, True


def add(name, directory, log=None):
    """Check the MNIST or Fashion-MNIST files in ``directory`` (every split present) and copy them into
    the cache ``~/.cache/minigan/<name>``, where every loader finds them without settings.

    Refuses with one line: DataError for an unknown name, a missing folder or no files,
    ChecksumError naming the first file whose checksum is wrong. Nothing is copied unless every
    file is intact; each copy is written under a temporary name and renamed into place.
    """
    log = log or (lambda message: print(message, file=sys.stderr))
    if name not in UNPACKED:
        raise DataError(f"cannot add {name!r}: choose one of {', '.join(FILE_DATASETS)}")
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: no such folder")
    splits = _splits_in(name, directory)
    listed = _listed_sums(directory)
    for paths in splits.values():
        for path in paths:
            ok, detail = check_file(name, path)
            if not ok:
                raise ChecksumError(detail)
            _check_listed(path, listed)
    target = cache_dir(name)
    target.mkdir(parents=True, exist_ok=True)
    results = [_copy_into(path, target) for paths in splits.values() for path in paths]
    copied = tuple(dest for dest, written in results if written)
    present = tuple(dest for dest, written in results if not written)
    log(f"minigan: {name} ({' and '.join(splits)} split{'s' * (len(splits) > 1)}) checked; "
        f"{len(copied)} file{'s' * (len(copied) != 1)} copied into {target}"
        + (f", {len(present)} already there" if present else ""))
    return AddResult(name, target, tuple(splits), copied, present)
