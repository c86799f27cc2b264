"""The minimax game, one step at a time, with every gradient in plain sight.

A GAN step is two smaller steps:

* the D step: D is shown a real batch and a fake batch and learns to tell them
  apart. Its loss is a sum of two terms, so its gradient is the SUM of the
  gradients from the two batches -- which is why ``Layer.backward`` accumulates.
* the G step: G's samples are judged by D, and the gradient of G's loss flows
  backward THROUGH D into G. D's input gradient is what G learns from; the
  gradients D computes for its own parameters on the way are thrown away,
  because in the G step D is part of the loss, not a player being trained.
  (Autograd libraries hide this behind ``detach()`` and separate optimizers.)

Each step is a short sequence of stages, one method each, numbered below in the order they
run; calling them in that order does exactly what ``d_step`` and ``g_step`` do, so they can be
run and looked at one at a time. The fake batch travels in plain sight too: ``d_step`` returns
it and ``g_step`` takes it.
"""
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np

from .backend import backend_of, get_array_module, to_backend, to_numpy
from .ema import WeightAverage
from .losses import get_objective
from .nn.base import frozen, input_grad_skipped
from .optim import Adam
from . import rng as _rng
from .regularizers import penalties


@dataclass
class StepRecord:
    """What happened in one training step, as plain numbers (and optional arrays)."""

    step: int
    d_loss: float = float("nan")         # d_loss_real + d_loss_fake (+ the weighted penalties)
    d_loss_real: float = float("nan")
    d_loss_fake: float = float("nan")
    g_loss: float = float("nan")
    d_real: float = float("nan")         # mean D(x): a probability for the cross-entropy objectives
    d_fake: float = float("nan")         # mean D(G(z)) before D's update
    d_fake_after: float = float("nan")   # mean D(G(z)) on the same batch, after D's update
    d_accuracy: float = float("nan")     # fraction of real and fake examples D classifies correctly
    # One column per penalty, by its name (regularizers.py), logged before its weight:
    gp: float = float("nan")             # WGAN-GP's E(||grad D(x_hat)|| - 1)^2, before its weight lambda
    r1: float = float("nan")             # R1's 1/2 E||grad D(x)||^2 on real data, before its weight gamma
    grad_norms: dict = field(default_factory=dict)   # "D/0" -> L2 norm of that layer's gradient
    grads: dict = field(default_factory=dict)        # filled only when GAN(record_grads=True)

    def as_row(self):
        """A flat dict for metrics.csv: scalars, then one column per layer's gradient norm."""
        row = {k: v for k, v in vars(self).items() if k not in ("grad_norms", "grads")}
        row.update({f"gnorm/{name}": value for name, value in self.grad_norms.items()})
        return row


@dataclass
class FakeBatch:
    """A batch G drew in training: the noise, and the samples G made of it."""

    z: object
    samples: object


def layer_grad_norms(model, prefix):
    """L2 norm of each layer's parameter gradients, keyed "prefix/<layer path>"."""
    params = list(model.named_parameters())
    if not params:
        return {}
    xp = get_array_module(params[0][1].grad)
    # Every parameter's sum of squares is computed where the gradients live and brought back in
    # ONE transfer: on a GPU each separate float() would wait for all the queued work to finish.
    sums = to_numpy(xp.stack([(p.grad * p.grad).sum() for _, p in params]))
    squares = {}
    for (name, _), s in zip(params, sums):
        layer = name.rpartition(".")[0] or name
        squares[layer] = squares.get(layer, 0.0) + float(s)
    return {f"{prefix}/{layer}": float(np.sqrt(s)) for layer, s in squares.items()}


