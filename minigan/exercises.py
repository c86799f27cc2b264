"""Exercises in the chapter notebooks: the learner writes a function, a check cell tests it.

A check cell holds one block:

    with exercise("2.1 LeakyReLU backward"):
        close(my_leaky_relu_backward(x, g), reference, "dx")

and prints "2.1 LeakyReLU backward: passed" when every check inside holds. When a check does
not hold, the block raises ExerciseFailed whose message starts with the exercise's name and says
what was wrong (which tensor, how far off, where); when the learner's cell is still the stub that
raises NotImplementedError, the message says so. The helpers here (close, expect,
gradients_match) raise AssertionError, so they can also be used outside an exercise block.

Solutions live apart, in ``chapters/solutions/<notebook stem>.py``: one ``# %% exercise k`` section
per exercise cell (tag ``exercise``), in notebook order. ``with_solutions`` puts them in place, for
the test suite and for full-mode runs.
"""
import contextlib
import re

import numpy as np

from .backend import to_numpy
from .gradcheck import check_grads

# The notes of the exercise blocks now open (innermost last); helpers add what they measured,
# and the block prints it after "passed", so a learner sees how close the answer was.
_open_notes = []


class ExerciseFailed(AssertionError):
    """A check cell's test did not hold; the message starts with the exercise's name."""


@contextlib.contextmanager
def exercise(name):
    """Run one exercise's checks; turn a stub or a failed check into one readable ExerciseFailed."""
    notes = []
    _open_notes.append(notes)
    try:
        yield
    except NotImplementedError:
        # `from None`: the stub's own traceback says nothing the message does not.
        raise ExerciseFailed(f"{name}: not written yet - fill in the exercise cell above") from None
    except ExerciseFailed:
        raise  # a nested exercise already named itself
    except AssertionError as err:
        message = str(err) or f"an assert failed in {_where(err)}"
        raise ExerciseFailed(f"{name}: {message}") from None
    finally:
        _open_notes.remove(notes)
    detail = f" ({'; '.join(notes)})" if notes else ""
    print(f"{name}: passed{detail}")


def _where(err):
    """File and line of the innermost frame of an exception (for asserts written without a message)."""
    tb = err.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}, line {tb.tb_lineno}"


def _note(text):
    if _open_notes:
        _open_notes[-1].append(text)
    return text


def close(got, want, what, rtol=1e-6, atol=1e-9):
    """Assert that ``got`` equals ``want`` elementwise within atol + rtol * |want|.

    The message names ``what``, the shapes if they differ, and the largest absolute error and its
    index; on success returns (and notes for the exercise block) the largest error.
    """
    if got is None:
        raise AssertionError(f"{what}: got None - does the function end with a return?")
    try:
        got = np.asarray(to_numpy(got), dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{what}: got a {type(got).__name__}, expected an array") from None
    want = np.asarray(to_numpy(want), dtype=np.float64)
    if got.shape != want.shape:
        raise AssertionError(f"{what}: shape {got.shape}, expected {want.shape}")
    if not np.all(np.isfinite(got)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(got))[0])
        raise AssertionError(f"{what}: holds {got[where]} at index {where}; expected {want[where]:.6g}")
    error = np.abs(got - want)
    if error.size == 0:
        return _note(f"{what}: empty, as expected")
    worst = np.unravel_index(int(np.argmax(error)), error.shape)
    largest = float(error[worst])
    if not np.all(error <= atol + rtol * np.abs(want)):
        where = tuple(int(i) for i in worst)
        raise AssertionError(f"{what}: largest absolute error {largest:.3g} at index {where} "
                             f"(got {got[worst]:.6g}, expected {want[worst]:.6g}; "
                             f"allowed {atol:.0e} + {rtol:.0e} * |expected|)")
    return _note(f"{what}: max |error| {largest:.1e}")


def expect(condition, message):
    """Assert a measured behaviour; ``message`` says what was expected and what was seen.

    Unlike a bare ``assert``, this still checks when Python runs with -O.
    """
    if not condition:
        raise AssertionError(message)
    return True


def gradients_match(target, *inputs, what=None, tol=1e-6, seed=0):
    """Check a learner's backward against finite differences with minigan's check_grads.

    ``target`` is a Layer or a function ``fn(*inputs) -> (out, backward)`` (see
    minigan.gradcheck.check_grads); inputs must be float64. Returns the largest relative error.
    """
    errors = check_grads(target, *inputs, tol=tol, seed=seed)
    worst = max(errors.values(), default=0.0)
    label = what or getattr(target, "__name__", type(target).__name__)
    _note(f"{label}: gradients match finite differences, max relative error {worst:.1e}")
    return worst


SECTION = re.compile(r"^# %% exercise (\d+)[ \t]*$", re.MULTILINE)


def solution_sections(text):
    """The sources of a solutions file's sections, in order; ValueError unless numbered 1, 2, ..."""
    marks = list(SECTION.finditer(text))
    numbers = [int(m.group(1)) for m in marks]
    if numbers != list(range(1, len(marks) + 1)):
        raise ValueError(f"sections should be '# %% exercise 1', '# %% exercise 2', ...; got {numbers}")
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [text[m.end():end].strip("\n") + "\n" for m, end in zip(marks, ends)]


def exercise_cells(nb):
    """Indices of a notebook's code cells tagged ``exercise``."""
    return [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and "exercise" in cell.get("metadata", {}).get("tags", [])]


def with_solutions(nb, text):
    """Replace the k-th exercise cell of ``nb`` (an nbformat notebook) by the k-th section; returns nb."""
    cells, sections = exercise_cells(nb), solution_sections(text)
    if len(cells) != len(sections):
        raise ValueError(f"{len(sections)} solution sections for {len(cells)} exercise cells")
    for i, source in zip(cells, sections):
        nb.cells[i].source = source
    return nb
