"""The guards a learner needs around the training step: a loss or gradient that turns NaN or
Inf stops the run; a discriminator that wins outright, and samples that collapse towards one
point, are warned about; Ctrl-C stops after the current step, so that the checkpoint is exact.
"""
import math
import signal
import threading

import numpy as np


class TrainingDiverged(RuntimeError):
    """A loss or gradient became NaN or Inf; the message names the step and the quantity."""


D_WINS_STEPS = 200        # warn when D is right about everything this many steps in a row
COLLAPSE_RATIO = 0.05     # warn when fixed-noise samples spread less than this fraction of the data's


def check_finite(record, step, ckpt_path, last_good):
    """Raise TrainingDiverged if step ``step``'s losses or gradient norms are not all finite."""
    values = {"d_loss": record.d_loss, "g_loss": record.g_loss,
              **{f"gradient norm of {k}": v for k, v in record.grad_norms.items()}}
    for name, value in values.items():
        if not math.isfinite(value):
            raise TrainingDiverged(
                f"step {step}: {name} is {value}; training stopped. The last good checkpoint "
                f"({ckpt_path}, step {last_good}) was kept. Try a lower learning rate or another objective.")


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
    """Turn the first Ctrl-C into a request to stop after the current step, so the checkpoint
    written then is exact; a second Ctrl-C interrupts at once."""

    def __init__(self, log):
        self.log, self.requested, self._previous = log, False, None

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.log("\nCtrl-C: finishing this step and saving a checkpoint (press again to abort without saving)")

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False
