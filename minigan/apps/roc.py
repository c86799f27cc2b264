"""How well does a score separate anomalies from normal data? The ROC curve and the area under it.

AUROC is the probability that a randomly chosen anomaly scores higher than a randomly chosen
normal example, ties counting one half. That is the Mann-Whitney U statistic divided by the
number of (anomaly, normal) pairs (Hanley & McNeil 1982), which ranks compute in O(n log n):

    AUROC = (sum of the anomalies' ranks - n1 (n1 + 1) / 2) / (n1 n0)

with ranks 1..n over all scores together, tied scores sharing the mean of their ranks.
"""
import numpy as np


def midranks(values):
    """Ranks 1..n of ``values``; a group of ties gets the mean of the ranks it spans."""
    values = np.asarray(values, dtype=np.float64).ravel()
    unique, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    last = np.cumsum(counts)                       # rank of the last member of each tie group
    return (last - (counts - 1) / 2.0)[inverse]


def _check(scores, is_anomaly):
    scores = np.asarray(scores, dtype=np.float64).ravel()
    labels = np.asarray(is_anomaly).ravel()
    if scores.shape != labels.shape:
        raise ValueError(f"scores and labels differ in length: {scores.shape} vs {labels.shape}")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be 0 (normal) or 1 (anomaly)")
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite")
    labels = labels.astype(bool)
    if labels.all() or not labels.any():
        raise ValueError("AUROC needs at least one anomaly and one normal example")
    return scores, labels


def auroc(scores, is_anomaly):
    """Area under the ROC curve of ``scores`` (higher = more anomalous) for 0/1 labels."""
    scores, labels = _check(scores, is_anomaly)
    n1, n0 = labels.sum(), (~labels).sum()
    u = midranks(scores)[labels].sum() - n1 * (n1 + 1) / 2.0
    return float(u / (n1 * n0))


def auroc_standard_error(auc, n_anomalies, n_normal):
    """Hanley & McNeil (1982), eq. 2: the standard error of an AUROC from n1 anomalies and n0 normals."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    n1, n0 = n_anomalies, n_normal
    return float(np.sqrt((auc * (1 - auc) + (n1 - 1) * (q1 - auc * auc) + (n0 - 1) * (q2 - auc * auc)) / (n1 * n0)))


def roc_curve(scores, is_anomaly):
    """(false-positive rates, true-positive rates) as the threshold falls past each distinct score,
    from (0, 0) to (1, 1). Tied scores move both rates at once: a diagonal step."""
    scores, labels = _check(scores, is_anomaly)
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    last_of_group = np.r_[s[1:] != s[:-1], True]           # flag the last index of each tie group
    tp = np.cumsum(y)[last_of_group]
    fp = np.cumsum(~y)[last_of_group]
    return np.r_[0.0, fp / (~labels).sum()], np.r_[0.0, tp / labels.sum()]
