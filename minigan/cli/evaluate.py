"""``minigan evaluate``: measure a trained generator (mode coverage on 2D data, image metrics on MNIST)."""
import json
import os

import numpy as np

from . import UserError, friendly, positive
from .sample import generate


def add_parser(sub):
    e = sub.add_parser("evaluate", help="measure a trained generator")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("-n", type=positive(int), default=2500, help="samples to draw (PacGAN uses 2,500)")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--json", action="store_true", help="print JSON instead of a table")
    e.add_argument("--data-dir", help="image runs: where the held-out real images are (default: the run's)")
    e.add_argument("--no-ema", action="store_true", help="measure G's last weights, not their moving average")
    e.add_argument("--backend", choices=["numpy", "cupy"])


@friendly
def run(args):
    from ..data import MIXTURES, get_mixture
    from ..metrics import mode_metrics
    samples, header = generate(args, args.n)
    from ..presets import get_preset
    dataset = header["config"].get("overrides", {}).get("dataset") or get_preset(header["config"]["preset"]).dataset
    if dataset in ("mnist", "fashion-mnist"):
        return _evaluate_images(args, samples, header, dataset)
    if dataset not in MIXTURES:
        raise UserError(f"evaluate: no metrics yet for data set {dataset!r}", 2)
    result = {"checkpoint": args.checkpoint, "dataset": dataset, "step": header["step"],
              **mode_metrics(samples, get_mixture(dataset))}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{dataset} after {result['step']} steps, {result['n_samples']} samples:")
        print(f"  modes captured      {result['modes']} / {len(result['counts'])}")
        print(f"  high-quality        {result['high_quality']:.1f} %")
        print(f"  reverse KL          {result['reverse_kl']:.3f}")
    return 0


def _evaluate_images(args, samples, header, dataset):
    """Classifier score, class histogram, FCD, precision / recall / coverage against the held-out
    real images (the last 2,000 of the test file, which the shipped classifier never saw)."""
    from ..data.mnist import DatasetNotFound, load_fashion_mnist, load_mnist
    from ..metrics import image_metrics
    from ..metrics.classifier import load_classifier, split
    try:
        classifier = load_classifier(dataset)
    except FileNotFoundError as err:
        raise UserError(str(err), 2) from None
    load = load_mnist if dataset == "mnist" else load_fashion_mnist
    data_dir, download = args.data_dir, True
    if data_dir is None and header["config"].get("data_dir"):
        # a folder the checkpoint names: relative to the checkpoint, and never created or written to
        data_dir = os.path.join(os.path.dirname(os.path.abspath(args.checkpoint)), header["config"]["data_dir"])
        if not os.path.isdir(data_dir):
            raise UserError(f"{args.checkpoint}: its data folder {data_dir} does not exist; pass --data-dir", 2)
        download = False
    try:
        images, labels = load("test", data_dir=data_dir, download=download)
    except DatasetNotFound as err:
        raise UserError(str(err), 2) from None
    _, (held, _) = split(images, labels)
    result = {"checkpoint": args.checkpoint, "dataset": dataset, "step": header["step"],
              **image_metrics(samples, held, classifier)}
    from ..presets import get_preset
    if get_preset(header["config"]["preset"]).conditional:
        # generate() laid the samples out class by class: does the classifier see the class asked for?
        requested = np.repeat(np.arange(10), -(-len(samples) // 10))[:len(samples)]
        result["label_agreement"] = float((classifier.probs(samples).argmax(axis=1) == requested).mean())
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{dataset} after {result['step']} steps: {result['n_samples']} samples against "
              f"{result['n_real']} held-out real images")
        print(f"  classifier score     {result['classifier_score']:.2f}  (best 10)")
        print(f"  class histogram      {result['class_counts']}  KL to uniform {result['class_kl_to_uniform']:.3f}")
        print(f"  FCD                  {result['fcd']:.2f}  (lower is better)")
        print(f"  precision / recall   {result['precision']:.3f} / {result['recall']:.3f}  (k = 3)")
        print(f"  coverage             {result['coverage']:.3f}")
        if "label_agreement" in result:
            print(f"  label agreement      {100 * result['label_agreement']:.1f} %  (classifier sees the class asked for)")
    return 0
