"""Named presets: an architecture, an objective, optimizers and a data set, each default with its source.

``get_preset(name).build()`` returns a ready GAN; ``minigan train --preset NAME`` uses the same.
A default is cited in ``sources``: the paper it comes from, or the experiment in minigan that chose
it (experiments/<study>/, whose history.md records what was tried).
"""
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

from . import nn, recipes
from .gan import GAN, ConditionalGAN
from .nn.conditional import CarryLabels, LabelMaps, ProjectionD
from .optim import LinearDecay, Schedule, make_optimizer


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    dataset: str                       # "ring8", "grid25", "digits", "mnist", "fashion-mnist"
    z_dim: int
    build_G: Callable                  # build_G(preset) -> Layer mapping (N, z_dim) to samples
    build_D: Callable                  # build_D(preset) -> Layer mapping samples to (N, 1) logits
    objective: str = "non_saturating"   # the objective alone (losses.py); recipes go through recipes.apply
    optimizer: str = "adam"
    lr: float = 2e-4
    betas: tuple = (0.5, 0.999)
    batch_size: int = 64
    steps: Optional[int] = None        # a run is `steps` long, or `epochs` passes over the data
    epochs: Optional[int] = None
    n_critic: int = 1
    clip_value: Optional[float] = None
    lr_decay: bool = False             # decay both learning rates linearly to zero over the run
    lr_hold: float = 0.0               # with lr_decay: the fraction of the run at full lr before the decay
    g_lr_scale: float = 1.0            # G's learning rate is lr * g_lr_scale (D's is lr)
    init: Optional[str] = None         # re-initialise every weight with this scheme (e.g. "dcgan")
    sources: dict = field(default_factory=dict)
    gradient_penalty: Optional[float] = None   # WGAN-GP's lambda
    r1: Optional[float] = None                 # R1's gamma
    spectral_norm: bool = False        # wrap each of D's Dense/Conv2d layers in SpectralNorm
    pack: int = 1                      # PacGAN: D judges packs of this many samples
    mbstd: bool = False                # a minibatch standard-deviation feature at D's input
    conditional: bool = False          # class-conditional (10 classes): a ConditionalGAN, labelled data
    ema: Optional[float] = None        # keep a moving average of G's weights with this decay; sample from it
    width: Optional[int] = None        # the networks' base width (hidden units, or D's first feature maps)
    g_hidden: Optional[tuple] = None   # 2D presets: G's hidden layer widths (None = the preset's own)
    d_hidden: Optional[tuple] = None   # 2D presets: D's hidden layer widths (None = the preset's own)
    image_size: Optional[int] = None   # the dcgan family: the side of its square images (None: fixed by the data set)
    channels: Optional[int] = None     # the dcgan family: 1 (grey) or 3 (colour)
    n_classes: int = 10                # conditional presets: how many classes G draws and D tells apart

    def __post_init__(self):
        # ``objective`` names the objective only; recipes are applied with recipes.apply.
        if isinstance(self.objective, str) and recipes.is_recipe(self.objective):
            raise ValueError(f"preset {self.name!r}: {self.objective!r} names a recipe, not an objective; "
                             f"apply it with minigan.recipes.apply(preset, {self.objective!r})")

    def base_width(self, default):
        """The networks' base width: ``width`` if set, else the architecture's own ``default``."""
        return self.width or default

    def with_overrides(self, **fields):
        """A copy with the given fields replaced (``dataclasses.replace``)."""
        return replace(self, **fields)

    def optimizer_kwargs(self, lr):
        return {"lr": lr, "betas": self.betas} if self.optimizer == "adam" else {"lr": lr}

    def learning_rates(self):
        """(D's, G's) full learning rate: G's is ``lr * g_lr_scale``."""
        return self.lr, self.lr * self.g_lr_scale

    def schedule(self, gan, total_steps, start=0):
        """The run's learning-rate schedule for D's and G's optimizers, from step ``start`` of
        ``total_steps``: constant, or with ``lr_decay`` held for the first ``lr_hold`` of the run
        and then decayed linearly to zero (Zhu et al. 2017, CycleGAN)."""
        optimizers, rates = [gan.d_opt, gan.g_opt], self.learning_rates()
        if not self.lr_decay:
            return Schedule(optimizers, rates, start)
        if not 0.0 <= self.lr_hold < 1.0:
            raise ValueError(f"preset {self.name!r}: lr_hold must be in [0, 1), got {self.lr_hold}")
        return LinearDecay(optimizers, total_steps, self.lr_hold, rates, start)

    def build(self, backend=None):
        """Build G and D (drawing weights from minigan's generator) and wrap them in a GAN."""
        from .init import initialize
        G, D = self.build_G(self), self.build_D(self)
        if self.init:
            initialize(G, self.init)
            initialize(D, self.init)
        D = self.wrap_D(D)
        if backend:
            G.to(backend)
            D.to(backend)
        gan_class = ConditionalGAN if self.conditional else GAN
        classes = {"n_classes": self.n_classes} if self.conditional else {}
        d_lr, g_lr = self.learning_rates()
        return gan_class(G, D, self.z_dim, **classes, objective=self.objective,
                   g_opt=make_optimizer(self.optimizer, G.parameters(), **self.optimizer_kwargs(g_lr)),
                   d_opt=make_optimizer(self.optimizer, D.parameters(), **self.optimizer_kwargs(d_lr)),
                   n_critic=self.n_critic, clip_value=self.clip_value,
                   gradient_penalty=self.gradient_penalty, r1=self.r1, ema=self.ema)

    def wrap_D(self, D):
        """The D-side cures: spectral norm on every Dense/Conv2d, then Pack / MinibatchStdDev in front.

        D's builder must already take the wider input (``d_input_size``); the toy presets do."""
        if self.spectral_norm:
            D = recipes.spectral_normalize_all(D)
        front = ([nn.Pack(self.pack)] if self.pack > 1 else []) + ([nn.MinibatchStdDev()] if self.mbstd else [])
        if front and self.dataset not in ("ring8", "grid25"):
            raise ValueError(f"preset {self.name!r}: packing and minibatch stddev are implemented for the "
                             "2D presets (ring8, grid25) only")
        return nn.Sequential(*front, D) if front else D

    def d_input_size(self, features=2):
        """What D's first layer sees: ``pack`` samples side by side, plus the stddev feature."""
        return features * self.pack + (1 if self.mbstd else 0)


