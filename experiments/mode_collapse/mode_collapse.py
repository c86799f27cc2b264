"""Mode collapse and its cures on ring8 and grid25, with the PacGAN protocol (Lin et al. 2018, sec. 5).

Each method trains from scratch, then draws 2,500 samples; a sample is "high quality" within 3 sigma
of its nearest mode. Mean and standard error over the trials, beside the published numbers of
PacGAN's Table 1. Usage:

    python experiments/mode_collapse/mode_collapse.py       # the full table: 10 trials, 2 workers
    python experiments/mode_collapse/mode_collapse.py --trials 2 --methods gan sharp --datasets grid25 --name pilot
    python experiments/mode_collapse/mode_collapse.py --trials 2 --methods wgan-gp --set lr=1e-3 --name pilot

The protocol, the same for every method:
* one architecture for both data sets, the grid25 preset's: G an MLP 2-64-64-64-64-2 (ReLU), D an
  MLP 2-64-64-64-1 (LeakyReLU 0.2) -- PacGAN's is G 4x400 with BatchNorm, D 3x200 maxout, trained
  400,000 steps; ours must fit a 2-core CPU (each trial gets about 10 s on ring8, 20 s on grid25);
* batches of 128 examples for D (128 packs of m samples for PacGAN-m, as in Lin et al.'s code);
* ring8 8,000 and grid25 20,000 D steps (a critic taking 5 steps per G step gets a fifth of the G steps);
* trial t uses seed 1000 t + 7 for every method; no trial is dropped.
Each baseline keeps its paper's objective, regulariser and optimizer family; its learning rate is
raised for these short runs, chosen on pilot runs (results/mode_collapse_pilots.md).
"""
import argparse
import ast
import json
import os
import sys
import time
from multiprocessing import Pool

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # one core per worker: small matrices, no BLAS threads
os.environ.setdefault("OMP_NUM_THREADS", "1")          # (set before NumPy loads its BLAS)
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))   # the checkout's minigan

# PacGAN (Lin et al. 2018), Table 1: modes, high-quality %, reverse KL.
PUBLISHED = {
    "ring8": {"GAN": (6.3, 98.2, 0.45), "PacGAN4": (7.8, 95.9, 0.07)},
    "grid25": {"GAN": (17.3, 94.8, 0.70), "PacGAN4": (24.8, 93.6, 0.04)},
}
PROTOCOL = {"ring8": {"steps": 8000, "batch_size": 128}, "grid25": {"steps": 20000, "batch_size": 128}}