class GAN:
    """A generator G, a discriminator D, an objective and one optimizer for each player.

    ``G`` maps noise (N, z_dim) to samples; ``D`` maps samples to logits (N, 1).
    ``n_critic`` D steps are taken per G step (5 for WGAN). ``clip_value`` clips D's
    weights after each D update (the original WGAN's Lipschitz constraint).
    ``gradient_penalty`` (lambda, 10 in Gulrajani et al. 2017) and ``r1`` (gamma, Mescheder et
    al. 2018) put a penalty on D's input gradient into ``penalties``, the list of penalties the
    D step adds to D's loss (regularizers.py).
    ``ema`` (a decay such as 0.999) keeps a moving average of G's weights beside G (ema.py);
    ``generate`` samples from the average, training never reads it.
    """

    def __init__(self, G, D, z_dim, objective="non_saturating", g_opt=None, d_opt=None,
                 n_critic=1, clip_value=None, record_grads=False, rng=None,
                 gradient_penalty=None, r1=None, ema=None, grad_norms=True):
        self.G, self.D, self.z_dim = G, D, int(z_dim)
        self.objective = get_objective(objective)
        self.g_opt = g_opt or Adam(G.parameters())
        self.d_opt = d_opt or Adam(D.parameters())
        self.n_critic, self.clip_value = int(n_critic), clip_value
        self.penalties = penalties(gradient_penalty, r1)
        self.record_grads, self.rng, self.grad_norms = record_grads, rng, grad_norms
        self.ema = WeightAverage(G, ema) if ema else None
        self.step_count = 0
        self.batch_size = 64      # G's batch when g_step() is called on its own; step() sets it
        self._g_holds = None      # the FakeBatch whose activations G's forward caches hold, if any

    @property
    def backend(self):
        return backend_of(self.G.parameters()[0].data)

    def sample_noise(self, n):
        """z ~ N(0, I) in G's dtype, drawn where G lives by the counter-based generator (rng.py);
        from the CPU generator ``rng`` instead, and moved to G's backend, when the GAN was given one."""
        like = self.G.parameters()[0].data
        if self.rng is None:
            return _rng.normal(get_array_module(like), (n, self.z_dim), like.dtype)
        z = self.rng.standard_normal((n, self.z_dim)).astype(like.dtype)
        return to_backend(z, backend_of(like))

    def generate(self, n=None, z=None):
        """Samples from G in its current mode (no gradients kept for anyone), drawn with G's
        averaged weights when the GAN keeps an average."""
        self._g_holds = None     # G's forward caches now hold these samples, no training batch
        z = self.sample_noise(n) if z is None else z
        with self.averaged():
            return self.G.forward(z)

    def averaged(self):
        """``with gan.averaged():`` G holds its averaged weights inside the block (if kept)."""
        return self.ema.applied(self.G) if self.ema else nullcontext(self.G)

    def images(self, samples):
        """What of G's raw output is the sample itself (a conditional G also carries labels)."""
        return samples

    def draw_fake(self, n=None, z=None):
        """G draws a training batch from noise ``z`` (or n fresh draws). G's forward caches now hold
        this batch, so G's backward can run through exactly these samples."""
        z = self.sample_noise(n) if z is None else z
        self._g_holds = FakeBatch(z, self.G.forward(z))
        return self._g_holds

    # -- the discriminator's step ---------------------------------------------------------
    def d_step(self, real, record=None):
        """D learns to tell ``real`` from a fake batch G draws for it; returns (record, fake)."""
        record = record or StepRecord(self.step_count)
        fake = self.draw_fake(len(real))       # kept, with G's caches, for a G step that reuses it
        self.d_on_real(real, record)
        self.d_on_fake(fake.samples, record)
        self.d_penalties(real, fake.samples, record)
        self.d_update(record)
        return record, fake

    def d_on_real(self, real, record):
        """1. D on the real batch: push D(x) towards "real". D's gradients (and the record's
        sums, D's loss and accuracy) start here."""
        D, obj = self.D, self.objective
        D.zero_grad()
        logits = D.forward(real)
        loss, dlogits = obj.d_real(logits)
        with input_grad_skipped(D):                      # nobody reads dLoss/dreal
            D.backward(dlogits)                          # adds dLoss_real/dtheta_D into every D .grad
        record.d_loss_real = record.d_loss = loss
        record.d_real = _mean(obj.d_output(logits))
        record.d_accuracy = 0.5 * _mean(logits > obj.threshold)      # the real half of D's examples
        return logits

    def d_on_fake(self, fake, record):
        """2. D on the fake batch: push D(G(z)) towards "fake". These gradients ADD to the above,
        because D's loss is the sum of both terms. The input gradient (dLoss/dfake) is not even
        computed: G is not being trained in this step."""
        D, obj = self.D, self.objective
        logits = D.forward(fake)
        loss, dlogits = obj.d_fake(logits)
        with input_grad_skipped(D):
            D.backward(dlogits)
        record.d_loss_fake = loss
        record.d_loss += loss
        record.d_fake = _mean(obj.d_output(logits))
        record.d_accuracy += 0.5 * _mean(logits <= obj.threshold)   # and the fake half
        return logits

    def d_penalties(self, real, fake, record):
        """3. The penalties on D's INPUT gradient g = dD/dx, in one loop. Their parameter gradient
        needs the derivative of a derivative: each runs D forward and backward at its points, then
        the second-order backward (nn/second_order.py), and ADDS weight * dP/dtheta."""
        total = 0.0
        for penalty in self.penalties:
            value = penalty.add_gradient(self.D, real, fake, self.rng)
            setattr(record, penalty.name, value)         # logged unweighted, under its name
            total += penalty.weight * value
        record.d_loss += total

    def d_update(self, record):
        """4. Only now does D change."""
        D = self.D
        if self.record_grads:
            record.grads.update({f"D/{n}": p.grad.copy() for n, p in D.named_parameters()})
        if self.grad_norms:
            record.grad_norms.update(layer_grad_norms(D, "D"))
        self.d_opt.step()
        if self.clip_value is not None:
            for p in D.parameters():
                get_array_module(p.data).clip(p.data, -self.clip_value, self.clip_value, out=p.data)

    # -- the generator's step -------------------------------------------------------------
    def g_step(self, record=None, fake=None, batch_size=None):
        """G learns from D's verdict on G's samples: the D step's ``fake`` batch, now judged by the
        updated D (the DCGAN reference recipe), or a fresh batch of ``batch_size``."""
        record = record or StepRecord(self.step_count)
        fake = self.g_batch(fake, batch_size)
        dlogits = self.g_judged(fake.samples, record)
        self.g_backward(dlogits, record)
        self.g_update(record)
        return record

    def g_batch(self, fake=None, batch_size=None):
        """The batch G's step runs through. G's backward reads G's forward caches, so they must hold
        this very batch: the D step's batch qualifies until G runs again (a generate(), or G's update);
        after that, G makes the same noise into samples once more."""
        if fake is None:
            return self.draw_fake(batch_size or self.batch_size)
        if not isinstance(fake, FakeBatch):
            raise TypeError(f"g_step: fake must be the FakeBatch d_step returns (noise and samples), "
                            f"got {type(fake).__name__}")
        if fake is not self._g_holds:
            return self.draw_fake(z=fake.z)
        return fake

    def g_judged(self, fake, record):
        """1. G's batch judged by D: G's loss, and its gradient at D's logits."""
        logits = self.D.forward(fake)
        loss, dlogits = self.objective.g(logits)
        record.g_loss = loss
        record.d_fake_after = _mean(self.objective.d_output(logits))
        return dlogits

    def g_backward(self, dlogits, record):
        """2. Backward THROUGH D: the returned input gradient dLoss_G/dfake is the signal G learns from.
        D is fixed during G's step, so its parameter gradients would only be thrown away:
        frozen(D) skips computing them, and D's .grad is left exactly as the D step left it."""
        with frozen(self.D):
            dfake = self.D.backward(dlogits)
        self.G.zero_grad()
        with input_grad_skipped(self.G):                 # dLoss_G/dz: wanted by nobody
            self.G.backward(dfake)                       # now dLoss_G/dtheta_G sits in G's .grad
        if self.record_grads:
            record.grads["G/input"] = dfake.copy()       # the gradient handed from D to G
        return dfake

    def g_update(self, record):
        """3. Only now does G change -- and its forward caches describe the G before the change."""
        if self.record_grads:
            record.grads.update({f"G/{n}": p.grad.copy() for n, p in self.G.named_parameters()})
        if self.grad_norms:
            record.grad_norms.update(layer_grad_norms(self.G, "G"))
        self.g_opt.step()
        self._g_holds = None

    def step(self, real_batches):
        """One round of the game: n_critic D steps (one real batch each), then one G step.

        ``real_batches`` is a batch, or a list of n_critic batches.
        """
        batches = real_batches if isinstance(real_batches, (list, tuple)) else [real_batches]
        if len(batches) != self.n_critic:
            raise ValueError(f"step() needs {self.n_critic} real batches (n_critic), got {len(batches)}")
        batches = [to_backend(b, self.backend) for b in batches]   # real data go where D lives
        _rng.at_step(self.step_count)   # this step's random draws are named by its number (rng.py)
        record = StepRecord(self.step_count)
        for real in batches:
            record.grad_norms.clear()
            _, fake = self.d_step(real, record)
        self.batch_size = len(batches[-1])
        # With one critic step, G's step reuses its batch (G has not changed since); with several,
        # G gets a fresh batch of its own.
        self.g_step(record, fake if self.n_critic == 1 else None)
        if self.ema:
            self.ema.update(self.G)   # G's latest weights join the average; D never sees it
        self.step_count += 1
        return record