def mlp(sizes, activation, out_activation=None):
    """Dense layers of the given sizes with an activation between them."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Dense(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    if out_activation is not None:
        layers.append(out_activation())
    return nn.Sequential(*layers)


# -- 2D toy presets ---------------------------------------------------------------------------
# Small MLPs in the spirit of the 2D experiments of the GAN literature (GAN Lab; Metz et al. 2017,
# "Unrolled GANs"; Lin et al. 2018, "PacGAN"). The learning rate decays to zero so that G settles onto
# the narrow modes instead of orbiting them, which is what the high-quality-sample measure rewards.
def _toy_G(width, depth):
    return lambda p: mlp([p.z_dim] + list(p.g_hidden or [p.base_width(width)] * depth) + [2], nn.ReLU)


def _toy_D(width, depth):
    return lambda p: mlp([p.d_input_size(2)] + list(p.d_hidden or [p.base_width(width)] * depth) + [1],
                         lambda: nn.LeakyReLU(0.2))


_TOY_SOURCES = {
    "data": "Lin et al. 2018 (PacGAN), sec. 5: ring of 8 / grid of 25 Gaussians, 2,500 samples, 3-sigma quality",
    "betas": "Radford et al. 2015 (DCGAN): beta1 0.5",
    "lr, lr_decay, width, steps": "chosen by experiment in minigan, see experiments/toy_presets",
}

PRESETS = {}

# What each data set holds: a preset's networks read one kind, so --dataset may only swap within it.
DATA_KINDS = {"ring8": "2D points", "grid25": "2D points", "digits": "8x8 grey images",
              "mnist": "28x28 grey images", "fashion-mnist": "28x28 grey images",
              "photo-crops": "colour images of any size"}
# (channels, side) of the images a preset's networks read, for the presets built for one size.
FIXED_IMAGE_SHAPES = {"digits": (1, 8), "mnist": (1, 28), "fashion-mnist": (1, 28)}


def register(preset):
    PRESETS[preset.name] = preset
    return preset


register(Preset("ring8", "8 Gaussians on a circle; MLP G and D; shows D's opinion of the plane and the modes G finds", "ring8", z_dim=2,
                build_G=_toy_G(128, 2), build_D=_toy_D(128, 2), lr=1e-3, batch_size=256,
                steps=10000, lr_decay=True, sources=_TOY_SOURCES))
# grid25's G must cut the plane of z into 25 cells with steep steps between them: a deeper, narrower
# plain MLP (no BatchNorm, whose batch statistics would jitter the steps), trained with the "sharp" recipe.
register(recipes.apply(Preset(
    "grid25", "25 Gaussians on a 5x5 grid; MLP G and D, the 'sharp' recipe; shows mode collapse cured", "grid25", z_dim=2,
    build_G=_toy_G(64, 4), build_D=_toy_D(64, 3), lr=1e-3, batch_size=128, steps=20000,
    sources={**_TOY_SOURCES, "betas, g_lr_scale, lr_decay, lr_hold": "the 'sharp' recipe (recipes.py)",
             "width, depth, batch, steps, no BatchNorm in G": "chosen by experiment in minigan, see "
             "experiments/toy_presets"}), "sharp"))


# -- image presets ----------------------------------------------------------------------------
# dcgan-mnist-bn is the DCGAN of TensorFlow's DCGAN tutorial, layer for layer; dcgan-mnist is that network
# without the BatchNorm the tutorial puts after G's dense layer and its first two transposed convolutions.
# Their LeakyReLU slope 0.3 is Keras's default, which that tutorial uses, and their weights start from
# Keras's default Glorot-uniform ("xavier"). The recipe (Adam 2e-4, beta1 0.5, batch 64, z ~ N(0, I) of
# size 100) is Radford et al.'s.
# Samples come from a moving average of G's weights (ema.py).
_DCGAN_SOURCES = {
    "architecture": "TensorFlow DCGAN tutorial (generator and discriminator models)",
    "LeakyReLU slope 0.3, Glorot-uniform init": "Keras defaults, as used by that tutorial",
    "Adam 2e-4, beta1 0.5, batch 64, z 100": "Radford et al. 2015 (DCGAN), sec. 4",
    "dropout 0.3": "TensorFlow DCGAN tutorial",
}
_EMA_SOURCES = {
    "samples from an EMA of G's weights, decay 0.999": "Yazici et al. 2019, 'The Unusual Effectiveness of "
    "Averaging in GAN Training'; Karras et al. 2018 (progressive GANs), sec. 4; warm-up (1 + t) / (10 + t) "
    "as in TensorFlow's tf.train.ExponentialMovingAverage (num_updates)",
    "the average for the MNIST presets": "chosen by experiment in minigan, see experiments/dcgan_mnist_judge",
}


def dcgan_mnist_G(p, batchnorm=False):
    def block(layer, channels, shape=None):
        bn = [] if not batchnorm else [nn.BatchNorm1d(channels) if shape == "flat" else nn.BatchNorm2d(channels)]
        return [layer, *bn, nn.LeakyReLU(0.3)]
    w = p.base_width(64)     # 256, 128 and 64 feature maps at the default width
    return nn.Sequential(
        *block(nn.Dense(p.z_dim, 7 * 7 * 4 * w, bias=False), 7 * 7 * 4 * w, "flat"),
        nn.Reshape((4 * w, 7, 7)),
        *block(nn.ConvTranspose2d(4 * w, 2 * w, 5, stride=1, padding="same", bias=False), 2 * w),   # 7x7
        *block(nn.ConvTranspose2d(2 * w, w, 5, stride=2, padding="same", bias=False), w),           # 14x14
        nn.ConvTranspose2d(w, 1, 5, stride=2, padding="same", bias=False),                          # 28x28
        nn.Tanh())


def dcgan_mnist_D(p):
    w = p.base_width(64)     # 64 and 128 feature maps at the default width
    return nn.Sequential(
        nn.Conv2d(1, w, 5, stride=2, padding="same"), nn.LeakyReLU(0.3), nn.Dropout(0.3),         # 14x14
        nn.Conv2d(w, 2 * w, 5, stride=2, padding="same"), nn.LeakyReLU(0.3), nn.Dropout(0.3),     # 7x7
        nn.Flatten(), nn.Dense(7 * 7 * 2 * w, 1))


register(Preset("dcgan-mnist", "the TensorFlow tutorial's DCGAN without BatchNorm in G; shows digits emerging "
                "epoch by epoch", "mnist", z_dim=100,
                build_G=dcgan_mnist_G, build_D=dcgan_mnist_D, lr=2e-4, batch_size=64, epochs=10, ema=0.999,
                sources={**_DCGAN_SOURCES, **_EMA_SOURCES,
                         "no BatchNorm in G": "a departure from the tutorial, whose G has BatchNormalization after "
                         "its dense layer and first two transposed convolutions (that is dcgan-mnist-bn)"}))
register(Preset("dcgan-mnist-bn", "the TensorFlow tutorial's DCGAN, with its BatchNorm in G; shows what BatchNorm "
                "changes",
                "mnist", z_dim=100, build_G=lambda p: dcgan_mnist_G(p, batchnorm=True), build_D=dcgan_mnist_D,
                lr=2e-4, batch_size=64, epochs=10,
                sources={**_DCGAN_SOURCES, "batchnorm": "the TensorFlow tutorial's generator (BatchNormalization "
                         "after each layer but the last), Ioffe & Szegedy 2015"}))


# dcgan-mnist-small: dcgan-digits' blocks grown to 28x28 (7x7 -> 14x14 -> 28x28), as in the 28x28
# DCGANs of PyTorch's examples. A step takes about half of dcgan-mnist's time (0.22 s against 0.44 s
# on the 2-core CPU), so twice the steps fit the same minutes; the recipe is Radford et al.'s, and
# experiments/dcgan_mnist_judge records how its samples are judged.
def dcgan_mnist_small_G(p):
    w = p.base_width(64)     # 128 and 64 feature maps at the default width
    return nn.Sequential(
        nn.Dense(p.z_dim, 2 * w * 7 * 7, bias=False), nn.BatchNorm1d(2 * w * 7 * 7), nn.ReLU(),
        nn.Reshape((2 * w, 7, 7)),
        nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),   # 14x14
        nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1), nn.Tanh())                                      # 28x28


def dcgan_mnist_small_D(p):
    w = p.base_width(64)     # 64 and 128 feature maps at the default width
    return nn.Sequential(
        nn.Conv2d(1, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2),         # 14x14
        nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.LeakyReLU(0.2),     # 7x7
        nn.Flatten(), nn.Dense(2 * w * 7 * 7, 1))


register(Preset("dcgan-mnist-small", "a smaller 28x28 DCGAN; twice dcgan-mnist's steps in the same minutes",
                "mnist", z_dim=100, build_G=dcgan_mnist_small_G, build_D=dcgan_mnist_small_D, lr=2e-4,
                batch_size=64, steps=6000, init="dcgan", ema=0.999,
                sources={"blocks, ReLU in G / LeakyReLU 0.2 in D, BatchNorm in G, N(0, 0.02) init, Adam 2e-4 / 0.5, "
                         "batch 64, z 100": "Radford et al. 2015 (DCGAN); 28x28 layout as in PyTorch's examples",
                         **_EMA_SOURCES,
                         "steps": "6,000 steps of 0.22 s (2-core CPU, run alone): 22 minutes, within 30 with a "
                         "margin; see experiments/dcgan_mnist_judge"}))


def cdcgan_mnist_G(p):
    """dcgan-mnist-bn's G (BatchNorm after the dense and transposed convolutions), fed z and the one-hot
    label (z_dim + 10 inputs), carrying the label out."""
    return CarryLabels(dcgan_mnist_G(replace(p, z_dim=p.z_dim + 10), batchnorm=True), 10)


def cdcgan_mnist_D(p):
    """dcgan-mnist's D as a projection discriminator: its features (all but the last Dense) dotted
    with a learnt embedding of the class asked for, plus its own unconditional logit."""
    d = dcgan_mnist_D(p)
    return ProjectionD(nn.Sequential(*d.layers[:-1]), 7 * 7 * 2 * p.base_width(64), 10)


def cdcgan_mnist_concat_D(p):
    """dcgan-mnist's D with ten one-hot label maps beside the image (11 input channels): Mirza &
    Osindero's concatenation. The preset uses the projection D instead (see experiments/cdcgan_mnist);
    minigan.apps keeps this one for its recorded runs."""
    d = dcgan_mnist_D(p)
    d.layers[0] = nn.Conv2d(1 + 10, p.base_width(64), 5, stride=2, padding="same")
    return nn.Sequential(LabelMaps(10), *d.layers)


register(Preset("cdcgan-mnist", "dcgan-mnist-bn conditioned on the digit; draws any class on request", "mnist",
                z_dim=100, build_G=cdcgan_mnist_G, build_D=cdcgan_mnist_D, lr=2e-4, batch_size=64, epochs=10,
                conditional=True, ema=0.999,
                sources={**_DCGAN_SOURCES, **_EMA_SOURCES,
                         "batchnorm in G": "the TensorFlow tutorial's generator, as dcgan-mnist-bn",
                         "conditioning G": "Mirza & Osindero 2014 (one-hot label concatenated to G's noise)",
                         "conditioning D": "Miyato & Koyama 2018 (projection discriminator)",
                         "projection D and BatchNorm in G, over the label-map D": "chosen by experiment in "
                         "minigan, see experiments/cdcgan_mnist"}))
# The MNIST headline: cdcgan-mnist for the steps that fit 30 minutes on the 2-core CPU. Told which digit
# to draw, it makes recognisable digits of every class far sooner than the unconditional presets do
# (experiments/dcgan_mnist_judge compares them with an independent judge).
register(replace(PRESETS["cdcgan-mnist"], name="cdcgan-mnist-quick", epochs=None, steps=2500,
                 description="cdcgan-mnist cut to 2,500 steps: clean digits of every class in under 30 minutes",
                 sources={**PRESETS["cdcgan-mnist"].sources, "2,500 steps": "0.56 s a step on the 2-core CPU "
                          "(0.71 s while busy): 24-30 minutes; see experiments/dcgan_mnist_judge"}))


def mlp_mnist_G(p):
    w = p.base_width(256)    # 256, 512 and 1024 units at the default width
    return nn.Sequential(nn.Dense(p.z_dim, w), nn.LeakyReLU(0.2), nn.Dense(w, 2 * w), nn.LeakyReLU(0.2),
                         nn.Dense(2 * w, 4 * w), nn.LeakyReLU(0.2), nn.Dense(4 * w, 784), nn.Tanh(),
                         nn.Reshape((1, 28, 28)))


def mlp_mnist_D(p):
    w = p.base_width(256)    # 512 and 256 units at the default width
    return nn.Sequential(nn.Flatten(), nn.Dense(784, 2 * w), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                         nn.Dense(2 * w, w), nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Dense(w, 1))


register(Preset("mlp-mnist", "a fully connected G and D, as in Goodfellow et al. 2014; shows what convolutions add", "mnist", z_dim=100,
                build_G=mlp_mnist_G, build_D=mlp_mnist_D, lr=2e-4, batch_size=64, epochs=10,
                sources={"idea": "Goodfellow et al. 2014 (fully connected G and D, dropout in D)",
                         "LeakyReLU 0.2, Adam 2e-4 / 0.5": "Radford et al. 2015"}))


# dcgan-digits: the DCGAN pattern scaled down to scikit-learn's 8x8 digits (2x2 -> 4x4 -> 8x8 with
# kernel 4, stride 2, padding 1 -- the DCGAN paper's upsampling block), so that `minigan train`
# with no arguments finishes in a couple of minutes on a laptop, offline.
def dcgan_digits_G(p):
    w = p.base_width(64)     # 128 and 64 feature maps at the default width
    return nn.Sequential(
        nn.Dense(p.z_dim, 2 * w * 2 * 2, bias=False), nn.BatchNorm1d(2 * w * 2 * 2), nn.ReLU(),
        nn.Reshape((2 * w, 2, 2)),
        nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),   # 4x4
        nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1), nn.Tanh())                                      # 8x8


def dcgan_digits_D(p):
    w = p.base_width(64)     # 64 and 128 feature maps at the default width
    return nn.Sequential(
        nn.Conv2d(1, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2),         # 4x4
        nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.LeakyReLU(0.2),     # 2x2
        nn.Flatten(), nn.Dense(2 * w * 2 * 2, 1))


register(Preset("dcgan-digits", "a small DCGAN, offline; shows a GAN learning digits in minutes", "digits", z_dim=32,
                build_G=dcgan_digits_G, build_D=dcgan_digits_D, lr=2e-4, batch_size=64, epochs=100,
                init="dcgan",
                sources={"blocks, ReLU in G / LeakyReLU 0.2 in D, BatchNorm in G, N(0, 0.02) init, Adam 2e-4 / 0.5":
                         "Radford et al. 2015 (DCGAN)", "z 32, epochs 100": "chosen here to fit 8x8 digits"}))


# -- the dcgan family: Radford et al.'s DCGAN for any image size and channels (minigan/models.py) ----
# `minigan train --preset dcgan --data FOLDER --image-size 64` trains on your own images; without
# --data the family trains on random crops of scikit-learn's two sample photos (offline, in colour).
# The conditional member takes its classes from the data: one sub-folder per class.
def dcgan_sized_G(p):
    from .models import dcgan_conditional_generator, dcgan_generator
    if p.conditional:
        return dcgan_conditional_generator(p.z_dim, p.n_classes, p.image_size, p.channels, p.base_width(64))
    return dcgan_generator(p.z_dim, p.image_size, p.channels, p.base_width(64))


def dcgan_sized_D(p):
    from .models import dcgan_discriminator, dcgan_projection_discriminator
    if p.conditional:
        return dcgan_projection_discriminator(p.n_classes, p.image_size, p.channels, p.base_width(64))
    return dcgan_discriminator(p.image_size, p.channels, p.base_width(64))


_SIZED_SOURCES = {
    "architecture, ReLU in G / LeakyReLU 0.2 in D, BatchNorm in G, N(0, 0.02) init, Adam 2e-4 / 0.5, z 100":
    "Radford et al. 2015 (DCGAN), sec. 3-4 and fig. 1 (minigan/models.py)",
    "25 epochs, width 64": "PyTorch's DCGAN example (niter 25, ngf = ndf = 64)",
    "no BatchNorm in D": "minigan/models.py: D sees the real and the fake batch apart",
}
register(Preset("dcgan", "a DCGAN for any --image-size and --channels; trains on --data FOLDER (default: photo crops)",
                "photo-crops", z_dim=100, build_G=dcgan_sized_G, build_D=dcgan_sized_D, lr=2e-4, batch_size=64,
                epochs=25, image_size=32, channels=3, sources=_SIZED_SOURCES))
register(Preset("cdcgan", "dcgan conditioned on the class: one sub-folder of --data per class (default: the two photos)",
                "photo-crops", z_dim=100, build_G=dcgan_sized_G, build_D=dcgan_sized_D, lr=2e-4, batch_size=64,
                epochs=25, image_size=32, channels=3, conditional=True, n_classes=2,
                sources={**_SIZED_SOURCES, "conditioning G": "Mirza & Osindero 2014 (one-hot label in G's noise)",
                         "conditioning D": "Miyato & Koyama 2018 (projection discriminator)"}))
register(Preset("dcgan-photos", "dcgan, smaller, on 32x32 crops of two photos; shows a colour GAN in minutes, offline",
                "photo-crops", z_dim=100, build_G=dcgan_sized_G, build_D=dcgan_sized_D, lr=2e-4, batch_size=32,
                steps=800, image_size=32, channels=3, width=32, ema=0.999,
                sources={**_SIZED_SOURCES, **_EMA_SOURCES,
                         "width 32, batch 32, 800 steps": "chosen here so that the run takes minutes on a 2-core CPU"}))


def get_preset(name):
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return PRESETS[name]
