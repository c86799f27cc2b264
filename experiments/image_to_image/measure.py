"""Measure trained translation checkpoints on held-out data and write one JSON per run.

    python experiments/image_to_image/measure.py RUN_FOLDER [RUN_FOLDER ...] [--data-dir DIR]

Pix2Pix runs (with or without D) are measured on MNIST's test split: the edge maps of its
digits in, the digits themselves as the truth. CycleGAN runs: all 1,797 framed scikit-learn
digits (A, with labels) and MNIST's test split (B).
"""
import argparse
import json
import os

from minigan.data.mnist import load_mnist
from minigan.i2i.data import edges, framed_digits
from minigan.i2i.measure import cyclegan_metrics, pix2pix_metrics
from minigan.i2i.run import load_translation
from minigan.metrics.classifier import load_classifier


def measure(run, data_dir=None, limit=None):
    preset, nets, header = load_translation(os.path.join(run, "checkpoint.npz"))
    digits, labels = load_mnist("test", data_dir=data_dir)
    digits, labels = digits[:limit], labels[:limit]
    classifier = load_classifier("mnist")
    if preset.kind == "pix2pix":
        result = pix2pix_metrics(nets["G"], edges(digits), digits, labels, classifier, digits)
    else:
        a, a_labels = framed_digits()
        result = cyclegan_metrics(nets["G_ab"], nets["G_ba"], a[:limit], a_labels[:limit], digits, classifier)
    result.update({"preset": preset.name, "step": header["step"], "seed": header.get("seed")})
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--data-dir")
    parser.add_argument("--limit", type=int, help="measure on the first N images only (a quick look)")
    args = parser.parse_args(argv)
    for run in args.runs:
        result = measure(run, args.data_dir, args.limit)
        with open(os.path.join(run, "measurements.json"), "w") as f:
            json.dump(result, f, indent=1)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
