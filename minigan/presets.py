"""Named recipes: an architecture, an objective, optimizers and a data set, each default with its source.

``get_preset(name).build()`` returns a ready GAN; ``minigan train --preset NAME`` uses the same.
"""
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

import numpy as np

from . import nn
from .gan import GAN
from .optim import make_optimizer


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    dataset: str                       # "ring8", "grid25", "digits", "mnist", "fashion-mnist"
    z_dim: int
    build_G: Callable                  # build_G(preset) -> Layer mapping (N, z_dim) to samples
    build_D: Callable                  # build_D(preset) -> Layer mapping samples to (N, 1) logits
    objective: str = "non_saturating"
    optimizer: str = "adam"
    lr: float = 2e-4
    betas: tuple = (0.5, 0.999)
    batch_size: int = 64
    steps: Optional[int] = None        # a run is `steps` long, or `epochs` passes over the data
    epochs: Optional[int] = None
    n_critic: int = 1
    clip_value: Optional[float] = None
    lr_decay: bool = False             # decay both learning rates linearly to zero over the run
    init: Optional[str] = None         # re-initialise every weight with this scheme (e.g. "dcgan")
    sources: dict = field(default_factory=dict)

    def with_overrides(self, **kwargs):
        """A copy with some fields replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in kwargs.items() if v is not None})

    def optimizer_kwargs(self):
        return {"lr": self.lr, "betas": self.betas} if self.optimizer == "adam" else {"lr": self.lr}

    def build(self, backend=None):
        """Build G and D (drawing weights from minigan's generator) and wrap them in a GAN."""
        from .init import initialize
        G, D = self.build_G(self), self.build_D(self)
        if self.init:
            initialize(G, self.init)
            initialize(D, self.init)
        if backend:
            G.to(backend)
            D.to(backend)
        return GAN(G, D, self.z_dim, objective=self.objective,
                   g_opt=make_optimizer(self.optimizer, G.parameters(), **self.optimizer_kwargs()),
                   d_opt=make_optimizer(self.optimizer, D.parameters(), **self.optimizer_kwargs()),
                   n_critic=self.n_critic, clip_value=self.clip_value)


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
# "Unrolled GANs"; Lin et al. 2018, "PacGAN"). The learning rate 1e-3 with a linear decay to zero was
# chosen here by experiment: the decay lets G settle onto the narrow (sigma 0.01) modes instead of
# orbiting them, which is what the high-quality-sample measure rewards.
def _toy_G(width, depth):
    return lambda p: mlp([p.z_dim] + [width] * depth + [2], nn.ReLU)


def _toy_D(width, depth):
    return lambda p: mlp([2] + [width] * depth + [1], lambda: nn.LeakyReLU(0.2))


_TOY_SOURCES = {
    "data": "Lin et al. 2018 (PacGAN), sec. 5: ring of 8 / grid of 25 Gaussians, 2,500 samples, 3-sigma quality",
    "betas": "Radford et al. 2015 (DCGAN): beta1 0.5",
    "lr, lr_decay, width, steps": "chosen by experiment in minigan (see presets.py)",
}

PRESETS = {}


def register(preset):
    PRESETS[preset.name] = preset
    return preset


register(Preset("ring8", "8 Gaussians on a circle; MLP G and D", "ring8", z_dim=2,
                build_G=_toy_G(128, 2), build_D=_toy_D(128, 2), lr=1e-3, batch_size=256,
                steps=10000, lr_decay=True, sources=_TOY_SOURCES))
register(Preset("grid25", "25 Gaussians on a 5x5 grid; MLP G and D", "grid25", z_dim=2,
                build_G=_toy_G(256, 3), build_D=_toy_D(256, 2), lr=1e-3, batch_size=256,
                steps=10000, lr_decay=True, sources=_TOY_SOURCES))


def get_preset(name):
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return PRESETS[name]
