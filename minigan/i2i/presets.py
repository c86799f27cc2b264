"""The two translation presets, each default with its source. ``minigan train --preset NAME`` runs
them through run.py; the networks are those of networks.py at a width that trains on a CPU."""
from dataclasses import dataclass, field, replace

from .networks import UNet, patchgan
from .steps import CycleGAN, Pix2Pix

_PAPER = {
    "U-Net G with skips, PatchGAN D, L1 weight 100, Adam 2e-4 / beta1 0.5": "Isola et al. 2017 (Pix2Pix)",
    "N(0, 0.02) init, instance norm": "Isola et al. 2017; Zhu et al. 2017 (CycleGAN)",
}


@dataclass(frozen=True)
class TranslationPreset:
    name: str
    description: str
    kind: str                          # "pix2pix" (paired) or "cyclegan" (unpaired)
    dataset: str                       # what the two domains are, for the listing
    width: int = 16                    # the U-Net's first feature maps and D's
    batch_size: int = 16
    steps: int = 2000
    lr: float = 2e-4
    betas: tuple = (0.5, 0.999)
    l1_weight: float = 100.0           # Pix2Pix
    gan_weight: float = 1.0            # Pix2Pix; 0 = L1 alone, no discriminator
    cycle_weight: float = 10.0         # CycleGAN
    identity_weight: float = 5.0       # CycleGAN
    pool_size: int = 50                # CycleGAN
    lr_hold: float = 1.0               # the fraction of the run at full rate; then linear decay to 0
    sources: dict = field(default_factory=dict)

    def with_overrides(self, **fields):
        return replace(self, **{k: v for k, v in fields.items() if v is not None})

    def networks(self, backend=None):
        """name -> freshly drawn network, in the order the checkpoint stores them."""
        w = self.width
        if self.kind == "pix2pix":       # D judges (source, image) pairs: two channels
            return {"G": UNet(1, 1, w, backend=backend), "D": patchgan(2, w, backend=backend)}
        return {"G_ab": UNet(1, 1, w, backend=backend), "G_ba": UNet(1, 1, w, backend=backend),
                "D_a": patchgan(1, w, backend=backend), "D_b": patchgan(1, w, backend=backend)}

    def build(self, nets, seed=0):
        """The training step object around ``nets`` (as ``networks`` gives them)."""
        if self.kind == "pix2pix":
            return Pix2Pix(nets["G"], nets["D"], lr=self.lr, betas=self.betas, l1_weight=self.l1_weight,
                           gan_weight=self.gan_weight)
        return CycleGAN(nets["G_ab"], nets["G_ba"], nets["D_a"], nets["D_b"], lr=self.lr, betas=self.betas,
                        cycle_weight=self.cycle_weight, identity_weight=self.identity_weight,
                        pool_size=self.pool_size, seed=seed)

    def translator(self, nets, direction="a2b"):
        """The generator that carries an image the way asked: pix2pix has only a -> b."""
        if self.kind == "pix2pix":
            if direction != "a2b":
                raise ValueError(f"{self.name} translates one way only (edges -> digit): use --direction a2b")
            return nets["G"]
        return nets["G_ab"] if direction == "a2b" else nets["G_ba"]

    def load_data(self, data_dir=None, split="train"):
        """(a, b) image arrays (N, 1, 28, 28) in [-1, 1]; for pix2pix a[i] and b[i] are a pair."""
        from ..data.mnist import load_mnist
        from .data import edges, framed_digits
        digits, _ = load_mnist(split, data_dir=data_dir)
        if self.kind == "pix2pix":
            return edges(digits), digits
        return framed_digits()[0], digits


TRANSLATION_PRESETS = {}


def _register(preset):
    TRANSLATION_PRESETS[preset.name] = preset
    return preset


_register(TranslationPreset(
    "pix2pix-edges2mnist", "Pix2Pix, U-Net + PatchGAN: MNIST digits drawn from their edge maps", "pix2pix",
    "mnist edges -> mnist", width=16, batch_size=16, steps=10000,
    sources={**_PAPER, "width 16, batch 16, 10,000 steps": "chosen here to train in minutes on 2 CPU cores",
             "edges: thin outline, threshold 0.9": "chosen here so that the input leaves something open "
                                                   "(experiments/image_to_image)"}))
_register(replace(TRANSLATION_PRESETS["pix2pix-edges2mnist"], name="pix2pix-edges2mnist-l1", gan_weight=0.0,
                  description="pix2pix-edges2mnist's U-Net trained on L1 alone, no discriminator: the "
                              "paper's comparison"))
_register(TranslationPreset(
    "cyclegan-digits2mnist", "CycleGAN, no pairs: scikit-learn's digits restyled as MNIST's and back", "cyclegan",
    "digits <-> mnist", width=16, batch_size=8, steps=4000, lr_hold=0.5,
    sources={**_PAPER, "cycle 10, identity 5, least squares, pool of 50, constant then linear decay":
             "Zhu et al. 2017 (CycleGAN), sec. 4 and 7", "pool": "Shrivastava et al. 2017",
             "width 16, batch 8, 4,000 steps, half at full rate": "chosen here to train on 2 CPU cores"}))


def get_translation_preset(name):
    if name not in TRANSLATION_PRESETS:
        raise ValueError(f"unknown translation preset {name!r}; choose one of {sorted(TRANSLATION_PRESETS)}")
    return TRANSLATION_PRESETS[name]

