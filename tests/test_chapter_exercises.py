"""The chapters' exercises: every check passes with the solutions and fails, by name, with the stubs.

A chapter's exercise cells (tag ``exercise``) are committed as stubs that raise NotImplementedError;
``chapters/solutions/<stem>.py`` holds one ``# %% exercise k`` section per exercise cell, in order.
Each chapter with exercises runs twice in fast mode: with the k-th section in place of the k-th
exercise cell (no cell may fail, every check prints "<name>: passed"), and as committed (every check
cell fails with an ExerciseFailed naming its exercise, and no other cell fails -- so the stubs still
define every name later cells use). This pair replaces test_chapters.py's single run for such chapters.
"""
import re

import numpy as np
import pytest

from minigan import nn
from minigan.exercises import (ExerciseFailed, close, exercise, expect, gradients_match, solution_sections,
                               with_solutions)

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
from chapter_runner import CHAPTERS, execute, has_exercises, solutions_path, tagged  # noqa: E402

MIN_EXERCISES = 3
WITH_EXERCISES = [p for p in CHAPTERS if has_exercises(p)]
exercise_params = pytest.mark.parametrize("path", WITH_EXERCISES, ids=[p.stem for p in WITH_EXERCISES])
CHECK_BLOCK = re.compile(r"^\s*with exercise\(\s*(['\"])(.+?)\1", re.MULTILINE)


# --- the module itself -------------------------------------------------------------------------

def test_close_passes_and_reports_the_largest_error(capsys):
    with exercise("9.1 demo"):
        close(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12]), "dx")
    assert capsys.readouterr().out.startswith("9.1 demo: passed (dx: max |error| 1.0e-12")


def test_close_names_the_tensor_the_error_and_where():
    want = np.zeros((2, 3))
    got = want.copy()
    got[1, 2] = 0.5
    with pytest.raises(ExerciseFailed, match=r"^9.2 demo: dW: largest absolute error 0.5 at index \(1, 2\)"):
        with exercise("9.2 demo"):
            close(got, want, "dW")
    with pytest.raises(ExerciseFailed, match=r"dW: shape \(3, 2\), expected \(2, 3\)"):
        with exercise("9.2 demo"):
            close(want.T, want, "dW")
    with pytest.raises(ExerciseFailed, match="got None"):
        with exercise("9.2 demo"):
            close(None, want, "dW")
    with pytest.raises(ExerciseFailed, match=r"nan at index \(0, 1\)"):
        with exercise("9.2 demo"):
            close(np.array([[0.0, np.nan, 0.0]] * 2), want, "dW")


def test_a_stub_fails_with_a_message_that_says_so():
    def stub(x):
        raise NotImplementedError("multiply by the slope where x < 0")

    with pytest.raises(ExerciseFailed, match=r"^9.3 demo: not written yet - fill in the exercise cell above$"):
        with exercise("9.3 demo"):
            stub(1.0)


def test_asserts_become_named_failures_and_other_errors_pass_through():
    with pytest.raises(ExerciseFailed, match=r"^9.4 demo: coverage 3 of 8 modes, expected >= 6$"):
        with exercise("9.4 demo"):
            expect(3 >= 6, "coverage 3 of 8 modes, expected >= 6")
    with pytest.raises(ExerciseFailed, match=r"^9.4 demo: an assert failed in .*line \d+"):
        with exercise("9.4 demo"):
            raise AssertionError()  # what a bare `assert` raises outside pytest
    with pytest.raises(TypeError):  # a bug in the learner's code keeps its own traceback
        with exercise("9.4 demo"):
            len(3)


def test_gradients_match_catches_a_wrong_backward(capsys):
    x = np.random.default_rng(0).standard_normal((3, 4))

    def right(x):
        return x ** 2, lambda g: (2 * x * g,)

    def wrong(x):
        return x ** 2, lambda g: (x * g,)

    with exercise("9.5 demo"):
        gradients_match(right, x)
    assert "9.5 demo: passed (right: gradients match finite differences" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match=r"^9.5 demo: wrong: gradient of input 0 is wrong"):
        with exercise("9.5 demo"):
            gradients_match(wrong, x)
    layer = nn.Dense(4, 2).astype(np.float64)
    with exercise("9.5 demo"):
        gradients_match(layer, x, what="dense")


