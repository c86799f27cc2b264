"""Training a translation preset: batches in, steps, metrics.csv, a picture and a checkpoint out.

The checkpoint is minigan's .npz with a JSON header (checkpoint.py): the header names the preset
and its width, the arrays are each network's state under its name ("G/net.0.weight", ...).
``load_translation`` reads one back for ``minigan translate``, checking everything it reads.
"""
import csv
import os
import time

import numpy as np

from .. import checkpoint
from .. import rng as _rng
from ..backend import to_backend, to_numpy
from ..optim import LinearDecay
from ..train.outdir import make_out_folder
from .presets import get_translation_preset

KIND = "translation"
MAX_WIDTH = 1024


def _batches(a, b, kind, batch_size, seed):
    """Index batches, drawn with replacement-free shuffles: pairs stay pairs for pix2pix, the two
    domains are drawn independently for cyclegan (that is what unpaired means)."""
    rng = np.random.default_rng(seed)
    order_a, order_b, i = rng.permutation(len(a)), rng.permutation(len(b)), 0
    while True:
        if i + batch_size > min(len(order_a), len(order_b)):
            order_a, order_b, i = rng.permutation(len(a)), rng.permutation(len(b)), 0
        ia = order_a[i:i + batch_size]
        ib = ia if kind == "pix2pix" else order_b[i:i + batch_size]
        i += batch_size
        yield a[ia], b[ib]


