"""``minigan train | sample | evaluate | inpaint | gradcheck | bench`` -- the command line."""
import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path

import numpy as np


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr and exit status 2 (no usage dump)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    return parse


def _decay(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def _objective(names):
    """An objective or recipe name, or several recipes joined with "+" ("sharp+mbstd")."""
    def parse(text):
        unknown = [t for t in text.split("+") if t not in names]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown objective or recipe {unknown[0]!r}: choose from "
                                             f"{', '.join(sorted(names))}, or join recipes with '+'")
        return text
    return parse


def build_parser(with_bench=True):
    from .presets import PRESETS
    from .losses import OBJECTIVES, ALIASES
    parser = _Parser(prog="minigan", description="A from-scratch GAN library you can read.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train a preset and save metrics, pictures and a checkpoint")
    t.add_argument("--preset", default=DEFAULT_PRESET, choices=sorted(PRESETS))
    t.add_argument("--dataset", help="override the preset's data set (e.g. mnist, fashion-mnist, digits)")
    t.add_argument("--data-dir", help="folder holding the data set's files")
    length = t.add_mutually_exclusive_group()
    length.add_argument("--steps", type=_positive(int))
    length.add_argument("--epochs", type=_positive(int))
    t.add_argument("--batch-size", type=_positive(int))
    from .recipes import RECIPES
    t.add_argument("--objective", type=_objective(set(OBJECTIVES) | set(ALIASES) | set(RECIPES)),
                   help="an objective, or a recipe that also sets the regulariser and optimizer "
                        "(wgan, wgan-gp, hinge-sn, r1, r1-narrow, mbstd, pacgan2/3/4, sharp); "
                        "recipes join with '+' (sharp+mbstd)")
    t.add_argument("--pack", type=_positive(int), metavar="M",
                   help="PacGAN: D judges packs of M samples (2D presets; batch size divisible by M)")
    t.add_argument("--ema", type=_decay, metavar="DECAY",
                   help="keep a moving average of G's weights with this decay (e.g. 0.999) and sample "
                        "from it; 0 turns off a preset's average")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", help="output folder (default: a new folder under ./runs/)")
    t.add_argument("--backend", choices=["numpy", "cupy"])
    t.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    t.add_argument("--checkpoint-every", type=_positive(int))
    t.add_argument("--no-progress", action="store_true", help="no progress bar")

    s = sub.add_parser("sample", help="draw samples from a trained generator")
    s.add_argument("--checkpoint", required=True)
    s.add_argument("-n", type=_positive(int), default=64)
    s.add_argument("--out", required=True, help="FILE.npy (raw samples) or FILE.png (a picture)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--interpolate", type=_positive(int), metavar="STEPS",
                   help="instead: n strips, each walking the latent space between two noise vectors in STEPS steps")
    s.add_argument("--label", type=int, help="conditional models: the class to draw (default: a row per class)")
    s.add_argument("--no-ema", action="store_true", help="draw from G's last weights, not their moving average")
    s.add_argument("--backend", choices=["numpy", "cupy"])

    e = sub.add_parser("evaluate", help="measure a trained generator")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("-n", type=_positive(int), default=2500, help="samples to draw (PacGAN uses 2,500)")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--json", action="store_true", help="print JSON instead of a table")
    e.add_argument("--data-dir", help="image runs: where the held-out real images are (default: the run's)")
    e.add_argument("--no-ema", action="store_true", help="measure G's last weights, not their moving average")
    e.add_argument("--backend", choices=["numpy", "cupy"])

    i = sub.add_parser("inpaint", help="fill the missing pixels of images with a trained generator",
                       description="Fill the masked region of images by searching the generator's latent space "
                                   "(Yeh et al. 2017). IMG: .npy ((H, W), (N, H, W) or (N, C, H, W), values in "
                                   "[-1, 1]) or a grey .png; MASK: .npy or .png, 1 / white = known pixel, "
                                   "0 / black = missing, shaped (H, W) or like IMG; OUT: .npy or .png, the known "
                                   "pixels kept and the hole filled from G.")
    i.add_argument("--checkpoint", required=True)
    i.add_argument("--image", required=True, metavar="IMG")
    i.add_argument("--mask", required=True, metavar="MASK")
    i.add_argument("--out", required=True, metavar="OUT")
    i.add_argument("--steps", type=_positive(int), default=300, help="Adam steps on z (default 300)")
    i.add_argument("--lam", type=float, default=0.1, help="weight of D's opinion, the prior loss (default 0.1)")
    i.add_argument("--seed", type=int, default=0)
    i.add_argument("--backend", choices=["numpy", "cupy"])

    g = sub.add_parser("gradcheck", help="check every hand-written backward against finite differences")
    g.add_argument("--tol", type=float, default=1e-6)
    g.add_argument("--seed", type=int, default=0)

    b = sub.add_parser("bench", help="time one training step of dcgan-mnist on NumPy, CuPy and PyTorch "
                                     "(needs the source checkout)",
                       description="Time one whole GAN.step of the seed DCGAN (dcgan-mnist) on NumPy, CuPy "
                                   "and PyTorch in one run; writes bench_train_step.{json,md,png}. "
                                   "Runs benchmarks/bench_train_step.py from the source checkout.")
    # The benchmark script is loaded only when `bench` is asked for, so a problem in it can
    # never stop `minigan train`.
    bench = load_bench() if with_bench else None
    if bench is not None:
        bench.add_arguments(b)
    else:                       # not loaded: take any flags, so that cmd_bench can say what is missing
        b.set_defaults(any_flags=True)
    return parser


