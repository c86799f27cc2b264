"""The two networks of Pix2Pix and CycleGAN, at the size of a 28x28 digit.

U-Net generator (Ronneberger et al. 2015; Isola et al. 2017): an encoder of stride-2 convolutions,
a decoder of stride-2 transposed convolutions, and each decoder level fed its encoder twin's
output beside its own input (``Skip``)::

    x (C_in, 28, 28)
    -> conv 4/2 -> e1 (w, 14, 14) ---------------------------------- skip --.
       -> conv 4/2 -> IN -> e2 (2w, 7, 7) ------------- skip --.            |
          -> conv 3/1 -> IN -> bottleneck (2w, 7, 7)           |            |
          <- concat(bottleneck, e2) (4w, 7, 7) <---------------'            |
       <- convT 4/2 -> IN -> d2 (w, 14, 14)                                 |
    <- concat(d2, e1) (2w, 14, 14) <----------------------------------------'
    <- convT 4/2 -> tanh -> y (C_out, 28, 28)

Going back, e2's gradient is the bottleneck road's plus the skip's, and e1's is the road through
everything below it plus its own skip's: ``Skip.backward`` writes that sum in one line.

PatchGAN discriminator (Isola et al. 2017, sec. 3.2.2): convolutions only, no dense layer, so its
output is a GRID of logits, each judging one patch of the input; the losses average over the
grid. Here: 28x28 -> 14x14 -> 7x7 -> a 7x7 grid of logits, each seeing an 18x18 patch
(``receptive_field``), four pixels apart. (Instance norm's per-image mean and variance are the
one thing that reaches beyond a patch.)
"""
import numpy as np

from .. import nn
from ..nn.base import Layer, ShapeError
from ..nn.instancenorm import InstanceNorm2d
from .skip import Skip

INIT = "dcgan"    # every weight N(0, 0.02), as Isola et al. and Zhu et al. initialise theirs


class UNet(Layer):
    """The U-Net above: ``width`` (w) feature maps at the first level; input sides divisible by 4."""

    def __init__(self, in_channels=1, out_channels=1, width=32, dtype=np.float32, backend=None):
        self.in_channels, self.out_channels, self.width = int(in_channels), int(out_channels), int(width)
        w = self.width

        def conv(c_in, c_out, k, s, p):
            return nn.Conv2d(c_in, c_out, k, stride=s, padding=p, init_scheme=INIT, dtype=dtype, backend=backend)

        def up(c_in, c_out):
            return nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1, init_scheme=INIT, dtype=dtype,
                                      backend=backend)

        def norm(c):
            return InstanceNorm2d(c, dtype=dtype, backend=backend)
        bottleneck = nn.Sequential(conv(2 * w, 2 * w, 3, 1, 1), norm(2 * w), nn.ReLU())           # 7 -> 7
        middle = nn.Sequential(conv(w, 2 * w, 4, 2, 1), norm(2 * w), nn.LeakyReLU(0.2),           # 14 -> 7: e2
                               Skip(bottleneck),                                                  # 2w + 2w
                               up(4 * w, w), norm(w), nn.ReLU())                                  # 7 -> 14: d2
        self.net = nn.Sequential(conv(self.in_channels, w, 4, 2, 1), nn.LeakyReLU(0.2),           # 28 -> 14: e1
                                 Skip(middle),                                                    # w + w
                                 up(2 * w, self.out_channels), nn.Tanh())                         # 14 -> 28

    def skips(self):
        """The two skip connections, outer (e1's) first."""
        outer = self.net[2]
        return [outer, outer.inner[3]]

    def forward(self, x):
        self._check_shape(x, (None, self.in_channels, None, None))
        if x.shape[2] % 4 or x.shape[3] % 4 or min(x.shape[2:]) < 8:
            raise ShapeError(f"{self!r}: height and width must be multiples of 4 (two halvings) and at "
                             f"least 8, got {tuple(x.shape[2:])}")
        return self.net.forward(x)

    def backward(self, dout):
        return self.net.backward(dout)

    def extra_repr(self):
        return f"{self.in_channels} -> {self.out_channels}, width={self.width}"


def patchgan(in_channels=1, width=32, norm=True, dtype=np.float32, backend=None):
    """The PatchGAN above: (N, in_channels, H, W) -> (N, 1, H/4, W/4) logits."""
    w = width

    def conv(c_in, c_out, k, s, p):
        return nn.Conv2d(c_in, c_out, k, stride=s, padding=p, init_scheme=INIT, dtype=dtype, backend=backend)
    middle = [InstanceNorm2d(2 * w, dtype=dtype, backend=backend)] if norm else []
    return nn.Sequential(conv(in_channels, w, 4, 2, 1), nn.LeakyReLU(0.2),
                         conv(w, 2 * w, 4, 2, 1), *middle, nn.LeakyReLU(0.2),
                         conv(2 * w, 1, 3, 1, 1))


def _convolutions(model):
    return [m for m in model.modules() if isinstance(m, nn.Conv2d)]


def receptive_field(model):
    """(size, jump, offset) of one output of a chain of convolutions, along one axis.

    Walking back from the output: one output sees ``size`` inputs, r_in = (r_out - 1) * s + k;
    neighbouring outputs are ``jump`` (the product of the strides) inputs apart; output j's patch
    starts at input j * jump - offset (offset: the paddings, each in its layer's input pixels).
    """
    size, jump, offset = 1, 1, 0
    for conv in _convolutions(model):                    # forward order: jump grows layer by layer
        (k, _), (s, _) = conv.kernel_size, conv.stride
        pad = conv.padding if isinstance(conv.padding, int) else conv.padding[0]
        offset += pad * jump
        size += (k - 1) * jump
        jump *= s
    return size, jump, offset
