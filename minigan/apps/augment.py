"""Data augmentation with a conditional GAN: does a classifier trained on 100 digits per class get
better when a cGAN's samples are added to its training set?

The comparison is fair only if both sides spend the same labelled data. The cGAN needs labels
(it draws "a 7" on request), so it is trained on the SAME small labelled subset as the classifier,
and nothing else: the GAN-augmented classifier sees no label, and no image, that the plain one
does not. (A GAN could also learn from unlabelled images, in a semi-supervised set-up; that is
another experiment.) Every classifier is trained for about the same number of optimizer steps, so
a bigger training set does not also buy more training.

Beside "real" and "real + cGAN" we train on "cGAN only" (the classification accuracy score of
Ravuri & Vinyals 2019: how well do G's samples stand in for real data?) and on "real + shifts",
the classic augmentation: each real image moved by up to 2 pixels -- the yardstick a GAN must beat.
"""
import numpy as np

from ..backend import to_numpy
from ..metrics.classifier import train_classifier
from .training import cdcgan_mnist_bn, per_class, train_gan, train_in_memory


def generated_set(gan, n_per_class, seed, n_classes=10, chunk=500):
    """``n_per_class`` samples of each class from a conditional GAN in eval mode: (images, labels).
    The noise comes from a generator seeded with ``seed``, not from minigan's global one."""
    labels = np.repeat(np.arange(n_classes), n_per_class)
    saved, gan.rng = gan.rng, np.random.default_rng(seed)
    gan.G.eval()
    try:
        images = [to_numpy(gan.generate(z=gan.sample_noise(len(labels[i:i + chunk]), labels[i:i + chunk])))
                  for i in range(0, len(labels), chunk)]
    finally:
        gan.rng = saved
    return np.concatenate(images).astype(np.float32), labels


def shifted_copies(images, labels, copies, seed, max_shift=2):
    """``copies`` versions of every image, each moved by a random whole number of pixels (up to
    ``max_shift`` each way, independently along x and y); the uncovered border is background (-1)."""
    rng = np.random.default_rng(seed)
    n, c, h, w = images.shape
    r = max_shift
    padded = np.pad(images, ((0, 0), (0, 0), (r, r), (r, r)), constant_values=-1.0)
    out = np.empty((copies * n, c, h, w), images.dtype)
    for k in range(copies):
        dy, dx = rng.integers(-r, r + 1, (2, n))
        for i in range(n):
            out[k * n + i] = padded[i, :, r + dy[i]:r + dy[i] + h, r + dx[i]:r + dx[i] + w]
    return out, np.tile(labels, copies)


def train_and_test(x, y, test_x, test_y, steps, seed, batch_size=64):
    """Train minigan's classifier for about ``steps`` Adam steps (whole epochs) on (x, y); returns
    (accuracy on the test images, steps actually taken)."""
    per_epoch = len(x) // batch_size
    epochs = max(1, round(steps / per_epoch))
    clf = train_classifier(x, y, epochs=epochs, batch_size=batch_size, seed=seed, log=lambda msg: None)
    return clf.accuracy(test_x, test_y), epochs * per_epoch


ARMS = ("real", "real + cGAN", "real + shifts", "cGAN only")


def augmentation_run(train_x, train_y, test_x, test_y, seed, work_dir=None, per_class_n=100, gan_steps=1500,
                     clf_steps=1000, extra_per_class=400, judge=None, cgan=None, log=print):
    """One seed of the experiment: a labelled subset (``per_class_n`` per class, drawn with ``seed``
    from the training part), a cGAN trained on it, and one classifier per arm, tested on the
    held-out images. ``extra_per_class`` generated (or shifted) images per class are added.
    ``judge`` (a Classifier) measures the label agreement of the generated samples. ``cgan``: a
    preset name (trained by minigan.train.Run into ``work_dir``) or a Preset object (trained in
    memory); by default cdcgan-mnist with BatchNorm in G (see training.cdcgan_mnist_bn).
    Returns (a dict: accuracy and steps per arm, label agreement, sizes; the generated set; the cGAN)."""
    idx = per_class(train_y, per_class_n, seed)
    x, y = train_x[idx], train_y[idx]
    cgan = cgan or cdcgan_mnist_bn()
    if isinstance(cgan, str):
        gan, _ = train_gan(cgan, x, y, f"{work_dir}/{cgan}-seed{seed}", gan_steps, seed=seed)
    else:
        gan = train_in_memory(cgan, x, y, gan_steps, seed=seed)
    gx, gy = generated_set(gan, extra_per_class, seed)
    sx, sy = shifted_copies(x, y, extra_per_class // per_class_n, seed)
    sets = {"real": (x, y), "real + cGAN": (np.concatenate([x, gx]), np.concatenate([y, gy])),
            "real + shifts": (np.concatenate([x, sx]), np.concatenate([y, sy])), "cGAN only": (gx, gy)}
    result = {"seed": seed, "labelled": len(x), "generated": len(gx), "accuracy": {}, "steps": {}}
    for arm in ARMS:
        result["accuracy"][arm], result["steps"][arm] = train_and_test(*sets[arm], test_x, test_y, clf_steps, seed)
        log(f"seed {seed}: {arm:14} accuracy {100 * result['accuracy'][arm]:.2f} % "
            f"({len(sets[arm][0])} images, {result['steps'][arm]} steps)")
    if judge is not None:
        result["label_agreement"] = judge.accuracy(gx, gy)
    return result, (gx, gy), gan


def mean_and_standard_error(values):
    values = np.asarray(values, dtype=np.float64)
    se = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else float("nan")
    return float(values.mean()), float(se)


def summarise(runs):
    """Mean and standard error over the seeds of each arm's accuracy, and of each arm's gain over
    "real" (paired by seed: the same subset, the same classifier seed)."""
    table = {}
    for arm in ARMS:
        acc = [r["accuracy"][arm] for r in runs]
        gain = [r["accuracy"][arm] - r["accuracy"]["real"] for r in runs]
        table[arm] = {"accuracy": mean_and_standard_error(acc), "gain_over_real": mean_and_standard_error(gain)}
    return table
