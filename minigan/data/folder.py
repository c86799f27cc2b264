"""Training images from a folder of picture files (or an array file), decoded once and cached.

``load_images(PATH)`` takes a folder of images in any format Pillow reads (PNG, JPEG, BMP, GIF,
TIFF, WebP, ...), searched recursively; hidden files and folders are ignored, and so are files
whose extension no image format claims. When every image lies inside a sub-folder of PATH, each
sub-folder is a class: the labels index the sub-folder names in sorted order (deeper folders
belong to their top one). An ``.npy`` / ``.npz`` PATH is read by ``arrays.load_array_images``.

Each image is decoded on its own, straight to the training size, into one preallocated float32
array (N, C, S, S) in [-1, 1]; memory holds that array and one full-size image at a time. On the
way: JPEGs decode at a reduced scale where that is enough (Pillow's draft mode), EXIF rotation
is applied, the shorter side is resized to S and the centre square kept (one Lanczos resize),
transparent pixels are laid over black, 16-bit grey is scaled to 8 bits. ``channels`` defaults
to 3 if any image is stored in colour (RGB, CMYK, a palette with colours, ...), else 1.

Files that cannot be decoded (truncated, corrupt) are skipped; their count and first names are
reported. A DataError (one line) refuses: a missing path, a folder without images, a folder
where no image can be read, and any image whose header declares more than MAX_IMAGE_PIXELS
pixels -- a decompression bomb, a few bytes that would decode to gigabytes -- checked before
any pixel is decoded.

The decoded array is cached as ``images-<key>.npy`` (with a ``.json`` beside it, and
``-labels.npy`` for labelled folders) in ``~/.cache/minigan/folders`` or the ``cache_dir`` given;
the key hashes the folder, every file's name, size and modification time, and the options, so
a changed folder is decoded again and an unchanged one is read back at once.
"""
import hashlib
import json
import os
import struct
import sys
import time
import warnings
import zlib
from pathlib import Path

import numpy as np

from .arrays import LUMA, DataError, ImageSet, bad_values, checked_options, load_array_images, open_npy
from .cache import folder_cache_dir, write_atomically

DEFAULT_IMAGE_SIZE = 32            # small enough to train on a laptop CPU (DCGAN's paper used 64)
MAX_IMAGE_PIXELS = 2**26           # 8192 x 8192; Pillow's own bomb limit is 89.5 million pixels
SHOW_SKIPPED = 5                   # how many skipped files a message names
CACHE_VERSION = 1                  # bump when decoding changes, so old caches are not reused
# Formats Pillow registers but that hold no picture it can decode by itself (stubs, vector files).
_NOT_PICTURES = {"BUFR", "GRIB", "HDF5", "WMF", "EPS", "MPEG"}
_COLOUR_MODES = {"RGB", "RGBA", "RGBX", "RGBa", "CMYK", "YCbCr", "LAB", "HSV"}
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_ARRAY_SUFFIXES = (".npy", ".npz")
# What Pillow's decoders raise on damaged or hostile bytes. A file that raises one is skipped;
# anything else (a MemoryError, a bug) is not mistaken for a bad file.
DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError, KeyError, TypeError,
                 ZeroDivisionError, zlib.error)


def _stderr(message):
    print(message, file=sys.stderr)


def _images(n):
    return f"{n:,} image{'s' * (n != 1)}"


def image_extensions():
    """File extensions (".png", ".jpg", ...) of the formats this Pillow can open."""
    from PIL import Image
    Image.init()
    return {ext for ext, fmt in Image.registered_extensions().items()
            if fmt in Image.OPEN and fmt not in _NOT_PICTURES}


