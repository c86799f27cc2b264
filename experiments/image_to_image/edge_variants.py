"""Which edge map leaves Pix2Pix something to guess? Short runs of L1 alone and L1 + GAN per input.

    python experiments/image_to_image/edge_variants.py VARIANT GAN_WEIGHT STEPS SEED [--data-dir DIR]

VARIANT is one of the inputs below; GAN_WEIGHT 0 is L1 alone, 1 is L1 + GAN. The run trains the
pix2pix-edges2mnist networks on that input (MNIST's training split), measures them on the first
3,000 test digits and prints one JSON line (also written beside the run folder in /tmp).
"""
import argparse
import json
import os

import numpy as np

from minigan.data.mnist import load_mnist
from minigan.i2i.data import edges
from minigan.i2i.measure import _apply, pix2pix_metrics
from minigan.i2i.run import train_translation
from minigan.metrics.classifier import load_classifier
from minigan.ops.upsample import upsample_nearest_forward


def _pool(x, reduce):
    n, c, h, w = x.shape
    return reduce(x.reshape(n, c, h // 2, 2, w // 2, 2), axis=(3, 5))


def _up(x):
    return upsample_nearest_forward(x, 2)[0]


VARIANTS = {
    "full": lambda x: edges(x, 0.5),                              # the first operator: thick, unbroken
    "half": lambda x: _up(edges(_pool(x, np.mean), 0.5)),         # edges of the 14x14 digit
    "half25": lambda x: _up(edges(_pool(x, np.mean), 0.25)),
    "halfmax": lambda x: _up(edges(_pool(x, np.max), 0.5)),
    "sparse80": lambda x: edges(x, 0.8),
    "sparse": lambda x: edges(x, 0.9),                            # the preset's choice
}


def grey_share(images):
    """The share of pixels between 0.2 and 0.8 of the way from black to white."""
    g = (images + 1) / 2
    return float(((g > 0.2) & (g < 0.8)).mean())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=sorted(VARIANTS))
    parser.add_argument("gan_weight", type=float)
    parser.add_argument("steps", type=int)
    parser.add_argument("seed", type=int)
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    make = VARIANTS[args.variant]
    train, _ = load_mnist("train", data_dir=args.data_dir)
    test, labels = load_mnist("test", data_dir=args.data_dir)
    test, labels = test[:3000], labels[:3000]
    out = f"/tmp/edge-variants/{args.variant}-g{args.gan_weight:g}-s{args.steps}-seed{args.seed}"
    _, nets, _, seconds = train_translation("pix2pix-edges2mnist", out, steps=args.steps, seed=args.seed,
                                            data=(make(train), train), gan_weight=args.gan_weight,
                                            log=lambda message: None)
    result = pix2pix_metrics(nets["G"], make(test), test, labels, load_classifier("mnist"), test)
    result.update(variant=args.variant, gan=args.gan_weight, steps=args.steps, seed=args.seed,
                  seconds=round(seconds), grey_share_out=grey_share(_apply(nets["G"], make(test))),
                  grey_share_real=grey_share(test))
    with open(out + ".json", "w") as f:
        json.dump(result, f)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