# The optimizer each baseline brings from its paper, with the lr (and, for the GAN family, beta1) picked
# on the pilot runs of results/mode_collapse_pilots.md by the mean over both data sets of
# (high-quality share x share of modes hit). Every baseline decays its lr linearly to zero over the run.
PLAIN = dict(optimizer="adam", g_lr_scale=1.0, lr_decay=True, lr_hold=0.0)
# Lin et al.'s code: Adam lr 1e-4, beta1 0.8, for 400,000 steps. In the pilots DCGAN's beta1 0.5 beat 0.8
# wherever both were tried, and lr 1e-3 beat 1e-4 and 3e-4.
GAN_ADAM = dict(PLAIN, lr=1e-3, betas=(0.5, 0.999))
METHODS = {   # name -> (recipe applied to the preset, fields set after it)
    "gan": ("non_saturating", GAN_ADAM),
    "pacgan2": ("non_saturating+pacgan2", GAN_ADAM),
    "pacgan3": ("non_saturating+pacgan3", GAN_ADAM),
    "pacgan4": ("non_saturating+pacgan4", GAN_ADAM),
    # Gulrajani et al.: Adam (0.5, 0.9), 5 critic steps per G step; penalty weight 0.1, their own setting
    # for 2D data (gan_toy.py: "smaller lambda seems to help for toy tasks") -- 10, their image setting,
    # left G with 1-2 modes of ring8 in the pilots.
    "wgan-gp": ("wgan-gp", dict(PLAIN, lr=1e-3, betas=(0.5, 0.9), gradient_penalty=0.1)),
    # Miyato et al.: hinge loss, spectral norm on every layer of D, Adam (0.5, 0.999), one D step per G step
    # (5 D steps did worse in the pilots).
    "hinge-sn": ("hinge-sn", dict(PLAIN, lr=3e-4, betas=(0.5, 0.999))),
    "sharp": ("sharp", {"lr": 1e-3}),                               # ours (recipes.py)
    # sharp, sampling from a moving average of G's weights (ema.py; `minigan train --ema 0.999`): chosen over
    # sharp and sharp + PacGAN2 on pilot trials 100-102 (results/pilot_sharp_variants.md) after the first
    # full table, where sharp missed PacGAN4's ring8 high-quality share by one point
    "sharp-ema": ("sharp", {"lr": 1e-3, "ema": 0.999}),
    "sharp-pac2": ("sharp+pacgan2", {"lr": 1e-3}),                  # a pilot candidate only
    # Pilot candidates after the second full table, where sharp-ema missed PacGAN4's ring8 high-quality
    # share by 0.4 points (two of ten trials spread G's mass unevenly over the eight modes). Tried on
    # pilot trials 100-109 (results/pilot_{ring,grid}_robust*.md); sharp-mbstd-ema passed both data
    # sets with the widest margin (ring8 97.9 % / KL 0.003, grid25 97.5 % / 0.006) and joined the table.
    "sharp-pac2-ema": ("sharp+pacgan2", {"lr": 1e-3, "ema": 0.999}),
    "sharp-ema-hold3": ("sharp", {"lr": 1e-3, "ema": 0.999, "lr_hold": 0.3}),
    "sharp-ema-g1": ("sharp", {"lr": 1e-3, "ema": 0.999, "g_lr_scale": 1.0}),
    "sharp-ema-lr5": ("sharp", {"lr": 5e-4, "ema": 0.999}),
    "sharp-mbstd-ema": ("sharp+mbstd", {"lr": 1e-3, "ema": 0.999}),
    "sharp-pac2-g1-ema": ("sharp+pacgan2", {"lr": 1e-3, "ema": 0.999, "g_lr_scale": 1.0}),
    "sharp-ema-g15": ("sharp", {"lr": 1e-3, "ema": 0.999, "g_lr_scale": 1.5}),
}


# sharp-ema, in the second table, is left out to keep the whole table under 30 minutes: on the pilot
# trials 100-109 it reached only 89.4 % high quality on ring8 (results/pilot_ring_robust.md).
TABLE_METHODS = ["gan", "pacgan2", "pacgan3", "pacgan4", "wgan-gp", "hinge-sn", "sharp", "sharp-mbstd-ema"]


