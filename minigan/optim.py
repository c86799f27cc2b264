"""Optimizers: they read each Parameter's .grad and update its .data in place.

This is the only place weights change. Slots (momentum, Adam's moments) are
arrays on the parameter's own backend, updated in place to avoid temporaries.
"""
import math

import numpy as np

from .backend import get_array_module, to_numpy


class Optimizer:
    """Holds a list of parameters, their per-parameter slots and a step counter."""

    slot_names = ()

    def __init__(self, params, lr):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if lr <= 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        self.lr = float(lr)
        self.t = 0
        self.slots = {name: [get_array_module(p.data).zeros_like(p.data) for p in self.params]
                      for name in self.slot_names}

    def zero_grad(self):
        for p in self.params:
            p.zero_grad()

    def step(self):
        self.t += 1
        for i, p in enumerate(self.params):
            self.update(i, p)

    def update(self, i, p):
        raise NotImplementedError

    def hyperparameters(self):
        return {"lr": self.lr}

    def state_dict(self):
        """Hyper-parameters, step count and every slot as NumPy arrays (keys "m.0", "v.3", ...)."""
        arrays = {f"{name}.{i}": to_numpy(a).copy() for name, slots in self.slots.items()
                  for i, a in enumerate(slots)}
        return {"type": type(self).__name__, "t": self.t, "hyper": self.hyperparameters(), "slots": arrays}

    def load_state_dict(self, state):
        if state["type"] != type(self).__name__:
            raise ValueError(f"state is for {state['type']}, not {type(self).__name__}")
        for name, slots in self.slots.items():
            for i, a in enumerate(slots):
                value = np.asarray(state["slots"][f"{name}.{i}"])
                if value.shape != a.shape:
                    raise ValueError(f"optimizer slot {name}.{i}: expected shape {a.shape}, got {value.shape}")
                a[...] = get_array_module(a).asarray(value, dtype=a.dtype)
        self.t = int(state["t"])
        for key, value in state["hyper"].items():
            setattr(self, key, tuple(value) if isinstance(value, list) else value)


class SGD(Optimizer):
    """p -= lr * g, or with momentum mu: v = mu v + g; p -= lr * v (PyTorch's form)."""

    slot_names = ("velocity",)

    def __init__(self, params, lr=0.01, momentum=0.0):
        super().__init__(params, lr)
        self.momentum = float(momentum)

    def update(self, i, p):
        if self.momentum == 0.0:
            p.data -= self.lr * p.grad
            return
        v = self.slots["velocity"][i]
        v *= self.momentum
        v += p.grad
        p.data -= self.lr * v

    def hyperparameters(self):
        return {"lr": self.lr, "momentum": self.momentum}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with the DCGAN defaults lr 2e-4, betas (0.5, 0.999).

    Radford et al. (2015) found beta1 = 0.9 made training oscillate; 0.5 steadied it.

        m = b1 m + (1 - b1) g            v = b2 v + (1 - b2) g^2
        p -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)
    """

    slot_names = ("m", "v")

    def __init__(self, params, lr=2e-4, betas=(0.5, 0.999), eps=1e-8):
        super().__init__(params, lr)
        self.betas, self.eps = tuple(float(b) for b in betas), float(eps)

    def update(self, i, p):
        b1, b2 = self.betas
        m, v, g = self.slots["m"][i], self.slots["v"][i], p.grad
        xp = get_array_module(v)
        # Every line works in place on m, v or one scratch array `tmp`: the same arithmetic as
        # the docstring, without a fresh temporary per operator (G's dense weight alone has
        # 1.25M entries, and each temporary is another pass through memory).
        m *= b1
        tmp = xp.multiply(g, 1 - b1)
        m += tmp                                  # m = b1 m + (1 - b1) g
        v *= b2
        xp.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        v += tmp                                  # v = b2 v + (1 - b2) g^2
        xp.sqrt(v, out=tmp)
        tmp *= 1.0 / math.sqrt(1 - b2 ** self.t)  # bias-correct v (a Python float: no float64 pass)
        tmp += self.eps
        xp.divide(m, tmp, out=tmp)
        tmp *= self.lr / (1 - b1 ** self.t)       # bias-correct m, folded into the step size
        p.data -= tmp

    def hyperparameters(self):
        return {"lr": self.lr, "betas": list(self.betas), "eps": self.eps}


class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton 2012): v = a v + (1 - a) g^2; p -= lr g / (sqrt(v) + eps).

    The default lr 5e-5 is the WGAN paper's (Arjovsky et al. 2017), which avoided
    momentum-based optimizers for the critic.
    """

    slot_names = ("square_avg",)

    def __init__(self, params, lr=5e-5, alpha=0.99, eps=1e-8):
        super().__init__(params, lr)
        self.alpha, self.eps = float(alpha), float(eps)

    def update(self, i, p):
        v, g = self.slots["square_avg"][i], p.grad
        v *= self.alpha
        v += (1 - self.alpha) * (g * g)
        xp = get_array_module(v)
        p.data -= self.lr * (g / (xp.sqrt(v) + self.eps))

    def hyperparameters(self):
        return {"lr": self.lr, "alpha": self.alpha, "eps": self.eps}


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def make_optimizer(name, params, **kwargs):
    if name.lower() not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}")
    return OPTIMIZERS[name.lower()](params, **kwargs)


# -- learning-rate schedules ----------------------------------------------------------------------
class Schedule:
    """Sets the learning rates of one or more optimizers as training goes on.

    Each optimizer's rate at step t (counted from 0) is its base rate times ``factor(t)``; this
    base class keeps it constant. The rates for step ``start`` are set at once; the training loop
    calls ``step()`` after each training step, which sets the rates for the next one:

        schedule = LinearDecay([d_opt, g_opt], total_steps=1000, hold=0.5)
        for t in range(1000):
            gan.step(batch)
            schedule.step()

    ``base_lrs`` are the full rates, one per optimizer (default: each optimizer's rate now). A run
    that resumes passes them again, since a restored optimizer holds the rate of its last step.
    """

    def __init__(self, optimizers, base_lrs=None, start=0):
        self.optimizers = list(optimizers)
        self.base_lrs = [opt.lr for opt in self.optimizers] if base_lrs is None else list(base_lrs)
        if len(self.base_lrs) != len(self.optimizers):
            raise ValueError(f"{type(self).__name__}: {len(self.optimizers)} optimizers but "
                             f"{len(self.base_lrs)} base learning rates")
        self.t = start
        self._set_rates()

    def factor(self, t):
        return 1.0

    def step(self):
        self.t += 1
        self._set_rates()

    def _set_rates(self):
        factor = self.factor(self.t)
        for opt, base in zip(self.optimizers, self.base_lrs):
            opt.lr = base * factor


class LinearDecay(Schedule):
    """Constant, then linear decay to zero (Zhu et al. 2017, CycleGAN): full rate for the first
    ``hold`` fraction of a run of ``total_steps`` steps, then falling in a straight line so that
    it would reach zero one step after the last."""

    def __init__(self, optimizers, total_steps, hold=0.0, base_lrs=None, start=0):
        if not 0.0 <= hold < 1.0:
            raise ValueError(f"LinearDecay: hold must be in [0, 1), got {hold}")
        if total_steps < 1:
            raise ValueError(f"LinearDecay: total_steps must be positive, got {total_steps}")
        self.total_steps, self.hold = total_steps, hold
        super().__init__(optimizers, base_lrs, start)

    def factor(self, t):
        decay_from = self.hold * self.total_steps
        return max(0.0, min(1.0, 1.0 - (t - decay_from) / (self.total_steps - decay_from)))
