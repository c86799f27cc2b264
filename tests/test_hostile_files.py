"""Hostile files (hostile_corpus.py) given to the command line: each ends in one line on stderr and
exit status 2 -- no traceback, nothing written outside the output folder, less than 300 MB of memory.

The commands run in child processes with a fresh home and working directory. Most cases share one
child (each a call of ``minigan.cli.main``, as ``minigan ...`` makes it); every bomb gets a child of
its own, so that its peak memory is its own.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import hostile_corpus as corpus
from minigan import checkpoint
from minigan.cli import main
from minigan.train import Run

PEAK_LIMIT_MB = 300
DRIVER = r"""
import contextlib, io, json, resource, sys, traceback
from minigan.cli import main
results = []
for argv in json.load(open(sys.argv[1])):
    err, code = io.StringIO(), None
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(argv)
    except SystemExit as exit:
        code = exit.code
    except BaseException:
        err.write(traceback.format_exc())
    results.append({"code": code, "stderr": err.getvalue()})
try:   # this process's own peak: ru_maxrss would also count the parent it was forked from
    status = open("/proc/self/status").read()
    peak_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError):
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
json.dump({"results": results, "peak_mb": peak_mb}, open(sys.argv[2], "w"))
"""


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """(root, cases): the corpus under root/corpus, and name -> argv for each hostile file."""
    root = tmp_path_factory.mktemp("hostile")
    files = root / "corpus"
    files.mkdir()
    run = Run("ring8", out=str(root / "good"), steps=2, progress=False, frames=1, log=lambda m: None).train()
    arrays, header = checkpoint.load(run.ckpt_path)
    header = {k: v for k, v in header.items()}
    out = root / "out"
    cases = {}
    for i, (name, path) in enumerate(corpus.checkpoint_files(files, arrays, header).items()):
        cases[f"checkpoint: {name}"] = ["sample", "--checkpoint", str(path), "-n", "4", "--out", str(out / f"s{i}.npy")]
    for i, (name, folder) in enumerate(corpus.idx_folders(files).items()):
        cases[name] = ["train", "--preset", "dcgan-mnist", "--data-dir", str(folder), "--steps", "1",
                       "--no-progress", "--out", str(out / f"run{i}")]
    for i, (name, (image, mask)) in enumerate(corpus.image_files(files).items()):
        cases[name] = ["inpaint", "--checkpoint", run.ckpt_path, "--image", str(image), "--mask", str(mask),
                       "--out", str(out / f"filled{i}.npy")]
    for i, (where, value) in enumerate([("config.data_dir", str(root / "made-by-a-header")),
                                        ("config.data_dir", "../../made-by-a-header"), ("stream", {"x": 1})]):
        folder = out / f"resume{i}"
        folder.mkdir(parents=True)
        checkpoint.save(folder / "checkpoint.npz", arrays, corpus.set_field(header, where, value))
        (folder / "metrics.csv").write_bytes(open(os.path.join(run.out, "metrics.csv"), "rb").read())
        cases[f"resume: header {where}={value}"] = ["train", "--preset", "ring8", "--resume", "--no-progress",
                                                    "--out", str(folder)]
    return root, cases


def listing(folder):
    return sorted((os.path.relpath(os.path.join(d, f), folder), os.path.getsize(os.path.join(d, f)))
                  for d, _, names in os.walk(folder) for f in names)


def run_driver(root, argvs, tag):
    """Run the commands in one child; returns (per-command results, the child's peak memory in MB)."""
    (root / f"{tag}.json").write_text(json.dumps(argvs))
    home, work = root / "home", root / "work"
    home.mkdir(exist_ok=True), work.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "MPLBACKEND": "Agg",
           "MINIGAN_DATA_DIR": str(home / "data")}
    subprocess.run([sys.executable, "-c", DRIVER, str(root / f"{tag}.json"), str(root / f"{tag}.out.json")],
                   cwd=work, env=env, check=True, timeout=600)
    report = json.loads((root / f"{tag}.out.json").read_text())
    return report["results"], report["peak_mb"]


BOMBS = ("bomb", "hiding 320 MB", "declaring", "declare", "2**40", "10**11")


def test_every_hostile_file_is_one_line_and_exit_2_within_300_mb(sandbox):
    root, cases = sandbox
    assert len(cases) >= 60
    before = listing(root / "corpus")
    bombs = [name for name in cases if any(word in name for word in BOMBS)]
    rest = [name for name in cases if name not in bombs]
    results, peak = run_driver(root, [cases[n] for n in rest], "rest")
    outcome, peaks = dict(zip(rest, results)), {"(all the others, one child)": peak}
    for i, name in enumerate(bombs):
        (result,), peaks[name] = run_driver(root, [cases[name]], f"bomb{i}")
        outcome[name] = result
    failures = []
    for name, result in outcome.items():
        lines = result["stderr"].strip().splitlines()
        if result["code"] != 2 or len(lines) != 1 or "Traceback" in result["stderr"]:
            failures.append(f"{name}: exit {result['code']}, stderr {result['stderr'][-300:]!r}")
    assert not failures, "\n".join(failures)
    print(f"\n{len(cases)} hostile files; peak memory (MB): " + ", ".join(f"{n}: {p:.0f}" for n, p in peaks.items()))
    assert max(peaks.values()) < PEAK_LIMIT_MB, peaks
    # nothing written outside the output folder: the corpus, the home and the working folder are as they were
    assert listing(root / "corpus") == before
    assert listing(root / "home") == [] and listing(root / "work") == []
    assert not (root / "made-by-a-header").exists()
    assert not [p for p in listing(root / "out") if p[0].endswith((".npy", ".png"))]


def test_random_bytes_are_not_a_minigan_checkpoint_and_no_pickle_hint(tmp_path):
    path = tmp_path / "r.npz"
    path.write_bytes(np.random.default_rng(0).bytes(1000))
    with pytest.raises(checkpoint.CheckpointError, match="not a minigan checkpoint"):
        checkpoint.load(path)
    corpus.zip_of(path, {"__header__.npy": corpus.npy_bytes(np.array([None], dtype=object))})
    with pytest.raises(checkpoint.CheckpointError) as err:
        checkpoint.load(path)
    assert "allow_pickle" not in str(err.value) and str(path) in str(err.value)


def test_a_permission_error_is_said_as_such(tmp_path, monkeypatch, capsys):
    path = tmp_path / "c.npz"
    checkpoint.save(path, {"a": np.zeros(2)}, {"step": 0})

    def refuse(*args, **kwargs):     # tests may run as root, which chmod cannot stop
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(checkpoint, "open", refuse, raising=False)
    with pytest.raises(checkpoint.CheckpointError) as err:
        checkpoint.load(path)
    assert "permission denied" in str(err.value) and "corrupt" not in str(err.value)


@pytest.mark.parametrize("where, value", corpus.HEADER_CASES[:12] + corpus.HEADER_CASES[-6:])
def test_a_bad_header_field_is_named(tmp_path, where, value):
    run = Run("ring8", out=str(tmp_path / "g"), steps=1, progress=False, frames=1, log=lambda m: None).train()
    arrays, header = checkpoint.load(run.ckpt_path)
    bad = tmp_path / "bad.npz"
    checkpoint.save(bad, arrays, corpus.set_field(header, where, value))
    with pytest.raises(checkpoint.CheckpointError) as err:
        from minigan.train import load_gan
        load_gan(bad)
    message = str(err.value)
    assert str(bad) in message and len(message.splitlines()) == 1
    field = where.split(".")[-1] if value is corpus.DELETE or where in ("format", "version") else where
    assert field in message, message