DEFAULT_PRESET = "dcgan-digits"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(with_bench=argv[:1] == ["bench"])
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "any_flags", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return {"train": cmd_train, "sample": cmd_sample, "evaluate": cmd_evaluate, "inpaint": cmd_inpaint,
                "gradcheck": cmd_gradcheck, "bench": cmd_bench}[args.command](args)
    except KeyboardInterrupt:
        return 130
    except _UserError as err:
        print(f"minigan {args.command}: error: {err}", file=sys.stderr)
        return err.status


class _UserError(Exception):
    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def _friendly(fn):
    """Turn the errors a user can cause into one-line messages instead of tracebacks."""
    def wrapper(args):
        from .backend import BackendUnavailable
        from .checkpoint import CheckpointError
        from .train import RunExists, TrainingDiverged
        try:
            return fn(args)
        except (CheckpointError, TrainingDiverged, FileNotFoundError) as err:
            raise _UserError(str(err), 1) from None
        except (RunExists, BackendUnavailable, ValueError) as err:   # bad input: status 2, like a bad flag
            raise _UserError(str(err), 2) from None
    return wrapper


@_friendly
def cmd_train(args):
    from .train import Run
    run = Run(preset=args.preset, out=args.out, steps=args.steps, epochs=args.epochs,
              batch_size=args.batch_size, seed=args.seed, backend=args.backend,
              objective="+".join(filter(None, [args.objective, args.pack and args.pack > 1 and f"pacgan{args.pack}"]))
              or None,
              data_dir=args.data_dir, dataset=args.dataset, resume=args.resume,
              checkpoint_every=args.checkpoint_every, progress=not args.no_progress, ema=args.ema)
    run.train()
    print(f"trained {run.preset.name} for {run.step} steps; results in {run.out}")
    return 0


def slerp(z0, z1, t):
    """Spherical interpolation between noise vectors: it keeps the norm a Gaussian z typically has,
    where a straight line would pass through the unlikely low-norm middle (White 2016)."""
    cos = np.sum(z0 * z1, axis=-1, keepdims=True) / (np.linalg.norm(z0, axis=-1, keepdims=True)
                                                     * np.linalg.norm(z1, axis=-1, keepdims=True))
    omega = np.arccos(np.clip(cos, -1, 1))
    so = np.sin(omega)
    so = np.where(so < 1e-8, 1.0, so)
    return np.sin((1 - t) * omega) / so * z0 + np.sin(t * omega) / so * z1


