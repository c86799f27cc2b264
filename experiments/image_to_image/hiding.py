"""Does a longer CycleGAN run hide what it needs in faint patterns (Chu et al. 2017)? Chapter 10's probe
on the study's checkpoints.

    python experiments/image_to_image/hiding.py RUN [RUN ...] [--out experiments/image_to_image/results]

For each CycleGAN run folder: `minigan.i2i.measure.hiding_probe` on all 1,797 framed scikit-learn
digits (the command-line preset trains on all of them, so none is held out), written to
OUT/hiding.json, and a picture per run: A, A -> B, A -> B with its near-black range stretched,
A -> B -> A, and A -> B -> A from the erased A -> B, for one digit of each class.
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from study import one_of_each                                       # noqa: E402

from minigan.i2i.data import framed_digits                          # noqa: E402
from minigan.i2i.measure import hiding_probe                        # noqa: E402
from minigan.i2i.run import load_translation                        # noqa: E402
from minigan.metrics.classifier import load_classifier              # noqa: E402
from minigan.viz import save_image_grid                             # noqa: E402

FAINT = -0.9


def probe_run(run, a, labels, classifier, out):
    """The probe's figures for one run; its picture goes to out/hiding_seed<seed>.png."""
    preset, nets, header = load_translation(os.path.join(run, "checkpoint.npz"))
    if preset.kind != "cyclegan":
        raise SystemExit(f"{run}: a {preset.name} run; the probe needs a CycleGAN run")
    result = hiding_probe(nets["G_ab"], nets["G_ba"], a, labels, classifier, FAINT)
    seen = result.pop("images")
    pick = one_of_each(labels)
    stretch = np.clip((seen["a_to_b"] + 1.0) / (FAINT + 1.0) * 2 - 1, -1, 1)     # [-1, FAINT] -> [-1, 1]
    rows = [a, seen["a_to_b"], stretch, seen["back"], seen["back_erased"]]
    picture = os.path.join(out, f"hiding_seed{header.get('seed')}.png")
    save_image_grid(np.concatenate([row[pick] for row in rows]), picture, nrow=len(pick), scale=3)
    return {"run": os.path.basename(run.rstrip("/")), "preset": preset.name, "step": header["step"],
            "seed": header.get("seed"), "faint": FAINT, **result}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args(argv)
    a, labels = framed_digits()
    classifier = load_classifier("mnist")
    results = []
    for run in args.runs:
        results.append(probe_run(run, a, labels, classifier, args.out))
        print(json.dumps(results[-1]))
    with open(os.path.join(args.out, "hiding.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
