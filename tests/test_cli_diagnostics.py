"""Diagnostics that do not cry wolf: a collapse is warned about once, with its step range; the
progress bar says which preset, which epoch and where the results go."""
import numpy as np

from minigan import snapshots
from minigan.train import Run, say
from minigan.train.guards import COLLAPSE_FROM_STEP, collapse_episode, collapse_spread


def test_no_collapse_is_reported_on_an_untrained_generators_first_steps():
    reference = np.random.default_rng(0).normal(size=(100, 2))
    one_point = np.zeros((64, 2))
    assert collapse_spread(20, 20, one_point, reference) is None                 # a 20-step run: never
    assert collapse_spread(COLLAPSE_FROM_STEP - 1, 10_000, one_point, reference) is None
    assert collapse_spread(2000, 10_000, one_point, reference) == (0.0, collapse_spread(2000, 10_000, one_point,
                                                                                        reference)[1])
    assert collapse_spread(2000, 10_000, reference[:64], reference) is None


def test_an_episode_is_reported_when_it_begins_and_when_it_ends_with_its_range():
    since, messages = None, []
    for step, collapsed in [(250, False), (500, True), (750, True), (1000, True), (1250, False), (1500, False)]:
        since, message = collapse_episode(since, step, (0.01, 1.0) if collapsed else None, "point")
        messages.append(message)
    assert messages[0] is None and messages[2] is None and messages[3] is None and messages[5] is None
    assert messages[1].startswith("warning: step 500:") and "collapsed towards one point" in messages[1]
    assert "from step 500 to step 1250" in messages[4]
    assert since is None


def test_a_run_warns_once_per_episode_and_closes_it_at_the_end(tmp_path, monkeypatch):
    def collapsed_snapshot(run):
        return np.zeros((64, 2), dtype=np.float32)
    monkeypatch.setattr(snapshots, "snapshot", collapsed_snapshot)
    monkeypatch.setattr(snapshots, "finish", lambda run: None)
    log = []
    Run("ring8", out=str(tmp_path / "r"), steps=800, progress=False, log=log.append).train()
    warnings = [m for m in log if "collapsed" in m]
    assert len(warnings) == 1 and warnings[0].startswith(f"warning: step {COLLAPSE_FROM_STEP}:")
    assert log[-1] == f"note: the collapse that began at step {COLLAPSE_FROM_STEP} lasted to the end of the run (step 800)"


def test_messages_go_above_the_progress_bar_on_their_own_line(tmp_path, monkeypatch):
    from tqdm.auto import tqdm
    written = []
    monkeypatch.setattr(tqdm, "write", classmethod(lambda cls, msg, file=None, **kw: written.append(msg)))
    assert Run("ring8", out=str(tmp_path / "r"), steps=1, progress=False).log is say
    say("warning: something")
    assert written == ["warning: something"]


def test_the_progress_bar_shows_preset_epoch_and_output_folder(tmp_path, capsys):
    out = tmp_path / "digits"
    Run("dcgan-digits", out=str(out), epochs=1, batch_size=256, progress=True).train()
    err = capsys.readouterr().err
    assert f"dcgan-digits -> {out}" in err
    assert "epoch 1/1" in err
