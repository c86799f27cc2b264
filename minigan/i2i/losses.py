"""The losses of Pix2Pix and CycleGAN. Each returns (value, d value / d its first argument).

Values are means over every element, so a loss on D's grid of patch logits is the average of
one loss per patch, and each gradient carries a 1 / (number of elements).

* L1 reconstruction (Pix2Pix):  mean |G(x) - y|. Isola et al. chose L1 over L2 because it blurs
  less; on its own it still blurs (the mean of the plausible outputs), which the GAN term fixes.
* cycle consistency (CycleGAN): lambda * mean |F(G(a)) - a|, and the same for b -> a -> b:
  a translation must keep enough of its input to be translated back.
* identity (CycleGAN, Taigman et al. 2017 via Zhu et al. sec. 5.2): lambda_id * mean |G(b) - b|:
  an image already in G's target domain should pass through G unchanged.
* least squares per patch, as CycleGAN's code uses it: D minimises
  1/2 [mean (D(b) - 1)^2 + mean D(G(a))^2], G minimises mean (D(G(a)) - 1)^2.
"""
from ..backend import get_array_module


def l1_loss(pred, target):
    """mean |pred - target|; the gradient is sign(pred - target) / n (0 where they are equal)."""
    xp = get_array_module(pred)
    diff = pred - target
    return float(xp.abs(diff).sum()) / diff.size, xp.sign(diff) / diff.size


def cycle_loss(reconstruction, original, weight=10.0):
    """weight * mean |F(G(a)) - a|; Zhu et al. use weight 10. The gradient is for the reconstruction
    (the original enters as a constant target here; see CycleGAN's step for how a's own road adds)."""
    value, grad = l1_loss(reconstruction, original)
    return weight * value, weight * grad


def identity_loss(same, original, weight=5.0):
    """weight * mean |G(b) - b|; Zhu et al. use half the cycle weight (0.5 * 10)."""
    value, grad = l1_loss(same, original)
    return weight * value, weight * grad


def _mse(logits, target):
    diff = logits - target
    return float((diff * diff).sum()) / diff.size, 2.0 * diff / diff.size


def lsgan_d_real(logits):
    """D's term on real images, 1/2 mean (D - 1)^2 over every patch of every image."""
    value, grad = _mse(logits, 1.0)
    return 0.5 * value, 0.5 * grad


def lsgan_d_fake(logits):
    """D's term on generated images, 1/2 mean D^2."""
    value, grad = _mse(logits, 0.0)
    return 0.5 * value, 0.5 * grad


def lsgan_g(logits):
    """G's term: mean (D(G(a)) - 1)^2, every patch pushed towards "real"."""
    return _mse(logits, 1.0)


def patch_real_fraction(logits, threshold=0.5):
    """The fraction of patches D calls real (logit above ``threshold``): a per-patch accuracy."""
    return float((logits > threshold).mean())
