"""Judge a run's saved generators one by one: the judge's confident share and FCD at each.

    python experiments/dcgan_mnist_judge/judge_snapshots.py --preset dcgan-mnist \
        --weights DIR/weights --data-dir ../shared/data/mnist --json OUT.json
    python experiments/dcgan_mnist_judge/judge_snapshots.py --checkpoints 'runs/X/copies/*.npz' ...

``--weights``: the ``step_NNNNNN_{last,ema}.npz`` files that ``dcgan_mnist_trials.py --save-every``
writes (G's weights, as ``Module.state_dict()``). ``--checkpoints``: copies of a ``minigan train``
run's checkpoint.npz taken while it trained (the averaged G, if the preset keeps one).
For each: 1,000 samples (seed 0) for the judge (judge_mnist.py), and ``-n`` samples (seed 1) whose
FCD against all 10,000 MNIST test images is computed in the shipped classifier's features, as
``minigan evaluate`` does. Sampling leaves no trace in the files.
"""
import argparse
import glob
import json
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", ".."), HERE]     # the checkout's minigan; judge_mnist

import minigan  # noqa: E402
from minigan import rng as minigan_rng  # noqa: E402
from minigan.backend import to_numpy  # noqa: E402
from minigan.data.mnist import load_mnist  # noqa: E402
from minigan.metrics.classifier import load_classifier  # noqa: E402
from minigan.metrics.images import frechet_distance  # noqa: E402
from minigan.presets import get_preset  # noqa: E402


def draw(G, z_dim, n, seed, n_classes=0):
    """n samples of G in eval mode from seed ``seed`` (NumPy float32). A conditional G (``n_classes`` > 0)
    is asked for every class in turn (0, 1, ..., 9, 0, ...), as ``minigan evaluate`` asks for them."""
    minigan.seed(seed)
    G.eval()
    out = []
    for i in range(0, n, 250):
        z = minigan_rng.normal(np, (min(250, n - i), z_dim), np.float32)
        if n_classes:
            labels = np.arange(i, i + len(z)) % n_classes
            z = np.concatenate([z, np.eye(n_classes, dtype=np.float32)[labels]], axis=1)
        images = to_numpy(G.forward(z))
        out.append(images[:, :-1] if n_classes else images)     # a conditional G carries its label out
    return np.concatenate(out).astype(np.float32)


def generators(args):
    """(path, "ema" or "last", step, G, z_dim) for each file asked for, in step order."""
    if args.weights:
        preset = get_preset(args.preset)
        for path in sorted(glob.glob(os.path.join(args.weights, "step_*.npz"))):
            step, kind = re.match(r"step_(\d+)_(\w+)\.npz", os.path.basename(path)).groups()
            gan = preset.with_overrides(ema=None).build("numpy")
            with np.load(path) as arrays:
                gan.G.load_state_dict(dict(arrays))
            yield path, kind, int(step), gan.G, gan.z_dim, getattr(gan, "n_classes", 0)
    for path in sorted(glob.glob(args.checkpoints or "")):
        from minigan.train import load_gan
        gan, header, _ = load_gan(path)
        if gan.ema:
            gan.G.load_state_dict(gan.ema.shadow)
        yield path, ("ema" if gan.ema else "last"), header["step"], gan.G, gan.z_dim, getattr(gan, "n_classes", 0)


def main(argv=None):
    import torch
    import judge_mnist
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="dcgan-mnist", help="the preset the --weights belong to")
    ap.add_argument("--weights", help="a folder of step_NNNNNN_{last,ema}.npz files")
    ap.add_argument("--checkpoints", help="a glob of minigan checkpoint files")
    ap.add_argument("--data-dir")
    ap.add_argument("-n", type=int, default=2500, help="samples for FCD (minigan evaluate's default)")
    ap.add_argument("--json", required=True)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    judge = judge_mnist.load_judge(torch, args.data_dir)
    classifier = load_classifier("mnist")
    test_images, _ = load_mnist("test", data_dir=args.data_dir, download=False)
    real_features = classifier.features(test_images)
    rows = []
    for path, kind, step, G, z_dim, n_classes in generators(args):
        asked = np.arange(1000) % n_classes if n_classes else None
        verdict = judge_mnist.judge(draw(G, z_dim, 1000, 0, n_classes), judge, torch, asked)
        row = {"weights": kind, "step": step, **verdict}
        at = re.match(r"at_(\d+)s\.npz", os.path.basename(path))     # timed_run.sh's copies: seconds in
        if at:
            row["at_s"] = int(at.group(1))
        row["fcd"] = frechet_distance(real_features, classifier.features(draw(G, z_dim, args.n, 1, n_classes)))
        rows.append(row)
        print(json.dumps(row), flush=True)
    with open(args.json, "w") as f:
        json.dump({"args": vars(args), "fcd_reference": "the 10,000 MNIST test images", "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
