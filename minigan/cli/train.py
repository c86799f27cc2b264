"""``minigan train``: train a preset and save metrics, pictures and a checkpoint."""
import argparse

from . import DEFAULT_PRESET, UserError, decay, friendly, objective_or_recipes, positive


def image_size(text):
    """A square side the dcgan family can build (B * 2^k, B in 4..7), at most 256 pixels."""
    from ..models import dcgan_plan
    side = positive(int)(text)
    try:
        dcgan_plan(side)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if side > 256:
        raise argparse.ArgumentTypeError(f"at most 256 pixels, got {side}")
    return side


def preset_lines():
    """The presets, one line each: name, data, what the networks are and what the run shows."""
    from ..presets import PRESETS
    width = max(len(name) for name in PRESETS) + 2
    lines = [f"  {name:<{width}}{p.dataset:<15}{p.description}" for name, p in PRESETS.items()]
    from ..i2i.presets import TRANSLATION_PRESETS     # image-to-image: see minigan/i2i/run.py
    lines += [f"  {name}  {p.dataset}: {p.description}" for name, p in TRANSLATION_PRESETS.items()]
    return "presets (name, data, what it is):\n" + "\n".join(lines)


def add_parser(sub):
    from ..presets import DATA_KINDS, PRESETS
    from ..recipes import names
    t = sub.add_parser("train", help="train a preset and save metrics, pictures and a checkpoint",
                       description="Train a preset; metrics.csv, pictures and checkpoint.npz go to --out. "
                                   "Flags left out take the preset's values.",
                       epilog=preset_lines())
    from ..i2i.presets import TRANSLATION_PRESETS
    t.add_argument("--preset", default=DEFAULT_PRESET, choices=sorted(PRESETS) + sorted(TRANSLATION_PRESETS),
                   metavar="NAME",
                   help="what to train (the presets are listed below)")
    t.add_argument("--dataset", choices=sorted(DATA_KINDS),
                   help="train on another data set of the same kind: mnist <-> fashion-mnist (default: the preset's)")
    t.add_argument("--data-dir", metavar="DIR", help="the folder holding MNIST's or Fashion-MNIST's files "
                   "(default: $MINIGAN_DATA_DIR/<dataset>, then ~/.cache/minigan/<dataset>)")
    own = t.add_argument_group("your own images (the dcgan family builds its networks for them)")
    own.add_argument("--data", metavar="PATH",
                     help="train on your images: a folder of pictures Pillow reads (nested; one sub-folder per "
                          "class gives conditional presets their labels) or an .npy / .npz array; decoded once "
                          "to the training size and cached (the path is printed)")
    own.add_argument("--image-size", type=image_size, metavar="S",
                     help="the dcgan family: square side the images are resized and centre-cropped to, e.g. 28, "
                          "32, 64 (default: the preset's, 32)")
    own.add_argument("--channels", type=int, choices=(1, 3),
                     help="the dcgan family: 1 (grey) or 3 (colour) (default: the images', colour if any image is)")
    length = t.add_mutually_exclusive_group()
    length.add_argument("--steps", type=positive(int), help="train this many steps (default: the preset's)")
    length.add_argument("--epochs", type=positive(int), help="or this many passes over image data (default: the preset's)")
    t.add_argument("--batch-size", type=positive(int), metavar="N", help="samples per batch (default: the preset's)")
    model = t.add_argument_group("model and optimizer (default: the preset's)")
    model.add_argument("--lr", type=positive(float), help="learning rate of both players (G keeps the preset's "
                       "ratio to D's, 2 with the 'sharp' recipe)")
    model.add_argument("--lr-d", type=positive(float), metavar="LR", help="D's learning rate alone")
    model.add_argument("--lr-g", type=positive(float), metavar="LR", help="G's learning rate alone")
    model.add_argument("--beta1", type=decay, help="Adam's first-moment decay (DCGAN: 0.5)")
    model.add_argument("--z-dim", type=positive(int), metavar="N", help="size of the noise vector z")
    model.add_argument("--width", type=positive(int), metavar="N",
                       help="base width of G and D: hidden units of the MLPs, D's first feature maps in the DCGANs "
                            "(pytorch DCGAN's ndf/ngf)")
    model.add_argument("--objective", type=objective_or_recipes(names()),
                       help="an objective, or a recipe that also sets the regulariser and optimizer "
                            "(wgan, wgan-gp, hinge-sn, r1, r1-narrow, mbstd, pacgan2/3/4, sharp); "
                            "recipes join with '+' (sharp+mbstd)")
    model.add_argument("--pack", type=positive(int), metavar="M",
                       help="PacGAN: D judges packs of M samples (2D presets; batch size divisible by M)")
    model.add_argument("--ema", type=decay, metavar="DECAY",
                       help="keep a moving average of G's weights with this decay (e.g. 0.999) and sample "
                            "from it; 0 turns off a preset's average")
    t.add_argument("--seed", type=int, default=0, help="seed of every random draw: one seed, one metrics.csv")
    t.add_argument("--out", metavar="DIR", help="output folder (default: a new folder under ./runs/)")
    t.add_argument("--backend", choices=["numpy", "cupy"], help="numpy (CPU) or cupy (GPU) "
                   "(default: $MINIGAN_BACKEND, else numpy)")
    t.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    t.add_argument("--checkpoint-every", type=positive(int), metavar="STEPS",
                   help="save a checkpoint every STEPS steps (default: five times a run, at most every 1,000)")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    t.add_argument("--threads", type=positive(int), metavar="N",
                   help="threads for the matrix products (default: 1 for small models, every core for the "
                        "large convolutions of the 28x28 presets)")


@friendly
def run(args):
    from ..i2i.presets import TRANSLATION_PRESETS
    if args.preset in TRANSLATION_PRESETS:
        from ..i2i.run import train_from_args
        return train_from_args(args)
    from ..train import Run
    if args.resume and not args.out:
        raise UserError("--resume needs --out, the folder of the run to continue", 2)
    training = Run(preset=args.preset, out=args.out, steps=args.steps, epochs=args.epochs,
                   batch_size=args.batch_size, seed=args.seed, backend=args.backend,
                   objective=args.objective, pack=args.pack, data_dir=args.data_dir, dataset=args.dataset,
                   resume=args.resume, checkpoint_every=args.checkpoint_every,
                   progress=not args.no_progress, ema=args.ema, threads=args.threads,
                   lr=args.lr, lr_d=args.lr_d, lr_g=args.lr_g, beta1=args.beta1, z_dim=args.z_dim,
                   width=args.width, data_path=args.data, image_size=args.image_size, channels=args.channels)
    training.train()
    print(f"trained {training.preset.name} for {training.step} steps; results in {training.out}")
    return 0
