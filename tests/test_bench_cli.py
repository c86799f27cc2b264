"""`minigan bench`: the training-step benchmark behind the command line (benchmarks/bench_train_step.py)."""
import json

import pytest

from minigan.cli import bench as bench_command
from minigan.cli import main


def test_bench_writes_json_markdown_and_plot(tmp_path, capsys):
    out = tmp_path / "bench"
    assert main(["bench", "--quick", "--no-torch", "--no-memory", "--batch-sizes", "4", "--repeats", "1",
                 "--out-dir", str(out)]) == 0
    for ext in ("json", "md", "png"):
        path = out / f"bench_train_step.{ext}"
        assert path.is_file() and path.stat().st_size > 0, path
    result = json.loads((out / "bench_train_step.json").read_text())
    rows = [r for r in result["rows"] if r["engine"] == "minigan-numpy" and r["batch"] == 4]
    assert len(rows) == 1
    row = rows[0]
    assert row["ms"] > 0 and row["repeats"] == 1
    assert row["images_per_s"] == pytest.approx(4 / (row["ms"] / 1000), rel=1e-9)
    assert not any(r["engine"].startswith("torch") for r in result["rows"])     # --no-torch
    assert result["info"]["quick"] is True
    assert result["loop_overhead"]["step_ms"] > 0
    assert "minigan-numpy" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["bench", "--batch-sizes", "0"],
    ["bench", "--batch-sizes", "16,x"],
    ["bench", "--backends", "tpu"],
    ["bench", "--repeats", "0"],
    ["bench", "--bogus"],
])
def test_bench_bad_flags_exit_2_with_one_line(argv, tmp_path, capsys):
    try:
        status = main(argv + ["--out-dir", str(tmp_path)])
    except SystemExit as exc:      # rejected by the parser
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error" in err
    assert not list(tmp_path.iterdir())                  # nothing was timed or written


def test_bench_without_a_source_checkout_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench_command, "benchmarks_dir", lambda: tmp_path / "benchmarks")   # an installed wheel
    assert main(["bench", "--quick"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "source checkout" in err and "benchmarks/" in err


def test_step_breakdown_switches_each_part_off():
    # Each "of which" row is the whole step minus the step without that part, so the part
    # must really be gone: a build that silently kept it would time the same step twice.
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import step_breakdown
    from minigan.nn import Dropout

    gan, real, _ = step_breakdown.build("numpy", 4)
    assert gan.ema is not None and gan.grad_norms and real.shape == (4, 1, 28, 28)
    assert all(layer.p > 0 for layer in gan.D.modules() if isinstance(layer, Dropout))
    assert step_breakdown.build("numpy", 4, ema=False)[0].ema is None
    assert not step_breakdown.build("numpy", 4, grad_norms=False)[0].grad_norms
    no_dropout = step_breakdown.build("numpy", 4, dropout=False)[0]
    assert [layer.p for layer in no_dropout.D.modules() if isinstance(layer, Dropout)] == [0.0, 0.0]
