"""The chapter notebooks: each runs top to bottom, and each is committed with its outputs stripped.

Every ``chapters/*.ipynb`` is picked up automatically and runs in fast mode (see chapter_runner.py).
A chapter with exercises runs in test_chapter_exercises.py instead, once with its solutions filled
in and once as committed (its stubs), so that it is not run a third time here.
"""
import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
from chapter_runner import CHAPTERS, REPO, execute, has_exercises  # noqa: E402

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
    if has_exercises(path):
        pytest.skip("runs with its solutions and with its stubs in test_chapter_exercises.py")
    nb = nbformat.read(path, as_version=4)
    failure = execute(nb, tmp_path, monkeypatch)
    if failure:
        pytest.fail(f"{path.name} failed in fast mode:\n{failure}", pytrace=False)
