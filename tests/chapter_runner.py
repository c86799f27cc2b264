"""Running a chapter notebook in a fresh kernel, shared by test_chapters.py and test_chapter_exercises.py.

A notebook runs with ``MINIGAN_FAST=1`` (the chapter shrinks itself to seconds) and ``MPLBACKEND=Agg``,
in a temporary working directory, so whatever it writes (GIFs, run folders) never lands in the
repository and it cannot lean on relative paths to repository files.
"""
import os
import re
from pathlib import Path

import nbclient
import nbformat
from nbclient.exceptions import CellExecutionError

REPO = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((REPO / "chapters").glob("*.ipynb"))
SOLUTIONS = REPO / "chapters" / "solutions"
CELL_TIMEOUT_S = 600


def solutions_path(path):
    return SOLUTIONS / f"{Path(path).stem}.py"


def tagged(nb, tag):
    """Indices of the code cells carrying ``tag`` in their metadata."""
    return [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and tag in cell.get("metadata", {}).get("tags", [])]


def has_exercises(path):
    """A chapter has exercises once it has a solutions file or a cell tagged exercise or check."""
    if solutions_path(path).exists():
        return True
    nb = nbformat.read(path, as_version=4)
    return bool(tagged(nb, "exercise") or tagged(nb, "check"))


def chapter_environment(monkeypatch):
    """Set the variables the kernel inherits when it starts; monkeypatch restores them after."""
    monkeypatch.setenv("MINIGAN_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # The chapters multiply small matrices; a multi-threaded BLAS on a busy machine spends far longer
    # waiting for its threads than computing (300 ring8 steps: 0.2 s on one thread, ~50 s on two
    # threads of a loaded 2-core box). One thread keeps the run time independent of the neighbours.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if var not in os.environ:
            monkeypatch.setenv(var, "1")
    # The real MNIST (training and test splits) sits in shared/data beside the repository, where CI puts it;
    # point the chapters at it unless the caller chose a data directory. Without it, chapters fall back.
    shared_data = REPO.parent / "shared" / "data"
    if not os.environ.get("MINIGAN_DATA_DIR") and (shared_data / "mnist").is_dir():
        monkeypatch.setenv("MINIGAN_DATA_DIR", str(shared_data))
    # Import minigan from this checkout, whatever happens to be installed.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))


def execute(nb, workdir, monkeypatch, allow_errors=False):
    """Run ``nb`` in place (its cells gain outputs); returns None, or the failing cell's message."""
    chapter_environment(monkeypatch)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     allow_errors=allow_errors,
                                     resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except CellExecutionError as err:
        # The message holds the failing cell's source and its traceback (minus terminal colours).
        return re.sub(r"\x1b\[[0-9;]*m", "", str(err))
    return None