def test_solutions_replace_the_exercise_cells_in_order():
    from nbformat.v4 import new_code_cell, new_notebook
    cells = [new_code_cell("setup = 1"), new_code_cell("def f(): raise NotImplementedError"),
             new_code_cell("check f"), new_code_cell("def g(): raise NotImplementedError")]
    for i in (1, 3):
        cells[i].metadata["tags"] = ["exercise"]
    nb = with_solutions(new_notebook(cells=cells), "header\n# %% exercise 1\ndef f(): return 1\n\n"
                                                    "# %% exercise 2\ndef g(): return 2\n")
    assert [c.source for c in nb.cells] == ["setup = 1", "def f(): return 1\n", "check f", "def g(): return 2\n"]
    with pytest.raises(ValueError, match="got \\[1, 3\\]"):
        solution_sections("# %% exercise 1\n# %% exercise 3\n")
    with pytest.raises(ValueError, match="1 solution sections for 2 exercise cells"):
        with_solutions(nb, "# %% exercise 1\n")


# --- the chapters ------------------------------------------------------------------------------

def sections_of(path):
    text = solutions_path(path).read_text()
    try:
        return solution_sections(text)
    except ValueError as err:
        pytest.fail(f"{solutions_path(path).name}: {err}", pytrace=False)


def check_names(nb, checks):
    names = []
    for i in checks:
        blocks = CHECK_BLOCK.findall(nb.cells[i].source)
        assert len(blocks) == 1, f"check cell {i} should hold exactly one `with exercise(\"name\"):` block"
        names.append(blocks[0][1])
    return names


@exercise_params
def test_chapter_exercises_are_complete(path):
    assert solutions_path(path).exists(), f"{path.name} has exercise cells but no {solutions_path(path)}"
    nb = nbformat.read(path, as_version=4)
    exercises, checks = tagged(nb, "exercise"), tagged(nb, "check")
    assert len(exercises) >= MIN_EXERCISES, f"{path.name}: {len(exercises)} exercises, at least {MIN_EXERCISES}"
    assert len(checks) == len(exercises), f"{path.name}: {len(exercises)} exercise cells, {len(checks)} check cells"
    assert all(e < c for e, c in zip(exercises, checks)), f"{path.name}: each check should follow its exercise"
    names = check_names(nb, checks)
    assert len(set(names)) == len(names), f"{path.name}: exercise names repeat: {names}"
    sections = sections_of(path)
    assert len(sections) == len(exercises), \
        f"{solutions_path(path).name}: {len(sections)} sections for {len(exercises)} exercise cells"
    for i in exercises:
        assert "NotImplementedError" in nb.cells[i].source, f"{path.name}: exercise cell {i} is not a stub"


def cell_text(cell, kind):
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == kind)


@exercise_params
def test_chapter_runs_with_its_solutions(path, tmp_path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    with_solutions(nb, solutions_path(path).read_text())
    failure = execute(nb, tmp_path, monkeypatch)
    if failure:
        pytest.fail(f"{path.name} with its solutions failed in fast mode:\n{failure}", pytrace=False)
    checks = tagged(nb, "check")
    for i, name in zip(checks, check_names(nb, checks)):
        assert f"{name}: passed" in cell_text(nb.cells[i], "stdout"), \
            f"{path.name}: check cell {i} did not print '{name}: passed'"


@exercise_params
def test_every_check_fails_with_the_stubs(path, tmp_path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    execute(nb, tmp_path, monkeypatch, allow_errors=True)
    checks = tagged(nb, "check")
    names = dict(zip(checks, check_names(nb, checks)))
    for i, cell in enumerate(nb.cells):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if i not in names:
            assert not errors, (f"{path.name}: cell {i} failed with the stubs "
                                f"({errors[0]['ename']}: {errors[0]['evalue']}); only check cells may")
            continue
        assert errors, f"{path.name}: check '{names[i]}' passed with the stub - a check that cannot fail"
        assert errors[0]["ename"] == "ExerciseFailed" and errors[0]["evalue"].startswith(f"{names[i]}: "), \
            f"{path.name}: check '{names[i]}' raised {errors[0]['ename']}: {errors[0]['evalue']}"


def test_every_chapter_has_exercises():
    missing = [p.stem for p in CHAPTERS if not has_exercises(p)]
    assert not missing, f"chapters without exercises (cells tagged exercise and check, and a solutions file): {missing}"
