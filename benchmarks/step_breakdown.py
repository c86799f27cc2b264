"""Where one dcgan-mnist training step spends its time: the whole step, then the same step with
one part switched off at a time, and the layers' own forward and backward passes alone.

    python benchmarks/step_breakdown.py [--backend numpy|cupy] [--batch 256] [--repeats 20]

A part's cost is the whole step's median minus the median without it. Switching dropout off
changes the numbers D computes but not the work of its convolutions, so the difference is the
cost of drawing and applying the masks. Prints a table; writes nothing.
"""
import argparse
import sys
import time
from pathlib import Path


HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

import minigan  # noqa: E402
from minigan.backend import get_xp, synchronize  # noqa: E402
from minigan.nn import Dropout  # noqa: E402
from minigan.presets import get_preset  # noqa: E402

sys.path.insert(0, str(HERE))
from bench_train_step import real_batch  # noqa: E402
from common import median_ms  # noqa: E402


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
    minigan.seed(0)
    preset = get_preset("dcgan-mnist")
    gan = (preset if ema else preset.with_overrides(ema=None)).build(backend)
    gan.grad_norms = grad_norms
    if not dropout:
        for layer in gan.D.modules():
            if isinstance(layer, Dropout):
                layer.p = 0.0
    xp = get_xp(backend)
    return gan, real_batch(batch, xp), xp


def breakdown(backend="numpy", batch=256, repeats=20):
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    print(f"dcgan-mnist step on {args.backend}, batch {args.batch}, median of {args.repeats} (ms)")
    for name, ms in breakdown(args.backend, args.batch, args.repeats):
        print(f"{name:<40} {ms:8.2f}")


if __name__ == "__main__":
    main()
