"""One training step of Pix2Pix and one of CycleGAN, each written out stage by stage.

As in gan.py, nothing is hidden behind autograd: every forward is followed by the backward that
uses its caches, gradients ADD UP in ``.grad`` wherever a tensor feeds two losses, and in G's step
the discriminators are ``frozen`` (their input gradient flows into G; their own is not computed).

A layer caches only its LAST forward. A generator that CycleGAN runs three times in one step
(a -> b, the cycle's way back, the identity) therefore takes each backward right after the
forward it belongs to, and the parameter gradients of the three uses accumulate.
"""
from dataclasses import asdict, dataclass

from ..losses import get_objective
from ..nn.base import frozen
from ..optim import Adam
from .losses import cycle_loss, identity_loss, l1_loss, lsgan_d_fake, lsgan_d_real, lsgan_g
from .pool import ImagePool
from .skip import concat_channels, split_channels


@dataclass
class Pix2PixRecord:
    step: int
    d_loss: float = float("nan")       # 1/2 (d_real + d_fake): Isola et al. halve D's objective
    d_loss_real: float = float("nan")
    d_loss_fake: float = float("nan")
    g_gan: float = float("nan")        # G's adversarial term (non-saturating, per patch)
    g_l1: float = float("nan")         # mean |G(x) - y|, before its weight
    g_loss: float = float("nan")       # g_gan + l1_weight * g_l1
    d_real: float = float("nan")       # mean D probability over the real pairs' patches
    d_fake: float = float("nan")       # ... and over the generated pairs' patches (before D's update)

    def as_row(self):
        return asdict(self)


class Pix2Pix:
    """G: source -> target (a U-Net); D judges (source, image) pairs patch by patch.

    ``l1_weight`` is Isola et al.'s lambda = 100. ``gan_weight`` 0 trains G on L1 alone, the
    paper's comparison, and D is then not trained at all.
    """

    def __init__(self, G, D, lr=2e-4, betas=(0.5, 0.999), l1_weight=100.0, gan_weight=1.0):
        self.G, self.D = G, D
        self.objective = get_objective("non_saturating")     # binary cross-entropy on each patch's logit
        self.g_opt = Adam(G.parameters(), lr=lr, betas=betas)
        self.d_opt = Adam(D.parameters(), lr=lr, betas=betas)
        self.l1_weight, self.gan_weight = float(l1_weight), float(gan_weight)
        # Without D there is nothing to record about it: these fields stay NaN on purpose.
        self.unrecorded = () if self.gan_weight > 0 else ("d_loss", "d_loss_real", "d_loss_fake", "g_gan",
                                                           "d_real", "d_fake")
        self.step_count = 0

    def step(self, source, target):
        record = Pix2PixRecord(self.step_count + 1)
        fake = self.G.forward(source)             # G's caches now hold this batch, until its backward
        if self.gan_weight > 0:
            self._d_step(source, target, fake, record)
        self._g_step(source, target, fake, record)
        self.step_count += 1
        return record

    def _d_step(self, source, target, fake, record):
        self.d_opt.zero_grad()
        logits = self.D.forward(concat_channels(source, target))
        record.d_loss_real, grad = self.objective.d_real(logits)
        record.d_real = float(self.objective.d_output(logits).mean())
        self.D.backward(0.5 * grad)
        # The fake pair: D's input gradient is dropped here -- fake is a constant in D's step.
        logits = self.D.forward(concat_channels(source, fake))
        record.d_loss_fake, grad = self.objective.d_fake(logits)
        record.d_fake = float(self.objective.d_output(logits).mean())
        self.D.backward(0.5 * grad)                # ADDS to the real pair's gradients
        record.d_loss = 0.5 * (record.d_loss_real + record.d_loss_fake)
        self.d_opt.step()

    def _g_step(self, source, target, fake, record):
        self.g_opt.zero_grad()
        d_fake = 0.0
        if self.gan_weight > 0:
            with frozen(self.D):                   # D's updated weights judge; D learns nothing here
                logits = self.D.forward(concat_channels(source, fake))
                record.g_gan, grad = self.objective.g(logits)
                d_pair = self.D.backward(self.gan_weight * grad)
            _, d_fake = split_channels(d_pair, source.shape[1])   # the source needs no gradient
        record.g_l1, grad_l1 = l1_loss(fake, target)
        record.g_loss = (self.gan_weight * record.g_gan if self.gan_weight > 0 else 0.0) \
            + self.l1_weight * record.g_l1
        self.G.backward(d_fake + self.l1_weight * grad_l1)   # fake feeds two losses: their gradients add
        self.g_opt.step()

    def translate(self, source):
        return self.G.forward(source)


