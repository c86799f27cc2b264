"""Image-GAN metrics computed in a classifier's feature space (NumPy, float64).

Inception networks see 299x299 photographs; on 28x28 digits their features mean little. So
these metrics use a small MNIST classifier trained with minigan itself (``classifier.py``):
its class probabilities and its penultimate-layer features play Inception's roles.

* classifier score: exp(E_x KL(p(y|x) || p(y))), the Inception Score's analogue
  (Salimans et al. 2016). Each sample should be one confident class, and all classes should
  appear. At best it equals the number of classes (10); a collapsed G scores near 1.
* the class histogram of the generated samples, and its KL divergence to uniform.
* Frechet classifier distance (FCD): the Frechet distance between Gaussians fitted to the
  features of real and generated images (Heusel et al. 2017, who used Inception features).
* precision and recall with k-nearest-neighbour manifolds, k = 3 (Kynkaanniemi et al. 2019),
  and coverage (Naeem et al. 2020): precision asks "are the fakes on the real manifold?",
  recall and coverage "is the real manifold covered by the fakes?".
"""
import numpy as np


def classifier_score(probs, eps=1e-12):
    """exp of the mean KL(p(y|x) || p(y)) over samples; ``probs`` is (N, classes)."""
    p = np.asarray(probs, dtype=np.float64)
    marginal = p.mean(axis=0)
    kl = (p * (np.log(p + eps) - np.log(marginal + eps))).sum(axis=1)
    return float(np.exp(kl.mean()))


def class_histogram(probs):
    """How many samples the classifier puts in each class (argmax)."""
    p = np.asarray(probs)
    return np.bincount(p.argmax(axis=1), minlength=p.shape[1])


def kl_to_uniform(counts):
    """KL(histogram || uniform): 0 when every class is equally common, log(K) for one class."""
    q = np.asarray(counts, dtype=np.float64)
    q = q / q.sum()
    seen = q > 0                     # empty classes add 0 log 0 = 0
    return float((q[seen] * np.log(q[seen] * len(q))).sum())


def _sqrtm_psd(a):
    """Square root of a symmetric positive semi-definite matrix, via its eigenvectors."""
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(feats_a, feats_b):
    """||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2).

    The trace term is written with the symmetric product S_a^1/2 S_b S_a^1/2, whose square
    root has the same trace as (S_a S_b)^1/2 but needs only a symmetric eigensolver (no
    complex round-off, no scipy).
    """
    a, b = np.asarray(feats_a, np.float64), np.asarray(feats_b, np.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _sqrtm_psd(s_a)
    cross = _sqrtm_psd(root_a @ s_b @ root_a)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * np.trace(cross))


def _pairwise_sq(a, b):
    """Squared Euclidean distances between the rows of a and b, as one matrix product."""
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.maximum(d, 0)


def _row_blocks(n, block=1024):
    """Slices of ``block`` rows: distance matrices are built a block at a time, so 10,000 real
    images never need a 10,000 x 10,000 matrix (800 MB in float64) at once."""
    return [slice(i, min(i + block, n)) for i in range(0, n, block)]


def _kth_neighbour_radius(feats, k):
    """Each point's squared distance to its k-th nearest other point."""
    # column 0 of each sorted row is the point itself (distance 0); partition finds the k-th in O(n)
    return np.concatenate([np.partition(_pairwise_sq(feats[rows], feats), k, axis=1)[:, k]
                           for rows in _row_blocks(len(feats))])


def precision_recall(real_feats, fake_feats, k=3):
    """Precision, recall (Kynkaanniemi et al. 2019) and coverage (Naeem et al. 2020).

    Each point's manifold is a ball reaching its k-th nearest neighbour in its own set.
    precision: share of fakes inside some real ball; recall: share of reals inside some fake
    ball; coverage: share of real balls holding at least one fake. A single repeated image
    has fake balls of radius 0, so it recalls (almost) nothing, and covers at most a few balls.
    The balls shrink as a set grows, so compare sets of equal size (as both papers do).
    """
    real, fake = np.asarray(real_feats, np.float64), np.asarray(fake_feats, np.float64)
    r_real, r_fake = _kth_neighbour_radius(real, k), _kth_neighbour_radius(fake, k)
    fake_in_real = np.zeros(len(fake), bool)
    real_in_fake, covered = np.zeros(len(real), bool), np.zeros(len(real), bool)
    for rows in _row_blocks(len(real)):
        d = _pairwise_sq(real[rows], fake)                              # (block of reals, n_fake)
        fake_in_real |= (d <= r_real[rows, None]).any(axis=0)
        real_in_fake[rows] = (d <= r_fake[None, :]).any(axis=1)
        covered[rows] = d.min(axis=1) <= r_real[rows]
    return {"precision": float(fake_in_real.mean()), "recall": float(real_in_fake.mean()),
            "coverage": float(covered.mean())}


def image_metrics(samples, real, classifier, k=3):
    """Every metric above for generated ``samples`` against ``real`` images the classifier never saw.

    The class scores and FCD use every image. Precision, recall and coverage compare equal numbers of
    real images and samples (the first ones of each), since their k-NN balls depend on the set sizes."""
    probs = classifier.probs(samples)
    counts = class_histogram(probs)
    f_real, f_fake = classifier.features(real), classifier.features(samples)
    n_pr = min(len(real), len(samples))
    return {"n_samples": len(samples), "n_real": len(real), "n_precision_recall": n_pr,
            "classifier_score": classifier_score(probs), "class_counts": counts.tolist(),
            "class_kl_to_uniform": kl_to_uniform(counts), "fcd": frechet_distance(f_real, f_fake),
            **precision_recall(f_real[:n_pr], f_fake[:n_pr], k)}
