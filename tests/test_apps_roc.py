"""AUROC by ranks and the ROC curve, against values known by hand and by counting pairs."""
import numpy as np
import pytest

from minigan.apps.roc import auroc, auroc_standard_error, midranks, roc_curve


def by_pairs(scores, labels):
    """The definition itself: the share of (anomaly, normal) pairs ordered correctly, ties 1/2."""
    s1, s0 = scores[labels == 1], scores[labels == 0]
    return ((s1[:, None] > s0[None, :]).sum() + 0.5 * (s1[:, None] == s0[None, :]).sum()) / (len(s1) * len(s0))


def test_known_values():
    assert auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75      # 3 of the 4 pairs in order
    assert auroc([1, 2, 3, 4], [0, 0, 1, 1]) == 1.0
    assert auroc([4, 3, 2, 1], [0, 0, 1, 1]) == 0.0
    assert auroc([5, 5, 5, 5], [0, 1, 0, 1]) == 0.5               # all ties: a coin toss
    assert auroc([1, 2, 2, 3], [0, 0, 1, 1]) == 0.875             # one tied pair counts one half
    np.testing.assert_array_equal(midranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1])


def test_matches_pair_counting_with_many_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = rng.integers(2, 60)
        labels = rng.integers(0, 2, n)
        labels[:2] = [0, 1]
        scores = rng.integers(0, 5, n).astype(float)             # few distinct values: many ties
        assert auroc(scores, labels) == pytest.approx(by_pairs(scores, labels), abs=1e-12)


def test_matches_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 300)
    scores = np.round(rng.standard_normal(300) + labels, 1)
    assert auroc(scores, labels) == pytest.approx(metrics.roc_auc_score(labels, scores), abs=1e-12)


def test_roc_curve_area_is_the_auroc():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 200)
    scores = np.round(rng.standard_normal(200) + 0.8 * labels, 1)
    fpr, tpr = roc_curve(scores, labels)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0, 0, 1, 1)
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    area = np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2)     # trapezoids: ties become diagonal steps
    assert area == pytest.approx(auroc(scores, labels), abs=1e-12)


def test_standard_error_is_hanley_and_mcneil():
    # eq. 2 by hand for A = 0.8, n1 = n0 = 50: Q1 = 0.8 / 1.2 = 2/3, Q2 = 2 * 0.64 / 1.8 = 32/45,
    # SE^2 = (0.16 + 49 (2/3 - 0.64) + 49 (32/45 - 0.64)) / 2500 = 0.0019804...
    assert auroc_standard_error(0.8, 50, 50) == pytest.approx(0.0019804 ** 0.5, rel=1e-4)
    assert auroc_standard_error(0.8, 200, 200) < auroc_standard_error(0.8, 50, 50)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least one anomaly"):
        auroc([1, 2], [0, 0])
    with pytest.raises(ValueError, match="differ in length"):
        auroc([1, 2, 3], [0, 1])
    with pytest.raises(ValueError, match="0 \\(normal\\) or 1"):
        auroc([1, 2], [0, 2])
