"""Where every random number in minigan comes from: two seeded sources, one ``minigan.seed(n)``.

* Set-up draws (initial weights, the data's order, toy data) come from a NumPy generator on the
  CPU, as before: they happen once, or belong to the data, which starts on the CPU anyway.
* Training draws (G's noise, dropout masks, the penalties' interpolation weights, label noise)
  come from Philox4x32-10 (philox.py), a counter-based generator, and are made on the backend
  where the model lives. A GPU never waits for numbers made on the CPU and copied over, and NumPy
  and CuPy make the same bits, so one seed gives the same run on both.

A training draw is named, not produced from a running state: its Philox key is the seed, its
counter holds the training step and the draw's "site", the number of draws made before it in that
step. ``GAN.step`` calls ``at_step(step)``, so the draws of step k are the same whether the run
got there in one go or was resumed: no per-layer generator state needs saving.

Functions that draw also accept an explicit ``rng`` (a ``numpy.random.Generator``) for callers
who want their own stream; those draws are made on the CPU from that generator.
"""
import numpy as np

from . import philox

_rng = np.random.default_rng(0)
_seed, _step, _site = 0, 0, 0
LOW32 = 0xFFFFFFFF


def seed(n):
    """Reset both sources to a known state."""
    global _rng, _seed, _step, _site
    _rng = np.random.default_rng(int(n))
    _seed, _step, _site = int(n), 0, 0
    return _rng


def get_rng(rng=None):
    """The CPU generator to draw from: the one passed in, else the global one."""
    return _rng if rng is None else rng


def at_step(step):
    """Key the training draws that follow by ``step``, starting again at site 0."""
    global _step, _site
    _step, _site = int(step), 0


def _next_stream():
    """(step, site) for the next draw; each draw takes the next site."""
    global _site
    _site += 1
    return _step, _site - 1


def _key():
    return _seed & LOW32, (_seed >> 32) & LOW32


def uniform(xp, shape, dtype=np.float32):
    """Uniform floats in [0, 1) of ``shape``, made on the backend ``xp`` (numpy or cupy)."""
    return philox.uniform(xp, shape, _key(), _next_stream(), dtype)


def normal(xp, shape, dtype=np.float32):
    """Standard normals of ``shape``, made on the backend ``xp``."""
    return philox.normal(xp, shape, _key(), _next_stream(), dtype)


def keep_mask(xp, shape, p):
    """Booleans of ``shape``, each False with probability ``p`` (a dropout mask), made on ``xp``."""
    return philox.keep_mask(xp, shape, p, _key(), _next_stream())


def integers(xp, high, n):
    """``n`` integers uniform in [0, high), made on ``xp``."""
    return philox.integers(xp, high, n, _key(), _next_stream())


def get_state():
    """Both sources' state, as a JSON-friendly dict (for checkpoints and gradient checks)."""
    return {**_rng.bit_generator.state, "counter": {"seed": _seed, "step": _step, "site": _site}}


def set_state(state):
    """Restore a state saved by get_state() (one without "counter" restores the CPU source alone)."""
    global _seed, _step, _site
    state = dict(state)
    counter = state.pop("counter", None)
    _rng.bit_generator.state = state
    if counter is not None:
        values = [counter.get(k) if isinstance(counter, dict) else None for k in ("seed", "step", "site")]
        if not (all(isinstance(v, int) for v in values) and min(values[1:]) >= 0):
            raise ValueError(f"random state: counter must hold integers seed, step, site (step, site >= 0); "
                             f"got {counter!r}")
        _seed, _step, _site = values
