"""Training images from ``.npy`` and ``.npz`` arrays, read as untrusted input.

Layouts (N images of H x W pixels):

    (N, H, W)       grey images
    (N, C, H, W)    when axis 1 has 1 or 3 entries (what ``minigan sample --out x.npy`` writes)
    (N, H, W, C)    otherwise, when the last axis has 1 or 3 entries (the layout of most image tools)

Values: integer arrays hold pixel values 0..255 and are mapped to [-1, 1]; float arrays must
already lie in [-1, 1] (up to 0.001 over). Anything else -- NaN, infinity, a pixel of 300 -- is
refused with the number of bad values. An ``.npz`` holds the images as its member ``images``
(or as its only member) and may hold ``labels``: N integers 0..K-1, one class per image.

Nothing is trusted before it is checked: the header is read first, its declared size computed
with Python's unbounded integers and compared with the bytes the file really holds and with
MAX_ARRAY_BYTES; object arrays are refused (minigan never unpickles); an ``.npz`` member is never
inflated beyond what its declared shape needs, and a member that would inflate more than
MAX_NPZ_RATIO times its compressed size is refused before it is read.
"""
import math
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

MAX_ARRAY_BYTES = 8 * 2**30        # refuse arrays (read or built) larger than 8 GiB
MAX_NPZ_RATIO = 100                # image arrays deflate by far less; zip bombs by up to ~1000
SMALL_MEMBER_BYTES = 64 * 2**20    # members below this size skip the ratio check
FLOAT_SLACK = 1e-3                 # float images may overshoot [-1, 1] by this much (rounding)
CHUNK = 512                        # images converted at a time, so temporaries stay small
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)   # ITU-R 601-2 luma, as Pillow's "L" conversion


class DataError(ValueError):
    """Training data that cannot be used; the one-line message names the file and the problem."""


@dataclass
class ImageSet:
    """Images ready for training, and what happened on the way."""

    images: np.ndarray                  # float32 (N, C, H, W) in [-1, 1]
    labels: Optional[np.ndarray] = None  # int64 (N,) class indices, or None
    classes: tuple = ()                 # class names the labels index (sorted folder names)
    skipped: int = 0                    # files that could not be read
    skipped_names: tuple = ()           # "name: reason" for the first few of them
    cache_path: Optional[Path] = None   # the .npy the decoded images were cached in
    from_cache: bool = False            # True when this load reused an earlier decode


def checked_options(image_size, channels):
    """``image_size`` (None or an int 4..1024) and ``channels`` (None, 1 or 3), else a DataError."""
    if image_size is not None and not (isinstance(image_size, (int, np.integer)) and 4 <= image_size <= 1024):
        raise DataError(f"image size must be a whole number of pixels from 4 to 1024, got {image_size!r}")
    if channels not in (None, 1, 3):
        raise DataError(f"channels must be 1 (grey) or 3 (colour), got {channels!r}")
    return (None if image_size is None else int(image_size)), channels


def _gib(n):
    return f"{n / 2**30:.3g} GiB"


def read_header(fp, name):
    """(shape, dtype, fortran_order) from the header of a .npy stream, checked before any data is read."""
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except (ValueError, EOFError, SyntaxError, TypeError) as err:
        raise DataError(f"{name}: not a readable .npy array ({str(err).splitlines()[0]})") from None
    if dtype.hasobject:
        raise DataError(f"{name}: holds Python objects (dtype {dtype}); minigan reads only numbers and never unpickles")
    if dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in "uif":
        raise DataError(f"{name}: dtype {dtype} is not a plain integer or float type")
    if not all(isinstance(s, int) and s >= 0 for s in shape):
        raise DataError(f"{name}: invalid shape {shape} in the header")
    return shape, dtype, fortran


