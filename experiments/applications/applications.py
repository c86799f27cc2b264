"""What a GAN is good for: inpainting, anomaly detection and data augmentation on MNIST.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python experiments/applications/applications.py --data-dir DIR

writes experiments/applications/results/applications.{md,json} and three pictures beside them.
Everything is seeded, so a second run gives the same numbers (on the same machine and BLAS). Trained
models go to --work (default runs/applications/; a finished run found there is reused, not retrained --
delete the folder after changing a recipe). ``--quick`` runs every part with tiny settings into
runs/applications-quick/, to check the script, not to measure anything.

Data: MNIST's 10,000-image test file, cut by position as the shipped classifier cuts it: the
first 8,000 images are the training part, the last 2,000 are held out and never trained on.

1. One GAN (--gan-preset, default dcgan-mnist-bn, trained by minigan.train.Run with the preset's
   recipe) on the digits 0-8 of the training part; 9s never appear in its training data.
2. Anomaly detection (AnoGAN, Schlegl et al. 2017): held-out 9s against held-out 0-8s, AUROC.
3. Inpainting (Yeh et al. 2017) with the same G and D, on held-out digits 0-8 (G has never
   drawn a 9, so 9s would be unfair to it): error in the hole before and after the search.
4. Augmentation: per seed, 100 labelled images per class from the training part; a conditional
   GAN (cdcgan-mnist with BatchNorm in G, or --cgan-preset) trained on just those; a classifier
   trained on real, real + cGAN, real + shifted copies, and cGAN only; accuracy on the 2,000
   held-out images.

Why the BatchNorm variants: with the current recipes, dcgan-mnist collapsed on the 0-8 digits
(seeds 0 and 1) and cdcgan-mnist on 1,000 labelled images (seed 0) -- D right about every image
within ~30 steps, G drawing black squares -- while the BatchNorm generators trained. After a
recipe change, ``--gan-preset dcgan-mnist --cgan-preset cdcgan-mnist`` measures the shipped ones.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))   # the checkout's minigan

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")

FULL = dict(gan_steps=1120,            # 10 epochs of the 7,182 images of 0-8 at batch 64 (the preset's 10 epochs)
            anomaly_normals=600,        # held-out 0-8 scored (of 1,809), with all 191 held-out 9s
            anomaly_steps=100, inpaint_images=100, inpaint_steps=200,
            seeds=(0, 1, 2), per_class=100, cgan_steps=800, clf_steps=800, extra_per_class=400)
QUICK = dict(gan_steps=4, anomaly_normals=20, anomaly_steps=3, inpaint_images=6, inpaint_steps=3,
             seeds=(0, 1), per_class=10, cgan_steps=2, clf_steps=4, extra_per_class=10)
SEARCH = dict(lr=0.05, starts=8, chunk=64)     # Adam on z, best of 8 random starts, 64 images at a time
LAMBDA = {"anomaly": 0.1, "inpaint": 0.1}      # AnoGAN's lambda (Schlegl et al.); the prior weight for inpainting


def load_average():
    return [round(x, 2) for x in os.getloadavg()]


class Clock:
    """Wall time and load averages of each part, for the record."""

    def __init__(self):
        self.parts = {}

    def part(self, name):
        clock = self

        class _Part:
            def __enter__(self):
                self.t0, self.load0 = time.perf_counter(), load_average()
                print(f"[{time.strftime('%H:%M:%S')}] {name} (load {self.load0})", flush=True)

            def __exit__(self, *exc):
                clock.parts[name] = {"seconds": round(time.perf_counter() - self.t0, 1),
                                     "load_before": self.load0, "load_after": load_average()}
                print(f"    {name}: {clock.parts[name]['seconds']} s", flush=True)
        return _Part()


def anomaly_part(gan, held_x, held_y, cfg):
    from minigan.apps.anomaly import anomaly_experiment
    from minigan.apps.roc import roc_curve
    import minigan
    minigan.seed(0)
    r = anomaly_experiment(gan.G, gan.D, gan.z_dim, held_x, held_y, anomaly=9, n_normal=cfg["anomaly_normals"],
                           seed=0, steps=cfg["anomaly_steps"], lam=LAMBDA["anomaly"], **SEARCH)
    fpr, tpr = roc_curve(r["score"], r["is_anomaly"])
    return r, {"n_anomalies": r["n_anomalies"], "n_normal": r["n_normal"], "auroc": r["auroc"],
               "auroc_se": r["auroc_se"], "search_steps": cfg["anomaly_steps"], "lambda": LAMBDA["anomaly"],
               "mean_score": {"normal": float(r["score"][r["is_anomaly"] == 0].mean()),
                              "anomaly": float(r["score"][r["is_anomaly"] == 1].mean())},
               "mean_score_by_digit": {int(d): float(r["score"][r["digit"] == d].mean())
                                       for d in np.unique(r["digit"])},
               "roc": {"fpr": np.round(fpr, 4).tolist(), "tpr": np.round(tpr, 4).tolist()}}


def inpaint_part(gan, held_x, held_y, train_normal_x, cfg):
    import minigan
    from minigan.apps.inpaint import centre_mask, half_mask, inpainting_experiment, masked_error
    normal = np.flatnonzero(held_y != 9)
    pick = np.sort(np.random.default_rng(1).choice(normal, cfg["inpaint_images"], replace=False))
    images = held_x[pick]
    masks = {"centre 12x12": centre_mask(28, 12), "bottom half": half_mask(28, "bottom")}
    minigan.seed(0)
    results = inpainting_experiment(gan.G, gan.D, gan.z_dim, images, masks, steps=cfg["inpaint_steps"],
                                    lam=LAMBDA["inpaint"], **SEARCH)
    mean_image = train_normal_x.mean(axis=0, keepdims=True)
    summary = {}
    for name, r in results.items():
        mean_fill = masked_error(np.broadcast_to(mean_image, images.shape), images, r["mask"])
        summary[name] = {key: _mean_se(values) for key, values in
                         (("mean image", mean_fill), ("before", r["before"]), ("after", r["after"]))}
        summary[name]["missing_pixels"] = int((r["mask"] == 0).sum())
        summary[name]["better_after"] = float((r["after"] < r["before"]).mean())
    return results, images, pick, summary


def cli_example(ckpt, image, work):
    """The command itself, once, on one held-out digit: what a user would type."""
    from minigan.apps.inpaint import centre_mask, masked_error
    from minigan.cli import main
    np.save(os.path.join(work, "digit.npy"), image)
    np.save(os.path.join(work, "centre_mask.npy"), centre_mask(28, 12))
    out = os.path.join(work, "digit_inpainted.npy")
    argv = ["inpaint", "--checkpoint", ckpt, "--image", os.path.join(work, "digit.npy"),
            "--mask", os.path.join(work, "centre_mask.npy"), "--out", out]
    status = main(argv)
    if status != 0:
        raise RuntimeError(f"minigan {' '.join(argv)} exited with {status}")
    err = float(masked_error(np.load(out), image[None], centre_mask(28, 12))[0])
    return {"command": "minigan " + " ".join(os.path.relpath(a) if os.path.exists(a) else a for a in argv),
            "error_in_hole": err}


def augment_part(train_x, train_y, held_x, held_y, cfg, work, cgan=None):
    from minigan.apps.augment import augmentation_run, summarise
    from minigan.metrics.classifier import load_classifier
    judge = load_classifier("mnist")
    runs, samples = [], None
    for seed in cfg["seeds"]:
        r, generated, _ = augmentation_run(train_x, train_y, held_x, held_y, seed, work, per_class_n=cfg["per_class"],
                                           gan_steps=cfg["cgan_steps"], clf_steps=cfg["clf_steps"],
                                           extra_per_class=cfg["extra_per_class"], judge=judge, cgan=cgan)
        runs.append(r)
        samples = samples if samples is not None else generated
    return runs, summarise(runs), samples


def _mean_se(values):
    values = np.asarray(values, np.float64)
    return [float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else None]


# -- pictures -------------------------------------------------------------------------------------
def draw_anomaly(r, summary, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    scores, y = r["score"], r["is_anomaly"]
    bins = np.linspace(scores.min(), scores.max(), 40)
    axes[0].hist(scores[y == 0], bins, alpha=0.6, density=True, label=f"held-out 0-8 ({(y == 0).sum()})")
    axes[0].hist(scores[y == 1], bins, alpha=0.6, density=True, label=f"held-out 9s ({(y == 1).sum()})")
    axes[0].set_xlabel("AnoGAN score")
    axes[0].legend(fontsize=8)
    axes[0].set_title("anomaly scores", fontsize=10)
    axes[1].plot(summary["roc"]["fpr"], summary["roc"]["tpr"], label=f"AUROC {summary['auroc']['score']:.3f}")
    axes[1].plot([0, 1], [0, 1], ":", color="grey")
    axes[1].set_xlabel("false-positive rate (0-8 flagged)")
    axes[1].set_ylabel("true-positive rate (9s flagged)")
    axes[1].legend(fontsize=8)
    axes[1].set_title("ROC curve", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def draw_inpainting(results, images, path, n=8):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from minigan.viz import image_grid
    fig, axes = plt.subplots(len(results), 1, figsize=(n * 0.9, 4.4 * len(results)))
    for ax, (name, r) in zip(np.atleast_1d(axes), results.items()):
        m = r["mask"]
        masked = images[:n] * m + (1 - m) * 0.0          # the hole shown mid-grey
        rows = np.concatenate([images[:n], masked, r["result"].start[:n] * (1 - m) + images[:n] * m,
                               r["result"].blended[:n]])
        ax.imshow(image_grid(rows, nrow=n), cmap="gray")
        ax.set_title(f"{name}: truth / damaged / filled from the start z / filled after the search", fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def draw_generated(samples, path):
    from minigan.viz import save_image_grid
    images, labels = samples
    per = [np.flatnonzero(labels == k)[:10] for k in range(10)]
    save_image_grid(images[np.concatenate(per)], path, nrow=10, scale=2)


# -- the report ----------------------------------------------------------------------------------
def markdown(report):
    a, inp, aug, t = report["anomaly"], report["inpainting"], report["augmentation"], report["timing"]
    m = report["machine"]
    pct = lambda ms: f"{100 * ms[0]:.2f} ± {100 * ms[1]:.2f}"   # noqa: E731
    lines = [
        "# What a GAN is good for: inpainting, anomaly detection, augmentation (MNIST)",
        "",
        f"{report['date']} | {m['processor']} ({m['cpus']} CPUs) | NumPy {m['numpy']} ({m['blas']}) | "
        f"`python experiments/applications/applications.py` "
        f"({'QUICK: not a measurement' if report['quick'] else 'full'}) | total {t['total_seconds'] / 60:.1f} min, "
        f"load averages {t['load_start']} at the start, {t['load_end']} at the end",
        "",
        "Data: MNIST's 10,000-image test file; the first 8,000 images are the training part, the last 2,000 "
        "are held out (never trained on). "
        f"GAN: `{report['gan']['preset']}` (the preset's recipe) trained for {report['config']['gan_steps']} steps "
        "on the "
        f"{report['gan']['train_images']:,} images of the digits 0-8 in the training part.",
        "",
        "## Anomaly detection (AnoGAN): held-out 9s against held-out 0-8",
        "",
        f"The GAN never saw a 9. Scored: {a['n_anomalies']} held-out 9s and {a['n_normal']} held-out 0-8s "
        f"(a random {a['n_normal']} of the 1,809), {a['search_steps']} Adam steps on z per image, lambda "
        f"{a['lambda']}.",
        "",
        "| score | AUROC | s.e. (Hanley-McNeil) |",
        "|---|---:|---:|",
    ]
    names = {"score": "AnoGAN score (0.9 residual + 0.1 discrimination)", "residual": "residual loss alone",
             "discrimination": "discrimination (feature) loss alone",
             "d_verdict": "D's verdict on x alone (minus its logit; no search)"}
    lines += [f"| {names[k]} | {a['auroc'][k]:.3f} | {a['auroc_se'][k]:.3f} |" for k in names]
    lines += ["", "Mean score by digit: " + ", ".join(f"{d}: {v:.0f}" for d, v in a["mean_score_by_digit"].items()),
              "", "![scores and ROC](applications_anomaly.png)", "",
              "## Inpainting: held-out digits 0-8", "",
              f"{report['config']['inpaint_images']} held-out digits (0-8), {report['config']['inpaint_steps']} "
              f"Adam steps on z from the best of {SEARCH['starts']} random starts, prior weight lambda "
              f"{LAMBDA['inpaint']}. Mean absolute error over the missing pixels (pixel values in [-1, 1]), "
              "mean ± s.e. over the images:", "",
              "| mask | missing pixels | mean training image | G at the start z (before) | after the search | "
              "images improved |", "|---|---:|---:|---:|---:|---:|"]
    for name, s in inp["masks"].items():
        lines.append(f"| {name} | {s['missing_pixels']} | {s['mean image'][0]:.3f} ± {s['mean image'][1]:.3f} | "
                     f"{s['before'][0]:.3f} ± {s['before'][1]:.3f} | {s['after'][0]:.3f} ± {s['after'][1]:.3f} | "
                     f"{100 * s['better_after']:.0f} % |")
    ex = inp["cli_example"]
    lines += ["", f"The command on one held-out digit: `{ex['command']}` "
              f"(error in the hole {ex['error_in_hole']:.3f}).",
              "", "![inpainting](applications_inpainting.png)", "",
              f"## Augmentation: {report['config']['per_class']} labelled digits per class", ""]
    c = report["config"]
    lines += [f"Per seed ({', '.join(map(str, c['seeds']))}): {c['per_class']} labelled images per class drawn from "
              f"the training part; a conditional GAN ({report['cgan']}) trained on exactly those for "
              f"{c['cgan_steps']} steps; "
              f"{c['extra_per_class']} generated (or shifted) images per class added; each classifier "
              f"(`minigan.metrics.classifier`) trained for about {c['clf_steps']} Adam steps; accuracy on the "
              "2,000 held-out images. Mean ± s.e. over the seeds; the gain is paired by seed.", "",
              "| training set | images | test accuracy % | gain over real only (points) |", "|---|---:|---:|---:|"]
    sizes = {arm: None for arm in aug["table"]}
    first = aug["runs"][0]
    sizes.update({"real": first["labelled"], "real + cGAN": first["labelled"] + first["generated"],
                  "real + shifts": first["labelled"] + first["generated"], "cGAN only": first["generated"]})
    for arm, row in aug["table"].items():
        gain = "-" if arm == "real" else pct(row["gain_over_real"])
        lines.append(f"| {arm} | {sizes[arm]:,} | {pct(row['accuracy'])} | {gain} |")
    lines += ["", "Per seed: " + "; ".join(
        f"seed {r['seed']}: " + ", ".join(f"{arm} {100 * v:.2f}" for arm, v in r["accuracy"].items())
        for r in aug["runs"]),
        "", "Label agreement of the cGAN's samples (the shipped classifier reads the class asked for): "
        + ", ".join(f"seed {r['seed']} {100 * r['label_agreement']:.1f} %" for r in aug["runs"]),
        "", "![cGAN samples, seed 0](applications_cgan_samples.png)", "",
        "## Time", "", "| part | minutes | load average before -> after |", "|---|---:|---|"]
    lines += [f"| {k} | {v['seconds'] / 60:.1f} | {v['load_before']} -> {v['load_after']} |"
              for k, v in t["parts"].items()]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", help="folder holding MNIST's t10k files (default: the usual search path)")
    ap.add_argument("--work", help="where trained models go (default runs/applications[-quick])")
    ap.add_argument("--quick", action="store_true", help="tiny settings: checks the script, measures nothing")
    ap.add_argument("--out-dir", default=RESULTS)
    ap.add_argument("--gan-preset", default="dcgan-mnist-bn",
                    help="the unconditional GAN for anomalies and inpainting (default dcgan-mnist-bn: dcgan-mnist "
                         "collapsed on the 0-8 digits with seeds 0 and 1)")
    ap.add_argument("--cgan-preset", default=None,
                    help="a registered conditional preset for augmentation, trained by Run (default: cdcgan-mnist "
                         "with BatchNorm in G, minigan.apps.training.cdcgan_mnist_bn, trained in memory)")
    args = ap.parse_args(argv)
    from minigan.apps.training import mnist_parts, train_gan, without_class
    from minigan.bench.machine import machine_info
    cfg = dict(QUICK if args.quick else FULL)
    work = args.work or os.path.join("runs", "applications-quick" if args.quick else "applications")
    out_dir = os.path.join(work, "results") if args.quick and args.out_dir == RESULTS else args.out_dir
    os.makedirs(work, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)
    clock, t0, load_start = Clock(), time.perf_counter(), load_average()

    (train_x, train_y), (held_x, held_y) = mnist_parts(args.data_dir)
    normal_x, normal_y = without_class(train_x, train_y, 9)
    gan_dir = os.path.join(work, f"{args.gan_preset}-0to8")
    reused = os.path.exists(os.path.join(gan_dir, "checkpoint.npz"))
    with clock.part("train the GAN on 0-8" + (" (reused from --work, not trained in this run)" if reused else "")):
        gan, ckpt = train_gan(args.gan_preset, normal_x, normal_y, gan_dir, cfg["gan_steps"], seed=0)
    with clock.part("anomaly detection"):
        anomaly, anomaly_summary = anomaly_part(gan, held_x, held_y, cfg)
    with clock.part("inpainting"):
        inp_results, inp_images, inp_index, inp_summary = inpaint_part(gan, held_x, held_y, normal_x, cfg)
        example = cli_example(ckpt, inp_images[0], work)
    with clock.part("augmentation"):
        aug_runs, aug_table, samples = augment_part(train_x, train_y, held_x, held_y, cfg, work, args.cgan_preset)

    draw_anomaly(anomaly, anomaly_summary, os.path.join(out_dir, "applications_anomaly.png"))
    draw_inpainting(inp_results, inp_images, os.path.join(out_dir, "applications_inpainting.png"))
    draw_generated(samples, os.path.join(out_dir, "applications_cgan_samples.png"))
    report = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine_info(None, "numpy"), "quick": args.quick,
              "config": {**cfg, "search": SEARCH, "lambda": LAMBDA},
              "gan": {"preset": args.gan_preset, "train_images": len(normal_x), "steps": cfg["gan_steps"]},
              "cgan": args.cgan_preset or "cdcgan-mnist-bn (minigan.apps.training.cdcgan_mnist_bn, trained in memory)",
              "anomaly": anomaly_summary,
              "inpainting": {"held_out_index": inp_index.tolist(), "masks": inp_summary, "cli_example": example},
              "augmentation": {"runs": aug_runs, "table": aug_table},
              "timing": {"total_seconds": round(time.perf_counter() - t0, 1), "parts": clock.parts,
                         "load_start": load_start, "load_end": load_average()}}
    with open(os.path.join(out_dir, "applications.json"), "w") as f:
        json.dump(report, f, indent=1)
    with open(os.path.join(out_dir, "applications.md"), "w") as f:
        f.write(markdown(report))
    print(markdown(report))
    print(f"wrote {out_dir}/applications.md and .json in {report['timing']['total_seconds'] / 60:.1f} min")


if __name__ == "__main__":
    main()
