"""The judge's confident share as the runs train: the headline preset against its wall time, and
dcgan-mnist / dcgan-mnist-bn epoch by epoch.

    python experiments/dcgan_mnist_judge/plot_curves.py --headline results/dcgan_mnist_small_timed.json \
        --epochs results/dcgan_mnist_10_epochs.json results/dcgan_mnist_bn_10_epochs.json \
        --out results/judged_share_curves.png

Each JSON is what judge_snapshots.py writes; only the averaged G's rows ("ema") are drawn.
"""
import argparse
import json

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def ema_rows(path):
    with open(path) as f:
        return [r for r in json.load(f)["rows"] if r["weights"] == "ema"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--headline", required=True, help="judge_snapshots.py's JSON for the timed run")
    ap.add_argument("--epochs", nargs="*", default=[], help="judge_snapshots.py's JSON for per-epoch runs")
    ap.add_argument("--steps-per-epoch", type=int, default=937)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    rows = ema_rows(args.headline)
    left.plot([r["at_s"] / 60 for r in rows], [100 * r["confident_fraction"] for r in rows], "o-", color="C2")
    left.set(xlabel="minutes of the timed run", ylabel="judged confident (%)", title="dcgan-mnist-small",
             ylim=(0, 100))
    for path, color in zip(args.epochs, ["C0", "C1", "C3"]):
        rows = ema_rows(path)
        with open(path) as f:
            label = json.load(f)["args"]["preset"]
        right.plot([r["step"] / args.steps_per_epoch for r in rows], [100 * r["confident_fraction"] for r in rows],
                   "o-", color=color, label=label)
    right.set(xlabel="epochs of the 60,000 training images", title="the tutorial's networks", ylim=(0, 100))
    if args.epochs:
        right.legend()
    for ax in (left, right):
        ax.axhline(75, color="grey", linestyle=":", linewidth=1)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)


if __name__ == "__main__":
    main()
