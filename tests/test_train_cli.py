"""The training loop, checkpoints and the command line, on the small 2D presets."""
import json
import os
import signal

import numpy as np
import pytest

from minigan import checkpoint
from minigan.cli import main
from minigan.train import Run, TrainingDiverged, load_gan

STEPS = 40


def run(tmp_path, name, **kwargs):
    kwargs.setdefault("steps", STEPS)
    return Run("ring8", out=str(tmp_path / name), progress=False, frames=2, **kwargs)


def read(path):
    with open(path) as f:
        return f.read()


def test_same_seed_gives_identical_metrics(tmp_path):
    run(tmp_path, "a", seed=3).train()
    run(tmp_path, "b", seed=3).train()
    run(tmp_path, "c", seed=4).train()
    a, b, c = (read(tmp_path / n / "metrics.csv") for n in "abc")
    assert a == b
    assert a != c
    assert len(a.splitlines()) == STEPS + 1


def test_resume_equals_uninterrupted_run(tmp_path):
    whole = run(tmp_path, "whole", seed=1).train()
    half = run(tmp_path, "half", seed=1).train(until=STEPS // 2)
    assert half.step == STEPS // 2
    assert checkpoint.load(tmp_path / "half" / "checkpoint.npz")[1]["step"] == STEPS // 2
    resumed = run(tmp_path, "half", resume=True, steps=None).train()
    assert resumed.step == STEPS
    assert read(tmp_path / "half" / "metrics.csv") == read(tmp_path / "whole" / "metrics.csv")
    a, _ = checkpoint.load(tmp_path / "whole" / "checkpoint.npz")
    b, _ = checkpoint.load(tmp_path / "half" / "checkpoint.npz")
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    assert whole.step == STEPS


def test_ctrl_c_saves_a_checkpoint_that_resumes_exactly(tmp_path, monkeypatch):
    run(tmp_path, "whole", seed=2).train()
    interrupted = run(tmp_path, "int", seed=2)
    real_step, calls = interrupted.gan.step, []

    def step_then_interrupt(batch):
        calls.append(1)
        if len(calls) == 13:   # Ctrl-C arrives in the middle of the 13th step
            os.kill(os.getpid(), signal.SIGINT)
        return real_step(batch)
    monkeypatch.setattr(interrupted.gan, "step", step_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        interrupted.train()
    assert checkpoint.load(tmp_path / "int" / "checkpoint.npz")[1]["step"] == 13
    run(tmp_path, "int", resume=True, steps=None).train()
    assert read(tmp_path / "int" / "metrics.csv") == read(tmp_path / "whole" / "metrics.csv")


def test_nan_stops_training_and_keeps_last_good_checkpoint(tmp_path):
    r = run(tmp_path, "nan", seed=0, steps=30, checkpoint_every=10)
    real_step = r.gan.step

    def poisoned(batch):
        if r.step == 24:   # the 25th step: G's weights go bad
            r.gan.G.layers[0].weight.data[0, 0] = np.nan
        return real_step(batch)
    r.gan.step = poisoned
    with pytest.raises(TrainingDiverged) as err:
        r.train()
    message = str(err.value)
    assert "step 25" in message and "nan" in message.lower()
    assert "step 20" in message                   # names the checkpoint it kept
    arrays, header = checkpoint.load(tmp_path / "nan" / "checkpoint.npz")
    assert header["step"] == 20
    assert all(np.isfinite(a).all() for k, a in arrays.items() if k.startswith("G/"))


def test_cli_train_sample_evaluate(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["train", "--preset", "ring8", "--steps", "30", "--out", str(out), "--no-progress"]) == 0
    for name in ("metrics.csv", "checkpoint.npz", "curves.png", "field.png", "training.gif"):
        assert (out / name).stat().st_size > 0, name
    npy = tmp_path / "s.npy"
    assert main(["sample", "--checkpoint", str(out / "checkpoint.npz"), "-n", "2500", "--out", str(npy)]) == 0
    samples = np.load(npy)
    assert samples.shape == (2500, 2) and samples.dtype == np.float32
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(out / "checkpoint.npz"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_samples"] == 2500 and 0 <= result["modes"] <= 8
    assert 0 <= result["high_quality"] <= 100 and result["reverse_kl"] >= 0


def test_sampling_is_reproducible_and_matches_the_checkpointed_generator(tmp_path):
    r = run(tmp_path, "g", seed=0).train()
    gan, _, _ = load_gan(tmp_path / "g" / "checkpoint.npz")
    for a, b in zip(r.gan.G.parameters(), gan.G.parameters()):
        assert np.array_equal(a.data, b.data)
    outs = []
    for i in range(2):
        path = tmp_path / f"s{i}.npy"
        main(["sample", "--checkpoint", str(tmp_path / "g" / "checkpoint.npz"), "-n", "10", "--out", str(path)])
        outs.append(np.load(path))
    assert np.array_equal(outs[0], outs[1])


@pytest.mark.parametrize("argv", [
    ["train", "--bogus"],
    ["train", "--steps", "-5"],
    ["train", "--steps", "3", "--epochs", "2"],
    ["train", "--preset", "nope"],
    ["train", "--objective", "nope"],
    ["train", "--objective", "sharp+nope"],
    ["sample", "-n", "3"],
])
def test_bad_flags_exit_2_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error" in err


def test_existing_run_is_not_overwritten_without_resume(tmp_path, capsys):
    out = str(tmp_path / "r")
    assert main(["train", "--steps", "5", "--preset", "ring8", "--out", out, "--no-progress"]) == 0
    before = read(os.path.join(out, "metrics.csv"))
    capsys.readouterr()
    assert main(["train", "--steps", "5", "--preset", "ring8", "--out", out, "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--resume" in err and len(err.splitlines()) == 1
    assert read(os.path.join(out, "metrics.csv")) == before


def test_missing_and_corrupt_checkpoints_give_clear_errors(tmp_path, capsys):
    r = run(tmp_path, "c", steps=5).train()
    good = tmp_path / "c" / "checkpoint.npz"
    raw = good.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(raw[: len(raw) // 2])
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all" * 10)
    no_header = tmp_path / "plain.npz"
    np.savez(no_header, x=np.zeros(3))
    for path, words in ((truncated, "corrupt"), (garbage, "corrupt"), (no_header, "header"),
                        (tmp_path / "missing.npz", "no such")):
        with pytest.raises(checkpoint.CheckpointError) as err:
            checkpoint.load(path)
        assert str(path) in str(err.value) and words in str(err.value)
        capsys.readouterr()
        assert main(["sample", "--checkpoint", str(path), "-n", "2", "--out", str(tmp_path / "x.npy")]) == 2
        err = capsys.readouterr().err.strip()
        assert str(path) in err and len(err.splitlines()) == 1
    assert r.step == 5


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    checkpoint.save(path, {"a": np.arange(3)}, {"step": 1})
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", explode)
    with pytest.raises(checkpoint.CheckpointError) as err:   # said in one line, naming the file
        checkpoint.save(path, {"a": np.arange(4)}, {"step": 2})
    assert str(path) in str(err.value) and "disk full" in str(err.value) and "previous checkpoint was kept" in str(err.value)
    assert path.read_bytes() == before                    # the old checkpoint survives
    assert sorted(os.listdir(tmp_path)) == ["ck.npz"]      # and no temporary file is left


def test_objective_flag_switches_the_game(tmp_path):
    r = Run("ring8", out=str(tmp_path / "w"), steps=5, objective="wasserstein", progress=False, frames=1)
    assert r.gan.objective.name == "wasserstein"
    r.train()
    _, header = checkpoint.load(tmp_path / "w" / "checkpoint.npz")
    assert header["config"]["overrides"]["objective"] == "wasserstein"


def test_pack_flag_sets_the_field_and_the_header_records_the_flags(tmp_path):
    out = tmp_path / "p"
    assert main(["train", "--preset", "ring8", "--steps", "3", "--objective", "sharp", "--pack", "2",
                 "--out", str(out), "--no-progress"]) == 0
    _, header = checkpoint.load(out / "checkpoint.npz")
    overrides = header["config"]["overrides"]
    assert overrides["objective"] == "sharp" and overrides["pack"] == 2
    gan, _, _ = load_gan(out / "checkpoint.npz")
    assert gan.D.layers[0].m == 2 and gan.g_opt.betas == (0.0, 0.999)


def _rewrite_config(path, **config):
    arrays, header = checkpoint.load(path)
    header["config"].update(config)
    checkpoint.save(path, arrays, header)


@pytest.mark.parametrize("old_objective", ["sharp+pacgan2", "non_saturating+pacgan2"])
def test_checkpoints_from_before_recipes_were_applied_explicitly_still_load_resume_and_sample(
        tmp_path, old_objective, capsys):
    # The code before recipes.apply recorded --pack M inside the objective ("sharp+pacgan2") and
    # expanded recipes when a preset was copied; a header of that shape must still rebuild the run.
    objective = "sharp" if old_objective.startswith("sharp") else None
    run(tmp_path, "whole", steps=8, seed=3, objective=objective, pack=2).train()
    run(tmp_path, "half", steps=8, seed=3, objective=objective, pack=2).train(until=4)
    half = tmp_path / "half"
    _rewrite_config(half / "checkpoint.npz", overrides={"steps": 8, "epochs": None, "objective": old_objective})
    gan, _, _ = load_gan(half / "checkpoint.npz")
    assert gan.D.layers[0].m == 2
    run(tmp_path, "half", resume=True, steps=None).train()
    assert read(half / "metrics.csv") == read(tmp_path / "whole" / "metrics.csv")
    capsys.readouterr()
    assert main(["sample", "--checkpoint", str(half / "checkpoint.npz"), "-n", "7", "--out",
                 str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (7, 2)
    assert main(["evaluate", "--checkpoint", str(half / "checkpoint.npz"), "--json", "-n", "100"]) == 0


def test_an_old_pacgan_objective_alone_rebuilds_the_packed_discriminator(tmp_path):
    out = tmp_path / "o"
    assert main(["train", "--preset", "ring8", "--steps", "2", "--pack", "4", "--out", str(out), "--no-progress"]) == 0
    _rewrite_config(out / "checkpoint.npz", overrides={"steps": 2, "epochs": None, "objective": "pacgan4"})
    gan, _, _ = load_gan(out / "checkpoint.npz")
    assert gan.D.layers[0].m == 4
    assert main(["train", "--preset", "ring8", "--steps", "3", "--resume", "--out", str(out), "--no-progress"]) == 0
    assert load_gan(out / "checkpoint.npz")[1]["step"] == 3
