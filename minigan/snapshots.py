"""The pictures a training run leaves behind, drawn with minigan.viz.

2D runs: frames of the GAN-Lab-style field (D's opinion as a heat map, real and
generated points, and the gradient G receives as arrows), the last one as
field.png, all of them as training.gif. Image runs: a grid of samples from the
same fixed noise at every snapshot, and samples.gif. Both: curves.png from metrics.csv.
"""
import glob
import os

from . import viz
from .backend import to_backend, to_numpy
from .nn.base import eval_mode

GIF_FRAMES, GIF_SIDE = 40, 400     # a GIF of at most 40 frames, 400 pixels on its longer side (~1.5 MB)


def generator_arrows(gan, fake):
    """Minus G's loss gradient at each generated point: the direction D tells G to move it."""
    logits = gan.D.forward(fake)
    _, dlogits = gan.objective.g(logits)
    dfake = gan.D.backward(dlogits)
    gan.D.zero_grad()   # these parameter gradients belong to nobody; drop them
    return -to_numpy(dfake)


def d_opinion(gan):
    """A function the heat map can call: NumPy points in, D's output (probability or score) out."""
    def d_fn(points):
        logits = gan.D.forward(to_backend(points, gan.backend))
        return to_numpy(gan.objective.d_output(logits)).ravel()
    return d_fn


def snapshot(run):
    """Draw the current state of a run; returns the fixed-noise samples (NumPy) for diagnostics."""
    gan = run.gan
    with eval_mode(gan.G, gan.D):
        with gan.averaged():   # the weights a user will sample from (the average, if the GAN keeps one)
            fake = gan.G.forward(run.fixed_noise if run.stream.steps_per_epoch else gan.sample_noise(500))
        samples = to_numpy(gan.images(fake))
        if samples.ndim == 2 and samples.shape[1] == 2:
            frame = os.path.join(run.out, "frames", f"field_{run.step:07d}.png")
            viz.save_field(frame, run._reference, samples, d_fn=d_opinion(gan),
                           arrows=generator_arrows(gan, fake), title=f"step {run.step}")
        else:
            name = (f"epoch_{run.stream.epoch + 1:03d}" if run.preset.epochs else f"step_{run.step:07d}")
            viz.save_image_grid(samples, os.path.join(run.out, "samples", f"{name}.png"), nrow=8,
                                scale=max(1, 112 // samples.shape[-1]))
    return samples


def finish(run):
    """Curves, the last frame under a plain name, and the GIF of all frames."""
    viz.plot_curves(run.metrics_path, os.path.join(run.out, "curves.png"))
    for folder, last, gif in (("frames", "field.png", "training.gif"), ("samples", "samples.png", "samples.gif")):
        frames = sorted(glob.glob(os.path.join(run.out, folder, "*.png")))
        if frames:
            with open(frames[-1], "rb") as src, open(os.path.join(run.out, last), "wb") as dst:
                dst.write(src.read())
            viz.save_gif(frames, os.path.join(run.out, gif), duration_ms=150, max_frames=GIF_FRAMES,
                         max_side=GIF_SIDE)
