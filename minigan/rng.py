"""One seeded random generator that every random draw in minigan flows from.

``minigan.seed(n)`` makes a run reproducible; functions that draw also accept an
explicit ``rng`` (a ``numpy.random.Generator``) for callers who want their own stream.
Draws are made on the CPU and moved to the GPU when needed, so one seed gives the
same numbers on both backends.
"""
import numpy as np

_rng = np.random.default_rng(0)


def seed(n):
    """Reset the global generator to a known state."""
    global _rng
    _rng = np.random.default_rng(int(n))
    return _rng


def get_rng(rng=None):
    """The generator to draw from: the one passed in, else the global one."""
    return _rng if rng is None else rng


def get_state():
    """The global generator's state, as a JSON-friendly dict (for checkpoints)."""
    return _rng.bit_generator.state


def set_state(state):
    """Restore the global generator's state saved by get_state()."""
    _rng.bit_generator.state = state
