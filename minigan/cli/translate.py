"""``minigan translate``: carry images from one domain to the other with a trained Pix2Pix or CycleGAN."""
import os

import numpy as np

from . import UserError, add_checkpoint, friendly

EXTENSIONS = (".npy", ".png")


def add_parser(sub):
    t = sub.add_parser("translate", help="translate images with a trained pix2pix or cyclegan checkpoint",
                       description="Translate images with a checkpoint of pix2pix-edges2mnist (edge map -> digit) "
                                   "or cyclegan-digits2mnist (a2b: scikit-learn digit -> MNIST style, b2a: back). "
                                   "IN: a .npy ((H, W), (N, H, W) or (N, 1, H, W), values in [-1, 1]), a grey "
                                   ".png, or a folder of them; OUT: a .npy or .png file, or a folder for a folder "
                                   "(one output per input, same names). Sides must be multiples of 4; "
                                   "the models were trained on 28x28.")
    add_checkpoint(t)
    t.add_argument("--input", required=True, metavar="IN", help="a .npy, a .png or a folder of them")
    t.add_argument("--out", required=True, metavar="OUT", help="a .npy or .png file, or a folder when IN is one")
    t.add_argument("--direction", choices=["a2b", "b2a"], default="a2b",
                   help="a2b: the preset's first domain to its second; b2a: back (cyclegan only)")
    t.add_argument("--backend", choices=["numpy", "cupy"], default="numpy", help="numpy (CPU) or cupy (GPU)")


def _check_images(images, where, channels=1):
    if images.shape[1] != channels:
        raise UserError(f"{where}: images with {images.shape[1]} channels, but the model reads {channels} "
                        f"(grey); got shape {tuple(images.shape)}", 2)
    h, w = images.shape[2:]
    if h % 4 or w % 4 or min(h, w) < 8:
        raise UserError(f"{where}: images of {h} x {w} pixels; the U-Net needs sides that are multiples of 4 "
                        "and at least 8 (it was trained on 28 x 28)", 2)


def _pairs(args):
    """[(input file, output file)], every path checked before any work is done."""
    from ..apps.files import InputError
    if os.path.isdir(args.input):
        names = sorted(n for n in os.listdir(args.input)
                       if os.path.splitext(n)[1].lower() in EXTENSIONS and os.path.isfile(os.path.join(args.input, n)))
        if not names:
            raise InputError(f"--input {args.input}: a folder with no .npy or .png file in it")
        if os.path.exists(args.out) and not os.path.isdir(args.out):
            raise InputError(f"--out {args.out}: a file; a folder of inputs needs a folder to write to")
        return [(os.path.join(args.input, n), os.path.join(args.out, n)) for n in names]
    if os.path.splitext(args.out)[1].lower() not in EXTENSIONS:
        raise InputError(f"--out {args.out}: expected a .npy or .png file")
    if not os.path.exists(args.input):
        raise InputError(f"--input {args.input}: no such file or folder")
    return [(args.input, args.out)]


@friendly
def run(args):
    from ..apps.files import InputError, read_images, write_images
    from ..backend import to_backend, to_numpy
    from ..i2i.run import load_translation
    try:
        pairs = _pairs(args)
        batches = [read_images(src, "--input") for src, _ in pairs]
    except InputError as err:
        raise UserError(str(err), 2) from None
    for (src, _), images in zip(pairs, batches):
        _check_images(images, f"--input {src}")
    preset, nets, header = load_translation(args.checkpoint, args.backend)
    G = preset.translator(nets, args.direction)      # a ValueError (one way only) is one line, exit 2
    for (src, dst), images in zip(pairs, batches):
        out = to_numpy(G.forward(to_backend(images, args.backend)))
        write_images(dst, np.clip(out, -1, 1))
    what = f"{sum(len(b) for b in batches)} image(s) from {len(pairs)} file(s)"
    print(f"translated {what} {args.direction} with {preset.name} (step {header['step']}); wrote {args.out}")
    return 0
