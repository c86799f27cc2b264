"""The guards a learner needs around the training step: a loss, gradient or weight that turns
NaN or Inf stops the run; a discriminator that wins outright, and samples that collapse towards one
point, are warned about; Ctrl-C (or SIGTERM) stops after the current step, so that the checkpoint is exact.
"""
import math
import os
import signal
import threading

import numpy as np

from ..backend import get_array_module, to_numpy


class TrainingDiverged(RuntimeError):
    """A loss, a gradient or a weight became NaN or Inf; the message names the step and the quantity."""


D_WINS_STEPS = 200        # warn when D is right about everything this many steps in a row
COLLAPSE_RATIO = 0.05     # warn when fixed-noise samples spread less than this fraction of the data's


def kept_checkpoint(ckpt_path, last_good):
    """What a stopped run left behind, in words: the checkpoint that really exists, or none."""
    if os.path.exists(ckpt_path):
        return f"The last good checkpoint ({ckpt_path}, step {last_good}) was kept."
    return "No checkpoint was written."


def non_finite_weights(gan):
    """(name, count) of the first parameter of G or D holding NaN or Inf, or None when all are finite.
    One device-to-host transfer on a GPU: the per-parameter verdicts are gathered first."""
    named = [(f"{who}/{name}", p.data) for who, model in (("G", gan.G), ("D", gan.D))
             for name, p in model.named_parameters()]
    xp = get_array_module(named[0][1])
    verdicts = to_numpy(xp.stack([xp.isfinite(a).all() for _, a in named]))
    for (name, a), ok in zip(named, verdicts):
        if not ok:
            return name, int(to_numpy(xp.count_nonzero(~xp.isfinite(a))))
    return None


def non_finite_inputs(batches):
    """How many values of this step's real batches are NaN or Inf."""
    return sum(int(to_numpy(get_array_module(b).count_nonzero(~get_array_module(b).isfinite(b))))
               for b in batches)


def check_finite(record, step, ckpt_path, last_good, gan=None, batches=()):
    """Raise TrainingDiverged if step ``step``'s losses or gradient norms, or the weights the step
    left (when ``gan`` is given), are not all finite; the advice depends on the cause."""
    values = {"d_loss": record.d_loss, "g_loss": record.g_loss,
              **{f"gradient norm of {k}": v for k, v in record.grad_norms.items()}}
    problem = next((f"{name} is {value}" for name, value in values.items() if not math.isfinite(value)), None)
    weights = non_finite_weights(gan) if gan is not None else None
    if problem is None and weights is None:
        return
    if problem is None:
        problem = f"the update left {weights[1]} non-finite values in {weights[0]}"
    bad_inputs = non_finite_inputs(batches)
    if bad_inputs:
        advice = (f"The real batch held {bad_inputs} NaN or Inf values: the training data is at fault "
                  "(a lower learning rate would not help); clean it.")
    else:
        advice = "Try a lower learning rate or another objective."
    raise TrainingDiverged(f"step {step}: {problem}; training stopped. {kept_checkpoint(ckpt_path, last_good)} "
                           f"{advice}")


def d_wins_streak(streak, record, objective):
    """The number of steps in a row (this one included) that D has been right about every example."""
    confident = record.d_accuracy == 1.0 and (not objective.probabilities or record.d_fake < 0.05)
    return streak + 1 if confident else 0


def d_wins_warning(step, streak, record):
    """A warning once per streak, when D has won for D_WINS_STEPS steps: G is starving."""
    if streak != D_WINS_STEPS:
        return None
    return (f"warning: step {step}: D has classified every example correctly for {streak} steps "
            f"(D(G(z)) = {record.d_fake:.3f}); G's gradient may be vanishing. Try the non-saturating "
            "objective, label smoothing, or a weaker D.")


COLLAPSE_FROM_STEP = 200  # an untrained G maps every z to nearly the same output: that is not collapse yet


def collapse_spread(step, total_steps, samples, reference):
    """(spread, data spread) when the fixed-noise samples (flat, one row each) spread far less than
    the data, else None; always None during the first steps of a run, while G is still untrained."""
    if step < max(COLLAPSE_FROM_STEP, total_steps // 10):
        return None
    spread = float(np.mean(samples.std(axis=0)))
    data_spread = float(np.mean(reference.std(axis=0)))
    if data_spread > 0 and spread < COLLAPSE_RATIO * data_spread:
        return spread, data_spread
    return None


def collapse_episode(since, step, spreads, what):
    """Watch for collapse episodes: returns (the step the current episode began, or None; a message
    or None). A message when an episode begins, and one with its step range when it ends."""
    if spreads and since is None:
        spread, data_spread = spreads
        return step, (f"warning: step {step}: samples from the fixed noise have collapsed towards one {what} "
                      f"(spread {spread:.3g}, data {data_spread:.3g}): mode collapse. See chapter 06 for cures. "
                      "(Said once; its end will be reported.)")
    if not spreads and since is not None:
        return None, f"note: the samples spread out again; the collapse lasted from step {since} to step {step}"
    return since, None


class DeferredInterrupt:
    """Turn the first Ctrl-C (SIGINT) or SIGTERM into a request to stop after the current step, so
    the checkpoint written then is exact; a second one interrupts at once. ``requested`` names the
    signal that asked ("Ctrl-C" or "SIGTERM"), or is None."""

    SIGNALS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}

    def __init__(self, log):
        self.log, self.requested, self._previous = log, None, {}

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = self.SIGNALS[signum]
        self.log(f"\n{self.requested}: finishing this step and saving a checkpoint (send it again to abort "
                 "without saving)")

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handler)
        return self

    def __exit__(self, *exc):
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous = {}
        return False
