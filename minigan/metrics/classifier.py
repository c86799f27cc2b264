"""The small CNNs whose eyes the image metrics use, built and trained with minigan itself.

    python -m minigan.metrics.classifier --dataset mnist --data-dir ../shared/data/mnist
    python -m minigan.metrics.classifier --dataset fashion-mnist
    python -m minigan.metrics.classifier --dataset digits

trains one with its recorded recipe (RECIPES below) and writes
``minigan/assets/classifier_<dataset>.npz`` (weights) and ``.json`` (how it was made and how well
it does). MNIST and Fashion-MNIST classifiers train on the 60,000-image training split and are
tested on the 10,000-image test split, which is also the real data the image metrics compare
generated images with: the classifier never saw those images. scikit-learn's 1,797 8x8 digits
have no official split: the classifier trains on the first 1,397 and the last 400 are held out.

FCD, precision, recall and coverage are distances between these features, so a retrained
classifier moves every one of those figures: compare figures measured with one classifier only
(its .json's accuracy and command say which).

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
# The digits have no official test split: their last 400 images are held out. MNIST's test file
# is cut the same way (last 2,000) where only it is at hand, e.g. for the applications' studies.
HELD_OUT = {"mnist": 2000, "fashion-mnist": 2000, "digits": 400}
IMAGE_SIZE = {"mnist": 28, "fashion-mnist": 28, "digits": 8}
# Each shipped classifier's recipe. The rate is multiplied by lr_decay after every epoch, so a run
# stopped after k epochs is exactly the run of k epochs. Shifts move each training image by up to
# that many pixels (the border filled with background); flips mirror half of them left-right,
# which keeps a garment a garment but would not keep a digit a digit.
RECIPES = {
    "mnist": {"epochs": 6, "batch_size": 64, "lr": 1e-3, "lr_decay": 0.5, "shift": 2, "flip": False},
    "fashion-mnist": {"epochs": 8, "batch_size": 64, "lr": 1e-3, "lr_decay": 0.6, "shift": 1, "flip": True},
    "digits": {"epochs": 40, "batch_size": 64, "lr": 1e-3, "lr_decay": 1.0, "shift": 0, "flip": False},
}


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


def augment(images, rng, shift=0, flip=False):
    """A randomly moved (and, with ``flip``, randomly mirrored) copy of a batch (N, C, H, W).

    Draws nothing when there is nothing to do, so a recipe without augmentation sees exactly the
    random numbers it always did."""
    if not shift and not flip:
        return images
    n, _, h, w = images.shape
    out = images.copy()
    if shift:
        # pad with the background value (-1), then cut each image's window at a random offset
        padded = np.pad(images, ((0, 0), (0, 0), (shift, shift), (shift, shift)), constant_values=-1)
        dy, dx = rng.integers(0, 2 * shift + 1, size=(2, n))
        for i in range(n):
            out[i] = padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w]
    if flip:
        mirror = rng.random(n) < 0.5
        out[mirror] = out[mirror][..., ::-1]
    return out


def train_classifier(images, labels, epochs=5, batch_size=64, lr=1e-3, lr_decay=1.0, shift=0, flip=False,
                     seed=0, log=print, after_epoch=None):
    """Adam on the softmax cross-entropy; ``after_epoch(epoch, classifier, seconds)`` is called after
    each epoch with the seconds spent training so far (e.g. to test and save the classifier)."""
    seed_all(seed)
    size = images.shape[-1]
    model = build_classifier(size=size)
    opt = Adam(model.parameters(), lr=lr, betas=(0.9, 0.999))
    rng = get_rng()
    seconds = 0.0
    for epoch in range(epochs):
        start = time.perf_counter()
        opt.lr = lr * lr_decay ** epoch
        model.train()     # after_epoch's Classifier put it in eval mode
        order = rng.permutation(len(images))
        losses = []
        for i in range(0, len(order) - batch_size + 1, batch_size):
            idx = order[i:i + batch_size]
            model.zero_grad()
            logits = model.forward(augment(images[idx], rng, shift, flip)).astype(np.float64)
            loss, dlogits = softmax_cross_entropy(logits, labels[idx])
            model.backward(dlogits.astype(np.float32))
            opt.step()
            losses.append(loss)
        seconds += time.perf_counter() - start
        log(f"epoch {epoch + 1}/{epochs}: mean loss {np.mean(losses):.4f} (lr {opt.lr:.2e}, {seconds:.0f} s)")
        if after_epoch is not None:
            after_epoch(epoch + 1, Classifier(model, size=size), seconds)
    return Classifier(model, size=size)


def load_splits(dataset, data_dir=None):
    """((train images, labels), (test images, labels), how they were cut) for a classifier.

    MNIST and Fashion-MNIST need their training split; the test split is never trained on."""
    if dataset == "digits":
        from ..data.digits import load_digits
        train, test = split(*load_digits(), "digits")
        return train, test, {"trained_on": f"scikit-learn's 8x8 digits: the first {len(train[0])}",
                             "tested_on": f"the last {len(test[0])} (held out)"}
    from ..data.mnist import load_fashion_mnist, load_mnist
    load = load_mnist if dataset == "mnist" else load_fashion_mnist
    train, test = load("train", data_dir=data_dir, download=False), load("test", data_dir=data_dir, download=False)
    return train, test, {"trained_on": f"the train split ({len(train[0])} images)",
                         "tested_on": f"the test split ({len(test[0])} images)"}


def save_classifier(clf, info, out_dir=ASSETS):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"classifier_{info['dataset']}.npz"
    np.savez_compressed(path, **clf.model.state_dict())
    path.with_suffix(".json").write_text(json.dumps(info, indent=1) + "\n")
    return path


def _command(dataset, recipe):
    """The command that remakes a classifier: the data set and its recipe, spelt out."""
    flip = "--flip" if recipe["flip"] else "--no-flip"
    return (f"python -m minigan.metrics.classifier --dataset {dataset} --epochs {recipe['epochs']} "
            f"--lr-decay {recipe['lr_decay']} --shift {recipe['shift']} {flip}")


def main(argv=None):
    ap = argparse.ArgumentParser(description="train the metrics' classifier and write it to minigan/assets")
    ap.add_argument("--dataset", choices=sorted(RECIPES), default="mnist")
    ap.add_argument("--data-dir", help="the folder holding the IDX files (default: where minigan looks)")
    ap.add_argument("--epochs", type=int, help="default: the dataset's recipe (as are the next three)")
    ap.add_argument("--lr-decay", type=float, help="factor on the learning rate after each epoch")
    ap.add_argument("--shift", type=int, help="move training images by up to this many pixels")
    ap.add_argument("--flip", action=argparse.BooleanOptionalAction, help="mirror half the training images")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ASSETS), help="folder to write the classifier to (default: %(default)s)")
    args = ap.parse_args(argv)
    from ..data.mnist import DatasetNotFound
    try:
        (x, y), (x_test, y_test), cut = load_splits(args.dataset, args.data_dir)
    except DatasetNotFound as err:
        ap.exit(2, f"{err}\n")
    chosen = {"epochs": args.epochs, "lr_decay": args.lr_decay, "shift": args.shift, "flip": args.flip}
    recipe = dict(RECIPES[args.dataset], **{k: v for k, v in chosen.items() if v is not None})
    accuracy_key = "held_out_accuracy" if args.dataset == "digits" else "test_accuracy"

    def test_and_save(epoch, clf, seconds):
        # saved after every epoch: an interrupted run leaves the classifier of its last whole epoch
        info = {"dataset": args.dataset, **cut, **dict(recipe, epochs=epoch), "seed": args.seed,
                accuracy_key: clf.accuracy(x_test, y_test), "train_seconds": round(seconds, 1),
                "made_by": _command(args.dataset, dict(recipe, epochs=epoch))}
        path = save_classifier(clf, info, args.out)
        print(f"  {accuracy_key.replace('_', ' ')} {info[accuracy_key]:.4f}; wrote {path} and its .json", flush=True)

    train_classifier(x, y, seed=args.seed, after_epoch=test_and_save, **recipe)


if __name__ == "__main__":
    main()
