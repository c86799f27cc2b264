"""``minigan evaluate``: measure a trained generator (mode coverage on 2D data, image metrics on the
8x8 digits, MNIST and Fashion-MNIST)."""
import json
import os

import numpy as np

from . import UserError, add_checkpoint, friendly, positive
from .sample import generate, run_dataset


def add_parser(sub):
    e = sub.add_parser("evaluate", help="measure a trained generator",
                       description="Measure a trained generator: mode coverage on the 2D mixtures; on images the "
                                   "classifier score, FCD and precision / recall / coverage in the feature space "
                                   "of a small classifier minigan trained for that data set.")
    add_checkpoint(e)
    e.add_argument("-n", type=positive(int), default=2500, help="samples to draw (PacGAN uses 2,500)")
    e.add_argument("--seed", type=int, default=0, help="seed of the noise the samples are drawn from")
    e.add_argument("--json", action="store_true", help="print JSON instead of a table")
    e.add_argument("--data-dir", metavar="DIR",
                   help="MNIST / Fashion-MNIST runs: where the test split is (default: the run's)")
    e.add_argument("--no-ema", action="store_true", help="measure G's last weights, not their moving average")
    e.add_argument("--backend", choices=["numpy", "cupy"], help="numpy (CPU) or cupy (GPU) (default: the run's)")


@friendly
def run(args):
    from ..data import MIXTURES, get_mixture
    from ..metrics import mode_metrics
    samples, header = generate(args, args.n)
    dataset = run_dataset(header)
    if dataset in ("digits", "mnist", "fashion-mnist"):
        return _evaluate_images(args, samples, header, dataset)
    if dataset not in MIXTURES:
        raise UserError(f"no metrics yet for data set {dataset!r}", 2)
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


RECALL_NEAR_ZERO = 0.05


def recall_verdict(result):
    """One line when recall is near zero: then a high precision means few kinds of sample, not good ones."""
    if result["recall"] >= RECALL_NEAR_ZERO:
        return None
    return (f"recall {result['recall']:.2f}: the samples cover almost none of the real images "
            f"(coverage {result['coverage']:.2f}); whatever the precision, G has collapsed onto a few "
            "kinds of image (mode collapse, chapter 06)")


def _real_images(args, header, dataset):
    """(images, what they are): the real images the classifier never saw. MNIST and Fashion-MNIST:
    the whole 10,000-image test split; scikit-learn's digits: the last 400 of them."""
    from ..metrics.classifier import split
    if dataset == "digits":
        from ..data.digits import load_digits
        held = split(*load_digits(), "digits")[1][0]
        return held, "held-out real images"
    from ..data.mnist import DatasetNotFound, load_fashion_mnist, load_mnist
    load = load_mnist if dataset == "mnist" else load_fashion_mnist
    data_dir, download = args.data_dir, True
    if data_dir is None and header["config"].get("data_dir"):
        # a folder the checkpoint names: relative to the checkpoint, and never created or written to
        data_dir = os.path.join(os.path.dirname(os.path.abspath(args.checkpoint)), header["config"]["data_dir"])
        if not os.path.isdir(data_dir):
            raise UserError(f"{args.checkpoint}: its data folder {data_dir} does not exist; pass --data-dir", 2)
        download = False
    try:
        images, _ = load("test", data_dir=data_dir, download=download)
    except DatasetNotFound as err:
        raise UserError(str(err), 2) from None
    return images, "real images of the test split"


def _evaluate_images(args, samples, header, dataset):
    """Classifier score, class histogram, FCD, precision / recall / coverage against real images the
    classifier never saw, in the feature space of the classifier minigan trained for the data set."""
    from ..metrics import image_metrics
    from ..metrics.classifier import load_classifier
    try:
        classifier = load_classifier(dataset)
    except FileNotFoundError as err:
        raise UserError(str(err), 2) from None
    real, what = _real_images(args, header, dataset)
    result = {"checkpoint": args.checkpoint, "dataset": dataset, "step": header["step"], "real": what,
              **image_metrics(samples, real, classifier)}
    from ..presets import get_preset
    if get_preset(header["config"]["preset"]).conditional:
        # generate() laid the samples out class by class: does the classifier see the class asked for?
        requested = np.repeat(np.arange(10), -(-len(samples) // 10))[:len(samples)]
        result["label_agreement"] = float((classifier.probs(samples).argmax(axis=1) == requested).mean())
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{dataset} after {result['step']} steps: {result['n_samples']} samples against "
              f"{result['n_real']} {what}")
        print(f"  classifier score     {result['classifier_score']:.2f}  (best 10)")
        print(f"  class histogram      {result['class_counts']}  KL to uniform {result['class_kl_to_uniform']:.3f}")
        print(f"  FCD                  {result['fcd']:.2f}  (lower is better)")
        print(f"  precision / recall   {result['precision']:.3f} / {result['recall']:.3f}  "
              f"(k = 3, {result['n_precision_recall']} of each)")
        print(f"  coverage             {result['coverage']:.3f}  (share of real images with a sample nearby)")
        verdict = recall_verdict(result)
        if verdict:
            print(f"  verdict: {verdict}")
        if "label_agreement" in result:
            print(f"  label agreement      {100 * result['label_agreement']:.1f} %  (classifier sees the class asked for)")
    return 0
