"""An independent judge for generated digits: a small PyTorch CNN classifier, trained here.

It asks whether `dcgan-mnist` produces recognisable digits: of 1,000 samples, how many the
classifier labels with confidence >= 0.9, which digits appear, and how often.
PyTorch is used on purpose: a judge that shares no code with minigan cannot share its bugs.

    python experiments/dcgan_mnist_judge/judge_mnist.py [--checkpoint runs/X/checkpoint.npz]
        --data-dir ../shared/data/mnist

The classifier is trained on 59,000 of MNIST's 60,000 training images for three epochs and tested
on the other 1,000 and on the 10,000 test images (results/judge.json), then cached next to this
script's results (results/.judge_mnist.pt, not committed).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if __name__ == "__main__":
    sys.path.insert(0, os.path.join(HERE, "..", ".."))     # the checkout's minigan, installed or not


def build(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def train_judge(images, labels, torch, epochs=3, seed=0):
    torch.manual_seed(seed)
    order = np.random.default_rng(seed).permutation(len(images))
    test, train = order[:1000], order[1000:]
    model = build(torch)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.tensor(images), torch.tensor(labels)
    for _ in range(epochs):
        model.train()
        for idx in np.array_split(np.random.default_rng(seed + _).permutation(train), len(train) // 64):
            opt.zero_grad()
            # small random shifts make the judge robust to digits that are not perfectly centred
            batch = torch.roll(x[idx], shifts=tuple(np.random.default_rng(int(idx[0])).integers(-2, 3, 2)), dims=(2, 3))
            loss = torch.nn.functional.cross_entropy(model(batch), y[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        accuracy = float((model(x[test]).argmax(1) == y[test]).float().mean())
    return model, accuracy


def judge(samples, model, torch, asked=None):
    """The judge's verdict on ``samples``; ``asked``: the digits a conditional G was asked for, to count how
    often the judge reads the digit asked for."""
    with torch.no_grad():
        probs = torch.softmax(model(torch.tensor(samples)), 1).numpy()
    label, confidence = probs.argmax(1), probs.max(1)
    counts = np.bincount(label, minlength=10)
    verdict = {"n": len(samples), "confident_fraction": float((confidence >= 0.9).mean()),
               "digit_counts": counts.tolist(), "digits_present": int((counts > 0).sum()),
               "largest_digit_share": float(counts.max() / len(samples))}
    if asked is not None:
        verdict["reads_digit_asked"] = float((label == asked).mean())
    return verdict


CACHE = os.path.join(HERE, "results", ".judge_mnist.pt")


def confident_share(model, images, torch, threshold=0.9):
    """The share of ``images`` the judge labels with confidence >= threshold, and its accuracy on them."""
    with torch.no_grad():
        probs = torch.cat([torch.softmax(model(torch.tensor(images[i:i + 1000])), 1)
                           for i in range(0, len(images), 1000)]).numpy()
    return float((probs.max(1) >= threshold).mean()), probs.argmax(1)


def train_and_cache(data_dir, torch):
    """Train the judge on MNIST's training split, cache it, and measure it on the 10,000 test digits."""
    from minigan.data.mnist import load_mnist
    images, labels = load_mnist("train", data_dir=data_dir, download=False)
    t = time.time()
    model, accuracy = train_judge(images, labels, torch)
    wall = time.time() - t
    test_images, test_labels = load_mnist("test", data_dir=data_dir, download=False)
    share, predicted = confident_share(model, test_images, torch)
    report = {"trained_on": f"MNIST training split, {len(images) - 1000} images (1,000 held out)",
              "train_wall_s": round(wall), "held_out_accuracy": accuracy,
              "test_accuracy": float((predicted == test_labels).mean()), "test_confident_share": share}
    print(json.dumps(report, indent=1))
    torch.save(model.state_dict(), CACHE)
    with open(os.path.join(HERE, "results", "judge.json"), "w") as f:
        json.dump(report, f, indent=1)
    return model


def load_judge(torch, data_dir=None):
    """The cached judge; trained first (a few minutes on one core) if there is none."""
    if not os.path.exists(CACHE):
        return train_and_cache(data_dir, torch)
    model = build(torch)
    model.load_state_dict(torch.load(CACHE))
    model.eval()
    return model


def main(argv=None):
    import torch
    from minigan.backend import to_numpy
    from minigan.train import load_gan
    import minigan

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="judge this run (without it: only train the judge, if not cached)")
    parser.add_argument("--data-dir")
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the result here")
    parser.add_argument("--no-ema", action="store_true", help="judge G's last weights, not their moving average")
    args = parser.parse_args(argv)
    model = load_judge(torch, args.data_dir)
    if args.checkpoint is None:
        return None

    gan, header, _ = load_gan(args.checkpoint)
    if args.no_ema:
        gan.ema = None   # generate() then draws from G's last weights
    minigan.seed(args.seed)
    gan.G.eval()
    samples = np.concatenate([to_numpy(gan.generate(200)) for _ in range(args.n // 200)]).astype(np.float32)
    result = {"checkpoint": args.checkpoint, "step": header["step"],
              "weights": "last" if args.no_ema or gan.ema is None else "moving average (EMA)",
              **judge(samples, model, torch)}
    print(json.dumps(result, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()
