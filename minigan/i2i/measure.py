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


def hiding_probe(G_ab, G_ba, a, labels_a, classifier, faint=-0.9, noise=0.05, seed=0):
    """Does G_ab hide what G_ba needs in faint patterns (Chu et al. 2017)? Three probes.

    * erase: MNIST's background is exactly -1, so anything in (-1, faint) is a faint mark; set it to -1
      and rebuild: does the cycle error rise?
    * perturb: add Gaussian noise of standard deviation ``noise`` to A -> B and rebuild. A code hidden
      in low-amplitude patterns is fragile: Chu et al.'s rebuilds fell apart under noise the eye misses.
    * the label: among digits that A -> B turns into another digit, how often does the way back still
      read as the original, against how often A itself does?"""
    a_to_b = _apply(G_ab, a)
    erased = np.where(a_to_b < faint, -1.0, a_to_b).astype(np.float32)
    jitter = noise * np.random.default_rng(seed).standard_normal(a_to_b.shape).astype(np.float32)
    back, back_erased = _apply(G_ba, a_to_b), _apply(G_ba, erased)
    back_noisy = _apply(G_ba, np.clip(a_to_b + jitter, -1.0, 1.0))
    labels_a = np.asarray(labels_a)
    read = {name: classifier.logits(x).argmax(axis=1) for name, x in [("a", a), ("a_to_b", a_to_b), ("back", back)]}
    changed = read["a_to_b"] != labels_a
    return {"faint_share": float(((a_to_b > -1) & (a_to_b < faint)).mean()),
            "cycle_l1": float(np.abs(back - a).mean()), "cycle_l1_erased": float(np.abs(back_erased - a).mean()),
            "cycle_l1_noisy": float(np.abs(back_noisy - a).mean()), "noise": noise,
            "changed": int(changed.sum()), "n": int(len(a)),
            "changed_original_on_a": int((read["a"][changed] == labels_a[changed]).sum()),
            "changed_original_on_back": int((read["back"][changed] == labels_a[changed]).sum()),
            "images": {"a_to_b": a_to_b, "back": back, "back_erased": back_erased}}
