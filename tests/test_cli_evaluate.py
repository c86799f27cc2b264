"""`minigan evaluate` measures the quickstart's own run: the 8x8 digits have a classifier of their own."""
import json

import numpy as np

from minigan.cli import main
from minigan.cli.evaluate import recall_verdict
from minigan.data.digits import load_digits
from minigan.metrics.classifier import load_classifier, split


def test_the_shipped_digits_classifier_knows_its_held_out_digits():
    images, labels = load_digits()
    (train, _), (held, held_labels) = split(images, labels, "digits")
    assert len(held) == 400 and len(train) == 1397
    classifier = load_classifier("digits")
    assert classifier.accuracy(held, held_labels) > 0.9
    assert classifier.features(held[:5]).shape == (5, 64)
    assert classifier.info["held_out"] == "its last 400 images"


def test_evaluate_on_the_default_preset_prints_every_image_metric(tmp_path, capsys):
    out = tmp_path / "quick"
    assert main(["train", "--steps", "20", "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(out), "-n", "300"]) == 0
    text = capsys.readouterr().out
    for what in ("classifier score", "FCD", "precision / recall", "coverage", "400 held-out real images"):
        assert what in text, what
    assert main(["evaluate", "--checkpoint", str(out), "-n", "300", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dataset"] == "digits" and result["n_real"] == 400
    assert 1 <= result["classifier_score"] <= 10 and np.isfinite(result["fcd"])
    assert {"precision", "recall", "coverage"} <= set(result)


def test_a_near_zero_recall_gets_a_verdict_beside_a_high_precision():
    collapsed = {"precision": 0.94, "recall": 0.0, "coverage": 0.03}
    verdict = recall_verdict(collapsed)
    assert "recall 0.00" in verdict and "coverage 0.03" in verdict and "collapse" in verdict
    assert recall_verdict({"precision": 0.7, "recall": 0.6, "coverage": 0.5}) is None
