"""minigan against PyTorch on the same DCGAN recipe: do hand-written gradients train as well as autograd?

    python experiments/quality_vs_torch/quality_vs_torch.py [--steps 1250] [--seeds 0 1 2]
        [--data-dir ../shared/data/mnist] [--out-dir DIR]
    python experiments/quality_vs_torch/quality_vs_torch.py --merge a.json b.json   # seeds run apart

For each seed both engines train preset "dcgan-mnist" (the TF tutorial's DCGAN: Adam 2e-4 / 0.5,
batch 64, non-saturating loss) from the SAME initial weights (minigan's, copied into the PyTorch
twin of minigan/bench/torch_twin.py, whose transposed convs crop exactly as minigan's) on the SAME
sequence of real batches: the first 8,000 images of MNIST's test file, reshuffled each epoch by
one seeded generator. What differs is only what each engine draws for itself: the noise z and
the dropout masks. (Given the same draws too, the two trace the same losses:
tests/test_gan_torch_parity.py.) Where the preset keeps a moving average of G's weights, the twin
keeps the same one (``TorchAverage``), and both the averaged and the last G are measured.
Then each draws 2,000 samples and minigan's image metrics (shipped classifier) compare them with
the 2,000 held-out images: FCD, precision / recall / coverage (k = 3), classifier score, and the
share of samples the classifier recognises with confidence >= 0.9 (the bar of the dcgan_mnist_judge
study). Writes experiments/quality_vs_torch/results/quality_vs_torch.{json,md}; after each seed, so a
partial run survives.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))     # the checkout's minigan, installed or not

import minigan  # noqa: E402
from minigan.bench.machine import load_average  # noqa: E402
from minigan.bench.torch_twin import TorchStep, copy_weights  # noqa: E402
from minigan.data.mnist import load_mnist  # noqa: E402
from minigan.metrics import image_metrics  # noqa: E402
from minigan.metrics.classifier import load_classifier, split  # noqa: E402
from minigan.presets import get_preset  # noqa: E402

N_SAMPLES = 2000


def confident_share(classifier, samples, threshold=0.9):
    return float((classifier.probs(samples).max(axis=1) >= threshold).mean())


class TorchAverage:
    """minigan.ema.WeightAverage for the PyTorch twin: the same warm-up, the same update."""

    def __init__(self, torch, model, decay):
        self.torch, self.decay, self.count = torch, decay, 0
        self.shadow = [p.detach().clone() for p in model.parameters()]

    def update(self, model):
        beta = min(self.decay, (1.0 + self.count) / (10.0 + self.count))
        with self.torch.no_grad():
            for s, p in zip(self.shadow, model.parameters()):
                s.mul_(beta).add_(p, alpha=1.0 - beta)
        self.count += 1

    def copy_into(self, model):
        with self.torch.no_grad():
            for s, p in zip(self.shadow, model.parameters()):
                p.copy_(s)


def draw(generate, n=N_SAMPLES, chunk=500):
    return np.concatenate([generate(chunk) for _ in range(n // chunk)]).astype(np.float32)


def train_pair(torch, images, steps, seed, log):
    """Both engines from the same weights on the same batches; returns their samples:
    {"minigan": {"last": ..., "ema": ...}, "torch": {...}} ("ema" only if the preset keeps one)."""
    import copy
    minigan.seed(seed)
    preset = get_preset("dcgan-mnist")
    gan = preset.build("numpy")
    batch = gan.batch_size
    tstep = TorchStep(torch, batch, seed=seed, exact=True)
    copy_weights(torch, gan, tstep)
    t_average = TorchAverage(torch, tstep.G, preset.ema) if preset.ema else None
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
        if t_average:
            t_average.update(tstep.G)
        seconds["minigan"] += t1 - t0
        seconds["torch"] += time.perf_counter() - t1
        if (step + 1) % 250 == 0:
            log(f"  seed {seed}: step {step + 1}/{steps}")
    to_numpy = minigan.backend.to_numpy
    gan.G.eval()
    tstep.G.eval()
    samples = {"minigan": {"last": draw(lambda n: to_numpy(gan.G.forward(gan.sample_noise(n))))},
               "torch": {}}
    with torch.no_grad():
        samples["torch"]["last"] = draw(lambda n: tstep.G(torch.randn(n, gan.z_dim)).numpy())
        if t_average:
            samples["minigan"]["ema"] = draw(lambda n: to_numpy(gan.generate(n)))   # generate() uses the average
            averaged = copy.deepcopy(tstep.G)
            t_average.copy_into(averaged)
            samples["torch"]["ema"] = draw(lambda n: averaged(torch.randn(n, gan.z_dim)).numpy())
    return samples, seconds


KEYS = ("fcd", "precision", "recall", "coverage", "classifier_score", "confident_share")
VARIANT_NAMES = {"ema": "averaged G (EMA), what the preset samples from", "last": "the last G (no average)"}


def summarize(runs):
    """Mean and standard error over seeds, per engine and per set of weights ("ema", "last")."""
    rows = {}
    for variant in runs[0]["minigan"]:
        rows[variant] = {}
        for engine in ("minigan", "torch"):
            row = {}
            for key in KEYS:
                v = np.array([r[engine][variant][key] for r in runs], float)
                row[key] = float(v.mean())
                row[key + "_se"] = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0
            rows[variant][engine] = row
        rows[variant]["fcd_ratio"] = rows[variant]["minigan"]["fcd"] / rows[variant]["torch"]["fcd"]
    for engine in ("minigan", "torch"):
        rows[engine + "_train_s"] = float(np.mean([r["seconds"][engine] for r in runs]))
    return rows


def markdown(result):
    s, a = result["summary"], result["args"]
    lines = ["# minigan vs PyTorch: the same DCGAN recipe, steps, data order and initial weights", "",
             f"Preset dcgan-mnist, {a['steps']} steps at batch 64 on the first 8,000 images of MNIST's test file "
             f"(10 epochs = 1,250 steps), seeds {a['seeds']}; {N_SAMPLES} samples per run against the 2,000 held-out "
             "images, in the feature space of minigan's shipped classifier. Mean +/- standard error over seeds.", ""]
    for variant in [v for v in ("ema", "last") if v in s]:
        lines += [f"## {VARIANT_NAMES[variant]}", "",
                  "| engine | FCD (lower is better) | precision | recall | coverage | classifier score | "
                  "confident >= 0.9 |", "|---|---:|---:|---:|---:|---:|---:|"]
        for engine in ("minigan", "torch"):
            r = s[variant][engine]
            lines.append(f"| {engine} | {r['fcd']:.1f} +/- {r['fcd_se']:.1f} | {r['precision']:.3f} +/- "
                         f"{r['precision_se']:.3f} | {r['recall']:.3f} +/- {r['recall_se']:.3f} | "
                         f"{r['coverage']:.3f} +/- {r['coverage_se']:.3f} | {r['classifier_score']:.2f} | "
                         f"{100 * r['confident_share']:.1f} % |")
        lines += ["", f"minigan's FCD / PyTorch's FCD = **{s[variant]['fcd_ratio']:.3f}**.", ""]
        collapsed = {e: [r["seed"] for r in result["runs"] if r[e][variant]["recall"] < 0.01]
                     for e in ("minigan", "torch")}
        if collapsed["minigan"] or collapsed["torch"]:
            # a G that draws one image (recall ~0): the FCD of such a run measures that image, not the engine
            trained = [r for r in result["runs"] if r["seed"] not in collapsed["minigan"] + collapsed["torch"]]
            ratio = (np.mean([r["minigan"][variant]["fcd"] for r in trained]) /
                     np.mean([r["torch"][variant]["fcd"] for r in trained])) if trained else float("nan")
            lines += [f"Collapsed to a single image (recall < 0.01): minigan on seeds {collapsed['minigan']}, "
                      f"PyTorch on seeds {collapsed['torch']}. Over the {len(trained)} seed(s) where both trained, "
                      f"minigan's mean FCD / PyTorch's = **{ratio:.3f}**.", ""]
        lines += ["Per seed:", "",
                  "| seed | minigan FCD | torch FCD | minigan P / R | torch P / R |", "|---:|---:|---:|---:|---:|"]
        for r in result["runs"]:
            m, t = r["minigan"][variant], r["torch"][variant]
            lines.append(f"| {r['seed']} | {m['fcd']:.1f} | {t['fcd']:.1f} | {m['precision']:.3f} / "
                         f"{m['recall']:.3f} | {t['precision']:.3f} / {t['recall']:.3f} |")
        lines.append("")
    lines += [f"{result['date']} | {result['machine']} | PyTorch {result['torch']} ({result['torch_threads']} thread) | "
              f"mean seconds inside each engine's steps per run: minigan {s['minigan_train_s']:.0f}, PyTorch "
              f"{s['torch_train_s']:.0f}, load average {result['load_average']}; the machine was shared with other "
              "jobs, so those times are not a speed benchmark (see benchmarks/results/bench_train_step.md)."]
    return "\n".join(lines) + "\n"


def write_merged(paths, out_dir):
    """Several runs' seeds in one table (the runs must share the recipe and the number of steps)."""
    parts = [json.loads(path.read_text()) for path in paths]
    if len({json.dumps(p["args"]["steps"]) for p in parts}) != 1:
        raise SystemExit("quality_vs_torch --merge: the runs trained for different numbers of steps")
    result = dict(parts[0], runs=sorted((r for p in parts for r in p["runs"]), key=lambda r: r["seed"]))
    result["args"] = dict(parts[0]["args"], seeds=[r["seed"] for r in result["runs"]])
    result["load_average"] = ", ".join(p["load_average"] for p in parts)
    result["summary"] = summarize(result["runs"])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "quality_vs_torch.json").write_text(json.dumps(result, indent=1) + "\n")
    (out_dir / "quality_vs_torch.md").write_text(markdown(result))
    print(markdown(result))


