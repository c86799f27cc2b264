"""The judge's confident share and the FCD as runs train, against training steps.

    python experiments/dcgan_mnist_judge/plot_curves.py --out results/training_split_curves.png \
        results/dcgan_mnist_epochs.json results/dcgan_mnist_bn_epochs.json results/small_trial.json ...

Each JSON is what judge_snapshots.py writes (or a timed run's record, which holds it as "judged"); only
the averaged G's rows ("ema") are drawn (G's own where a run has no average), one line per file,
labelled with the file's "label" field (or its preset). ``--minutes``: against wall-clock minutes instead (timed_run.sh's copies, whose rows carry "at_s").
"""
import argparse
import json

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(path):
    with open(path) as f:
        outer = json.load(f)
    record = outer.get("judged", outer)
    # the averaged G where the run kept one; a preset without a weight average has only G's own rows
    rows = [r for r in record["rows"] if r["weights"] == "ema"] or record["rows"]
    return outer.get("label") or outer.get("preset") or record["args"]["preset"], rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", help="judge_snapshots.py's JSON files")
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", action="store_true", help="x axis: wall-clock minutes of a timed run")
    args = ap.parse_args(argv)
    xlabel = "wall-clock minutes" if args.minutes else "training steps (batch 64)"
    fig, (share, fcd) = plt.subplots(1, 2, figsize=(10, 3.8))
    for i, path in enumerate(args.files):
        label, rows = load(path)
        steps = [r["at_s"] / 60 if args.minutes else r["step"] for r in rows]
        share.plot(steps, [100 * r["confident_fraction"] for r in rows], "o-", color=f"C{i}", label=label)
        fcd.plot(steps, [r["fcd"] for r in rows], "o-", color=f"C{i}", label=label)
    share.axhline(75, color="grey", linestyle=":", linewidth=1)     # the bar
    share.set(xlabel=xlabel, ylabel="judged confident (%)", ylim=(0, 100))
    fcd.set(xlabel=xlabel, ylabel="FCD against the test split (lower is better)")
    fcd.set_yscale("log")
    share.legend(fontsize=8)
    for ax in (share, fcd):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)


if __name__ == "__main__":
    main()
