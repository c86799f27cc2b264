"""The translation measurements: an identity translator changes nothing, a blank one ruins everything."""
import numpy as np
import pytest

from minigan.i2i.measure import cyclegan_metrics, hiding_probe, pix2pix_metrics
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


def test_hiding_probe_of_the_identity_pair(digits):
    images, labels = digits
    classifier = load_classifier("mnist")
    probe = hiding_probe(Same(), Same(), images, labels, classifier, faint=-0.9, noise=0.05)
    assert probe["cycle_l1"] == 0
    faint = (images > -1) & (images < -0.9)
    assert probe["faint_share"] == pytest.approx(faint.mean())
    # erasing the faint marks of A -> B = A changes exactly those pixels, each by less than 0.1
    assert 0 < probe["cycle_l1_erased"] <= 0.1 * faint.mean() + 1e-9
    assert 0.01 < probe["cycle_l1_noisy"] < 0.05          # |noise| of std 0.05 has mean 0.04, less where clipped
    misread = (classifier.logits(images).argmax(axis=1) != labels).sum()
    assert probe["changed"] == misread and probe["n"] == len(images)
    assert probe["changed_original_on_a"] == probe["changed_original_on_back"] == 0


def test_hiding_probe_sees_a_way_back_that_reads_the_faint_range(digits):
    images, labels = digits

    class Hide(Layer):                      # A -> B: blank out the digit, keep it as a faint copy
        def forward(self, x):
            return -1 + 0.05 * (x + 1)

    class Read(Layer):                      # B -> A: stretch the faint copy back to full contrast
        def forward(self, x):
            return (x + 1) / 0.05 - 1

    probe = hiding_probe(Hide(), Read(), images, labels, load_classifier("mnist"))
    assert probe["cycle_l1"] < 1e-5 and probe["faint_share"] > 0.1
    assert probe["cycle_l1_erased"] > 0.1                  # erasing the faint range loses the digit
    assert probe["cycle_l1_noisy"] > 10 * probe["cycle_l1"] + 0.1
