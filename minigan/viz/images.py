"""Pictures of images: sample grids, and GIFs from frames or figures."""
import io
import math
import os

import numpy as np
from PIL import Image

from ..backend import to_numpy
from .base import prepare_path


def figure_to_array(fig):
    """Render a matplotlib figure to a uint8 RGB array (H, W, 3), e.g. a GIF frame.

    Goes through an in-memory PNG, which works whatever canvas (backend) the figure has.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB"))


def save_gif(frames, path, duration_ms=200, max_frames=None, max_side=None):
    """Write ``frames`` (uint8 arrays (H, W) / (H, W, 3), or PNG paths) as a GIF that loops forever.

    All frames must have the same size. ``max_frames`` keeps that many, evenly spread, the last
    one always among them; ``max_side`` shrinks frames whose longer side is larger, so that the
    file stays small. Note that Pillow merges identical consecutive frames into one longer
    frame. Returns the path.
    """
    frames = list(frames)
    if max_frames and len(frames) > max_frames:
        keep = np.linspace(0, len(frames) - 1, int(max_frames)).round().astype(int)
        frames = [frames[i] for i in sorted(set(keep.tolist()))]
    images = []
    for i, frame in enumerate(frames):
        if isinstance(frame, (str, os.PathLike)):
            with Image.open(frame) as im:
                im = im.convert("RGB")
        else:
            arr = np.asarray(to_numpy(frame))
            if arr.dtype != np.uint8:
                raise ValueError(f"save_gif: frame {i} must be uint8 (see image_grid / figure_to_array), "
                                 f"got {arr.dtype}")
            im = Image.fromarray(arr).convert("RGB")
        if images and im.size != images[0].size:
            raise ValueError(f"save_gif: frame {i} is {im.size[0]}x{im.size[1]} pixels but frame 0 is "
                             f"{images[0].size[0]}x{images[0].size[1]}; all frames must match")
        images.append(im)
    if not images:
        raise ValueError("save_gif: no frames to write")
    if max_side and max(images[0].size) > max_side:
        factor = max_side / max(images[0].size)
        size = (max(1, round(images[0].width * factor)), max(1, round(images[0].height * factor)))
        images = [im.resize(size, Image.NEAREST) for im in images]   # no new grey levels: a small palette
    path = prepare_path(path)
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                   duration=int(duration_ms), loop=0)  # loop=0: repeat forever
    return path


def image_grid(images, nrow=None, pad=2, pad_value=128):
    """Tile images (N, C, H, W) with values in [-1, 1] into one uint8 picture.

    C is 1 (grey; the result is (H', W')) or 3 (colour; the result is (H', W', 3)); an
    (N, H, W) array counts as grey. Values are clipped to [-1, 1] and mapped linearly to
    0..255 (-1 -> 0, 1 -> 255). ``nrow`` is the number of images per row, by default
    ceil(sqrt(N)). Images are separated, and framed, by ``pad`` pixels of ``pad_value``
    (mid grey, visible on both black and white backgrounds). NaNs, from a generator
    that has diverged, are drawn black.
    """
    x = np.asarray(to_numpy(images), dtype=np.float64)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] not in (1, 3) or x.shape[0] == 0:
        raise ValueError(f"image_grid: images must have shape (N, C, H, W) with N >= 1 and C in (1, 3), "
                         f"got {x.shape}")
    n, c, h, w = x.shape
    ncol = int(nrow) if nrow else math.ceil(math.sqrt(n))
    rows = math.ceil(n / ncol)

    pixels = np.rint((np.clip(np.nan_to_num(x, nan=-1.0), -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)
    pixels = pixels.transpose(0, 2, 3, 1)  # NCHW -> NHWC, the layout image files use

    grid = np.full((rows * (h + pad) + pad, ncol * (w + pad) + pad, c), pad_value, dtype=np.uint8)
    for i in range(n):
        top = pad + (i // ncol) * (h + pad)
        left = pad + (i % ncol) * (w + pad)
        grid[top:top + h, left:left + w] = pixels[i]
    return grid[:, :, 0] if c == 1 else grid


def save_image_grid(images, path, nrow=None, scale=1):
    """Save ``image_grid(images, nrow)`` as a PNG and return the path.

    ``scale`` enlarges the picture with nearest-neighbour resampling, so tiny images
    (8x8 digits) stay crisp and visible, e.g. ``scale=4``.
    """
    im = Image.fromarray(image_grid(images, nrow=nrow))
    if scale != 1:
        im = im.resize((im.width * int(scale), im.height * int(scale)), Image.NEAREST)
    path = prepare_path(path)
    im.save(path, format="PNG")
    return path
