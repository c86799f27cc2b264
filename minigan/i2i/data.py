"""The data of the two translation tasks, made from images minigan already has.

* ``edges``: the outline of a digit, for Pix2Pix's edges -> digit task. A thresholded
  morphological gradient: on grey values g in [0, 1], dilation (the 3x3 maximum) minus erosion
  (the 3x3 minimum) is large exactly where the stroke meets the background; above ``threshold``
  a pixel is edge (+1), else background (-1). The stroke's inside, where max and min are both
  ink, drops out: what is left is a hollow outline. The threshold is high (0.9) on purpose: a
  pixel counts only if its window holds both nearly full ink and nearly empty background, so the
  outline is thin, and a faint or thin stroke, whose ink never gets that bright, leaves no edge
  at all. The input then leaves something open (was there a stroke there, how thick, how bright?),
  which is what Pix2Pix's comparison of L1 alone and L1 + GAN is about; at 0.5 the outline gave
  away nearly the whole digit, and L1 alone had nothing to blur (experiments/image_to_image).
* ``frame_like_mnist``: scikit-learn's 8x8 digits placed in a 28x28 frame the way MNIST placed
  its digits (LeCun et al.): the digit scaled into a 20x20 box (here bilinearly, 8 -> 20), then
  laid in the 28x28 frame so that its centre of mass falls on the frame's centre.
"""
import numpy as np


def _window_extreme(grey, reduce, fill):
    """reduce (np.max or np.min) over each pixel's 3x3 neighbourhood, ``fill`` beyond the border."""
    padded = np.pad(grey, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=fill)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
    return reduce(windows, axis=(-2, -1))


def edges(images, threshold=0.9):
    """(N, 1, H, W) in [-1, 1] -> its edge map, -1 (background) or +1 (edge), float32."""
    grey = (np.asarray(images, dtype=np.float32) + 1.0) / 2.0
    gradient = _window_extreme(grey, np.max, 0.0) - _window_extreme(grey, np.min, 0.0)
    return np.where(gradient > threshold, 1.0, -1.0).astype(np.float32)


def _bilinear(image, size):
    """Resize one (h, w) picture to (size, size), sampling at pixel centres (edges clamped)."""
    h, w = image.shape

    def coords(n_in):
        c = (np.arange(size) + 0.5) * n_in / size - 0.5
        c = np.clip(c, 0, n_in - 1)
        lo = np.floor(c).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, c - lo
    r0, r1, fr = coords(h)
    c0, c1, fc = coords(w)
    top = image[r0][:, c0] * (1 - fc) + image[r0][:, c1] * fc
    bottom = image[r1][:, c0] * (1 - fc) + image[r1][:, c1] * fc
    return top * (1 - fr[:, None]) + bottom * fr[:, None]


def frame_like_mnist(images, box=20, frame=28):
    """(N, 1, h, w) in [-1, 1] (ink high) -> (N, 1, frame, frame): scaled into ``box``, centred by mass."""
    images = np.asarray(images, dtype=np.float32)
    out = np.full((len(images), 1, frame, frame), -1.0, dtype=np.float32)
    grid = np.arange(box) + 0.5
    for i, image in enumerate(images[:, 0]):
        ink = (_bilinear(image, box) + 1.0) / 2.0            # 0 = background, 1 = ink
        mass = ink.sum()
        if mass > 0:
            com_row, com_col = (ink.sum(1) @ grid) / mass, (ink.sum(0) @ grid) / mass
        else:
            com_row = com_col = box / 2
        top = int(np.clip(np.rint(frame / 2 - com_row), 0, frame - box))   # centre of mass -> 14, 14
        left = int(np.clip(np.rint(frame / 2 - com_col), 0, frame - box))
        out[i, 0, top:top + box, left:left + box] = ink * 2.0 - 1.0
    return out


def framed_digits():
    """scikit-learn's 1,797 digits in MNIST's frame: (images (N, 1, 28, 28) in [-1, 1], labels)."""
    from ..data.digits import load_digits
    images, labels = load_digits()
    return frame_like_mnist(images), labels
