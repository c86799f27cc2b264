"""Train the three translation presets from the command line, time them, measure them, draw them.

    python experiments/image_to_image/study.py [--pix2pix-steps 10000] [--cyclegan-steps 4000]
        [--seeds 0 1] [--tasks pix2pix cyclegan] [--runs /tmp/i2i-runs] [--out experiments/image_to_image/results]

Each run is `minigan train --preset P --steps S --seed K` into RUNS/P-K, in a fresh process as a user
runs it (experiments/cli_runs.py); its wall time (start-up included) and the load average just
before it are recorded. Then measure.py's figures on held-out data (MNIST's test split; all 1,797
scikit-learn digits) and two pictures: the same test edge maps through L1 alone and through L1 + GAN,
and CycleGAN's A, A -> B, A -> B -> A for one digit of each class. Everything goes to --out/study.json;
with ``--tasks`` naming one task, the other task's runs already in that file are kept as they were.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]                       # measure.py; cli_runs.py
from cli_runs import train                                           # noqa: E402
from measure import measure                                          # noqa: E402

from minigan.data.mnist import load_mnist                            # noqa: E402
from minigan.i2i.data import edges, framed_digits                    # noqa: E402
from minigan.i2i.presets import get_translation_preset               # noqa: E402
from minigan.i2i.run import load_translation, translation_picture    # noqa: E402
from minigan.viz import save_image_grid                              # noqa: E402


def trained_and_measured(preset, steps, seed, runs, data_dir):
    where = ["--data-dir", data_dir] if data_dir else []       # else MNIST where minigan looks by default
    out, seconds, load = train(preset, seed, runs, ["--steps", str(steps), *where])
    print(f"{preset}, {steps} steps, seed {seed}: {seconds:.0f} s, load average {load:.1f} before", flush=True)
    return out, {"command": f"minigan train --preset {preset} --steps {steps} --seed {seed}",
                 "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                 "wall_s": round(seconds, 1), "load_average_before": round(load, 2), **measure(out, data_dir)}


def one_of_each(labels, offset=0):
    """The index of the (offset+1)-th image of each class 0-9: the same digits in every picture."""
    return np.array([np.flatnonzero(labels == k)[offset] for k in range(10)])


def pix2pix_picture(runs, path, data_dir):
    """Edge maps, then each run's outputs (L1 alone, L1 + GAN), then the true digits."""
    digits, labels = load_mnist("test", data_dir=data_dir)
    pick = np.concatenate([one_of_each(labels, 0), one_of_each(labels, 1)])
    sources, truth = edges(digits[pick]), digits[pick]
    rows = [sources]
    for run in runs:
        _, nets, _ = load_translation(os.path.join(run, "checkpoint.npz"))
        rows.append(nets["G"].forward(sources))
    save_image_grid(np.concatenate(rows + [truth]), path, nrow=len(pick), scale=3)


def cyclegan_picture(run, path):
    """A, A -> B, A -> B -> A for one scikit-learn digit of each class."""
    a, labels = framed_digits()
    preset, nets, _ = load_translation(os.path.join(run, "checkpoint.npz"))
    translation_picture(path, preset, nets, a[one_of_each(labels)])


def kept_runs(path, tasks):
    """The runs of the tasks not asked for, from an earlier study.json (each stamped with its date)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        earlier = json.load(f)
    return [{"date": earlier["date"], **run} for run in earlier["runs"]
            if get_translation_preset(run["preset"]).kind not in tasks]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pix2pix-steps", type=int, default=10000)
    parser.add_argument("--cyclegan-steps", type=int, default=4000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--tasks", nargs="+", choices=["pix2pix", "cyclegan"], default=["pix2pix", "cyclegan"])
    parser.add_argument("--runs", default="/tmp/i2i-runs")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "study.json")
    results = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpus": os.cpu_count(),
               "load_average_before": round(os.getloadavg()[0], 2), "runs": kept_runs(path, args.tasks)}
    if "pix2pix" in args.tasks:
        for seed in args.seeds:                  # L1 alone and L1 + GAN from the same seed, one after the other
            pix2pix_runs = []
            for preset in ("pix2pix-edges2mnist-l1", "pix2pix-edges2mnist"):
                run, result = trained_and_measured(preset, args.pix2pix_steps, seed, args.runs, args.data_dir)
                results["runs"].append(result)
                pix2pix_runs.append(run)
            pix2pix_picture(pix2pix_runs, os.path.join(args.out, f"pix2pix_l1_vs_gan_seed{seed}.png"), args.data_dir)
    if "cyclegan" in args.tasks:
        for seed in args.seeds:
            run, result = trained_and_measured("cyclegan-digits2mnist", args.cyclegan_steps, seed, args.runs,
                                               args.data_dir)
            results["runs"].append(result)
            cyclegan_picture(run, os.path.join(args.out, f"cyclegan_seed{seed}.png"))
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    print(json.dumps(results["runs"], indent=1))


if __name__ == "__main__":
    main()