def scan(folder):
    """([(relative path, size, mtime_ns)] of the image files, sorted; count of other files)."""
    extensions, found, others = image_extensions(), [], 0
    stack = [Path(folder)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file() and os.path.splitext(entry.name)[1].lower() in extensions:
                    st = entry.stat()
                    found.append((Path(entry.path).relative_to(folder), st.st_size, st.st_mtime_ns))
                elif entry.is_file():
                    others += 1
    return sorted(found, key=lambda f: f[0].as_posix()), others


def class_labels(relative_paths):
    """(labels, class names) when every file lies in a sub-folder (its top one is its class), else (None, ())."""
    tops = [p.parts[0] if len(p.parts) > 1 else None for p in relative_paths]
    if not tops or None in tops:
        return None, ()
    classes = tuple(sorted(set(tops)))
    index = {name: i for i, name in enumerate(classes)}
    return np.array([index[t] for t in tops], dtype=np.int64), classes


def _reason(err):
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return text[:100]


def _open(path):
    """Open an image (header only), refusing a decompression bomb before any pixel is decoded."""
    from PIL import Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise DataError(f"{path}: refused as a decompression bomb ({_reason(err)})") from None
    w, h = im.size
    if w * h > MAX_IMAGE_PIXELS:
        im.close()
        raise DataError(f"{path}: declares {w} x {h} = {w * h:,} pixels, above minigan's limit of "
                        f"{MAX_IMAGE_PIXELS:,}; refused as a likely decompression bomb")
    return im


def _is_colour(im):
    if im.mode in ("P", "PA") and im.palette is not None:
        try:
            step = len(im.palette.mode)
            entries = np.frombuffer(bytes(im.palette.palette), np.uint8)
            rgb = entries[: len(entries) // step * step].reshape(-1, step)[:, :3]
            return not (rgb == rgb[:, :1]).all()
        except (ValueError, TypeError, AttributeError):
            return True
    return im.mode in _COLOUR_MODES


def survey(folder, files):
    """(indices of the files that open, whether any of them is in colour, ["name: reason"] of the others)."""
    ok, colour, skipped = [], False, []
    for i, (rel, _, _) in enumerate(files):
        try:
            with _open(folder / rel) as im:
                colour = colour or _is_colour(im)
            ok.append(i)
        except DataError:
            raise
        except DECODE_ERRORS as err:
            skipped.append(f"{rel.as_posix()}: {_reason(err)}")
    return ok, colour, skipped


def _square_box(size):
    w, h = size
    side = min(w, h)
    return ((w - side) / 2, (h - side) / 2, (w + side) / 2, (h + side) / 2)


def _working_copy(im, channels):
    """The image in a mode that resizes correctly: premultiplied RGBa for transparency (so colour is
    laid over black), float for 16-bit grey, else RGB or L as the training data wants."""
    if im.mode in _ALPHA_MODES or "transparency" in im.info:
        return im.convert("RGBA").convert("RGBa")
    target = "F" if im.mode.startswith("I") or im.mode == "F" else ("RGB" if channels == 3 else "L")
    return im if im.mode == target else im.convert(target)    # no full-size copy when none is needed


def decode(path, size, channels):
    """One image file as float32 (channels, size, size) in [-1, 1]."""
    from PIL import Image, ImageOps
    with _open(path) as im:
        w, h = im.size
        scale = size / min(w, h)
        im.draft(None, (max(size, int(w * scale + 1)), max(size, int(h * scale + 1))))   # JPEG: decode smaller
        ImageOps.exif_transpose(im, in_place=True)   # in place: no full-size copy when nothing turns
        sixteen_bit = im.mode.startswith("I")
        work = _working_copy(im, channels)
        small = work.resize((size, size), Image.Resampling.LANCZOS, box=_square_box(work.size), reducing_gap=3.0)
    a = np.asarray(small, dtype=np.float32)
    if small.mode == "RGBa":
        a = a[..., :3]
    elif small.mode == "F":
        a = a / np.float32(257.0) if sixteen_bit else a       # 0..65535 -> 0..255
    a = a[None] if a.ndim == 2 else a.transpose(2, 0, 1)   # (C, S, S)
    if a.shape[0] == 1 and channels == 3:
        a = np.repeat(a, 3, axis=0)
    elif a.shape[0] == 3 and channels == 1:
        a = np.tensordot(LUMA, a, axes=1)[None]
    return np.clip(a, 0, 255) / np.float32(127.5) - np.float32(1.0)


def decode_all(folder, files, indices, size, channels):
    """(images (n, C, S, S), the indices decoded, ["name: reason"] of the files that failed)."""
    out = np.empty((len(indices), channels, size, size), np.float32)
    kept, failed = [], []
    for i in indices:
        rel = files[i][0]
        try:
            out[len(kept)] = decode(folder / rel, size, channels)
            kept.append(i)
        except DataError:
            raise
        except DECODE_ERRORS as err:  # truncated or corrupt data: skip the file, say so at the end
            failed.append(f"{rel.as_posix()}: {_reason(err)}")
    return out[:len(kept)], kept, failed


# -- the cache -----------------------------------------------------------------------------------

def cache_key(folder, files, size, channels):
    """A hash of everything the decoded array depends on: folder, file names, sizes, mtimes, options."""
    listing = [[rel.as_posix(), nbytes, mtime] for rel, nbytes, mtime in files]
    text = json.dumps([CACHE_VERSION, str(Path(folder).resolve()), size, channels, listing])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def cache_files(cache_dir, key):
    """(images .npy, labels .npy, description .json) of one cache entry."""
    base = Path(cache_dir) / f"images-{key}"
    return base.with_suffix(".npy"), Path(f"{base}-labels.npy"), base.with_suffix(".json")


def _read_cache(cache_dir, key, log):
    """The cached ImageSet for ``key``, or None (also when the entry is damaged: it is then rebuilt)."""
    images_path, labels_path, meta_path = cache_files(cache_dir, key)
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        shape = (meta["count"], meta["channels"], meta["image_size"], meta["image_size"])
        images = open_npy(images_path)
        if images.shape != shape or images.dtype != np.float32 or bad_values(images):
            raise DataError(f"{images_path}: shape, type or values differ from {meta_path.name}")
        images = np.array(images)
        labels, classes = None, tuple(meta["classes"])
        if meta["labelled"]:
            labels = np.array(open_npy(labels_path), dtype=np.int64)
            if labels.shape != (len(images),) or (labels.size and not 0 <= labels.min() <= labels.max() < len(classes)):
                raise DataError(f"{labels_path}: labels do not fit {meta_path.name}")
    except (OSError, ValueError, KeyError, TypeError) as err:       # DataError is a ValueError
        log(f"minigan: the cached copy {images_path} is unusable ({_reason(err)}); decoding again")
        return None
    return ImageSet(images, labels, classes, meta["skipped"], tuple(meta["skipped_names"]),
                    images_path, from_cache=True)


def _write_cache(cache_dir, key, data, meta, log):
    """Store ``data`` under ``key`` (images, labels, then the .json that marks the entry complete),
    then remove older entries for the same folder and options. Returns the images' path, or None."""
    images_path, labels_path, meta_path = cache_files(cache_dir, key)
    try:
        write_atomically(images_path, lambda f: np.save(f, data.images))
        if data.labels is not None:
            write_atomically(labels_path, lambda f: np.save(f, data.labels))
        write_atomically(meta_path, lambda f: f.write(json.dumps(meta, indent=1).encode()))
    except OSError as err:
        log(f"minigan: could not cache the decoded images in {cache_dir} ({_reason(err)}); continuing without")
        return None
    for other in Path(cache_dir).glob("images-*.json"):
        try:
            old = json.loads(other.read_text())
            stale = other != meta_path and all(old.get(k) == meta[k] for k in ("folder", "image_size", "requested"))
        except (OSError, ValueError):
            continue
        if stale:
            for path in cache_files(cache_dir, other.stem[len("images-"):]):
                path.unlink(missing_ok=True)
    return images_path


# -- loading -------------------------------------------------------------------------------------

def _listing(folder):
    """The folder's image files, or a DataError saying why there are none."""
    if not folder.is_dir():
        raise DataError(f"{folder}: expected a folder of images or an .npy / .npz file")
    try:
        files, others = scan(folder)
    except OSError as err:
        raise DataError(f"{folder}: cannot list the folder ({err.strerror or err})") from None
    if not files and not others:
        raise DataError(f"{folder}: the folder holds no files")
    if not files:
        raise DataError(f"{folder}: none of its {others} files is an image Pillow reads "
                        "(.png, .jpg, .bmp, .gif, .tif, .webp, ...)")
    return files


def skipped_message(data):
    """One line naming how many files were skipped and the first few of them, with the reasons."""
    more = "; ..." if data.skipped > len(data.skipped_names) else ""
    return (f"minigan: skipped {data.skipped} unreadable file{'s' * (data.skipped != 1)}: "
            + "; ".join(data.skipped_names) + more)


def _decode_folder(folder, files, size, channels, log, cached):
    """Survey, then decode: an ImageSet with labels, not yet cached."""
    indices, colour, skipped = survey(folder, files)
    if not indices:       # said before any progress line, so that the refusal is the only line
        raise DataError(f"{folder}: none of its {len(files)} image files could be read (first: {sorted(skipped)[0]})")
    channels = channels or (3 if colour else 1)
    log(f"minigan: decoding {_images(len(indices))} from {folder} to {channels}x{size}x{size}"
        + (" (once; cached afterwards)" if cached else ""))
    images, kept, failed = decode_all(folder, files, indices, size, channels)
    skipped = sorted(skipped + failed)
    if not kept:
        raise DataError(f"{folder}: none of its {len(files)} image files could be read (first: {skipped[0]})")
    labels, classes = class_labels([rel for rel, _, _ in files])
    labels = None if labels is None else labels[kept]
    return ImageSet(images, labels, classes, len(skipped), tuple(skipped[:SHOW_SKIPPED]))


def _decode_and_cache(folder, files, size, channels, where, key, log):
    start = time.perf_counter()
    data = _decode_folder(folder, files, size, channels, log, cached=where is not None)
    if where is not None:
        n, c = data.images.shape[:2]
        meta = {"version": CACHE_VERSION, "folder": str(folder.resolve()), "image_size": size,
                "requested": channels, "channels": c, "count": n, "classes": list(data.classes),
                "labelled": data.labels is not None, "skipped": data.skipped,
                "skipped_names": list(data.skipped_names)}
        data.cache_path = _write_cache(where, key, data, meta, log)
    log(f"minigan: decoded {_images(len(data.images))} in {time.perf_counter() - start:.1f} s"
        + (f"; cached in {data.cache_path}" if data.cache_path else ""))
    return data


def load_folder(folder, image_size=None, channels=None, cache_dir=None, cache=True, log=None):
    """An ImageSet from a folder of images (see the module docstring); decoded once, then cached.

    ``image_size``: the square side S (default DEFAULT_IMAGE_SIZE); ``channels``: 1 or 3 (default:
    from the images). ``cache_dir`` (an existing folder, e.g. a run's) replaces the default
    ``~/.cache/minigan/folders``; ``cache=False`` neither reads nor writes a cache. ``log``
    receives the progress lines (default: stderr).
    """
    log = log or _stderr
    folder = Path(folder)
    size, channels = checked_options(image_size, channels)
    size = size or DEFAULT_IMAGE_SIZE
    files = _listing(folder)
    if cache and cache_dir is not None and not Path(cache_dir).is_dir():
        raise DataError(f"{cache_dir}: the cache folder does not exist")
    where = None
    if cache:
        where = Path(cache_dir) if cache_dir is not None else folder_cache_dir()
        try:
            where.mkdir(parents=True, exist_ok=True)  # only ever the default cache: cache_dir exists
        except OSError as err:
            log(f"minigan: cannot create the cache folder {where} ({_reason(err)}); continuing without a cache")
            where = None
    key = cache_key(folder, files, size, channels)
    data = _read_cache(where, key, log) if where is not None else None
    if data is None and where is not None and channels is not None:
        # decoded earlier with the channels left to the images, which gave these (a resumed run asks again)
        data = _read_cache(where, cache_key(folder, files, size, None), log)
        data = data if data is not None and data.images.shape[1] == channels else None
    if data is not None:
        log(f"minigan: using {_images(len(data.images))} of {folder} decoded earlier ({data.cache_path})")
    else:
        data = _decode_and_cache(folder, files, size, channels, where, key, log)
    if data.skipped:
        log(skipped_message(data))
    return data


def load_images(path, image_size=None, channels=None, cache_dir=None, cache=True, log=None):
    """Training images from PATH: a folder of images (``load_folder``) or an .npy / .npz array
    (``arrays.load_array_images``; arrays are not cached). Returns an ImageSet; raises DataError."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_file() and path.suffix.lower() in _ARRAY_SUFFIXES:
        return load_array_images(path, image_size, channels, log=log or _stderr)
    return load_folder(path, image_size, channels, cache_dir, cache, log)
