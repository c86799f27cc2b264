"""``minigan train``: train a preset and save metrics, pictures and a checkpoint."""
from . import DEFAULT_PRESET, decay, friendly, objective_or_recipes, positive


def add_parser(sub):
    from ..presets import PRESETS
    from ..recipes import names
    t = sub.add_parser("train", help="train a preset and save metrics, pictures and a checkpoint")
    t.add_argument("--preset", default=DEFAULT_PRESET, choices=sorted(PRESETS))
    t.add_argument("--dataset", help="override the preset's data set (e.g. mnist, fashion-mnist, digits)")
    t.add_argument("--data-dir", help="folder holding the data set's files")
    length = t.add_mutually_exclusive_group()
    length.add_argument("--steps", type=positive(int))
    length.add_argument("--epochs", type=positive(int))
    t.add_argument("--batch-size", type=positive(int))
    t.add_argument("--objective", type=objective_or_recipes(names()),
                   help="an objective, or a recipe that also sets the regulariser and optimizer "
                        "(wgan, wgan-gp, hinge-sn, r1, r1-narrow, mbstd, pacgan2/3/4, sharp); "
                        "recipes join with '+' (sharp+mbstd)")
    t.add_argument("--pack", type=positive(int), metavar="M",
                   help="PacGAN: D judges packs of M samples (2D presets; batch size divisible by M)")
    t.add_argument("--ema", type=decay, metavar="DECAY",
                   help="keep a moving average of G's weights with this decay (e.g. 0.999) and sample "
                        "from it; 0 turns off a preset's average")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", help="output folder (default: a new folder under ./runs/)")
    t.add_argument("--backend", choices=["numpy", "cupy"])
    t.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    t.add_argument("--checkpoint-every", type=positive(int))
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    t.add_argument("--threads", type=positive(int), metavar="N",
                   help="threads for the matrix products (default: 1 for small models, every core for the "
                        "large convolutions of the 28x28 presets)")


@friendly
def run(args):
    from ..train import Run
    training = Run(preset=args.preset, out=args.out, steps=args.steps, epochs=args.epochs,
                   batch_size=args.batch_size, seed=args.seed, backend=args.backend,
                   objective=args.objective, pack=args.pack, data_dir=args.data_dir, dataset=args.dataset,
                   resume=args.resume, checkpoint_every=args.checkpoint_every,
                   progress=not args.no_progress, ema=args.ema, threads=args.threads)
    training.train()
    print(f"trained {training.preset.name} for {training.step} steps; results in {training.out}")
    return 0