def train_translation(name, out, steps=None, batch_size=None, seed=0, data_dir=None, data=None, lr=None,
                      width=None, backend="numpy", checkpoint_every=None, log=print, **overrides):
    """Train preset ``name`` into folder ``out``; returns (preset, nets, model, seconds).

    ``data``: (a, b) arrays to train on instead of the preset's (tests pass small ones)."""
    preset = get_translation_preset(name).with_overrides(steps=steps, batch_size=batch_size, lr=lr,
                                                         width=width, **overrides)
    ckpt = os.path.join(out, "checkpoint.npz")
    if os.path.exists(ckpt):
        raise ValueError(f"{out} already holds a run (checkpoint.npz); choose another --out")
    a, b = data if data is not None else preset.load_data(data_dir)
    if len(a) < preset.batch_size or len(b) < preset.batch_size:
        raise ValueError(f"{name}: {min(len(a), len(b))} images, fewer than a batch of {preset.batch_size}")
    _rng.seed(seed)
    nets = preset.networks(backend)
    model = preset.build(nets, seed)
    schedule = LinearDecay([model.g_opt, model.d_opt], preset.steps, min(preset.lr_hold, 0.999999))
    make_out_folder(out)                      # a file in the way, a folder one may not write: one line
    batches = _batches(a, b, preset.kind, preset.batch_size, seed)
    every = checkpoint_every or max(1, preset.steps // 5)
    start = time.perf_counter()
    with open(os.path.join(out, "metrics.csv"), "w", newline="") as f:
        writer = None
        for step in range(1, preset.steps + 1):
            xa, xb = (to_backend(x, backend) for x in next(batches))
            record = model.step(xa, xb)
            schedule.step()
            row = record.as_row()
            unrecorded = getattr(model, "unrecorded", ())        # NaN by design (L1 alone has no D)
            if not all(np.isfinite(v) for k, v in row.items() if k not in unrecorded):
                raise ValueError(f"{name}: a loss became NaN or infinite at step {step}: {row}")
            if writer is None:
                writer = csv.DictWriter(f, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
            if step % every == 0 or step == preset.steps:
                f.flush()
                save_translation(ckpt, preset, nets, step, seed)
                log(f"{name}: step {step}/{preset.steps}, {_summary(row)}")
    seconds = time.perf_counter() - start
    translation_picture(os.path.join(out, "translations.png"), preset, nets, a[:8])
    return preset, nets, model, seconds


def _summary(row):
    keys = [k for k in ("d_loss", "g_l1", "g_loss", "d_a_loss", "d_b_loss", "cycle_a", "cycle_b") if k in row]
    return "  ".join(f"{k} {row[k]:.3f}" for k in keys)


def translation_picture(path, preset, nets, a):
    """Inputs on the first row, their translations on the second (and back, for cyclegan)."""
    from ..viz import save_image_grid
    forward = preset.translator(nets, "a2b")
    like = nets[next(iter(nets))].parameters()[0].data
    rows = [a, to_numpy(forward.forward(to_backend(a, _backend(like))))]
    if preset.kind == "cyclegan":
        rows.append(to_numpy(nets["G_ba"].forward(to_backend(rows[1], _backend(like)))))
    save_image_grid(np.concatenate(rows), path, nrow=len(a), scale=3)


def _backend(array):
    from ..backend import backend_of
    return backend_of(array)


def save_translation(path, preset, nets, step, seed):
    arrays = {}
    for name, net in nets.items():
        arrays.update(checkpoint.pack(name, net.state_dict()))
    header = {"kind": KIND, "preset": preset.name, "step": int(step), "seed": int(seed),
              "config": {"width": preset.width, "batch_size": preset.batch_size, "steps": preset.steps,
                         "lr": preset.lr, "gan_weight": preset.gan_weight}}
    checkpoint.save(path, arrays, header)


def _check_header(path, header):
    from .presets import TRANSLATION_PRESETS
    if header.get("kind") != KIND:
        raise checkpoint.CheckpointError(f"{path}: not an image-to-image checkpoint (train one with "
                                         f"--preset {' or '.join(sorted(TRANSLATION_PRESETS))})")
    if header.get("preset") not in TRANSLATION_PRESETS:
        raise checkpoint.CheckpointError(f"{path}: header names an unknown translation preset "
                                         f"{str(header.get('preset'))[:40]!r}")
    config = header.get("config")
    width = config.get("width") if isinstance(config, dict) else None
    if not isinstance(width, int) or isinstance(width, bool) or not 1 <= width <= MAX_WIDTH:
        raise checkpoint.CheckpointError(f"{path}: header field config.width must be a whole number "
                                         f"from 1 to {MAX_WIDTH}")


def load_translation(path, backend="numpy"):
    """(preset, nets, header) from a checkpoint that ``train_translation`` wrote."""
    arrays, header = checkpoint.load(path, check_header=_check_header)
    preset = get_translation_preset(header["preset"]).with_overrides(width=header["config"]["width"])
    nets = preset.networks(backend)
    for name, net in nets.items():
        try:
            net.load_state_dict(checkpoint.unpack(name, arrays))
        except (KeyError, ValueError) as err:
            raise checkpoint.CheckpointError(f"{path}: {name}'s weights do not fit {preset.name} "
                                             f"({str(err)[:200]})") from None
    return preset, nets, header


# the flags of `minigan train` that mean nothing to a translation preset
_NOT_FOR_TRANSLATION = ("dataset", "epochs", "lr_d", "lr_g", "beta1", "z_dim", "objective", "pack", "ema",
                        "resume", "threads")


def train_from_args(args):
    """``minigan train --preset <translation preset>``: the flags that apply, then the run."""
    from ..cli import UserError
    given = [f"--{name.replace('_', '-')}" for name in _NOT_FOR_TRANSLATION if getattr(args, name, None)]
    if given:
        raise UserError(f"{given[0]} does not apply to the translation preset {args.preset}", 2)
    out = args.out or os.path.join("runs", f"{args.preset}-seed{args.seed}")
    preset, _, _, seconds = train_translation(
        args.preset, out, steps=args.steps, batch_size=args.batch_size, seed=args.seed,
        data_dir=args.data_dir, lr=args.lr, width=args.width, backend=args.backend or "numpy",
        checkpoint_every=args.checkpoint_every, log=(lambda m: None) if args.no_progress else print)
    print(f"trained {preset.name} for {preset.steps} steps in {seconds:.0f} s; results in {out}")
    return 0
