"""One training step taken stage by stage, with the numbers each stage produced.

The stages are gan.py's own methods, called in the order ``GAN.step`` calls them, so five
clicks do exactly what one step does (tests/test_lab_engine.py checks the weights agree). The
page shows them as five stages; with several critic steps the first three repeat.
"""
import numpy as np

from .. import rng as _rng
from ..backend import to_numpy
from ..gan import StepRecord

STAGES = (
    ("d_on_real", "D on the real batch",
     "D(x) pushed towards 'real'; D's gradients start here."),
    ("d_on_fake", "D on the fake batch",
     "D(G(z)) pushed towards 'fake'; these gradients ADD to the real batch's (plus any penalty)."),
    ("d_update", "D's update",
     "Only now does D change, by its optimizer, from the summed gradient."),
    ("g_through_d", "G's step through D",
     "G's samples judged by the updated D; D's input gradient is handed to G, D's own gradients are not computed."),
    ("g_update", "G's update",
     "Only now does G change."),
)


def grad_norm(model):
    """The L2 norm of all of a model's parameter gradients together."""
    return float(np.sqrt(sum(float(to_numpy((p.grad * p.grad).sum())) for p in model.parameters())))


def weights(model):
    return [to_numpy(p.data).copy() for p in model.parameters()]


def change(model, before):
    """How far the weights moved: the L2 norm of (after - before) over all parameters."""
    return float(np.sqrt(sum(((to_numpy(p.data) - b) ** 2).sum() for p, b in zip(model.parameters(), before))))


class StageStepper:
    """Walks one GAN step through its stages; ``index`` is the next stage (0 = between steps)."""

    def __init__(self, lab):
        self.lab = lab
        self.index, self.critic = 0, 0
        self.last = None          # what the last stage produced, for the page

    @property
    def mid_step(self):
        return self.index != 0 or self.critic != 0

    def advance(self):
        """Run the next stage; returns (finished record or None, the stage's numbers)."""
        name, critic = STAGES[self.index][0], self.critic
        numbers = getattr(self, "_" + name)()
        finished = None
        gan = self.lab.gan
        if name == "d_update" and self.critic + 1 < gan.n_critic:
            self.index, self.critic = 0, self.critic + 1        # the next critic step
        elif name == "g_update":
            self.index, self.critic = 0, 0
            finished = self.record
        else:
            self.index += 1
        self.last = {"stage": name, "title": dict((s[0], s[1]) for s in STAGES)[name],
                     "critic": critic, "numbers": numbers}
        return finished, numbers

    def _d_on_real(self):
        lab, gan = self.lab, self.lab.gan
        if self.critic == 0:     # all the critic steps' real batches are drawn first, as step() is fed
            self.batches = lab.real_batches()
            _rng.at_step(gan.step_count)      # the step's named random draws, as step() keys them
            self.record = StepRecord(gan.step_count)
        self.record.grad_norms.clear()
        real = self.batches[self.critic]
        gan.d_on_real(real, self.record)
        return {"d_loss_real": self.record.d_loss_real, "mean D(x)": self.record.d_real,
                "|grad D| (real batch)": grad_norm(gan.D)}

    def _d_on_fake(self):
        gan, record = self.lab.gan, self.record
        real = self.batches[self.critic]
        self.fake = gan.draw_fake(len(real))
        gan.d_on_fake(self.fake.samples, record)
        gan.d_penalties(real, self.fake.samples, record)
        return {"d_loss_fake": record.d_loss_fake, "mean D(G(z))": record.d_fake,
                "d_loss = real + fake": record.d_loss, "|grad D| (real + fake)": grad_norm(gan.D)}

    def _d_update(self):
        gan = self.lab.gan
        before = weights(gan.D)
        gan.d_update(self.record)
        return {"|grad D|": grad_norm(gan.D), "|change of D's weights|": change(gan.D, before),
                "D's learning rate": gan.d_opt.lr}

    def _g_through_d(self):
        gan, record = self.lab.gan, self.record
        gan.batch_size = len(self.batches[-1])
        d_grads = [to_numpy(p.grad).copy() for p in gan.D.parameters()]
        fake = gan.g_batch(self.fake if gan.n_critic == 1 else None)
        dlogits = gan.g_judged(fake.samples, record)
        dfake = to_numpy(gan.g_backward(dlogits, record))
        kept = all(np.array_equal(g, to_numpy(p.grad)) for g, p in zip(d_grads, gan.D.parameters()))
        return {"g_loss": record.g_loss, "mean D(G(z)) after D's update": record.d_fake_after,
                "mean |dLoss_G/dx| handed to G": float(np.linalg.norm(dfake, axis=1).mean()),
                "D's gradients untouched": kept, "|grad G|": grad_norm(gan.G)}

    def _g_update(self):
        gan = self.lab.gan
        before = weights(gan.G)
        gan.g_update(self.record)
        if gan.ema:
            gan.ema.update(gan.G)
        gan.step_count += 1
        return {"|change of G's weights|": change(gan.G, before), "G's learning rate": gan.g_opt.lr}
