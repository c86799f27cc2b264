"""The chapter notebooks: each runs top to bottom, and each is committed with its outputs stripped.

Every ``chapters/*.ipynb`` is picked up automatically. A notebook runs in a fresh kernel with
``MINIGAN_FAST=1`` (the chapter shrinks itself to seconds) and ``MPLBACKEND=Agg``, in a temporary
working directory, so whatever it writes (GIFs, run folders) never lands in the repository and it
cannot lean on relative paths to repository files.
"""
import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
from nbclient.exceptions import CellExecutionError  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((REPO / "chapters").glob("*.ipynb"))
CELL_TIMEOUT_S = 600

chapter_params = pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])


def test_chapters_exist():
    assert CHAPTERS, f"no notebooks found in {REPO / 'chapters'}"


@chapter_params
def test_chapter_is_stripped(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: code cells {dirty} have outputs or execution counts; "
                       "clear all outputs before committing (Jupyter: Edit > Clear Outputs of All Cells)")
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", \
        f"{path.name}: kernelspec should be python3, got {nb.metadata.get('kernelspec')}"


@chapter_params
def test_chapter_runs(path, tmp_path, monkeypatch):
    # The kernel inherits this process's environment when it starts; monkeypatch restores it after.
    monkeypatch.setenv("MINIGAN_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # The chapters multiply small matrices; a multi-threaded BLAS on a busy machine spends far longer
    # waiting for its threads than computing (300 ring8 steps: 0.2 s on one thread, ~50 s on two
    # threads of a loaded 2-core box). One thread keeps the run time independent of the neighbours.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if var not in os.environ:
            monkeypatch.setenv(var, "1")
    # The real MNIST (its 10k test split) sits in shared/data beside the repository, where CI puts it;
    # point the chapters at it unless the caller chose a data directory. Without it, chapters fall back.
    shared_data = REPO.parent / "shared" / "data"
    if not os.environ.get("MINIGAN_DATA_DIR") and (shared_data / "mnist").is_dir():
        monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data))
    # Import minigan from this checkout, whatever happens to be installed.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
        failure = None
    except CellExecutionError as err:
        # The message holds the failing cell's source and its traceback (minus terminal colours).
        failure = re.sub(r"\x1b\[[0-9;]*m", "", str(err))
    if failure:
        pytest.fail(f"{path.name} failed in fast mode:\n{failure}", pytrace=False)
