"""Mode collapse and its cures on ring8 and grid25, with the PacGAN protocol (Lin et al. 2018, sec. 5).

Each method trains from scratch for a fixed number of G steps, then draws 2,500 samples; a sample is
"high quality" within 3 sigma of its nearest mode. Mean and standard error over the trials, beside
the published numbers of PacGAN's Table 1. Usage:

    OPENBLAS_NUM_THREADS=1 python benchmarks/mode_collapse.py               # the full table (2 workers)
    OPENBLAS_NUM_THREADS=1 python benchmarks/mode_collapse.py --trials 2 --methods gan pacgan4

Architectures are the presets' (presets.py): ring8 G and D are MLPs 2x128; grid25's G is 3x256 with
BatchNorm, its D 3x256 LeakyReLU -- smaller than PacGAN's (G 4x400, D 3x200 maxout), to fit the
time budget of a 2-core CPU. Every method trains with batch 64 (63 for PacGAN3), the same number of
D steps (5,000; WGAN-GP's 5 critic steps per G step give it 1,000 G steps) and a linear lr decay.
"""
import argparse
import json
import os
import sys
import time
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# PacGAN (Lin et al. 2018), Table 1: modes, high-quality %, reverse KL.
PUBLISHED = {
    "ring8": {"GAN": (6.3, 98.2, 0.45), "PacGAN4": (7.8, 95.9, 0.07)},
    "grid25": {"GAN": (17.3, 94.8, 0.70), "PacGAN4": (24.8, 93.6, 0.04)},
}

# method -> (recipe given as the preset's objective, extra preset fields)
METHODS = {
    "gan": ("non_saturating", {}),
    "pacgan2": ("non_saturating+pacgan2", {}),
    "pacgan3": ("non_saturating+pacgan3", {}),   # batch rounded down to a multiple of 3 (63)
    "pacgan4": ("non_saturating+pacgan4", {}),
    "wgan-gp": ("wgan-gp", {"lr": 1e-3}),
    "hinge-sn": ("hinge-sn", {}),
    "minigan": ("r1-narrow", {}),   # our recipe: a weak R1 penalty sized to the narrow modes (recipes.py)
}
STEPS = {"ring8": 5000, "grid25": 5000}
# Preset fields every method gets. Batch 64 (not the presets' 256): a step is ~4x cheaper, and in our
# exploratory runs more steps of 64 did better than fewer steps of 256 in the same time.
DATASET_FIELDS = {"ring8": {"batch_size": 64}, "grid25": {"batch_size": 64}}
# WGAN-GP takes 5 critic steps (each with a penalty) per G step: its G steps are a fifth of the others',
# so that every method makes the same number of D steps.
N_CRITIC_STEPS = {"wgan-gp": {"ring8": 1000, "grid25": 1000}}


def run_trial(job):
    dataset, method, trial, steps = job
    import minigan
    from minigan.data import get_mixture
    from minigan.metrics import mode_metrics
    from minigan.presets import get_preset
    objective, extra = METHODS[method]
    minigan.seed(1000 * trial + 7)
    preset = get_preset(dataset).with_overrides(objective=objective, **{**DATASET_FIELDS.get(dataset, {}), **extra})
    if preset.batch_size % preset.pack:     # PacGAN packs the batch: make it a multiple of the pack
        preset = preset.with_overrides(batch_size=preset.batch_size - preset.batch_size % preset.pack)
    gan = preset.build("numpy")
    mixture = get_mixture(dataset)
    steps = N_CRITIC_STEPS.get(method, {}).get(dataset, steps)
    start = time.perf_counter()
    for step in range(steps):
        gan.g_opt.lr = gan.d_opt.lr = preset.lr * (1 - step / steps)    # as minigan.train.Run does
        batches = [mixture.sample(preset.batch_size, backend="numpy") for _ in range(gan.n_critic)]
        gan.step(batches if len(batches) > 1 else batches[0])
    gan.G.eval()
    samples = gan.generate(2500)
    result = mode_metrics(samples, mixture)
    result.update(dataset=dataset, method=method, trial=trial, steps=steps, seconds=time.perf_counter() - start)
    return result