def declared_bytes(name, shape, dtype, available):
    """The data bytes a header declares, refused when above MAX_ARRAY_BYTES or above what the file holds."""
    need = math.prod(shape) * dtype.itemsize          # Python ints: no overflow, however large the shape
    if need > MAX_ARRAY_BYTES:
        raise DataError(f"{name}: declares shape {shape} of {dtype} = {_gib(need)}, above minigan's limit of "
                        f"{_gib(MAX_ARRAY_BYTES)}")
    if need > available:
        raise DataError(f"{name}: declares shape {shape} of {dtype} = {need} bytes but holds only {available} "
                        "(truncated, or the header lies)")
    return need


def open_npy(path):
    """A read-only memory map of the .npy at ``path``: nothing is read into memory yet."""
    try:
        with open(path, "rb") as fp:
            shape, dtype, fortran = read_header(fp, path)
            offset = fp.tell()
        size = os.path.getsize(path)
    except PermissionError:
        raise DataError(f"{path}: permission denied") from None
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror or err})") from None
    if declared_bytes(path, shape, dtype, size - offset) == 0:
        return np.zeros(shape, dtype)
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C")


def _read_member(zf, info, name):
    """One array from an open zip file, inflated no further than its checked header declares."""
    with zf.open(info) as fp:
        shape, dtype, fortran = read_header(fp, name)
        need = declared_bytes(name, shape, dtype, info.file_size - fp.tell())
        if need > SMALL_MEMBER_BYTES and need > MAX_NPZ_RATIO * max(info.compress_size, 1):
            raise DataError(f"{name}: {info.compress_size} compressed bytes claim {_gib(need)} of data "
                            f"(over {MAX_NPZ_RATIO}x); refusing a likely zip bomb")
        data = fp.read(need)
    if len(data) < need:
        raise DataError(f"{name}: truncated: {len(data)} of {need} bytes")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def read_npz(path):
    """(images, labels or None) from an .npz: the member "images" (or the only one) and "labels"."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = {info.filename[:-4]: info for info in zf.infolist() if info.filename.endswith(".npy")}
            key = "images" if "images" in members else (next(iter(members)) if len(members) == 1 else None)
            if key is None:
                raise DataError(f"{path}: expected a member called 'images' (or a single array), "
                                f"found {sorted(members) or 'no arrays'}")
            images = _read_member(zf, members[key], f"{path}[{key}]")
            labels = _read_member(zf, members["labels"], f"{path}[labels]") if "labels" in members else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, zlib.error) as err:
        raise DataError(f"{path}: not a readable .npz file ({err})") from None
    except PermissionError:
        raise DataError(f"{path}: permission denied") from None
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror or err})") from None
    return images, labels


def as_nchw(a, name):
    """A (N, C, H, W) view of an image array in one of the three layouts, C in (1, 3)."""
    if a.ndim == 3:
        a = a[:, None]
    elif a.ndim == 4 and a.shape[1] not in (1, 3) and a.shape[3] in (1, 3):
        a = a.transpose(0, 3, 1, 2)
    if a.ndim != 4 or a.shape[1] not in (1, 3):
        raise DataError(f"{name}: expected images shaped (N, H, W), (N, C, H, W) or (N, H, W, C) with 1 or 3 "
                        f"channels, got {a.shape}")
    if min(a.shape) == 0:
        raise DataError(f"{name}: holds no images (shape {a.shape})")
    return a


def bad_values(x):
    """How many values of a chunk are no pixel: non-finite or outside [-1, 1] for floats, 0..255 for ints."""
    if x.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            return int(np.count_nonzero(~(np.abs(x) <= 1 + FLOAT_SLACK)))   # NaN compares False
    return int(np.count_nonzero((x < 0) | (x > 255)))


def to_unit_range(x):
    """A chunk as float32 in [-1, 1]: ints are 0..255 pixel values, floats are already in range."""
    if x.dtype.kind == "f":
        return np.clip(x, -1.0, 1.0).astype(np.float32)
    return x.astype(np.float32) / np.float32(127.5) - np.float32(1.0)


def convert_channels(x, channels):
    """(n, C, H, W) float32 chunk -> ``channels`` channels: grey is repeated, colour becomes luma."""
    if x.shape[1] == channels:
        return x
    if channels == 3:
        return np.repeat(x, 3, axis=1)
    return np.einsum("nchw,c->nhw", x, LUMA)[:, None]


def _resize_float(x, size):
    """Each (H, W) plane resized (shorter side to ``size``) and centre-cropped with Pillow, in float."""
    from PIL import Image
    h, w = x.shape[-2:]
    side = min(h, w)
    box = ((w - side) / 2, (h - side) / 2, (w + side) / 2, (h + side) / 2)
    out = np.empty(x.shape[:2] + (size, size), np.float32)
    for i in range(x.shape[0]):
        for c in range(x.shape[1]):
            plane = Image.fromarray(np.ascontiguousarray(x[i, c]), mode="F")
            out[i, c] = np.asarray(plane.resize((size, size), Image.Resampling.LANCZOS, box=box))
    return np.clip(out, -1.0, 1.0, out=out)    # Lanczos rings a little past the extremes


def _labels(labels, n, name):
    if labels is None:
        return None, ()
    if labels.ndim != 1 or len(labels) != n or labels.dtype.kind not in "ui":
        raise DataError(f"{name}[labels]: expected {n} integer labels, got {labels.dtype} {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= 10_000):
        raise DataError(f"{name}[labels]: labels must be 0..9999, got {labels.min()}..{labels.max()}")
    k = int(labels.max()) + 1 if labels.size else 0
    return labels.astype(np.int64), tuple(str(i) for i in range(k))


def _convert_all(src, out):
    """Fill ``out`` from ``src`` chunk by chunk; return (bad values, whether float values all lie in [0, 1])."""
    bad, low = 0, src.dtype.kind == "f"
    (h, w), size, channels = src.shape[2:], out.shape[-1], out.shape[1]
    for start in range(0, len(src), CHUNK):
        chunk = np.asarray(src[start:start + CHUNK])
        bad += bad_values(chunk)
        if bad:
            continue                    # keep counting, stop converting
        low = low and float(chunk.min()) >= 0
        x = convert_channels(to_unit_range(chunk), channels)
        out[start:start + len(x)] = x if (h, w) == (size, size) else _resize_float(x, size)
    return bad, low


def load_array_images(path, image_size=None, channels=None, log=None):
    """An ImageSet from an .npy or .npz file (see the module docstring for layouts and values).

    ``image_size`` resizes (shorter side) and centre-crops the images to a square of that size
    (default: the shorter side of the stored images, no resizing for square ones); ``channels``
    (1 or 3) converts them (default: as stored). Raises DataError with one line for any problem.
    """
    path = Path(path)
    image_size, channels = checked_options(image_size, channels)
    images, labels = (open_npy(path), None) if path.suffix.lower() == ".npy" else read_npz(path)
    src = as_nchw(images, path)
    n, c, h, w = src.shape
    size = int(image_size or min(h, w))
    channels = int(channels or c)
    out_bytes = n * channels * size * size * 4
    if out_bytes > MAX_ARRAY_BYTES:
        raise DataError(f"{path}: {n} images of {channels}x{size}x{size} would need {_gib(out_bytes)} as float32, "
                        f"above minigan's limit of {_gib(MAX_ARRAY_BYTES)}")
    out = np.empty((n, channels, size, size), np.float32)
    bad, low = _convert_all(src, out)
    if bad:
        raise DataError(f"{path}: {bad} of {src.size} values are not valid pixels (expected "
                        + ("finite floats in [-1, 1])" if src.dtype.kind == "f" else "integers 0..255)"))
    if low and log:
        log(f"{path}: float values all lie in [0, 1]; minigan reads float images as [-1, 1] "
            "(rescale with 2 * x - 1 if yours are 0..1 images)")
    labels, classes = _labels(labels, n, path)
    return ImageSet(out, labels, classes)
