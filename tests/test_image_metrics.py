"""The image metrics behave: real data scores near the best, damage makes every score worse,
and a collapsed generator gets the recall and coverage it deserves."""
from pathlib import Path

import numpy as np
import pytest

from minigan.metrics.images import (class_histogram, classifier_score, frechet_distance, kl_to_uniform,
                                    precision_recall)

N = 1000


# --- the maths on known inputs ----------------------------------------------------------------
def test_classifier_score_bounds():
    confident_uniform = np.eye(10)[np.arange(1000) % 10]
    assert classifier_score(confident_uniform) == pytest.approx(10, rel=1e-6)
    assert classifier_score(np.eye(10)[np.zeros(1000, int)]) == pytest.approx(1, rel=1e-6)
    assert classifier_score(np.full((50, 10), 0.1)) == pytest.approx(1, rel=1e-6)


def test_kl_to_uniform():
    assert kl_to_uniform([5] * 10) == pytest.approx(0, abs=1e-12)
    assert kl_to_uniform([10] + [0] * 9) == pytest.approx(np.log(10))
    assert list(class_histogram(np.eye(3)[[0, 2, 2]])) == [1, 0, 2]


def test_frechet_distance_of_gaussians_matches_the_closed_form():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20000, 3))
    b = rng.standard_normal((20000, 3)) * 2 + 1          # mean 1, covariance 4 I
    # ||mu||^2 + tr(I + 4I - 2 * 2I) = 3 + 3
    assert frechet_distance(a, b) == pytest.approx(6, rel=0.03)
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-8)


def test_precision_recall_and_coverage_on_identical_and_collapsed_sets():
    rng = np.random.default_rng(1)
    real, same = rng.standard_normal((800, 4)), rng.standard_normal((800, 4))
    good = precision_recall(real, same)
    assert min(good.values()) > 0.8
    collapsed = precision_recall(real, np.repeat(real[:1], 800, axis=0))
    assert collapsed["precision"] == 1.0                 # the one image is real...
    assert collapsed["recall"] < 0.01                    # ...but recalls nothing else
    assert collapsed["coverage"] < 0.01


# --- on real MNIST, in the shipped classifier's feature space -------------------------------------
# The classifier trained on the training split, so every test image is one it never saw.
@pytest.fixture(scope="module")
def mnist(mnist_dir):
    from minigan.data.mnist import load_mnist
    from minigan.metrics.classifier import load_classifier
    x, y = load_mnist("test", data_dir=mnist_dir, download=False)
    clf = load_classifier("mnist")
    return clf, x[2 * N:3 * N], x[:N], x[N:2 * N], y


def scores(clf, reference, images):
    probs = clf.probs(images)
    f_ref, f = clf.features(reference), clf.features(images)
    return {"cs": classifier_score(probs), "fcd": frechet_distance(f_ref, f), **precision_recall(f_ref, f)}


def blur(images, passes):
    out = images.copy()
    for _ in range(passes):   # a 5-point average, repeated: a wider blur each pass
        out = (out + np.roll(out, 1, 2) + np.roll(out, -1, 2) + np.roll(out, 1, 3) + np.roll(out, -1, 3)) / 5
    return out


def noise(images, sigma):
    rng = np.random.default_rng(0)
    return np.clip(images + sigma * rng.standard_normal(images.shape).astype(np.float32), -1, 1)


def test_shipped_classifier_knows_the_whole_test_split(mnist, mnist_dir):
    from minigan.data.mnist import load_mnist
    clf, *_ = mnist
    x, y = load_mnist("test", data_dir=mnist_dir, download=False)
    assert clf.info["trained_on"] == "the train split (60000 images)"
    assert clf.accuracy(x, y) == pytest.approx(clf.info["test_accuracy"], abs=1e-9)
    assert clf.info["test_accuracy"] >= 0.99


