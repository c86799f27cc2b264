"""The flags users look for, help that says what each does, and errors before anything starts."""
import argparse
import os

import pytest

import minigan
from minigan import checkpoint
from minigan.cli import COMMANDS, build_parser, main
from minigan.presets import PRESETS
from minigan.train import Run


def one_line_error(capsys, argv, status=2):
    try:
        code = main(argv)
    except SystemExit as exit_:        # argparse's own errors exit from inside parse_args
        code = exit_.code
    assert code == status
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_bare_minigan_prints_help_and_version_is_known(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: minigan") and "train" in out and "evaluate" in out
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"minigan {minigan.__version__}"


def _subparsers():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


@pytest.mark.parametrize("command", COMMANDS)
def test_every_flag_of_every_command_says_what_it_does_and_its_default(command):
    parser = _subparsers()[command]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help, f"{command} {action.option_strings} has no help"
    formatter = parser._get_formatter()
    for action in parser._actions:
        unset = action.default is None or action.default is False or action.default == argparse.SUPPRESS
        if not unset:
            assert "default" in formatter._get_help_string(action), f"{command} {action.option_strings}"
    parser.format_help()     # every %(default)s expands


def test_train_help_lists_each_preset_on_one_line(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    for name, preset in PRESETS.items():
        line = next(l for l in out.splitlines() if l.strip().startswith(name + " "))
        assert preset.dataset in line and preset.description in line
    assert "{digits,fashion-mnist,grid25,mnist,photo-crops,ring8}" in out       # --dataset lists its choices


def test_learning_rates_beta1_z_dim_and_width_reach_the_model_and_the_record(tmp_path):
    out = tmp_path / "r"
    assert main(["train", "--preset", "ring8", "--steps", "2", "--out", str(out), "--no-progress",
                 "--lr-d", "3e-4", "--lr-g", "6e-4", "--beta1", "0.3", "--z-dim", "5", "--width", "16"]) == 0
    run = Run("ring8", out=str(out), resume=True, progress=False)
    p = run.preset
    assert p.learning_rates() == pytest.approx((3e-4, 6e-4))
    assert p.betas == (0.3, 0.999) and p.z_dim == 5
    assert run.gan.G.layers[0].weight.shape == (5, 16)
    assert run.gan.d_opt.betas == (0.3, 0.999)
    header = checkpoint.load(out / "checkpoint.npz")[1]
    assert header["config"]["overrides"]["lr_g"] == 6e-4


def test_lr_sets_both_players_and_keeps_the_recipes_ratio(tmp_path):
    run = Run("grid25", out=str(tmp_path / "g"), steps=1, lr=1e-2, progress=False)   # 'sharp': G at 2x D
    assert run.preset.learning_rates() == pytest.approx((1e-2, 2e-2))
    digits = Run("dcgan-digits", out=str(tmp_path / "d"), steps=1, width=8, progress=False)
    assert digits.gan.D.layers[0].weight.shape[0] == 8


def test_beta1_for_an_optimizer_without_it_is_refused(capsys, tmp_path):
    err = one_line_error(capsys, ["train", "--preset", "ring8", "--objective", "wgan", "--beta1", "0.5",
                                  "--out", str(tmp_path / "w")])
    assert "--beta1" in err and "rmsprop" in err


def test_data_that_does_not_fit_the_preset_is_refused_before_anything_starts(capsys, tmp_path):
    out = tmp_path / "bad"
    err = one_line_error(capsys, ["train", "--preset", "ring8", "--dataset", "digits", "--out", str(out)])
    assert err.startswith("minigan train: error: --dataset digits") and "2D points" in err
    err = one_line_error(capsys, ["train", "--data-dir", str(tmp_path), "--out", str(out)])
    assert "--data-dir" in err and "dcgan-digits" in err and "data_dir" not in err
    err = one_line_error(capsys, ["train", "--dataset", "cifar"])
    assert "invalid choice" in err and "mnist" in err
    assert not out.exists()


def test_resume_without_out_asks_for_out(capsys):
    err = one_line_error(capsys, ["train", "--resume"])
    assert "--resume needs --out" in err


def test_a_run_folder_is_accepted_as_checkpoint(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["train", "--preset", "ring8", "--steps", "2", "--out", str(out), "--no-progress"]) == 0
    assert main(["sample", "--checkpoint", str(out), "-n", "3", "--out", str(tmp_path / "s.npy")]) == 0
    err = one_line_error(capsys, ["sample", "--checkpoint", str(tmp_path), "--out", str(tmp_path / "t.npy")])
    assert "is a folder without a checkpoint.npz" in err


def test_messages_say_the_command_once(capsys, tmp_path):
    out = tmp_path / "r"
    assert main(["train", "--preset", "ring8", "--steps", "2", "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    err = one_line_error(capsys, ["train", "--preset", "ring8", "--steps", "2", "--out", str(out)])
    assert err.startswith("minigan train: error: ") and "error: train:" not in err
    import minigan.cli.evaluate as evaluate
    source = open(evaluate.__file__).read()
    assert 'UserError(f"evaluate:' not in source
