"""Shared fixtures: the backend matrix and a fresh seed for every test."""
import os

import numpy as np
import pytest
from hypothesis import settings

import minigan
from minigan.backend import cupy_available, get_xp

os.environ.setdefault("MPLBACKEND", "Agg")

# Hypothesis: no deadline (first calls compile/allocate), modest example counts so the
# suite stays within its time budget on 2 cores.
settings.register_profile("default", deadline=None, max_examples=25)
settings.register_profile("thorough", deadline=None, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

BACKENDS = [pytest.param("numpy", id="numpy")]
if cupy_available():
    BACKENDS.append(pytest.param("cupy", id="cupy", marks=pytest.mark.gpu))


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Each test that takes this runs once per available backend ("numpy", and "cupy" on a GPU)."""
    return request.param


@pytest.fixture
def xp(backend):
    """The array module of the backend under test (numpy or cupy)."""
    return get_xp(backend)


def find_mnist():
    """The folder holding MNIST's test split where the CLI looks for it ($MINIGAN_DATA_DIR/mnist, then
    ~/.cache/minigan/mnist), else CI's copy in shared/data beside the repository; None if nowhere."""
    from pathlib import Path

    from minigan.data.mnist import _find_split, search_dirs
    dirs = search_dirs("mnist") + [Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"]
    found = _find_split(dirs, "test")
    return found[0].parent if found else None


@pytest.fixture(scope="session")
def mnist_dir():
    """Where MNIST's test split is (see find_mnist); the test is skipped if it is nowhere."""
    found = find_mnist()
    if found is None:
        pytest.skip("MNIST's test split not found in $MINIGAN_DATA_DIR/mnist, ~/.cache/minigan/mnist "
                    "or ../shared/data/mnist")
    return found


@pytest.fixture(autouse=True)
def _seeded():
    minigan.seed(1234)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(2024)
