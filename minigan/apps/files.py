"""Images and masks on disk, for ``minigan inpaint``.

    --image  .npy: one image (H, W), a grey batch (N, H, W) or (N, C, H, W), values in [-1, 1]
                   (what ``minigan sample --out x.npy`` writes);
             .png: one grey picture, black 0 .. white 255 (mapped to -1 .. 1; colour is turned grey).
    --mask   .npy: 1 = known pixel, 0 = missing (bool or numbers, nothing else), shaped (H, W) for
                   every image alike, or like the images;
             .png: white (>= 128) = known, black = missing.
    --out    .npy: float32 (N, C, H, W) in [-1, 1];
             .png: one image as a picture of its own size (it can be read back as --image);
                   several as a grid, one image after another.

Every problem raises ``InputError`` with one line that names the file.
"""
import math
import os

import numpy as np


class InputError(ValueError):
    """A file the user gave that cannot be used; the message names it."""


def _extension(path, flag):
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".npy", ".png"):
        raise InputError(f"{flag} {path}: expected a .npy or .png file")
    return ext


MAX_INPUT_BYTES = 256 * 2**20    # an image or mask file may declare at most this much data
MAX_PICTURE_PIXELS = 4096 * 4096  # a picture larger than this is refused before it is decoded


def _read_npy(path, flag):
    """The array in an .npy file, its header checked before any data is read (never unpickled)."""
    from ..data.arrays import DataError, open_npy, read_header
    try:
        with open(path, "rb") as fp:
            shape, dtype, _ = read_header(fp, f"{flag} {path}")
        need = math.prod(shape) * dtype.itemsize      # Python ints: no overflow
        if need > MAX_INPUT_BYTES:
            raise InputError(f"{flag} {path}: declares shape {str(shape)[:60]} of {dtype} = {need} bytes, above "
                             f"the limit of {MAX_INPUT_BYTES} for an image file")
        return np.array(open_npy(path))
    except DataError as err:
        raise InputError(str(err) if str(err).startswith(flag) else f"{flag} {err}") from None


def _read_png(path, flag):
    """A picture as grey values, its size checked before a single pixel is decoded."""
    from PIL import Image
    with Image.open(path) as im:
        w, h = im.size
        if w * h > MAX_PICTURE_PIXELS:
            raise InputError(f"{flag} {path}: a picture of {w} x {h} pixels, above the limit of "
                             f"{MAX_PICTURE_PIXELS:,}")
        return np.asarray(im.convert("L"))


def _read(path, flag):
    ext = _extension(path, flag)
    if not os.path.isfile(path):
        raise InputError(f"{flag} {path}: no such file")
    try:
        return _read_npy(path, flag) if ext == ".npy" else _read_png(path, flag)
    except PermissionError:
        raise InputError(f"{flag} {path}: permission denied") from None
    except InputError:
        raise
    except Exception as err:   # Pillow raises many kinds (OSError, SyntaxError, DecompressionBombError, ...)
        raise InputError(f"{flag} {path}: not a readable {ext} file ({str(err).splitlines()[0][:100] if str(err) else type(err).__name__})") from None


def _as_batch(a):
    """(H, W) -> (1, 1, H, W); (N, H, W) -> (N, 1, H, W); (N, C, H, W) as it is."""
    if a.ndim == 2:
        return a[None, None]
    if a.ndim == 3:
        return a[:, None]
    return a


def read_images(path, flag="--image"):
    a = _read(path, flag)
    if path.lower().endswith(".png"):
        return (a.astype(np.float32) / 127.5 - 1.0)[None, None]
    if a.ndim not in (2, 3, 4) or a.size == 0:
        raise InputError(f"{flag} {path}: expected an array of shape (H, W), (N, H, W) or (N, C, H, W), got {a.shape}")
    if not np.issubdtype(a.dtype, np.floating) and not np.issubdtype(a.dtype, np.integer):
        raise InputError(f"{flag} {path}: expected numbers, got dtype {a.dtype}")
    a = a.astype(np.float32)
    with np.errstate(invalid="ignore"):
        bad = int(np.count_nonzero(~(np.abs(a) <= 1.001)))    # NaN compares False
    if bad:
        raise InputError(f"{flag} {path}: values must lie in [-1, 1] (as minigan sample writes them); "
                         f"{bad} of {a.size} are NaN, infinite or outside")
    return np.clip(_as_batch(a), -1, 1)


def read_mask(path, images_shape, flag="--mask"):
    """The mask as float32 0/1, broadcast to ``images_shape``."""
    a = _read(path, flag)
    if path.lower().endswith(".png"):
        a = (a >= 128)
    elif a.dtype != bool:
        if not (np.issubdtype(a.dtype, np.number) and np.isin(a, (0, 1)).all()):
            raise InputError(f"{flag} {path}: values must be 0 (missing) or 1 (known)")
    if a.ndim not in (2, 3, 4):
        raise InputError(f"{flag} {path}: expected a mask of shape (H, W) or the images' shape, got {a.shape}")
    mask = _as_batch(a.astype(np.float32))
    try:
        mask = np.broadcast_to(mask, images_shape)
    except ValueError:
        raise InputError(f"{flag} {path}: mask of shape {a.shape} does not fit the images' shape "
                         f"{tuple(images_shape)}") from None
    if mask.all():
        raise InputError(f"{flag} {path}: no pixel is marked missing (0), so there is nothing to fill")
    if not mask.reshape(len(mask), -1).any(axis=1).all():
        raise InputError(f"{flag} {path}: some image has no known pixel (1); inpainting needs something to go on")
    return mask.astype(np.float32)


def write_images(path, images, flag="--out"):
    ext = _extension(path, flag)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    images = np.asarray(images, dtype=np.float32)
    if ext == ".npy":
        with open(path, "wb") as f:   # np.save(name) would add ".npy" to a name ending in ".NPY"
            np.save(f, images)
        return path
    from PIL import Image

    from ..viz import image_grid, save_image_grid
    if len(images) == 1 and images.shape[1] == 1:
        Image.fromarray(image_grid(images, pad=0)).save(path, format="PNG")
    else:
        save_image_grid(images, path, scale=max(1, 112 // images.shape[-1]))
    return path
