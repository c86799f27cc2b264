"""Trials of legitimate additions to the dcgan-mnist recipe, judged by an independent classifier.

    python experiments/dcgan_mnist_judge/dcgan_mnist_trials.py --out DIR [--init dcgan] [--smooth 0.1]
        [--r1 1.0] [--g-steps 2] [--preset dcgan-mnist-bn] [--steps 1560]

Trains dcgan-mnist exactly as ``minigan train --preset dcgan-mnist`` does (the same seed, data
order, noise and dropout draws, on MNIST's 10,000 test images) with one or more changes that keep
its network and training budget, and keeps several moving averages of G's weights beside it, so
that one run answers "with and without an average" and "which decay". Every ``--every`` steps and
at the end, the independent judge (judge_mnist.py; train it once with that script first)
classifies 1,000 samples of the last G and of the averaged G; at the end also FCD / precision /
recall against the 2,000 held-out images. The run's own noise and dropout draws are not disturbed
by the evaluations. Writes DIR/result.json and sample grids; the trials run, and what they found,
are in README.md beside this script.
"""
import argparse
import ast
import contextlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE)]     # the checkout's minigan; judge_mnist

import minigan  # noqa: E402
from minigan import rng as minigan_rng, viz  # noqa: E402
from minigan.backend import to_numpy  # noqa: E402
from minigan.data.mnist import load_mnist  # noqa: E402
from minigan.ema import WeightAverage  # noqa: E402
from minigan.losses import get_objective  # noqa: E402
from minigan.metrics import image_metrics  # noqa: E402
from minigan.metrics.classifier import load_classifier, split  # noqa: E402
from minigan.presets import get_preset  # noqa: E402
from minigan.train import make_stream  # noqa: E402


class FixedDecay(WeightAverage):
    """An average without the warm-up: it starts from the initial weights and keeps ``decay``."""

    def beta(self, count=None):
        return self.decay


def averages_for(G):
    return {"ema 0.999 (warm-up)": WeightAverage(G, 0.999), "ema 0.99 (no warm-up)": FixedDecay(G, 0.99)}


def draw(gan, n, seed):
    """n samples of G as it stands, from seed ``seed``, leaving the training run's draws untouched."""
    state = minigan_rng.get_state()
    minigan.seed(seed)
    gan.G.eval()
    samples = np.concatenate([to_numpy(gan.G.forward(gan.sample_noise(200))) for _ in range(n // 200)])
    gan.G.train()
    minigan_rng.set_state(state)
    return samples.astype(np.float32)


def overrides(pairs):
    """{"objective": "hinge", "g_lr_scale": 0.25} from ["objective=hinge", "g_lr_scale=0.25"]."""
    fields = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            fields[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            fields[key] = value     # a bare word: a name such as "hinge"
    return fields


def save_weights(G, average, folder, step):
    """G's weights as they stand and their moving average, as two .npz files named by the step."""
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / f"step_{step:06d}_last.npz", **G.state_dict())
    np.savez(folder / f"step_{step:06d}_ema.npz", **average.state_dict())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--init", help="re-initialise G and D with this scheme (e.g. dcgan: N(0, 0.02))")
    ap.add_argument("--smooth", type=float, default=0.0, help="one-sided label smoothing s (real target 1 - s)")
    ap.add_argument("--r1", type=float, default=0.0, help="R1 penalty weight gamma")
    ap.add_argument("--g-steps", type=int, default=1, help="G steps per D step (the extra ones on fresh noise)")
    ap.add_argument("--preset", default="dcgan-mnist", help="dcgan-mnist-bn: the variant with BatchNorm in G")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=1560)
    ap.add_argument("--every", type=int, default=260)
    ap.add_argument("--data-dir", default=str(HERE.parents[2] / "shared" / "data" / "mnist"))
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="override a preset field, e.g. objective=hinge, spectral_norm=True, g_lr_scale=0.25")
    ap.add_argument("--save-every", type=int, default=0,
                    help="also save G's last and averaged weights every N steps (judge_snapshots.py reads them)")
    ap.add_argument("--no-judge", action="store_true", help="judge nothing during or after the run (with --save-every)")
    args = ap.parse_args(argv)
    judge = None
    if not args.no_judge:     # PyTorch is needed only for the judge
        import torch
        import judge_mnist
        torch.set_num_threads(1)
        judge = judge_mnist.load_judge(torch, args.data_dir)

    # The same order of draws as minigan.train.Run: seed, data stream, weights, fixed noise.
    minigan.seed(args.seed)
    stream = make_stream("mnist", 64, args.seed, "numpy", args.data_dir)
    preset = get_preset(args.preset).with_overrides(ema=None, **overrides(args.set))
    gan = (preset.with_overrides(init=args.init) if args.init else preset).build("numpy")
    gan.penalties = minigan.regularizers.penalties(r1=args.r1)   # R1 on D, if asked for
    if args.smooth:
        gan.objective = get_objective("non_saturating", label_smoothing=args.smooth)
    gan.sample_noise(64)
    averages = averages_for(gan.G)

    def judged(average=None):
        with average.applied(gan.G) if average else contextlib.nullcontext():
            return judge_mnist.judge(draw(gan, 1000, 0), judge, torch)

    curve, loads, t0 = [], [], time.time()
    for step in range(1, args.steps + 1):
        record = gan.step(stream.next())
        for _ in range(args.g_steps - 1):
            gan.g_step(batch_size=64)
        for average in averages.values():
            average.update(gan.G)
        if step % 100 == 0:
            loads.append(os.getloadavg()[0])
            print(f"step {step}: D {record.d_loss:.3f}  G {record.g_loss:.3f}  D(x) {record.d_real:.2f}  "
                  f"D(G(z)) {record.d_fake:.2f}  {time.time() - t0:.0f} s, load {loads[-1]:.2f}", flush=True)
        if args.save_every and (step % args.save_every == 0 or step == args.steps):
            save_weights(gan.G, averages["ema 0.999 (warm-up)"], Path(args.out, "weights"), step)
        if judge is not None and step % args.every == 0 and step < args.steps:
            point = {"step": step, "last": judged()["confident_fraction"],
                     "ema": judged(averages["ema 0.999 (warm-up)"])["confident_fraction"]}
            curve.append(point)
            print(f"  judge, confident share: {point}", flush=True)
    wall = time.time() - t0
    if judge is None:
        os.makedirs(args.out, exist_ok=True)
        Path(args.out, "result.json").write_text(json.dumps({"args": vars(args), "train_wall_s": round(wall),
                                                             "load_averages": loads}) + "\n")
        return

    images, labels = load_mnist("test", data_dir=args.data_dir, download=False)
    _, (held, _) = split(images, labels)
    classifier = load_classifier("mnist")
    result = {"args": vars(args), "train_wall_s": round(wall), "load_average_mean": round(float(np.mean(loads)), 2) if loads else None,
              "judge_curve": curve, "final": {}}
    os.makedirs(args.out, exist_ok=True)
    for name, average in [("last G", None), *averages.items()]:
        row = judged(average)
        with average.applied(gan.G) if average else contextlib.nullcontext():
            samples = draw(gan, 2000, 1)
            viz.save_image_grid(draw(gan, 200, 0)[:64], os.path.join(args.out, f"{name.split()[0]}_{name.split()[1]}.png"),
                                nrow=8, scale=2)
        metrics = image_metrics(samples, held, classifier)
        row.update({k: metrics[k] for k in ("fcd", "precision", "recall", "coverage")})
        result["final"][name] = row
        print(name, json.dumps(row), flush=True)
    Path(args.out, "result.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
