"""GAN objectives. Each takes D's raw outputs (logits) and returns (value, dvalue/dlogits).

Every objective splits into three terms, because D sees the real and the fake
batch in two separate forward passes:

    D minimises   d_real(D(x))  +  d_fake(D(G(z)))
    G minimises   g(D(G(z)))

Values are batch means, so each gradient carries a 1/N. Probabilities never
appear: log(sigmoid(t)) = -softplus(-t) is evaluated in a form that stays
finite for any logit (t = +/-1e4 included), which is why D outputs logits.
"""
import numpy as np

from . import rng as _rng
from .backend import get_array_module
from .ops.activation import sigmoid


def softplus(t):
    """log(1 + e^t) without overflow: max(t, 0) + log1p(e^-|t|)."""
    xp = get_array_module(t)
    return xp.maximum(t, 0) + xp.log1p(xp.exp(-xp.abs(t)))


def _mean_and_grad(values, grads):
    n = values.size
    return float(values.sum()) / n, grads / n


class Objective:
    """Base class; subclasses define the three loss terms.

    ``probabilities`` says whether sigmoid(logit) is D's probability of "real"
    (true for the cross-entropy objectives), which decides what the training
    record reports as D(x). ``threshold`` is the logit above which D says "real".
    """

    name = "objective"
    probabilities = False
    threshold = 0.0

    def d_real(self, logits):
        raise NotImplementedError

    def d_fake(self, logits):
        raise NotImplementedError

    def g(self, logits):
        raise NotImplementedError

    def d_output(self, logits):
        """What D says about a batch, on the scale a learner reads: a probability or a raw score."""
        return sigmoid(logits) if self.probabilities else logits

    def __repr__(self):
        return f"{type(self).__name__}()"


class _CrossEntropy(Objective):
    """D is a logistic classifier trained with binary cross-entropy (Goodfellow et al. 2014).

    Two options learners look for, both off by default:
    * ``label_smoothing`` s: the real target becomes 1 - s, one-sided (fake stays 0),
      as in Salimans et al. 2016, "Improved Techniques for Training GANs", sec. 3.4 (they use 0.9).
    * ``label_flip`` p: each of D's targets is flipped with probability p, the "noisy labels"
      trick from Soumith Chintala's ganhacks list (tip 6). Drawn from minigan's seeded generator.
    """

    probabilities = True

    def __init__(self, label_smoothing=0.0, label_flip=0.0, rng=None):
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
        if not 0.0 <= label_flip < 0.5:
            raise ValueError(f"label_flip must be in [0, 0.5), got {label_flip}")
        self.label_smoothing, self.label_flip, self.rng = label_smoothing, label_flip, rng

    def _targets(self, logits, target):
        """Per-example targets: constant, or flipped at random for the label-noise trick."""
        if self.label_flip == 0.0:
            return target
        xp = get_array_module(logits)
        if self.rng is None:    # drawn where the logits live
            flip = _rng.uniform(xp, logits.shape, np.float64) < self.label_flip
        else:
            flip = xp.asarray(self.rng.random(logits.shape) < self.label_flip)
        return xp.where(flip, 1.0 - target, target).astype(logits.dtype)

    @staticmethod
    def bce(logits, target):
        """Cross-entropy of sigmoid(logits) against target t, and its gradient sigmoid(logits) - t.

        -t log s(x) - (1 - t) log(1 - s(x)) = t softplus(-x) + (1 - t) softplus(x)
        """
        values = target * softplus(-logits) + (1 - target) * softplus(logits)
        return _mean_and_grad(values, sigmoid(logits) - target)

    def d_real(self, logits):
        return self.bce(logits, self._targets(logits, 1.0 - self.label_smoothing))

    def d_fake(self, logits):
        return self.bce(logits, self._targets(logits, 0.0))

    def __repr__(self):
        opts = [f"{k}={v}" for k, v in (("label_smoothing", self.label_smoothing),
                                         ("label_flip", self.label_flip)) if v]
        return f"{type(self).__name__}({', '.join(opts)})"


