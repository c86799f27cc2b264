"""`minigan bench`: the training-step benchmark behind the command line (minigan/bench/)."""
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from minigan import bench
from minigan.bench import breakdown
from minigan.cli import main

TINY = ["--no-torch", "--no-memory", "--batch-sizes", "4", "--repeats", "1"]


def _files(folder):
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def test_bench_writes_json_markdown_and_plot(tmp_path, capsys):
    out = tmp_path / "bench"
    assert main(["bench", "--quick", *TINY, "--out", str(out)]) == 0
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
    assert "smoke test" in (out / "bench_train_step.md").read_text()
    assert result["loop_overhead"]["step_ms"] > 0
    printed = capsys.readouterr().out
    assert "minigan-numpy" in printed and str(out / "bench_train_step") in printed


def test_quick_run_writes_a_temporary_folder_and_leaves_the_results_alone(tmp_path, monkeypatch, capsys):
    results = tmp_path / "checkout" / "benchmarks" / "results"       # a source checkout's measured results
    results.mkdir(parents=True)
    (results / "bench_train_step.json").write_text("{}")
    monkeypatch.setattr(bench.command, "source_results_dir", lambda: results)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    assert main(["bench", "--quick", *TINY]) == 0
    assert (results / "bench_train_step.json").read_text() == "{}" and _files(results) == {"bench_train_step.json"}
    [written] = list((tmp_path / "tmp").iterdir())
    assert written.name.startswith("minigan-bench-quick-")
    assert _files(written) == {"bench_train_step.json", "bench_train_step.md", "bench_train_step.png"}
    printed = capsys.readouterr().out
    assert str(written) in printed and "temporary folder" in printed


def test_full_run_writes_the_checkouts_results(tmp_path, monkeypatch, capsys):
    results = tmp_path / "checkout" / "benchmarks" / "results"
    results.mkdir(parents=True)
    monkeypatch.setattr(bench.command, "source_results_dir", lambda: results)
    assert bench.output_dir() == results
    assert main(["bench", *TINY]) == 0
    assert _files(results) == {"bench_train_step.json", "bench_train_step.md", "bench_train_step.png"}
    assert json.loads((results / "bench_train_step.json").read_text())["info"]["quick"] is False
    assert str(results) in capsys.readouterr().out


def test_an_installed_minigan_without_torch_benches_into_runs(tmp_path):
    # The package alone, copied where no benchmarks/ folder sits beside it (as in an installed
    # wheel), with PyTorch unimportable: a full run times minigan alone and writes ./runs/bench/.
    import minigan
    from pathlib import Path
    site = tmp_path / "site"
    shutil.copytree(Path(minigan.__file__).parent, site / "minigan", ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import sys; sys.modules['torch'] = None; from minigan.cli import main; "
            "sys.exit(main(['bench', '--no-memory', '--batch-sizes', '4', '--repeats', '1']))")
    env = dict(os.environ, PYTHONPATH=str(site), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "PyTorch is not installed" in done.stdout
    written = tmp_path / "runs" / "bench"
    assert _files(written) == {"bench_train_step.json", "bench_train_step.md", "bench_train_step.png"}
    result = json.loads((written / "bench_train_step.json").read_text())
    assert {r["engine"] for r in result["rows"]} == {"minigan-numpy"} and result["info"]["quick"] is False
    assert str(Path("runs") / "bench" / "bench_train_step") in done.stdout


def test_out_wins_over_every_default(tmp_path, monkeypatch):
    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setattr(bench.command, "source_results_dir", lambda: results)
    assert bench.output_dir(tmp_path / "mine") == tmp_path / "mine"
    assert bench.output_dir(tmp_path / "quick", quick=True) == tmp_path / "quick"
    assert (tmp_path / "mine").is_dir() and not list(results.iterdir())


def test_the_source_results_sit_beside_the_package():
    import minigan
    from pathlib import Path
    assert bench.source_results_dir() == Path(minigan.__file__).resolve().parents[1] / "benchmarks" / "results"


@pytest.mark.parametrize("argv", [
    ["bench", "--batch-sizes", "0"],
    ["bench", "--batch-sizes", "16,x"],
    ["bench", "--backends", "tpu"],
    ["bench", "--repeats", "0"],
    ["bench", "--bogus"],
])
def test_bench_bad_flags_exit_2_with_one_line(argv, tmp_path, capsys):
    try:
        status = main(argv + ["--out", str(tmp_path)])
    except SystemExit as exc:      # rejected by the parser
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error" in err
    assert not list(tmp_path.iterdir())                  # nothing was timed or written


def test_cupy_alone_without_a_gpu_exits_2_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("minigan.backend.cupy_available", lambda: False)
    assert main(["bench", "--backends", "cupy", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--backends" in err and "GPU" in err
    assert not (tmp_path / "out").exists()


def test_step_breakdown_switches_each_part_off():
    # Each "of which" row is the whole step minus the step without that part, so the part
    # must really be gone: a build that silently kept it would time the same step twice.
    from minigan.nn import Dropout

    gan, real, _ = breakdown.build("numpy", 4)
    assert gan.ema is not None and gan.grad_norms and real.shape == (4, 1, 28, 28)
    assert all(layer.p > 0 for layer in gan.D.modules() if isinstance(layer, Dropout))
    assert breakdown.build("numpy", 4, ema=False)[0].ema is None
    assert not breakdown.build("numpy", 4, grad_norms=False)[0].grad_norms
    no_dropout = breakdown.build("numpy", 4, dropout=False)[0]
    assert [layer.p for layer in no_dropout.D.modules() if isinstance(layer, Dropout)] == [0.0, 0.0]


def test_each_timed_step_follows_the_untimed_wake_up_steps():
    """Per turn: a pause, wake_steps untimed steps, then one timed step; the slow first step after a
    pause (a library waking its threads) is kept out of the figure."""
    from minigan.bench.timing import time_batch
    calls = []

    def make(batch):
        def step():
            calls.append(batch)
            time.sleep(0.03 if len(calls) % 2 == 1 else 0.0)    # odd calls (the first of each turn) are slow
        return step

    times, repeats, _, _ = time_batch([("fake", "cpu", make)], 8, repeats=4, warmup=0, settle_s=0.0, wake_steps=1)
    assert repeats == 4 and len(calls) == 8 and len(times["fake"]) == 4
    assert max(times["fake"]) < 0.02          # only the fast second steps were timed
    calls.clear()
    times, _, _, _ = time_batch([("fake", "cpu", make)], 8, repeats=4, warmup=0, settle_s=0.0, wake_steps=0)
    assert len(calls) == 4 and max(times["fake"]) >= 0.029     # without them the slow steps are timed too