def _generate(args, n, interpolate=None):
    import minigan
    from .backend import to_backend, to_numpy
    from .train import load_gan
    gan, header, _ = load_gan(args.checkpoint, args.backend)
    if getattr(args, "no_ema", False):
        gan.ema = None            # generate() then draws from G's last weights
    minigan.seed(args.seed)
    gan.G.eval()
    label = getattr(args, "label", None)
    conditional = hasattr(gan, "n_classes")
    if label is not None and not conditional:
        raise _UserError(f"--label needs a conditional model; {args.checkpoint} is {header['config']['preset']!r}", 2)
    if conditional:
        if interpolate:
            raise _UserError("--interpolate is not available for conditional models yet", 2)
        if label is not None and not 0 <= label < gan.n_classes:
            raise _UserError(f"--label must be 0..{gan.n_classes - 1}, got {label}", 2)
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


@_friendly
def cmd_sample(args):
    ext = os.path.splitext(args.out)[1].lower()
    if ext not in (".npy", ".png"):
        raise _UserError(f"--out must end in .npy or .png, got {args.out!r}", 2)
    samples, header = _generate(args, args.n, args.interpolate)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    if ext == ".npy":
        np.save(args.out, samples)
    elif samples.ndim == 2:
        from . import viz
        viz.save_field(args.out, samples, samples, title=f"{args.n} samples")
    else:
        from . import viz
        from .presets import get_preset
        per_class_rows = args.label is None and get_preset(header["config"]["preset"]).conditional
        nrow = args.interpolate or (-(-args.n // 10) if per_class_rows else None)
        viz.save_image_grid(samples, args.out, nrow=nrow, scale=max(1, 112 // samples.shape[-1]))
    print(f"wrote {len(samples)} samples of shape {samples.shape[1:]} to {args.out}")
    return 0


@_friendly
def cmd_evaluate(args):
    from .data import MIXTURES, get_mixture
    from .metrics import mode_metrics
    samples, header = _generate(args, args.n)
    from .presets import get_preset
    dataset = header["config"].get("overrides", {}).get("dataset") or get_preset(header["config"]["preset"]).dataset
    if dataset in ("mnist", "fashion-mnist"):
        return _evaluate_images(args, samples, header, dataset)
    if dataset not in MIXTURES:
        raise _UserError(f"evaluate: no metrics yet for data set {dataset!r}", 2)
    result = {"checkpoint": args.checkpoint, "dataset": dataset, "step": header["step"],
              **mode_metrics(samples, get_mixture(dataset))}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{dataset} after {result['step']} steps, {result['n_samples']} samples:")
        print(f"  modes captured      {result['modes']} / {len(result['counts'])}")
        print(f"  high-quality        {result['high_quality']:.1f} %")
        print(f"  reverse KL          {result['reverse_kl']:.3f}")
    return 0


def _evaluate_images(args, samples, header, dataset):
    """Classifier score, class histogram, FCD, precision / recall / coverage against the held-out
    real images (the last 2,000 of the test file, which the shipped classifier never saw)."""
    from .data.mnist import DatasetNotFound, load_fashion_mnist, load_mnist
    from .metrics import image_metrics
    from .metrics.classifier import load_classifier, split
    try:
        classifier = load_classifier(dataset)
    except FileNotFoundError as err:
        raise _UserError(str(err), 2) from None
    load = load_mnist if dataset == "mnist" else load_fashion_mnist
    data_dir = args.data_dir or header["config"].get("data_dir")
    try:
        images, labels = load("test", data_dir=data_dir)
    except DatasetNotFound as err:
        raise _UserError(str(err), 2) from None
    _, (held, _) = split(images, labels)
    result = {"checkpoint": args.checkpoint, "dataset": dataset, "step": header["step"],
              **image_metrics(samples, held, classifier)}
    from .presets import get_preset
    if get_preset(header["config"]["preset"]).conditional:
        # _generate laid the samples out class by class: does the classifier see the class asked for?
        requested = np.repeat(np.arange(10), -(-len(samples) // 10))[:len(samples)]
        result["label_agreement"] = float((classifier.probs(samples).argmax(axis=1) == requested).mean())
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{dataset} after {result['step']} steps: {result['n_samples']} samples against "
              f"{result['n_real']} held-out real images")
        print(f"  classifier score     {result['classifier_score']:.2f}  (best 10)")
        print(f"  class histogram      {result['class_counts']}  KL to uniform {result['class_kl_to_uniform']:.3f}")
        print(f"  FCD                  {result['fcd']:.2f}  (lower is better)")
        print(f"  precision / recall   {result['precision']:.3f} / {result['recall']:.3f}  (k = 3)")
        print(f"  coverage             {result['coverage']:.3f}")
        if "label_agreement" in result:
            print(f"  label agreement      {100 * result['label_agreement']:.1f} %  (classifier sees the class asked for)")
    return 0


@_friendly
def cmd_inpaint(args):
    import minigan
    from .apps.files import InputError, read_images, read_mask, write_images
    from .apps.inpaint import inpaint
    from .train import load_gan
    if args.lam < 0:
        raise _UserError(f"argument --lam: must be 0 or more, got {args.lam}", 2)
    try:   # every file problem is found before any work is done
        if os.path.splitext(args.out)[1].lower() not in (".npy", ".png"):
            raise InputError(f"--out {args.out}: expected a .npy or .png file")
        images = read_images(args.image)
        mask = read_mask(args.mask, images.shape)
    except InputError as err:
        raise _UserError(str(err), 2) from None
    gan, header, _ = load_gan(args.checkpoint, args.backend)
    preset = header["config"]["preset"]
    if hasattr(gan, "n_classes"):
        raise _UserError(f"{args.checkpoint} holds a conditional model ({preset!r}); inpainting needs an "
                         "unconditional image GAN", 2)
    minigan.seed(args.seed)
    gan.G.eval()
    shape = tuple(gan.G.forward(gan.sample_noise(1)).shape[1:])
    if len(shape) != 3:
        raise _UserError(f"{args.checkpoint} holds a {preset!r} model, which draws points, not images", 2)
    if images.shape[1:] != shape:
        raise _UserError(f"--image {args.image}: images of shape {images.shape[1:]}, but the generator in "
                         f"{args.checkpoint} draws {shape}", 2)
    result = inpaint(gan.G, gan.D, images, mask, gan.z_dim, steps=args.steps, lam=args.lam)
    write_images(args.out, result.blended)
    context = result.history["contextual"]
    missing = int((mask == 0).sum()) // len(images)
    print(f"inpainted {len(images)} image(s) of shape {shape}, about {missing} missing pixels each, in "
          f"{args.steps} steps: contextual loss {context[0].mean():.2f} -> {context[-1].mean():.2f}; wrote {args.out}")
    return 0


@_friendly
def cmd_gradcheck(args):
    from .gradcheck.table import run_all
    rows = run_all(seed=args.seed, tol=args.tol)
    width = max(len(r[0]) for r in rows)
    print(f"{'name':<{width}}  max rel. error  verdict")
    for name, err, ok in rows:
        print(f"{name:<{width}}  {err:14.2e}  {'ok' if ok else 'FAIL'}")
    failed = [r for r in rows if not r[2]]
    print(f"{len(rows) - len(failed)} of {len(rows)} passed (float64, tolerance {args.tol:g})")
    return 1 if failed else 0


def benchmarks_dir():
    """benchmarks/ beside the minigan package: there in a source checkout, absent from an installed wheel."""
    import minigan
    return Path(minigan.__file__).resolve().parents[1] / "benchmarks"


_BENCH_MODULES = {}


def load_bench():
    """benchmarks/bench_train_step.py as a module, or None without a source checkout.

    benchmarks/ is not a package: the script is loaded by its path, with its folder put on
    sys.path first because it imports ``common`` from beside it.
    """
    path = benchmarks_dir() / "bench_train_step.py"
    if not path.is_file():
        return None
    if path not in _BENCH_MODULES:
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location("bench_train_step", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _BENCH_MODULES[path] = module
    return _BENCH_MODULES[path]


@_friendly
def cmd_bench(args):
    bench = load_bench()
    if bench is None:
        raise _UserError(f"needs the source checkout: benchmarks/ beside minigan/ (looked for "
                         f"{benchmarks_dir() / 'bench_train_step.py'}); clone the repository and "
                         "run it from there", 2)
    if args.repeats is not None and args.repeats < 1:
        raise _UserError(f"argument --repeats: must be positive, got {args.repeats}", 2)
    from .backend import cupy_available
    if "numpy" not in args.backends and not cupy_available():
        raise _UserError("argument --backends: cupy needs an NVIDIA GPU, which this machine lacks, "
                         "so there is nothing to time; add numpy", 2)
    bench.run_from_args(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