class Minimax(_CrossEntropy):
    """The original game: G minimises log(1 - D(G(z))) = -softplus(t).

    Its gradient -sigmoid(t) vanishes exactly when G is bad (D confidently says
    "fake", t << 0): the saturation that motivated the non-saturating loss.
    """

    name = "minimax"

    def g(self, logits):
        return _mean_and_grad(-softplus(logits), -sigmoid(logits))


class NonSaturating(_CrossEntropy):
    """G maximises log D(G(z)) instead, i.e. minimises softplus(-t) (Goodfellow et al. 2014, sec. 3).

    Same fixed point as minimax, but the gradient sigmoid(t) - 1 is largest when G is worst.
    """

    name = "non_saturating"

    def g(self, logits):
        return _mean_and_grad(softplus(-logits), sigmoid(logits) - 1.0)


class LeastSquares(Objective):
    """LSGAN (Mao et al. 2017) with targets a=0 (fake), b=1 (real), c=1 (G's goal):
    D minimises 1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2; G minimises 1/2 (D(G(z)) - 1)^2."""

    name = "least_squares"
    threshold = 0.5

    def d_real(self, logits):
        return _mean_and_grad(0.5 * (logits - 1) ** 2, logits - 1)

    def d_fake(self, logits):
        return _mean_and_grad(0.5 * logits ** 2, logits)

    def g(self, logits):
        return _mean_and_grad(0.5 * (logits - 1) ** 2, logits - 1)


class Wasserstein(Objective):
    """WGAN (Arjovsky et al. 2017): the critic maximises E[D(x)] - E[D(G(z))].

    The critic must be kept Lipschitz (weight clipping or a gradient penalty),
    otherwise this objective is unbounded.
    """

    name = "wasserstein"

    def d_real(self, logits):
        xp = get_array_module(logits)
        return _mean_and_grad(-logits, -xp.ones_like(logits))

    def d_fake(self, logits):
        xp = get_array_module(logits)
        return _mean_and_grad(logits, xp.ones_like(logits))

    def g(self, logits):
        xp = get_array_module(logits)
        return _mean_and_grad(-logits, -xp.ones_like(logits))


class Hinge(Objective):
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018): D minimises relu(1 - D(x)) + relu(1 + D(G(z)));
    G minimises -D(G(z))."""

    name = "hinge"

    def d_real(self, logits):
        margin = 1 - logits
        active = (margin > 0).astype(logits.dtype)
        return _mean_and_grad(margin * active, -active)

    def d_fake(self, logits):
        margin = 1 + logits
        active = (margin > 0).astype(logits.dtype)
        return _mean_and_grad(margin * active, active)

    def g(self, logits):
        xp = get_array_module(logits)
        return _mean_and_grad(-logits, -xp.ones_like(logits))


OBJECTIVES = {cls.name: cls for cls in (Minimax, NonSaturating, LeastSquares, Wasserstein, Hinge)}
ALIASES = {"non-saturating": "non_saturating", "ns": "non_saturating", "least-squares": "least_squares",
           "lsgan": "least_squares", "wgan": "wasserstein"}


def get_objective(name="non_saturating", **options):
    """An objective by name (non_saturating is the default), e.g. get_objective("minimax", label_smoothing=0.1)."""
    if isinstance(name, Objective):
        return name
    key = ALIASES.get(name, name)
    if key not in OBJECTIVES:
        raise ValueError(f"unknown objective {name!r}; choose one of {sorted(OBJECTIVES)}")
    try:
        return OBJECTIVES[key](**options)
    except TypeError:
        raise ValueError(f"objective {key!r} takes no options {sorted(options)}; label_smoothing and "
                         "label_flip apply to the cross-entropy objectives (minimax, non_saturating)") from None