def summarize(results):
    table = {}
    for r in results:
        table.setdefault((r["dataset"], r["method"]), []).append(r)
    rows = []
    for (dataset, method), rs in sorted(table.items()):
        row = {"dataset": dataset, "method": method, "trials": len(rs), "steps": rs[0]["steps"]}
        for key in ("modes", "high_quality", "reverse_kl", "seconds"):
            v = np.array([r[key] for r in rs], dtype=float)
            row[key] = float(v.mean())
            row[key + "_se"] = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0
        rows.append(row)
    return rows


def markdown(rows, wall, trials, workers):
    lines = ["# Mode collapse on ring8 and grid25 (PacGAN protocol)", "",
             f"{trials} trials per method, 2,500 samples each, high quality = within 3 sigma of the nearest mode; "
             "mean +/- standard error. Published rows: Lin et al. 2018 (PacGAN), Table 1.", "",
             f"Whole table: {wall / 60:.1f} min wall time with {workers} worker processes "
             "(OPENBLAS_NUM_THREADS=1) on a 2-core CPU.", ""]
    for dataset in ("ring8", "grid25"):
        k = 8 if dataset == "ring8" else 25
        lines += [f"## {dataset}", "", "| method | G steps | modes (of %d) | high quality %% | reverse KL | s / trial |" % k,
                  "|---|---|---|---|---|---|"]
        for name, (m, hq, kl) in PUBLISHED[dataset].items():
            lines.append(f"| {name} (published) | | {m} | {hq} | {kl} | |")
        for r in rows:
            if r["dataset"] == dataset:
                lines.append(f"| {r['method']} | {r['steps']} | {r['modes']:.1f} +/- {r['modes_se']:.1f} | "
                             f"{r['high_quality']:.1f} +/- {r['high_quality_se']:.1f} | "
                             f"{r['reverse_kl']:.3f} +/- {r['reverse_kl_se']:.3f} | {r['seconds']:.0f} |")
        lines.append("")
    lines += ["Methods (recipes of minigan/recipes.py on the presets of minigan/presets.py):", ""]
    for method, (objective, extra) in METHODS.items():
        lines.append(f"- `{method}`: objective `{objective}`" + (f", {extra}" if extra else ""))
    lines += ["", "Every method: batch %s (rounded down to a multiple of the pack), linear lr decay to zero; "
              "WGAN-GP takes %s G steps of 5 critic steps each, so that all methods make the same number of "
              "D steps." % (", ".join(f"{d} {f['batch_size']}" for d, f in DATASET_FIELDS.items()),
                            ", ".join(f"{d} {n}" for d, n in N_CRITIC_STEPS["wgan-gp"].items()))]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--methods", nargs="+", default=list(METHODS))
    ap.add_argument("--datasets", nargs="+", default=["ring8", "grid25"])
    ap.add_argument("--steps", type=int, help="override the G steps (all methods but wgan-gp)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    ap.add_argument("--name", default="mode_collapse")
    args = ap.parse_args(argv)
    jobs = [(d, m, t, args.steps or STEPS[d]) for t in range(args.trials) for d in args.datasets for m in args.methods]
    start = time.perf_counter()
    with Pool(args.workers) as pool:
        results = []
        for r in pool.imap_unordered(run_trial, jobs):
            results.append(r)
            print(f"{r['dataset']:7s} {r['method']:9s} trial {r['trial']}: {r['modes']:2d} modes, "
                  f"{r['high_quality']:5.1f}% HQ, KL {r['reverse_kl']:.3f} ({r['seconds']:.0f} s)", flush=True)
            write(args, results, time.perf_counter() - start)    # partial tables survive an interruption
    wall = time.perf_counter() - start
    write(args, results, wall)
    print(f"wall time {wall:.0f} s")


def write(args, results, wall):
    rows = summarize(results)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, args.name + ".json"), "w") as f:
        json.dump({"wall_seconds": wall, "workers": args.workers, "trials": args.trials, "published": PUBLISHED,
                   "methods": {m: METHODS[m] for m in args.methods}, "rows": rows, "runs": results}, f, indent=1)
    with open(os.path.join(args.out, args.name + ".md"), "w") as f:
        f.write(markdown(rows, wall, args.trials, args.workers))


if __name__ == "__main__":
    main()
