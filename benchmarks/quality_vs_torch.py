"""minigan against PyTorch on the same DCGAN recipe: do hand-written gradients train as well as autograd?

    python benchmarks/quality_vs_torch.py [--steps 1250] [--seeds 0 1 2] [--data-dir ../shared/data/mnist]

For each seed both engines train preset "dcgan-mnist" (the TF tutorial's DCGAN: Adam 2e-4 / 0.5,
batch 64, non-saturating loss) from the SAME initial weights (minigan's, copied into the PyTorch
twin of bench_train_step.py) on the SAME sequence of real batches: the first 8,000 images of
MNIST's test file, reshuffled each epoch by one seeded generator. What differs is only what each
engine draws for itself: the noise z and the dropout masks. Then each draws 2,000 samples and
minigan's image metrics (shipped classifier) compare them with the 2,000 held-out images:
FCD, precision / recall / coverage (k = 3), classifier score, and the share of samples the
classifier recognises with confidence >= 0.9 (issue 4's criterion).
Writes benchmarks/results/quality_vs_torch.{json,md}; after each seed, so a partial run survives.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import minigan  # noqa: E402
from minigan.data.mnist import load_mnist  # noqa: E402
from minigan.metrics import image_metrics  # noqa: E402
from minigan.metrics.classifier import load_classifier, split  # noqa: E402
from minigan.presets import get_preset  # noqa: E402

N_SAMPLES = 2000


def copy_weights(torch, gan, step):
    """minigan's initial G and D into the PyTorch twin (Dense W is (in, out), Linear's (out, in))."""
    pairs = [(gan.G[0], step.G[0]), (gan.G[3], step.G[3]), (gan.G[5], step.G[5]), (gan.G[7], step.G[7]),
             (gan.D[0], step.D[0][1]), (gan.D[3], step.D[3][1]), (gan.D[7], step.D[7])]
    with torch.no_grad():
        for ours, theirs in pairs:
            w = np.asarray(ours.weight.data)
            theirs.weight.copy_(torch.from_numpy(w.T.copy() if w.ndim == 2 else w))
            if ours.bias is not None:
                theirs.bias.copy_(torch.from_numpy(np.asarray(ours.bias.data)))


def confident_share(classifier, samples, threshold=0.9):
    return float((classifier.probs(samples).max(axis=1) >= threshold).mean())


def train_pair(torch, images, steps, seed, log):
    from bench_train_step import TorchStep
    minigan.seed(seed)
    gan = get_preset("dcgan-mnist").build("numpy")
    batch = gan.batch_size
    tstep = TorchStep(torch, batch, seed=seed)
    copy_weights(torch, gan, tstep)
    order_rng = np.random.default_rng(10_000 + seed)       # the batch order both engines share
    per_epoch = len(images) // batch
    order, seconds = None, {"minigan": 0.0, "torch": 0.0}
    for step in range(steps):
        if step % per_epoch == 0:
            order = order_rng.permutation(len(images))
        real = images[order[(step % per_epoch) * batch:(step % per_epoch + 1) * batch]]
        t0 = time.perf_counter()
        gan.step(real)
        t1 = time.perf_counter()
        tstep.real = torch.from_numpy(real)
        tstep()
        seconds["minigan"] += t1 - t0
        seconds["torch"] += time.perf_counter() - t1
        if (step + 1) % 250 == 0:
            log(f"  seed {seed}: step {step + 1}/{steps}")
    gan.G.eval()
    ours = np.concatenate([minigan.backend.to_numpy(gan.generate(500)) for _ in range(N_SAMPLES // 500)])
    tstep.G.eval()
    with torch.no_grad():
        theirs = tstep.G(torch.randn(N_SAMPLES, gan.z_dim)).numpy()
    return {"minigan": ours.astype(np.float32), "torch": theirs.astype(np.float32)}, seconds


def summarize(runs):
    rows = {}
    for engine in ("minigan", "torch"):
        rs = [r[engine] for r in runs]
        row = {}
        for key in ("fcd", "precision", "recall", "coverage", "classifier_score", "confident_share", "seconds"):
            v = np.array([r[key] for r in rs], float)
            row[key] = float(v.mean())
            row[key + "_se"] = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0
        rows[engine] = row
    rows["fcd_ratio"] = rows["minigan"]["fcd"] / rows["torch"]["fcd"]
    return rows


def markdown(result):
    s, a = result["summary"], result["args"]
    lines = ["# minigan vs PyTorch: the same DCGAN recipe, steps, data order and initial weights", "",
             f"Preset dcgan-mnist, {a['steps']} steps at batch 64 on the first 8,000 images of MNIST's test file "
             f"(10 epochs = 1,250 steps), seeds {a['seeds']}; {N_SAMPLES} samples per run against the 2,000 held-out "
             "images, in the feature space of minigan's shipped classifier. Mean +/- standard error over seeds.", "",
             "| engine | FCD (lower is better) | precision | recall | coverage | classifier score | "
             "confident >= 0.9 | train s |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for engine in ("minigan", "torch"):
        r = s[engine]
        lines.append(f"| {engine} | {r['fcd']:.1f} +/- {r['fcd_se']:.1f} | {r['precision']:.3f} +/- "
                     f"{r['precision_se']:.3f} | {r['recall']:.3f} +/- {r['recall_se']:.3f} | {r['coverage']:.3f} +/- "
                     f"{r['coverage_se']:.3f} | {r['classifier_score']:.2f} | {100 * r['confident_share']:.1f} % | "
                     f"{r['seconds']:.0f} |")
    lines += ["", f"minigan's FCD / PyTorch's FCD = **{s['fcd_ratio']:.3f}**.", "", "Per seed:", "",
              "| seed | minigan FCD | torch FCD | minigan P / R | torch P / R |", "|---:|---:|---:|---:|---:|"]
    for r in result["runs"]:
        m, t = r["minigan"], r["torch"]
        lines.append(f"| {r['seed']} | {m['fcd']:.1f} | {t['fcd']:.1f} | {m['precision']:.3f} / {m['recall']:.3f} | "
                     f"{t['precision']:.3f} / {t['recall']:.3f} |")
    lines += ["", f"{result['date']} | {result['machine']} | PyTorch {result['torch']} | train s = time inside each "
              "engine's steps; the machine was shared with other jobs, so those times are not a speed benchmark "
              "(see bench_train_step.md)."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    import datetime
    import platform
    import torch
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1250)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--data-dir", default=str(HERE.parents[1] / "shared" / "data" / "mnist"))
    ap.add_argument("--out-dir", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    images, labels = load_mnist("test", data_dir=args.data_dir, download=False)
    (train, _), (held, _) = split(images, labels)
    classifier = load_classifier("mnist")
    result = {"args": {"steps": args.steps, "seeds": args.seeds}, "torch": torch.__version__,
              "date": datetime.date.today().isoformat(), "machine": f"{platform.machine()}, 2 cores", "runs": []}
    for seed in args.seeds:
        samples, seconds = train_pair(torch, train, args.steps, seed, print)
        run = {"seed": seed}
        for engine, x in samples.items():
            m = image_metrics(x, held, classifier)
            m.update(confident_share=confident_share(classifier, x), seconds=seconds[engine])
            run[engine] = m
            print(f"seed {seed} {engine:7s}: FCD {m['fcd']:.1f}  P {m['precision']:.3f}  R {m['recall']:.3f}  "
                  f"C {m['coverage']:.3f}  CS {m['classifier_score']:.2f}  confident {m['confident_share']:.3f}  "
                  f"({seconds[engine]:.0f} s)", flush=True)
        result["runs"].append(run)
        result["summary"] = summarize(result["runs"])
        args.out_dir.mkdir(parents=True, exist_ok=True)
        (args.out_dir / "quality_vs_torch.json").write_text(json.dumps(result, indent=1) + "\n")
        (args.out_dir / "quality_vs_torch.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
