"""``minigan sample``: draw samples from a trained generator into a .npy file or a picture."""
import os

import numpy as np

from . import UserError, add_checkpoint, friendly, positive


def add_parser(sub):
    s = sub.add_parser("sample", help="draw samples from a trained generator",
                       description="Draw samples from a trained generator into a .npy file (the raw samples) "
                                   "or a .png picture.")
    add_checkpoint(s)
    s.add_argument("-n", type=positive(int), default=64, help="how many samples (or strips, with --interpolate)")
    s.add_argument("--out", required=True, metavar="FILE", help="FILE.npy (raw samples) or FILE.png (a picture)")
    s.add_argument("--seed", type=int, default=0, help="seed of the noise the samples are drawn from")
    s.add_argument("--interpolate", type=positive(int), metavar="STEPS",
                   help="instead: n strips, each walking the latent space between two noise vectors in STEPS steps")
    s.add_argument("--label", type=int, help="conditional models: the class to draw (default: a row per class)")
    s.add_argument("--no-ema", action="store_true", help="draw from G's last weights, not their moving average")
    s.add_argument("--backend", choices=["numpy", "cupy"], help="numpy (CPU) or cupy (GPU) (default: the run's)")


def generate(args, n, interpolate=None):
    """``n`` samples (NumPy float32) from the checkpoint ``args`` names, and its header: a row per
    class for a conditional model, or with ``interpolate`` n strips of slerp steps between two z."""
    import minigan
    from ..backend import to_backend, to_numpy
    from ..apps.latent import slerp
    from ..train import load_gan
    gan, header, _ = load_gan(args.checkpoint, args.backend)
    if getattr(args, "no_ema", False):
        gan.ema = None            # generate() then draws from G's last weights
    minigan.seed(args.seed)
    gan.G.eval()
    label = getattr(args, "label", None)
    conditional = hasattr(gan, "n_classes")
    if label is not None and not conditional:
        raise UserError(f"--label needs a conditional model; {args.checkpoint} is {header['config']['preset']!r}", 2)
    if conditional:
        if interpolate:
            raise UserError("--interpolate is not available for conditional models yet", 2)
        if label is not None and not 0 <= label < gan.n_classes:
            raise UserError(f"--label must be 0..{gan.n_classes - 1}, got {label}", 2)
        # one class on request; otherwise the same number of each class, class by class
        labels = (np.full(n, label) if label is not None
                  else np.repeat(np.arange(gan.n_classes), -(-n // gan.n_classes))[:n])
        chunks = [to_numpy(gan.generate(z=gan.sample_noise(len(labels[i:i + 500]), labels[i:i + 500])))
                  for i in range(0, n, 500)]
        return np.concatenate(chunks).astype(np.float32), header
    if interpolate:
        ends = to_numpy(gan.sample_noise(2 * n)).astype(np.float64)
        t = np.linspace(0, 1, interpolate)[None, :, None]
        z = slerp(ends[:n, None, :], ends[n:, None, :], t).reshape(n * interpolate, -1)
        z = to_backend(z.astype(np.float32), gan.backend)
        chunks = [to_numpy(gan.generate(z=z[i:i + 500])) for i in range(0, len(z), 500)]
    else:
        chunks = [to_numpy(gan.generate(min(500, n - i))) for i in range(0, n, 500)]
    return np.concatenate(chunks).astype(np.float32), header


def run_dataset(header):
    """The data set a checkpoint's run trained on: the --data path it was given, else a --dataset
    given then, else its preset's."""
    from ..presets import get_preset
    config = header["config"]
    if config.get("data_path"):
        return config["data_path"]
    return config.get("overrides", {}).get("dataset") or get_preset(config["preset"]).dataset


def _save_points(args, samples, header):
    """2D samples over real points of the run's mixture; --interpolate draws each walk as a path."""
    from .. import viz
    from ..data import get_mixture
    real = get_mixture(run_dataset(header)).sample(max(500, len(samples)), rng=np.random.default_rng(0))
    if args.interpolate:
        paths = samples.reshape(args.n, args.interpolate, 2)
        viz.save_field(args.out, real, samples, paths=paths,
                       title=f"{args.n} latent walks of {args.interpolate} steps ({len(samples)} points)")
    else:
        viz.save_field(args.out, real, samples, title=f"{len(samples)} samples")


@friendly
def run(args):
    ext = os.path.splitext(args.out)[1].lower()
    if ext not in (".npy", ".png"):
        raise UserError(f"--out must end in .npy or .png, got {args.out!r}", 2)
    samples, header = generate(args, args.n, args.interpolate)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    if ext == ".npy":
        with open(args.out, "wb") as f:   # np.save(name) would add ".npy" to a name ending in ".NPY"
            np.save(f, samples)
    elif samples.ndim == 2:
        _save_points(args, samples, header)
    else:
        from .. import viz
        from ..train import preset_from
        config = header["config"]
        preset = preset_from(config["preset"], config.get("overrides", {}))
        if args.label is None and preset.conditional:
            viz.labelled_grid_figure(samples, list(range(preset.n_classes)), args.out,
                                     title="one row per class asked for")
        else:
            viz.save_image_grid(samples, args.out, nrow=args.interpolate, scale=max(1, 112 // samples.shape[-1]))
    print(f"wrote {len(samples)} samples of shape {samples.shape[1:]} to {args.out}")
    return 0
