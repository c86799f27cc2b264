"""The 2D presets at their defaults, from the command line: ``minigan train --preset P --seed S``, then
``minigan evaluate``, for five seeds each; wall time of each training run (pictures included).

    python experiments/toy_presets/toy_presets.py     # writes results/toy_presets.{md,json} beside it
    python experiments/toy_presets/toy_presets.py --presets ring8 --seeds 1 --out-dir /tmp/toy   # one run

One run at a time, one BLAS thread: the timings are those of a single training process.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_runs import train_and_evaluate  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def run(preset, seed, workdir):
    r = train_and_evaluate(preset, seed, workdir, threads=1)
    return {k: r[k] for k in ("preset", "seed", "seconds", "load_before", "modes", "high_quality", "reverse_kl",
                              "step")}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", nargs="+", default=["ring8", "grid25"], choices=["ring8", "grid25"])
    ap.add_argument("--seeds", type=int, default=5, help="seeds 0 to N-1 for each preset (default 5)")
    ap.add_argument("--out-dir", default=RESULTS)
    args = ap.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory() as workdir:
        for preset in args.presets:
            for seed in range(args.seeds):
                runs.append(run(preset, seed, workdir))
                r = runs[-1]
                print(f"{preset} seed {seed}: {r['modes']} modes, {r['high_quality']:.1f}% HQ, "
                      f"KL {r['reverse_kl']:.4f}, {r['seconds']:.0f} s (load {r['load_before']:.2f})", flush=True)
    lines = ["# The 2D presets at their defaults", "",
             "`minigan train --preset P --seed S` (defaults), then `minigan evaluate` (2,500 samples), "
             f"seeds 0-{args.seeds - 1}; "
             "wall time of each training run, pictures included, one BLAS thread. Load average: the machine's, "
             "just before each run (other users' jobs included).", "",
             "| preset | seed | modes | high quality % | reverse KL | train s | load |", "|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['preset']} | {r['seed']} | {r['modes']} | {r['high_quality']:.1f} | {r['reverse_kl']:.4f} | "
                     f"{r['seconds']:.0f} | {r['load_before']:.2f} |")
    lines += ["", "| preset | modes (mean) | high quality % (mean) | reverse KL (mean) | train s (mean, max) |",
              "|---|---|---|---|---|"]
    for preset in args.presets:
        rs = [r for r in runs if r["preset"] == preset]
        mean = {k: np.mean([r[k] for r in rs]) for k in ("modes", "high_quality", "reverse_kl", "seconds")}
        lines.append(f"| {preset} | {mean['modes']:.1f} | {mean['high_quality']:.1f} | {mean['reverse_kl']:.4f} | "
                     f"{mean['seconds']:.0f}, {max(r['seconds'] for r in rs):.0f} |")
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "toy_presets.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(args.out_dir, "toy_presets.json"), "w") as f:
        json.dump(runs, f, indent=1)


if __name__ == "__main__":
    main()
