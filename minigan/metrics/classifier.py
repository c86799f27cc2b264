"""The small CNN whose eyes the image metrics use, built and trained with minigan itself.

    python -m minigan.metrics.classifier --dataset mnist --data-dir ../shared/data/mnist

trains it and writes ``minigan/assets/classifier_<dataset>.npz`` (weights) and ``.json`` (how it
was made: data, split, epochs, held-out accuracy). With only MNIST's 10,000 test images at hand,
it trains on the first 8,000 and the last 2,000 are held out: they measure its accuracy and are
the "held-out real" images the metrics compare generated ones with.

Architecture: Conv(1->32, 5, s2) - LeakyReLU - Conv(32->64, 5, s2) - LeakyReLU - Flatten -
Dense(3136->64) - LeakyReLU [the 64 features] - Dense(64->10) [class logits].
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np

from .. import nn
from ..backend import backend_of, to_backend, to_numpy
from ..optim import Adam
from ..rng import get_rng, seed as seed_all

ASSETS = Path(__file__).resolve().parents[1] / "assets"
HELD_OUT = 2000          # the last 2,000 images of the file are never trained on


def build_classifier(backend=None):
    features = nn.Sequential(
        nn.Conv2d(1, 32, 5, stride=2, padding="same", backend=backend), nn.LeakyReLU(0.2),    # 14x14
        nn.Conv2d(32, 64, 5, stride=2, padding="same", backend=backend), nn.LeakyReLU(0.2),   # 7x7
        nn.Flatten(), nn.Dense(64 * 7 * 7, 64, backend=backend), nn.LeakyReLU(0.2))
    return nn.Sequential(features, nn.Dense(64, 10, backend=backend))


def softmax(logits):
    z = logits - logits.max(axis=1, keepdims=True)      # shift: exp never overflows
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits, labels):
    """Mean -log p(label | x), and its gradient w.r.t. the logits: (softmax - one_hot) / N."""
    p = softmax(logits)
    n = len(labels)
    loss = -np.log(p[np.arange(n), labels] + 1e-12).mean()
    grad = p.copy()
    grad[np.arange(n), labels] -= 1
    return float(loss), grad / n


class Classifier:
    """A trained classifier: ``probs(x)`` and ``features(x)`` for images (N, 1, 28, 28) in [-1, 1]."""

    def __init__(self, model, info=None):
        self.model, self.info = model.eval(), info or {}

    def _run(self, x, upto, batch_size=500):
        x = np.asarray(to_numpy(x), dtype=np.float32)
        if x.ndim != 4 or x.shape[1:] != (1, 28, 28):
            raise ValueError(f"the classifier takes images of shape (N, 1, 28, 28), got {x.shape}")
        where = backend_of(self.model.parameters()[0].data)   # the images go to the weights' backend
        outs = [to_numpy(upto(to_backend(x[i:i + batch_size], where))) for i in range(0, len(x), batch_size)]
        return np.concatenate(outs).astype(np.float64)

    def features(self, x):
        return self._run(x, self.model[0].forward)

    def logits(self, x):
        return self._run(x, self.model.forward)

    def probs(self, x):
        return softmax(self.logits(x))

    def accuracy(self, x, labels):
        return float((self.logits(x).argmax(axis=1) == np.asarray(labels)).mean())


def load_classifier(dataset="mnist"):
    path = ASSETS / f"classifier_{dataset}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"no shipped classifier for {dataset!r} ({path} is missing); train one with "
                                f"python -m minigan.metrics.classifier --dataset {dataset}")
    model = build_classifier()
    with np.load(path) as state:
        model.load_state_dict(dict(state))
    info_path = path.with_suffix(".json")
    info = json.loads(info_path.read_text()) if info_path.is_file() else {}
    return Classifier(model, info)


def split(images, labels):
    """(train, held-out) by position: the held-out part is the file's last HELD_OUT images."""
    return (images[:-HELD_OUT], labels[:-HELD_OUT]), (images[-HELD_OUT:], labels[-HELD_OUT:])


def train_classifier(images, labels, epochs=5, batch_size=64, lr=1e-3, seed=0, log=print):
    seed_all(seed)
    model = build_classifier()
    opt = Adam(model.parameters(), lr=lr, betas=(0.9, 0.999))
    rng = get_rng()
    for epoch in range(epochs):
        order = rng.permutation(len(images))
        losses = []
        for i in range(0, len(order) - batch_size + 1, batch_size):
            idx = order[i:i + batch_size]
            model.zero_grad()
            loss, dlogits = softmax_cross_entropy(model.forward(images[idx]).astype(np.float64), labels[idx])
            model.backward(dlogits.astype(np.float32))
            opt.step()
            losses.append(loss)
        log(f"epoch {epoch + 1}/{epochs}: mean loss {np.mean(losses):.4f}")
    return Classifier(model)


def main(argv=None):
    from ..data.mnist import load_fashion_mnist, load_mnist
    ap = argparse.ArgumentParser(description="train the metrics' classifier and write it to minigan/assets")
    ap.add_argument("--dataset", choices=["mnist", "fashion-mnist"], default="mnist")
    ap.add_argument("--data-dir")
    ap.add_argument("--split", default="test", help="which file to read (test: the 10,000 images)")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    load = load_mnist if args.dataset == "mnist" else load_fashion_mnist
    images, labels = load(args.split, data_dir=args.data_dir, download=False)
    (x, y), (x_held, y_held) = split(images, labels)
    start = time.perf_counter()
    clf = train_classifier(x, y, epochs=args.epochs, seed=args.seed)
    info = {"dataset": args.dataset, "file": f"{args.split} split ({len(images)} images)",
            "trained_on": f"its first {len(x)} images", "held_out": f"its last {len(x_held)} images",
            "epochs": args.epochs, "seed": args.seed, "held_out_accuracy": clf.accuracy(x_held, y_held),
            "train_seconds": round(time.perf_counter() - start, 1),
            "made_by": "python -m minigan.metrics.classifier"}
    ASSETS.mkdir(exist_ok=True)
    path = ASSETS / f"classifier_{args.dataset}.npz"
    np.savez_compressed(path, **clf.model.state_dict())
    path.with_suffix(".json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"held-out accuracy {info['held_out_accuracy']:.4f}; wrote {path} and its .json")


if __name__ == "__main__":
    main()
