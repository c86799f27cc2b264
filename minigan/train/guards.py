"""The guards a learner needs around the training step: a loss or gradient that turns NaN or
Inf stops the run; a discriminator that wins outright, and samples that collapse towards one
point, are warned about; Ctrl-C (or SIGTERM) stops after the current step, so that the checkpoint is exact.
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


def collapse_warning(step, total_steps, samples, reference):
    """A warning when the fixed-noise samples (flat, one row each) spread far less than the data."""
    if step < total_steps // 10:
        return None   # an untrained G maps every z to nearly the same output; that is not collapse yet
    spread = float(np.mean(samples.std(axis=0)))
    data_spread = float(np.mean(reference.std(axis=0)))
    if data_spread > 0 and spread < COLLAPSE_RATIO * data_spread:
        return (f"warning: step {step}: samples from the fixed noise have collapsed towards one "
                f"{'point' if samples.shape[1] == 2 else 'image'} (spread {spread:.3g}, data {data_spread:.3g}): "
                "mode collapse. See chapter 06 for cures.")
    return None


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