@dataclass
class CycleGANRecord:
    step: int
    g_loss: float = float("nan")       # the sum of the six terms below, weights included
    g_ab_gan: float = float("nan")     # D_b's least-squares verdict on G_ab(a)
    g_ba_gan: float = float("nan")     # D_a's on G_ba(b)
    cycle_a: float = float("nan")      # cycle_weight * mean |G_ba(G_ab(a)) - a|
    cycle_b: float = float("nan")      # cycle_weight * mean |G_ab(G_ba(b)) - b|
    identity_a: float = float("nan")   # identity_weight * mean |G_ba(a) - a|
    identity_b: float = float("nan")   # identity_weight * mean |G_ab(b) - b|
    d_a_loss: float = float("nan")     # 1/2 [mean (D_a(a) - 1)^2 + mean D_a(pooled fake a)^2]
    d_b_loss: float = float("nan")
    d_a_real: float = float("nan")     # mean patch score of D_a on real a (a least-squares score: 1 = real)
    d_a_fake: float = float("nan")     # ... on pooled fakes
    d_b_real: float = float("nan")
    d_b_fake: float = float("nan")

    def as_row(self):
        return asdict(self)


class CycleGAN:
    """Two generators (G_ab: A -> B, G_ba: B -> A) and two discriminators (D_a, D_b), no pairs.

    Zhu et al.'s recipe: cycle weight 10, identity weight 5 (half of it), least squares per
    patch, a pool of 50 generated images for each D, one Adam over both generators' parameters.
    """

    def __init__(self, G_ab, G_ba, D_a, D_b, lr=2e-4, betas=(0.5, 0.999), cycle_weight=10.0,
                 identity_weight=5.0, pool_size=50, seed=0):
        self.G_ab, self.G_ba, self.D_a, self.D_b = G_ab, G_ba, D_a, D_b
        self.g_opt = Adam(G_ab.parameters() + G_ba.parameters(), lr=lr, betas=betas)
        self.d_opt = Adam(D_a.parameters() + D_b.parameters(), lr=lr, betas=betas)
        self.cycle_weight, self.identity_weight = float(cycle_weight), float(identity_weight)
        self.pool_a, self.pool_b = ImagePool(pool_size, seed), ImagePool(pool_size, seed + 1)
        self.step_count = 0

    def step(self, a, b):
        record = CycleGANRecord(self.step_count + 1)
        self.g_opt.zero_grad()
        with frozen(self.D_a, self.D_b):
            fake_b = self._g_road(a, self.G_ab, self.G_ba, self.D_b, record, "ab", "cycle_a")
            fake_a = self._g_road(b, self.G_ba, self.G_ab, self.D_a, record, "ba", "cycle_b")
        if self.identity_weight > 0:
            record.identity_b = self._identity(b, self.G_ab)
            record.identity_a = self._identity(a, self.G_ba)
        else:
            record.identity_a = record.identity_b = 0.0
        record.g_loss = (record.g_ab_gan + record.g_ba_gan + record.cycle_a + record.cycle_b
                         + record.identity_a + record.identity_b)
        self.g_opt.step()
        self.d_opt.zero_grad()
        record.d_b_loss, record.d_b_real, record.d_b_fake = self._d_step(self.D_b, b, self.pool_b.query(fake_b))
        record.d_a_loss, record.d_a_real, record.d_a_fake = self._d_step(self.D_a, a, self.pool_a.query(fake_a))
        self.d_opt.step()
        self.step_count += 1
        return record

    def _g_road(self, x, G, F, D, record, name, cycle_name):
        """x -> fake = G(x) -> F(fake): the adversarial and the cycle term, both into G and F."""
        fake = G.forward(x)
        logits = D.forward(fake)
        value, grad = lsgan_g(logits)
        setattr(record, f"g_{name}_gan", value)
        d_fake_from_d = D.backward(grad)
        reconstruction = F.forward(fake)
        value, grad = cycle_loss(reconstruction, x, self.cycle_weight)
        setattr(record, cycle_name, value)
        d_fake_from_cycle = F.backward(grad)          # F's parameters learn from this road too
        # fake feeds D's verdict and the way back: the two gradients add before G's backward.
        # (x itself is a constant target; only the networks' parameters learn.)
        G.backward(d_fake_from_d + d_fake_from_cycle)  # G's caches still hold G(x): F ran, G did not
        return fake

    def _identity(self, x, G):
        value, grad = identity_loss(G.forward(x), x, self.identity_weight)
        G.backward(grad)                              # a third use of G: its gradients accumulate
        return value

    def _d_step(self, D, real, fake):
        logits = D.forward(real)
        loss_real, grad = lsgan_d_real(logits)
        score_real = float(logits.mean())
        D.backward(grad)
        logits = D.forward(fake)                      # fake from the pool: a constant for D
        loss_fake, grad = lsgan_d_fake(logits)
        D.backward(grad)                              # ADDS to the real batch's gradients
        return loss_real + loss_fake, score_real, float(logits.mean())

    def translate(self, images, direction="a2b"):
        return (self.G_ab if direction == "a2b" else self.G_ba).forward(images)
