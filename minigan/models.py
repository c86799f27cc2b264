"""DCGAN generators and discriminators for a chosen image size, number of channels and width.

The pattern is Radford et al. 2015 ("Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks", sec. 3 and fig. 1):

* G projects z to a small stack of feature maps (a dense layer, reshaped), then doubles the
  size with strided transposed convolutions (kernel 4, stride 2, padding 1), halving the channels
  each time; BatchNorm and ReLU after every layer but the last, tanh at the output.
* D mirrors it: strided convolutions (kernel 4, stride 2, padding 1) halve the size and double
  the channels; LeakyReLU with slope 0.2 after each; a dense layer turns the last feature maps
  into one logit per image, shape (N, 1). There is no pooling anywhere.
* Every weight starts from N(0, 0.02), BatchNorm's scales from N(1, 0.02) (minigan.init, "dcgan").

Sizes: an image of side S is built as B * 2^k: B (4 to 7) is the side of the first feature maps
and k >= 1 the number of stride-2 layers. So 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64,
80, 96, 112, 128, ... are allowed: S = 28 is 7 -> 14 -> 28 and S = 64 is 4 -> 8 -> 16 -> 32 -> 64,
as in the paper. ``width`` is the number of channels next to the image (G's last hidden layer, D's
first); the 64x64 models with ``width=64`` have the channel counts of PyTorch's DCGAN example
(512 at 4x4 down to 64 at 32x32).

D has no BatchNorm by default, unlike the paper: minigan's D step shows D the real and the fake
batch separately, and the gradient penalties (WGAN-GP, R1) need second derivatives that
minigan's BatchNorm does not provide. ``batchnorm=True`` adds it after every convolution but the
first, as in the paper.
"""
import operator

from . import nn
from .init import initialize
from .nn.conditional import CarryLabels, ProjectionD


def dcgan_plan(image_size):
    """(B, k): the side of the first feature maps and the number of stride-2 layers for ``image_size``."""
    try:
        image_size = operator.index(image_size)      # ints and NumPy integers, not 32.0 or "32"
    except TypeError:
        raise ValueError(f"DCGAN image size must be a whole number, got {image_size!r}") from None
    base, k = image_size, 0
    while base % 2 == 0 and base // 2 >= 4:
        base, k = base // 2, k + 1
    if k < 1 or not 4 <= base <= 7:
        raise ValueError(f"DCGAN image size {image_size} is not B * 2^k with B in 4..7 and k >= 1; "
                         f"allowed sizes include {', '.join(map(str, allowed_sizes(128)))}")
    return base, k


def allowed_sizes(limit=128):
    """Every image size up to ``limit`` that dcgan_generator and dcgan_discriminator can build."""
    return sorted({b * 2 ** k for b in range(4, 8) for k in range(1, 12) if b * 2 ** k <= limit})


def _channels(image_size, width):
    """Feature-map channels from the smallest maps to the largest: width * 2^(k-1), ..., width."""
    _, k = dcgan_plan(image_size)
    return [width * 2 ** (k - 1 - i) for i in range(k)]


def _checked(channels, width, z_dim=1):
    if channels not in (1, 3) or width < 1 or z_dim < 1:
        raise ValueError(f"DCGAN: channels must be 1 or 3 and width, z_dim >= 1; got channels={channels}, "
                         f"width={width}, z_dim={z_dim}")


def dcgan_generator(z_dim, image_size=32, channels=3, width=64, rng=None):
    """G: noise (N, z_dim) -> images (N, channels, image_size, image_size) in [-1, 1]."""
    _checked(channels, width, z_dim)
    base, _ = dcgan_plan(image_size)
    widths = _channels(image_size, width)
    layers = [nn.Dense(z_dim, widths[0] * base * base, bias=False), nn.Reshape((widths[0], base, base)),
              nn.BatchNorm2d(widths[0]), nn.ReLU()]
    for c_in, c_out in zip(widths, widths[1:]):
        layers += [nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1, bias=False),
                   nn.BatchNorm2d(c_out), nn.ReLU()]
    layers += [nn.ConvTranspose2d(widths[-1], channels, 4, stride=2, padding=1), nn.Tanh()]
    return initialize(nn.Sequential(*layers), "dcgan", rng)


def dcgan_discriminator(image_size=32, channels=3, width=64, batchnorm=False, rng=None):
    """D: images (N, channels, image_size, image_size) -> logits (N, 1)."""
    _checked(channels, width)
    base, _ = dcgan_plan(image_size)
    widths = _channels(image_size, width)[::-1]            # width, 2 * width, ... as the maps shrink
    layers = [nn.Conv2d(channels, widths[0], 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
    for c_in, c_out in zip(widths, widths[1:]):
        layers += [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1, bias=not batchnorm)]
        layers += [nn.BatchNorm2d(c_out)] if batchnorm else []
        layers += [nn.LeakyReLU(0.2)]
    layers += [nn.Flatten(), nn.Dense(widths[-1] * base * base, 1)]
    return initialize(nn.Sequential(*layers), "dcgan", rng)


def dcgan_conditional_generator(z_dim, n_classes, image_size=32, channels=3, width=64, rng=None):
    """A class-conditional G: input (N, z_dim + n_classes), the noise then the one-hot class;
    output (N, channels + 1, S, S), the image then the label channel (minigan.nn.conditional)."""
    return CarryLabels(dcgan_generator(z_dim + n_classes, image_size, channels, width, rng), n_classes)


def dcgan_projection_discriminator(n_classes, image_size=32, channels=3, width=64, batchnorm=False, rng=None):
    """A class-conditional D (Miyato & Koyama 2018's projection): dcgan_discriminator's features,
    dotted with a learnt embedding of the class asked for, plus its own unconditional logit."""
    d = dcgan_discriminator(image_size, channels, width, batchnorm, rng)
    final = d.layers[-1]
    return ProjectionD(nn.Sequential(*d.layers[:-1]), final.in_features, n_classes, rng=rng)
