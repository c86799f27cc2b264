"""Every key a run writes into its checkpoint's header is one the header check knows: a checkpoint
from `minigan train` (the random state's counter, the threads, the collapse diagnostics) and one from
the lab load again."""
from minigan.cli import main
from minigan.train import Run, load_gan
from minigan.train.header import check_run_header


def test_a_fresh_run_checkpoint_passes_the_header_check(tmp_path, capsys):
    run = Run("ring8", out=str(tmp_path / "run"), steps=12, progress=False, frames=1)
    run.train()
    gan, header, _ = load_gan(run.ckpt_path)
    assert "counter" in header["rng"] and "threads" in header["config"]
    assert "collapse_since" in header["diagnostics"]
    check_run_header(run.ckpt_path, header)
    assert main(["evaluate", "--checkpoint", run.ckpt_path, "-n", "200"]) == 0
    assert main(["train", "--preset", "ring8", "--steps", "14", "--out", run.out, "--resume",
                 "--no-progress"]) == 0