def main(argv=None):
    import datetime
    import platform
    import torch
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1250)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data" / "mnist"))
    ap.add_argument("--out-dir", type=Path, default=HERE / "results")
    ap.add_argument("--threads", type=int, default=1, help="PyTorch's threads (NumPy's: OPENBLAS_NUM_THREADS)")
    ap.add_argument("--merge", nargs="+", type=Path, metavar="JSON",
                    help="instead: one table from the JSON files of runs made with different --seeds")
    args = ap.parse_args(argv)
    if args.merge:
        return write_merged(args.merge, args.out_dir)
    torch.set_num_threads(args.threads)
    images, labels = load_mnist("test", data_dir=args.data_dir, download=False)
    (train, _), (held, _) = split(images, labels)
    classifier = load_classifier("mnist")
    result = {"args": {"steps": args.steps, "seeds": args.seeds}, "preset_ema": get_preset("dcgan-mnist").ema,
              "torch": torch.__version__, "torch_threads": args.threads,
              "date": datetime.date.today().isoformat(), "machine": f"{platform.machine()}, 2 cores", "runs": []}
    loads = []
    for seed in args.seeds:
        samples, seconds = train_pair(torch, train, args.steps, seed, print)
        loads.append(load_average())
        run = {"seed": seed, "seconds": seconds}
        for engine, variants in samples.items():
            run[engine] = {}
            for variant, x in variants.items():
                m = image_metrics(x, held, classifier)
                m.update(confident_share=confident_share(classifier, x))
                run[engine][variant] = m
                print(f"seed {seed} {engine:7s} {variant:4s}: FCD {m['fcd']:.1f}  P {m['precision']:.3f}  "
                      f"R {m['recall']:.3f}  C {m['coverage']:.3f}  CS {m['classifier_score']:.2f}  "
                      f"confident {m['confident_share']:.3f}  ({seconds[engine]:.0f} s)", flush=True)
        result["runs"].append(run)
        result["load_average"] = ", ".join(f"{x:.1f}" for x in loads if x is not None)
        result["summary"] = summarize(result["runs"])
        args.out_dir.mkdir(parents=True, exist_ok=True)
        (args.out_dir / "quality_vs_torch.json").write_text(json.dumps(result, indent=1) + "\n")
        (args.out_dir / "quality_vs_torch.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
