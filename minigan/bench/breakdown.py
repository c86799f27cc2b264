"""Where one dcgan-mnist training step spends its time: the whole step, then the same step with
one part switched off at a time, and the layers' own forward and backward passes alone.

A part's cost is the whole step's median minus the median without it. Switching dropout off
changes the numbers D computes but not the work of its convolutions, so the difference is the
cost of drawing and applying the masks.
"""
import time

import minigan
from minigan.backend import get_xp, synchronize
from minigan.nn import Dropout
from minigan.presets import get_preset

from .machine import median_ms
from .steps import PRESET, real_batch


def timed_ms(fn, repeats, warmup=3):
    """Median milliseconds of ``repeats`` calls of fn() after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return median_ms(times)


def build(backend, batch, dropout=True, grad_norms=True, ema=True):
    """The preset's GAN with the parts asked for switched off, and a real batch for it."""
    minigan.seed(0)
    preset = get_preset(PRESET)
    gan = (preset if ema else preset.with_overrides(ema=None)).build(backend)
    gan.grad_norms = grad_norms
    if not dropout:
        for layer in gan.D.modules():
            if isinstance(layer, Dropout):
                layer.p = 0.0
    xp = get_xp(backend)
    return gan, real_batch(batch, xp), xp


def breakdown(backend="numpy", batch=256, repeats=20):
    """[(part, milliseconds)]: the whole step, what each part costs in it, the layers alone."""
    rows = []

    def step_of(**parts):
        gan, real, xp = build(backend, batch, **parts)

        def step():
            gan.step(real)
            synchronize(xp)
        return step

    whole = timed_ms(step_of(), repeats)
    rows.append(("whole step", whole))
    for part, kwargs in (("dropout masks", dict(dropout=False)), ("per-layer gradient norms", dict(grad_norms=False)),
                         ("weight average (EMA)", dict(ema=False))):
        rows.append((f"  of which {part}", whole - timed_ms(step_of(**kwargs), repeats)))

    # The layers alone: G forward + backward once, D forward + backward three times (real, fake,
    # and the G step's pass through D), the passes a step makes, with no optimizer or loss.
    gan, real, xp = build(backend, batch, dropout=False)
    z = gan.sample_noise(batch)

    def layers():
        fake = gan.G.forward(z)
        for x in (real, fake, fake):
            out = gan.D.forward(x)
            gan.D.backward(xp.ones_like(out))
        gan.G.backward(xp.ones_like(fake))
        synchronize(xp)
    rows.append(("layers alone (G 1x, D 3x, fwd + bwd)", timed_ms(layers, repeats)))
    return rows
