"""The NaN/Inf guard: it watches the weights a step leaves too, keeps only finite checkpoints, names
one that exists, and its advice fits the cause; non-finite checkpoints cannot be sampled."""
import os
import re

import numpy as np
import pytest

from minigan import checkpoint
from minigan.cli import main
from minigan.train import Run, TrainingDiverged


def run(out, **kwargs):
    kwargs.setdefault("steps", 30)
    return Run("ring8", out=str(out), progress=False, frames=1, seed=0, log=lambda m: None, **kwargs)


def named_checkpoint(message):
    """(path, step) of the checkpoint the message says was kept."""
    found = re.search(r"checkpoint \((.+), step (\d+)\) was kept", message)
    assert found, message
    return found.group(1), int(found.group(2))


def assert_kept_checkpoint_is_finite_and_named(message):
    path, step = named_checkpoint(message)
    assert os.path.exists(path)
    arrays, header = checkpoint.load(path)
    assert header["step"] == step
    assert all(np.isfinite(a).all() for a in arrays.values() if a.dtype.kind == "f")


def test_weights_made_non_finite_by_an_update_stop_the_run(tmp_path):
    r = run(tmp_path / "w", checkpoint_every=10)
    real_step = r.gan.step

    def step_that_breaks_a_weight(batch):
        record = real_step(batch)
        if r.step == 14:   # the 15th step's update overflows one weight of D; its losses were finite
            r.gan.D.layers[0].weight.data[0, 1] = np.inf
        return record
    r.gan.step = step_that_breaks_a_weight
    with pytest.raises(TrainingDiverged) as err:
        r.train()
    message = str(err.value)
    assert "step 15" in message and "D/" in message and "non-finite" in message
    assert named_checkpoint(message)[1] == 10
    assert_kept_checkpoint_is_finite_and_named(message)


def test_divergence_before_the_first_periodic_checkpoint_names_one_that_exists(tmp_path):
    r = run(tmp_path / "early", checkpoint_every=10)
    real_step = r.gan.step

    def poisoned(batch):
        r.gan.G.layers[0].weight.data[0, 0] = np.nan
        return real_step(batch)
    r.gan.step = poisoned
    with pytest.raises(TrainingDiverged) as err:
        r.train()
    assert "step 1:" in str(err.value)
    assert_kept_checkpoint_is_finite_and_named(str(err.value))


def test_non_finite_data_is_blamed_on_the_data_not_the_learning_rate(tmp_path):
    r = run(tmp_path / "data")
    real_next = r.stream.next

    def next_with_nan():
        batch = real_next()
        if r.step == 5:
            batch[3, 0] = np.nan
        return batch
    r.stream.next = next_with_nan
    with pytest.raises(TrainingDiverged) as err:
        r.train()
    message = str(err.value)
    assert "step 6" in message and "data is at fault" in message and "Try a lower" not in message
    assert "1 NaN or Inf" in message


def test_sampling_from_a_checkpoint_with_non_finite_weights_is_an_error(tmp_path, capsys):
    run(tmp_path / "g", steps=3).train()
    arrays, header = checkpoint.load(tmp_path / "g" / "checkpoint.npz")
    arrays["G/0.weight"][0, 0] = np.nan
    header = {k: v for k, v in header.items() if k not in ("format", "version")}
    bad = tmp_path / "nan.npz"
    checkpoint.save(bad, arrays, header)
    capsys.readouterr()
    out = tmp_path / "s.npy"
    assert main(["sample", "--checkpoint", str(bad), "-n", "5", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(bad) in err and "G/0.weight" in err
    assert not out.exists()