def build(dataset, method, overrides=None):
    """The preset for one method on one data set, under the protocol above."""
    from minigan import recipes
    from minigan.presets import get_preset
    recipe, fields = METHODS[method]
    arch = get_preset("grid25")
    preset = recipes.apply(get_preset(dataset), recipe).with_overrides(
        build_G=arch.build_G, build_D=arch.build_D, z_dim=arch.z_dim,
        **{**PROTOCOL[dataset], **fields, **(overrides or {})})
    return preset.with_overrides(batch_size=preset.batch_size * preset.pack,            # packs of m samples
                                 steps=preset.steps // preset.n_critic)                 # equal D steps


def run_trial(job):
    dataset, method, trial, overrides = job
    import minigan
    from minigan.data import get_mixture
    from minigan.metrics import mode_metrics
    minigan.seed(1000 * trial + 7)
    preset = build(dataset, method, overrides)
    gan = preset.build("numpy")
    gan.grad_norms = False                      # nobody reads them here
    mixture = get_mixture(dataset)
    schedule = preset.schedule(gan, preset.steps)
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(preset.steps):
        batches = [mixture.sample(preset.batch_size, backend="numpy") for _ in range(gan.n_critic)]
        gan.step(batches if len(batches) > 1 else batches[0])
        schedule.step()
    gan.G.eval()
    samples = gan.generate(2500)
    result = mode_metrics(samples, mixture)
    result.update(dataset=dataset, method=method, trial=trial, g_steps=preset.steps,
                  seconds=time.perf_counter() - start, cpu_seconds=time.process_time() - cpu_start)
    return result


def summarize(results):
    table = {}
    for r in results:
        table.setdefault((r["dataset"], r["method"]), []).append(r)
    rows = []
    for (dataset, method), rs in table.items():
        row = {"dataset": dataset, "method": method, "trials": len(rs), "g_steps": rs[0]["g_steps"]}
        for key in ("modes", "high_quality", "reverse_kl", "seconds", "cpu_seconds"):
            v = np.array([r[key] for r in rs], dtype=float)
            row[key] = float(v.mean())
            row[key + "_se"] = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0
        rows.append(row)
    order = list(METHODS)
    return sorted(rows, key=lambda r: (r["dataset"], order.index(r["method"])))


def beats_pacgan4(row):
    """Whether a row's means match or beat PacGAN4's published ones on all three measures."""
    modes, hq, kl = PUBLISHED[row["dataset"]]["PacGAN4"]
    return row["modes"] >= modes and row["high_quality"] >= hq and row["reverse_kl"] <= kl


def markdown(rows, info):
    cpu = sum(r["cpu_seconds"] * r["trials"] for r in rows)
    lines = ["# Mode collapse on ring8 and grid25 (PacGAN protocol)", "",
             f"{info['trials']} trials per method, 2,500 samples each, high quality = within 3 sigma of the "
             "nearest mode; mean +/- standard error over the trials. Published rows: Lin et al. 2018 "
             "(PacGAN), Table 1, with their larger networks trained 400,000 steps.", "",
             f"Whole table: {info['wall'] / 60:.1f} min wall time with {info['workers']} worker processes "
             f"(one BLAS thread each) on {info['cpus']} CPUs; load average {info['load_before']} before the run, "
             f"{info['load_after']} after (other users' jobs included). Command: `{info['command']}`. "
             f"The trials' CPU times add up to {cpu / 60:.1f} min: {cpu / 60 / info['workers']:.1f} min of wall time "
             f"for {info['workers']} workers on otherwise idle cores.", ""]
    for dataset in ("ring8", "grid25"):
        k = 8 if dataset == "ring8" else 25
        lines += [f"## {dataset}", "",
                  f"| method | G steps | modes (of {k}) | high quality % | reverse KL | s / trial (CPU s) | >= PacGAN4 on all three |",
                  "|---|---|---|---|---|---|---|"]
        for name, (m, hq, kl) in PUBLISHED[dataset].items():
            lines.append(f"| {name} (published) | 400,000 | {m} | {hq} | {kl} | | |")
        for r in rows:
            if r["dataset"] == dataset:
                lines.append(f"| {r['method']} | {r['g_steps']:,} | {r['modes']:.1f} +/- {r['modes_se']:.1f} | "
                             f"{r['high_quality']:.1f} +/- {r['high_quality_se']:.1f} | "
                             f"{r['reverse_kl']:.3f} +/- {r['reverse_kl_se']:.3f} | {r['seconds']:.1f} ({r['cpu_seconds']:.1f}) | "
                             f"{'yes' if beats_pacgan4(r) else 'no'} |")
        lines.append("")
    lines += ["## Methods", "",
              "Recipes of `minigan/recipes.py`, then these fields (`experiments/mode_collapse/mode_collapse.py`):", ""]
    for method in info["methods"]:
        recipe, fields = METHODS[method]
        shown = {k: v for k, v in fields.items() if k != "optimizer"}
        lines.append(f"- `{method}`: `{recipe}`" + (f", {shown}" if shown else ""))
    if info["overrides"]:
        lines += ["", f"Overrides for this run: {info['overrides']}"]
    lines += ["", "Protocol: " + " ".join(__doc__.split("The protocol, the same for every method:")[1]
                                         .split("Each baseline")[0].split())]
    return "\n".join(lines) + "\n"


def pilots_markdown(runs):
    """One line per (method, settings) of the pilot runs (JSON files of this script): the means of
    their trials on each data set -- the evidence for each baseline's learning rate in METHODS."""
    lines = ["# Pilot runs for the mode-collapse table", "",
             "Each baseline's learning rate (and WGAN-GP's penalty weight) was chosen on these runs: trials "
             "100 and 101 (seeds 100,007 and 101,007), never the table's trials 0-9. Means of the trials. "
             "Settings: the method's recipe and fields at the time of the pilot, with its overrides. Each "
             "method's setting in the table is the one with the highest score = the mean over both data sets "
             "of (high-quality share x share of modes hit).", "",
             "| method | settings | ring8 modes / HQ % / KL | grid25 modes / HQ % / KL | score |",
             "|---|---|---|---|---|"]
    cells, scores = {}, {}
    for run in runs:
        for r in run["rows"]:
            fields = {**run["methods"][r["method"]][1], **run["overrides"]}
            shown = {k: fields[k] for k in ("lr", "betas", "gradient_penalty", "n_critic") if k in fields}
            key = (r["method"], json.dumps(shown))
            cells.setdefault(key, {})[r["dataset"]] = (
                f"{r['modes']:.1f} / {r['high_quality']:.1f} / {r['reverse_kl']:.3f} ({r['trials']} trials)")
            k = 8 if r["dataset"] == "ring8" else 25
            scores.setdefault(key, []).append(r["high_quality"] / 100 * r["modes"] / k)
    order = list(METHODS)
    for key, by_set in sorted(cells.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
        score = f"{np.mean(scores[key]):.3f}" if len(scores[key]) == 2 else ""
        lines.append(f"| {key[0]} | {key[1]} | {by_set.get('ring8', '')} | {by_set.get('grid25', '')} | {score} |")
    return "\n".join(lines) + "\n"


def parse_overrides(pairs):
    """--set lr=1e-3 betas=(0.5,0.9) -> {"lr": 0.001, "betas": (0.5, 0.9)}."""
    out = {}
    for pair in pairs or []:
        key, _, value = pair.partition("=")
        out[key] = ast.literal_eval(value)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--first-trial", type=int, default=0)
    ap.add_argument("--methods", nargs="+", default=TABLE_METHODS, choices=list(METHODS))
    ap.add_argument("--datasets", nargs="+", default=["ring8", "grid25"], choices=["ring8", "grid25"])
    ap.add_argument("--set", nargs="*", metavar="FIELD=VALUE", help="preset fields for every method (pilots)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    ap.add_argument("--name", default="mode_collapse")
    ap.add_argument("--pilots", nargs="+", metavar="JSON", help="instead: summarise these pilot runs' JSON files")
    args = ap.parse_args(argv)
    if args.pilots:
        runs = [json.load(open(path)) for path in args.pilots]
        with open(os.path.join(args.out, args.name + ".md"), "w") as f:
            f.write(pilots_markdown(runs))
        with open(os.path.join(args.out, args.name + ".json"), "w") as f:
            json.dump([{k: r[k] for k in ("methods", "overrides", "rows", "runs")} for r in runs], f, indent=1)
        return
    overrides = parse_overrides(args.set)
    trials = range(args.first_trial, args.first_trial + args.trials)
    # grid25's longer trials first, so that the two workers finish together
    jobs = [(d, m, t, overrides) for d in sorted(args.datasets, key=lambda d: PROTOCOL[d]["steps"], reverse=True)
            for t in trials for m in args.methods]
    info = {"trials": args.trials, "workers": args.workers, "cpus": os.cpu_count(), "methods": args.methods,
            "overrides": overrides, "load_before": "%.2f %.2f %.2f" % os.getloadavg(),
            "command": "python experiments/mode_collapse/mode_collapse.py " + " ".join(sys.argv[1:] if argv is None else argv)}
    start = time.perf_counter()
    results = []
    with Pool(args.workers) as pool:
        for r in pool.imap_unordered(run_trial, jobs):
            results.append(r)
            print(f"{r['dataset']:7s} {r['method']:9s} trial {r['trial']}: {r['modes']:2d} modes, "
                  f"{r['high_quality']:5.1f}% HQ, KL {r['reverse_kl']:.3f} ({r['seconds']:.1f} s)", flush=True)
            write(args, results, dict(info, wall=time.perf_counter() - start, load_after="(running)"))
    info.update(wall=time.perf_counter() - start, load_after="%.2f %.2f %.2f" % os.getloadavg())
    write(args, results, info)
    print(f"wall time {info['wall']:.0f} s; load average before {info['load_before']}, after {info['load_after']}")


def write(args, results, info):
    """Markdown and JSON, rewritten after every trial so that a partial table survives an interruption."""
    rows = summarize(results)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, args.name + ".json"), "w") as f:
        json.dump({**info, "published": PUBLISHED, "protocol": PROTOCOL,
                   "methods": {m: METHODS[m] for m in args.methods}, "rows": rows, "runs": results}, f, indent=1)
    with open(os.path.join(args.out, args.name + ".md"), "w") as f:
        f.write(markdown(rows, info))


if __name__ == "__main__":
    main()
