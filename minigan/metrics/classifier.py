"""The small CNNs whose eyes the image metrics use, built and trained with minigan itself.

    python -m minigan.metrics.classifier --dataset mnist --data-dir ../shared/data/mnist
    python -m minigan.metrics.classifier --dataset digits --epochs 40

trains one and writes ``minigan/assets/classifier_<dataset>.npz`` (weights) and ``.json`` (how it
was made: data, split, epochs, held-out accuracy). With only MNIST's 10,000 test images at hand,
it trains on the first 8,000 and the last 2,000 are held out: they measure its accuracy and are
the "held-out real" images the metrics compare generated ones with. scikit-learn's 1,797 8x8
digits are split the same way, their last 400 held out.

Architecture (28x28): Conv(1->32, 5, s2) - LeakyReLU - Conv(32->64, 5, s2) - LeakyReLU - Flatten -
Dense(3136->64) - LeakyReLU [the 64 features] - Dense(64->10) [class logits]. The 8x8 digits get
the same with kernel 4, stride 2, padding 1 (8x8 -> 4x4 -> 2x2), and Dense(256->64).
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
HELD_OUT = {"mnist": 2000, "fashion-mnist": 2000, "digits": 400}   # the file's last images, never trained on
IMAGE_SIZE = {"mnist": 28, "fashion-mnist": 28, "digits": 8}


def build_classifier(backend=None, size=28):
    """The classifier for grey ``size`` x ``size`` images (28 or 8)."""
    if size == 8:
        convs = [nn.Conv2d(1, 32, 4, stride=2, padding=1, backend=backend), nn.LeakyReLU(0.2),     # 4x4
                 nn.Conv2d(32, 64, 4, stride=2, padding=1, backend=backend), nn.LeakyReLU(0.2)]    # 2x2
        flat = 64 * 2 * 2
    else:
        convs = [nn.Conv2d(1, 32, 5, stride=2, padding="same", backend=backend), nn.LeakyReLU(0.2),    # 14x14
                 nn.Conv2d(32, 64, 5, stride=2, padding="same", backend=backend), nn.LeakyReLU(0.2)]   # 7x7
        flat = 64 * 7 * 7
    features = nn.Sequential(*convs, nn.Flatten(), nn.Dense(flat, 64, backend=backend), nn.LeakyReLU(0.2))
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
    """A trained classifier: ``probs(x)`` and ``features(x)`` for images (N, 1, size, size) in [-1, 1]."""

    def __init__(self, model, info=None, size=28):
        self.model, self.info, self.size = model.eval(), info or {}, size

    def _run(self, x, upto, batch_size=500):
        x = np.asarray(to_numpy(x), dtype=np.float32)
        shape = (1, self.size, self.size)
        if x.ndim != 4 or x.shape[1:] != shape:
            raise ValueError(f"the classifier takes images of shape (N, {', '.join(map(str, shape))}), got {x.shape}")
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
    size = IMAGE_SIZE.get(dataset, 28)
    model = build_classifier(size=size)
    with np.load(path) as state:
        model.load_state_dict(dict(state))
    info_path = path.with_suffix(".json")
    info = json.loads(info_path.read_text()) if info_path.is_file() else {}
    return Classifier(model, info, size)


def split(images, labels, dataset="mnist"):
    """(train, held-out) by position: the held-out part is the file's last HELD_OUT[dataset] images."""
    n = HELD_OUT[dataset]
    return (images[:-n], labels[:-n]), (images[-n:], labels[-n:])


def train_classifier(images, labels, epochs=5, batch_size=64, lr=1e-3, seed=0, log=print):
    seed_all(seed)
    size = images.shape[-1]
    model = build_classifier(size=size)
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
    return Classifier(model, size=size)


def load_for_classifier(dataset, split_name="test", data_dir=None):
    """(images, labels, where they came from): the file a classifier is trained and held out on."""
    if dataset == "digits":
        from ..data.digits import load_digits
        images, labels = load_digits()
        return images, labels, f"scikit-learn's 8x8 digits ({len(images)} images)"
    from ..data.mnist import load_fashion_mnist, load_mnist
    load = load_mnist if dataset == "mnist" else load_fashion_mnist
    images, labels = load(split_name, data_dir=data_dir, download=False)
    return images, labels, f"{split_name} split ({len(images)} images)"


def main(argv=None):
    ap = argparse.ArgumentParser(description="train the metrics' classifier and write it to minigan/assets")
    ap.add_argument("--dataset", choices=sorted(HELD_OUT), default="mnist")
    ap.add_argument("--data-dir")
    ap.add_argument("--split", default="test", help="which file to read (test: the 10,000 images)")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    images, labels, source = load_for_classifier(args.dataset, args.split, args.data_dir)
    (x, y), (x_held, y_held) = split(images, labels, args.dataset)
    start = time.perf_counter()
    clf = train_classifier(x, y, epochs=args.epochs, seed=args.seed)
    info = {"dataset": args.dataset, "file": source,
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
