"""The translation measurements: an identity translator changes nothing, a blank one ruins everything."""
import numpy as np
import pytest

from minigan.i2i.measure import cyclegan_metrics, pix2pix_metrics
from minigan.metrics.classifier import load_classifier
from minigan.nn import Layer


class Same(Layer):
    def forward(self, x):
        return x


class Blank(Layer):
    def forward(self, x):
        return -np.ones_like(x)


@pytest.fixture(scope="module")
def digits():
    from minigan.i2i.data import framed_digits
    images, labels = framed_digits()
    return images[:120], labels[:120]


def test_pix2pix_metrics_of_a_perfect_and_a_blank_translator(digits):
    images, labels = digits
    classifier = load_classifier("mnist")
    perfect = pix2pix_metrics(Same(), images, images, labels, classifier, images[::-1])
    assert perfect["l1"] == 0 and abs(perfect["fcd"]) < 1e-6
    assert perfect["label_agreement"] == pytest.approx(classifier.accuracy(images, labels))
    blank = pix2pix_metrics(Blank(), images, images, labels, classifier, images)
    assert blank["l1"] > 0.3 and blank["fcd"] > 10 and blank["label_agreement"] < 0.3


def test_cyclegan_metrics_of_the_identity(digits):
    images, labels = digits
    result = cyclegan_metrics(Same(), Same(), images, labels, images[::-1], load_classifier("mnist"))
    assert result["label_agreement_before"] == result["label_agreement_after"] > 0.5
    assert result["fcd_before"] == pytest.approx(result["fcd_after"]) and abs(result["fcd_after"]) < 1e-6
    assert result["cycle_l1_a"] == result["cycle_l1_b"] == 0
