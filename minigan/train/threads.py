"""How many threads a run's matrix products get.

NumPy's BLAS starts one thread per core and splits every matrix product between them. For the
small products of an MLP on 2D points or a DCGAN on 8x8 digits, the threads spend longer handing
work to each other than multiplying: on a busy 2-core laptop ring8 took 76 s with the default
threads and 13.5 s on one. Only the large convolutions of the 28x28 presets repay every core.
So a run counts the multiply-adds of one sample through G and D and picks one thread below
``LARGE_WORK``, every core above it; ``--threads N`` decides instead.
"""
import os
from contextlib import contextmanager

from .. import rng as _rng
from ..nn.base import Parameter, eval_mode

# multiply-adds per sample through G and D at which all cores start to pay:
# dcgan-mnist does about 6e7, dcgan-digits about 1e6, mlp-mnist 2e6, ring8 3e4.
LARGE_WORK = 10_000_000


def _positions(shape):
    """Spatial positions of an activation: H * W for NCHW images, 1 for flat features."""
    return shape[2] * shape[3] if len(shape) == 4 else 1


def multiply_adds(gan, batch=2):
    """Multiply-adds of one sample through G, then D, counted during a forward pass.

    Each layer's own weights are used once per spatial position: a convolution's output position,
    a transposed convolution's input position (the smaller of the two in both cases). The pass
    runs in eval mode on a small batch (``batch``: a multiple of a PacGAN D's pack) and gives the random generator its state back, so the
    run's numbers stay as they would be without it."""
    counted = []

    def counting(layer, forward):
        def wrapped(x):
            out = forward(x)
            own = sum(v.data.size for v in vars(layer).values() if isinstance(v, Parameter))
            counted.append(own * min(_positions(x.shape), _positions(out.shape)))
            return out
        return wrapped

    layers = [m for net in (gan.G, gan.D) for m in net.modules()]
    for layer in layers:
        layer.forward = counting(layer, layer.forward)
    state = _rng.get_state()
    try:
        with eval_mode(gan.G, gan.D):
            gan.D.forward(gan.G.forward(gan.sample_noise(batch)))
    finally:
        _rng.set_state(state)
        for layer in layers:
            del layer.forward          # the class's own forward again
    return int(sum(counted))


def choose_threads(gan, requested=None, batch=2):
    """``requested`` if given, else 1 for small work and every core for large work."""
    if requested:
        return int(requested)
    return (os.cpu_count() or 1) if multiply_adds(gan, batch) >= LARGE_WORK else 1


@contextmanager
def limited_threads(n):
    """Within the block, BLAS (and OpenMP) use at most ``n`` threads."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=n):
        yield
