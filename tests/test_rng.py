"""Philox4x32-10 against its published answers, its draws on every backend, and the keyed streams."""
import numpy as np
import pytest

import minigan
from minigan import philox, rng as R
from minigan.backend import backend_of, to_numpy

# Known-answer vectors of Philox4x32-10: counter (4 words), key (2 words) -> 4 output words, from the
# kat_vectors file of the Random123 distribution (Salmon et al. 2011), as reproduced in D. E. Shaw
# Research's core123 tests (DEShawResearch/fs123, core123/ut/ut_philox.cpp, test_kat_philox4x32).
KAT = [
    ((0x00000000, 0x00000000, 0x00000000, 0x00000000), (0x00000000, 0x00000000),
     (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF),
     (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize("counter, key, expected", KAT)
def test_philox4x32_10_gives_the_published_answers(xp, counter, key, expected):
    words = philox.philox4x32([xp.asarray([c], dtype=np.uint32) for c in counter], key)
    assert [int(to_numpy(w)[0]) for w in words] == list(expected)
    assert all(w.dtype == np.uint32 for w in words)


def test_array_version_and_compiled_cpu_path_agree(monkeypatch):
    if philox._compiled is None:
        pytest.skip("randomgen is not installed: the CPU uses the array version alone")
    key, stream = (0x89ABCDEF, 17), (123456, 3)
    fast = philox.random_words(np, 4099, key, stream)
    monkeypatch.setattr(philox, "_compiled", None)
    plain = philox.random_words(np, 4099, key, stream)
    np.testing.assert_array_equal(fast, plain)


def test_words_are_laid_out_counter_by_counter(xp):
    key, stream = (5, 6), (7, 8)
    words = to_numpy(philox.random_words(xp, 10, key, stream))
    block = [to_numpy(w)[0] for w in philox.philox4x32(
        [xp.asarray([v], dtype=np.uint32) for v in (2, 0, 7, 8)], key)]
    np.testing.assert_array_equal(words[8:10], block[:2])    # words 8, 9 = counter 2's first two


def test_draws_are_made_on_the_backend_asked_for(xp, backend):
    for draw in (R.uniform(xp, (3, 5)), R.normal(xp, (3, 5)), R.keep_mask(xp, (3, 5), 0.3), R.integers(xp, 4, 7)):
        assert backend_of(draw) == backend
    assert R.uniform(xp, (2, 3), np.float64).dtype == np.float64


def test_uniform_normal_and_mask_statistics(xp):
    u = to_numpy(R.uniform(xp, (200_000,), np.float64))
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.005
    z = to_numpy(R.normal(xp, (200_001,), np.float64))
    assert np.all(np.isfinite(z)) and abs(z.mean()) < 0.01 and abs(z.std() - 1.0) < 0.01
    assert abs(np.mean(np.abs(z) < 1.0) - 0.6827) < 0.005      # the normal's one-sigma mass
    keep = to_numpy(R.keep_mask(xp, (500, 401), 0.3))
    assert abs(keep.mean() - 0.7) < 0.005
    labels = to_numpy(R.integers(xp, 10, 100_000))
    assert labels.min() == 0 and labels.max() == 9 and np.all(np.abs(np.bincount(labels) - 10_000) < 500)


def test_one_seed_gives_the_same_bits_on_every_backend(xp):
    minigan.seed(11)
    R.at_step(5)
    here = [to_numpy(R.uniform(xp, (7, 9))), to_numpy(R.normal(xp, (13,))), to_numpy(R.keep_mask(xp, (33,), 0.5))]
    minigan.seed(11)
    R.at_step(5)
    on_cpu = [R.uniform(np, (7, 9)), R.normal(np, (13,)), R.keep_mask(np, (33,), 0.5)]
    for a, b in zip(here, on_cpu):
        np.testing.assert_array_equal(a, b)


def test_a_draw_is_named_by_seed_step_and_site():
    minigan.seed(3)
    R.at_step(10)
    first, second = R.uniform(np, (6,)), R.uniform(np, (6,))
    assert not np.array_equal(first, second)                  # the next site is a new stream
    R.uniform(np, (1000,))                                    # draws made between steps ...
    R.at_step(10)
    np.testing.assert_array_equal(R.uniform(np, (6,)), first)    # ... do not move step 10's draws
    R.at_step(11)
    assert not np.array_equal(R.uniform(np, (6,)), first)
    minigan.seed(4)
    R.at_step(10)
    assert not np.array_equal(R.uniform(np, (6,)), first)


def test_state_round_trip_includes_the_counter():
    minigan.seed(9)
    R.at_step(4)
    R.normal(np, (3,))
    state = R.get_state()
    first = R.normal(np, (5,)), minigan.get_rng().random(2)
    minigan.seed(1)
    R.set_state(state)
    second = R.normal(np, (5,)), minigan.get_rng().random(2)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("counter", [{"seed": 1, "step": -1, "site": 0}, {"seed": 1}, "x", {"seed": 1.5, "step": 0, "site": 0}])
def test_a_bad_counter_in_a_saved_state_is_a_clear_error(counter):
    state = R.get_state()
    state["counter"] = counter
    with pytest.raises(ValueError, match="counter"):
        R.set_state(state)


def small_gan(backend, **kwargs):
    from minigan.gan import GAN
    from minigan.nn import Dense, Dropout, LeakyReLU, Sequential
    minigan.seed(21)
    G = Sequential(Dense(3, 8), LeakyReLU(0.2), Dense(8, 2)).to(backend)
    D = Sequential(Dense(2, 16), LeakyReLU(0.2), Dropout(0.3), Dense(16, 1)).to(backend)
    return GAN(G, D, 3, **kwargs)


def test_training_draws_nothing_from_the_cpu_generator(xp, backend):
    """Noise, dropout masks, the penalty's interpolates and label noise are all made where D lives."""
    from minigan.losses import get_objective
    gan = small_gan(backend, gradient_penalty=1.0)
    gan.objective = get_objective("non_saturating")
    gan.objective.label_flip = 0.1
    real = xp.asarray(np.random.default_rng(0).standard_normal((16, 2)), dtype=np.float32)
    before = minigan.get_rng().bit_generator.state
    for _ in range(3):
        gan.step(real)
    assert minigan.get_rng().bit_generator.state == before


def test_draws_between_steps_leave_the_next_step_unchanged(xp, backend):
    """A step's draws are named by its number: what is drawn between steps cannot shift them, so a run
    resumed at step k (G, D, optimizers, step count restored) draws exactly what the whole run drew."""
    real = xp.asarray(np.random.default_rng(0).standard_normal((16, 2)), dtype=np.float32)
    gan = small_gan(backend)
    whole = [gan.step(real).as_row() for _ in range(4)]
    gan = small_gan(backend)
    disturbed = []
    for _ in range(4):
        disturbed.append(gan.step(real).as_row())
        gan.generate(50)                                  # a picture between steps
        R.normal(xp, (123,))
    assert disturbed == whole
    assert len({row["d_loss"] for row in whole}) == 4
