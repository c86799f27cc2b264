"""An exponential moving average (EMA) of a model's weights, kept beside the model for sampling.

A GAN's generator never settles: each G step answers the latest D, so its weights circle
around a good solution rather than stopping at it. Averaging the weights over the last
few hundred steps lands nearer the middle of that circle, and samples from the average
are cleaner than samples from the latest G (Yazici et al. 2019, "The Unusual Effectiveness
of Averaging in GAN Training"; Karras et al. 2018, "Progressive Growing of GANs", sec. 4).
Training never reads the average: D always plays against the latest G.

    after each G update:   shadow = beta * shadow + (1 - beta) * weight
    beta at update t:      min(decay, (1 + t) / (10 + t))

The second line is the warm-up of TensorFlow's ``tf.train.ExponentialMovingAverage``
(its ``num_updates``): early on beta is small, so the average forgets the random initial
weights quickly, and it only reaches ``decay`` after ~10 / (1 - decay) updates. Until then the
average spans roughly the last tenth of training.
Buffers (e.g. BatchNorm's running statistics) are not averaged but copied, as in Karras
et al.'s code: they are estimates already.
"""
from contextlib import contextmanager

from .backend import get_array_module, to_backend, to_numpy


class WeightAverage:
    """The averaged weights ("shadow") of ``model``; starts as a copy of its current weights."""

    def __init__(self, model, decay=0.999):
        if not 0.0 < decay < 1.0:
            raise ValueError(f"EMA decay must be in (0, 1), got {decay}")
        self.decay = float(decay)
        self.count = 0   # updates so far; sets the warm-up
        self.shadow = {name: p.data.copy() for name, p in model.named_parameters()}
        self.shadow.update({name: b.copy() for name, b in model.named_buffers()})

    def beta(self, count=None):
        """The weight the old average keeps at update number ``count`` (default: the next one)."""
        t = self.count if count is None else count
        return min(self.decay, (1.0 + t) / (10.0 + t))

    def update(self, model):
        """Move the average towards the model's current weights (call after each G update)."""
        beta = self.beta()
        for name, p in model.named_parameters():
            s = self.shadow[name]
            s *= s.dtype.type(beta)
            s += s.dtype.type(1.0 - beta) * p.data     # in place: the shadow is as big as G
        for name, b in model.named_buffers():
            self.shadow[name][...] = b
        self.count += 1

    @contextmanager
    def applied(self, model):
        """Within the block the model holds the averaged weights; afterwards its own again."""
        saved = model.state_dict()
        model.load_state_dict(self.shadow)
        try:
            yield model
        finally:
            model.load_state_dict(saved)

    # -- checkpoints: the arrays go into the .npz, decay and count into the JSON header ------
    def state_dict(self):
        return {name: to_numpy(a).copy() for name, a in self.shadow.items()}

    def header(self):
        return {"decay": self.decay, "count": self.count}

    def load_state_dict(self, arrays, header):
        if set(arrays) != set(self.shadow):
            raise KeyError(f"EMA state does not fit the model: missing {sorted(set(self.shadow) - set(arrays))}, "
                           f"unexpected {sorted(set(arrays) - set(self.shadow))}")
        for name, value in arrays.items():
            current = self.shadow[name]
            if value.shape != current.shape:
                raise ValueError(f"EMA {name}: expected shape {current.shape}, got {value.shape}")
            xp = get_array_module(current)
            current[...] = xp.asarray(value, dtype=current.dtype)
        self.decay, self.count = float(header["decay"]), int(header["count"])

    def to(self, backend):
        self.shadow = {name: to_backend(a, backend) for name, a in self.shadow.items()}
        return self