def _mean(a):
    return float(to_numpy(a.sum())) / a.size     # (a.mean() costs NumPy several Python-level calls)


class ConditionalGAN(GAN):
    """A GAN whose G draws a requested class (see nn/conditional.py for how labels travel).

    G's input is the noise followed by a one-hot label; G and the data carry a label channel
    that D reads. The D and G steps are GAN's, unchanged: every fake batch simply has random
    labels, drawn uniformly, and the real batches arrive with their own.
    """

    def __init__(self, G, D, z_dim, n_classes=10, **kwargs):
        super().__init__(G, D, z_dim, **kwargs)
        self.n_classes = int(n_classes)

    def sample_noise(self, n, labels=None):
        """(n, z_dim + K): z ~ N(0, I), then the one-hot of ``labels`` (uniformly random if None)."""
        z = super().sample_noise(n)
        xp = get_array_module(z)
        if labels is None:     # drawn where G lives, like z (or from the GAN's own CPU generator)
            labels = (_rng.integers(xp, self.n_classes, n) if self.rng is None
                      else self.rng.integers(0, self.n_classes, n))
        else:
            labels = np.broadcast_to(np.asarray(labels, dtype=int), (n,))
            if labels.min() < 0 or labels.max() >= self.n_classes:
                raise ValueError(f"labels must be 0..{self.n_classes - 1}, got {labels.min()}..{labels.max()}")
        onehot = xp.eye(self.n_classes, dtype=z.dtype)[xp.asarray(labels)]
        return xp.concatenate([z, onehot], axis=1)

    def generate(self, n=None, z=None, labels=None):
        """Images only (the label channel dropped); ``labels``: one class, or one per sample."""
        if z is None:
            z = self.sample_noise(n, labels)
        return super().generate(z=z)[:, :-1]

    def images(self, samples):
        return samples[:, :-1]