def test_held_out_real_scores_near_the_best(mnist):
    clf, _, held, held2, _ = mnist
    s = scores(clf, held, held2)
    assert s["cs"] > 9.3                                  # of at most 10
    assert kl_to_uniform(class_histogram(clf.probs(held2))) < 0.03
    assert s["fcd"] < 0.1 * scores(clf, held, np.repeat(held2[:1], N, axis=0))["fcd"]
    assert s["precision"] > 0.55 and s["recall"] > 0.7 and s["coverage"] > 0.5


@pytest.mark.parametrize("damage, levels", [(noise, (0.3, 0.6, 1.0)), (blur, (1, 2, 4))])
def test_scores_worsen_monotonically_with_damage(mnist, damage, levels):
    clf, _, held, held2, _ = mnist
    runs = [scores(clf, held, held2)] + [scores(clf, held, damage(held2, level)) for level in levels]
    for a, b in zip(runs, runs[1:]):
        assert b["fcd"] > a["fcd"]
        assert b["cs"] < a["cs"]
        assert b["recall"] < a["recall"]
        assert b["coverage"] < a["coverage"]
    # Precision is not in the list on purpose: a blurred digit still lies among real digits, so
    # precision barely moves under blur (it even rose here); under strong noise it does fall.
    if damage is noise:
        assert runs[-1]["precision"] < runs[0]["precision"]


def test_a_collapsed_generator_gets_no_recall(mnist):
    clf, train, held, _, _ = mnist
    s = scores(clf, held, np.repeat(train[:1], N, axis=0))
    assert s["recall"] < 0.01 and s["coverage"] < 0.02
    assert s["cs"] < 1.05
    assert kl_to_uniform(class_histogram(clf.probs(np.repeat(train[:1], N, axis=0)))) == pytest.approx(np.log(10))


def test_evaluate_reports_image_metrics_for_a_checkpoint(mnist, mnist_dir, tmp_path, capsys):
    import json

    from minigan.cli import main
    run = tmp_path / "run"
    assert main(["train", "--preset", "dcgan-mnist", "--data-dir", str(mnist_dir), "--steps", "2",
                 "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(run / "checkpoint.npz"), "-n", "200", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dataset"] == "mnist" and result["n_samples"] == 200 and result["n_real"] == 10000
    assert result["n_precision_recall"] == 200 and result["real"] == "real images of the test split"
    assert sum(result["class_counts"]) == 200
    # Two steps in, G draws blobs: far from the digits on every measure.
    assert result["fcd"] > 500 and result["recall"] < 0.05 and result["classifier_score"] < 3


# --- Fashion-MNIST: the second shipped classifier -------------------------------------------------
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")     # Debian's dataset-fashion-mnist


def test_a_fashion_mnist_classifier_ships_with_its_record():
    from minigan.metrics.classifier import load_classifier
    clf = load_classifier("fashion-mnist")
    assert clf.info["dataset"] == "fashion-mnist" and clf.info["trained_on"] == "the train split (60000 images)"
    assert clf.info["test_accuracy"] >= 0.90
    probs = clf.probs(np.zeros((3, 1, 28, 28), np.float32))
    assert probs.shape == (3, 10) and np.allclose(probs.sum(axis=1), 1)


def test_fashion_classifier_accuracy_and_evaluate_on_a_fashion_checkpoint(tmp_path, capsys):
    import json

    from minigan.cli import main
    from minigan.data.mnist import DatasetNotFound, load_fashion_mnist
    from minigan.metrics.classifier import load_classifier
    try:
        x, y = load_fashion_mnist("test", download=False)
    except DatasetNotFound:
        pytest.skip(f"Fashion-MNIST not installed (apt install dataset-fashion-mnist puts it in {FASHION_DIR})")
    clf = load_classifier("fashion-mnist")
    assert clf.accuracy(x, y) == pytest.approx(clf.info["test_accuracy"], abs=1e-9)
    run = tmp_path / "run"
    assert main(["train", "--preset", "dcgan-mnist", "--dataset", "fashion-mnist", "--steps", "2",
                 "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(run / "checkpoint.npz"), "-n", "200", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dataset"] == "fashion-mnist" and result["n_real"] == len(x) == 10000
    assert result["fcd"] > 0 and 1 <= result["classifier_score"] <= 10
