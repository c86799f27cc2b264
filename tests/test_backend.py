"""The backend switch and the seeded generator: the two globals minigan allows itself."""
import sys

import numpy as np
import pytest

import minigan
from minigan import backend as B
from minigan import rng as R


# ---------------------------------------------------------------- array modules

def test_get_array_module_on_numpy_arrays_and_scalars():
    a, b = np.zeros(3), np.ones((2, 2), dtype=np.float32)
    assert B.get_array_module(a) is np
    assert B.get_array_module(a, b) is np
    assert B.get_array_module(1.5, a) is np
    assert B.get_array_module() is np
    assert B.backend_of(a) == "numpy"


def test_get_array_module_follows_the_inputs(xp):
    a = xp.arange(4.0)
    assert B.get_array_module(a) is xp
    assert B.get_array_module(np.zeros(2), a) is xp  # any CuPy input makes it CuPy


def test_to_numpy_passes_numpy_through():
    a = np.arange(6.0).reshape(2, 3)
    out = B.to_numpy(a)
    assert out is a                      # no copy for NumPy input
    assert isinstance(B.to_numpy([1, 2]), np.ndarray)


def test_to_numpy_and_to_backend_round_trip(xp, backend):
    host = np.random.default_rng(0).standard_normal((3, 4))
    moved = B.to_backend(host, backend)
    assert B.get_array_module(moved) is xp
    back = B.to_numpy(moved)
    assert isinstance(back, np.ndarray)
    assert np.array_equal(back, host)


def test_get_xp_names():
    assert B.get_xp("numpy") is np
    assert B.get_xp("NumPy") is np
    with pytest.raises(ValueError, match="unknown backend 'tpu'"):
        B.get_xp("tpu")


def test_synchronize_is_a_no_op_on_numpy():
    assert B.synchronize(np.zeros(2)) is None
    assert B.synchronize(np) is None


# ---------------------------------------------------------------- CuPy missing

@pytest.fixture
def no_cupy(monkeypatch):
    """Make `import cupy` fail on any machine (a None entry in sys.modules raises ImportError)."""
    monkeypatch.setitem(sys.modules, "cupy", None)


def test_asking_for_cupy_without_cupy_raises_backend_unavailable(no_cupy):
    with pytest.raises(B.BackendUnavailable) as info:
        B.get_xp("cupy")
    msg = str(info.value)
    # one sentence, for a person: it says what is missing and what to do instead
    assert "\n" not in msg
    assert msg.endswith(".") and msg.count(". ") == 0
    assert "CuPy" in msg and "GPU" in msg
    assert "--backend numpy" in msg
    assert "Error)" in msg                                     # the underlying cause, by type
    assert isinstance(info.value, RuntimeError)
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no chained traceback


def test_cupy_available_is_false_without_cupy(no_cupy):
    assert B.cupy_available() is False


def test_to_backend_cupy_without_cupy_raises(no_cupy):
    with pytest.raises(B.BackendUnavailable):
        B.to_backend(np.zeros(2), "cupy")


def test_minigan_backend_env_cupy_without_cupy(monkeypatch, no_cupy):
    monkeypatch.setenv("MINIGAN_BACKEND", "cupy")
    assert B.default_backend() == "cupy"
    with pytest.raises(B.BackendUnavailable):
        B.get_xp()


# ---------------------------------------------------------------- MINIGAN_BACKEND

@pytest.mark.parametrize("value", ["tensorflow", "gpu", "numpyy"])
def test_bad_minigan_backend_is_a_clear_value_error(monkeypatch, value):
    monkeypatch.setenv("MINIGAN_BACKEND", value)
    with pytest.raises(ValueError) as info:
        B.default_backend()
    msg = str(info.value)
    assert "MINIGAN_BACKEND" in msg and repr(value) in msg
    assert "numpy" in msg and "cupy" in msg     # says what is allowed
    with pytest.raises(ValueError, match="MINIGAN_BACKEND"):
        B.get_xp()                               # the default is resolved through the same check


@pytest.mark.parametrize("value,expected", [("numpy", "numpy"), (" NumPy ", "numpy"), ("", "numpy"),
                                            ("cupy", "cupy"), ("CUPY", "cupy")])
def test_minigan_backend_values(monkeypatch, value, expected):
    monkeypatch.setenv("MINIGAN_BACKEND", value)
    assert B.default_backend() == expected


def test_default_backend_unset_is_numpy(monkeypatch):
    monkeypatch.delenv("MINIGAN_BACKEND", raising=False)
    assert B.default_backend() == "numpy"
    assert B.get_xp() is np


# ---------------------------------------------------------------- the seeded generator

def draws():
    g = minigan.get_rng()
    return g.standard_normal(5), g.random(3), g.integers(0, 1000, 4)


def test_seed_twice_gives_identical_draws():
    minigan.seed(42)
    first = draws()
    minigan.seed(42)
    second = draws()
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
    minigan.seed(43)
    third = draws()
    assert not np.array_equal(first[0], third[0])


def test_seed_returns_the_global_generator():
    g = minigan.seed(5)
    assert g is minigan.get_rng()
    assert isinstance(g, np.random.Generator)


def test_get_rng_prefers_an_explicit_generator():
    mine = np.random.default_rng(3)
    assert minigan.get_rng(mine) is mine
    assert minigan.get_rng(None) is minigan.get_rng()


def test_state_round_trip_replays_the_same_draws():
    minigan.seed(7)
    minigan.get_rng().standard_normal(11)          # move away from the fresh state
    state = R.get_state()
    first = draws()
    R.set_state(state)
    second = draws()
    for a, b in zip(first, second):
        assert np.array_equal(a, b)


def test_state_is_a_snapshot_not_a_live_view():
    minigan.seed(9)
    state = R.get_state()
    expected = minigan.get_rng().standard_normal(4)
    minigan.get_rng().standard_normal(100)         # drawing more must not change the saved state
    R.set_state(state)
    assert np.array_equal(minigan.get_rng().standard_normal(4), expected)


def test_state_is_json_friendly():
    import json
    minigan.seed(1)
    state = json.loads(json.dumps(R.get_state()))
    expected = minigan.get_rng().random(3)
    minigan.seed(999)
    R.set_state(state)
    assert np.array_equal(minigan.get_rng().random(3), expected)
