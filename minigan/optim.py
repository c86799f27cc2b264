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
