"""The collapse warning never fires on an untrained generator.

An untrained DCGAN draws nearly blank images that barely differ from each other: measured by spread
alone, that looks like a collapse onto one image. It is not one (G has learnt nothing yet, let alone
lost the variety it had), and a warning there would teach learners to ignore the real one."""
import numpy as np

import minigan
from minigan.data import load_digits
from minigan.presets import get_preset
from minigan.train import Run
from minigan.train.guards import COLLAPSE_RATIO


def test_an_untrained_generator_spreads_less_than_the_collapse_threshold():
    # Why the guard needs more than the spread: this is what an untrained G looks like to it.
    minigan.seed(0)
    gan = get_preset("dcgan-digits").build()
    gan.G.eval()
    samples = np.asarray(gan.generate(64)).reshape(64, -1)
    data = load_digits()[0].reshape(-1, 64)
    assert samples.std(axis=0).mean() < COLLAPSE_RATIO * data.std(axis=0).mean()


def test_a_short_run_from_an_untrained_generator_warns_of_no_collapse(tmp_path):
    log = []
    run = Run("dcgan-digits", out=str(tmp_path / "run"), steps=12, batch_size=16, seed=0, frames=6,
              checkpoint_every=12, progress=False, log=log.append)
    run.train()
    assert run.step == 12
    assert len(list((tmp_path / "run" / "samples").glob("*.png"))) >= 2    # the check ran on several grids
    assert not [line for line in log if "collapse" in line], log
