"""What a translation run is judged by, on held-out images (the shipped MNIST classifier's eyes).

Pix2Pix (edges -> digit): the mean L1 distance to the true digit; how often the classifier reads
the output as the source digit's label; the Frechet distance of the outputs' classifier features
to real digits' (FCD: lower = closer to the real distribution).

CycleGAN (scikit-learn digits -> MNIST): label agreement of the translated digits against the
untranslated ones in the same frame (does the digit survive?), FCD to MNIST before and after
translation, and the cycle reconstruction error both ways.
"""
import numpy as np

from ..backend import to_numpy
from ..metrics.images import frechet_distance


def _apply(G, images, batch_size=500):
    return np.concatenate([to_numpy(G.forward(images[i:i + batch_size])) for i in range(0, len(images), batch_size)])


def _agreement(classifier, images, labels):
    return float((classifier.logits(images).argmax(axis=1) == np.asarray(labels)).mean())


def pix2pix_metrics(G, sources, targets, labels, classifier, reference):
    """``reference``: real digits whose features the outputs' are compared with (FCD)."""
    out = _apply(G, sources)
    return {"l1": float(np.abs(out - targets).mean()),
            "label_agreement": _agreement(classifier, out, labels),
            "fcd": frechet_distance(classifier.features(out), classifier.features(reference)),
            "n": int(len(sources))}


def cyclegan_metrics(G_ab, G_ba, a, labels_a, b, classifier):
    """``a``: framed scikit-learn digits with their labels; ``b``: MNIST digits (held out)."""
    a_to_b = _apply(G_ab, a)
    b_to_a = _apply(G_ba, b)
    real = classifier.features(b)
    return {"label_agreement_before": _agreement(classifier, a, labels_a),
            "label_agreement_after": _agreement(classifier, a_to_b, labels_a),
            "fcd_before": frechet_distance(classifier.features(a), real),
            "fcd_after": frechet_distance(classifier.features(a_to_b), real),
            "cycle_l1_a": float(np.abs(_apply(G_ba, a_to_b) - a).mean()),
            "cycle_l1_b": float(np.abs(_apply(G_ab, b_to_a) - b).mean()),
            "n_a": int(len(a)), "n_b": int(len(b))}
