"""Learning-rate schedules: the rates they set at every step, for any number of optimizers."""
import numpy as np
import pytest

from minigan.nn import Parameter
from minigan.optim import SGD, Adam, LinearDecay, Schedule


def optimizers(*rates):
    return [Adam([Parameter(np.zeros(3))], lr=lr) for lr in rates]


def rates_over(schedule, steps):
    """Each optimizer's rate at steps 0 .. steps-1, as the loop sees it before each step."""
    seen = []
    for _ in range(steps):
        seen.append([opt.lr for opt in schedule.optimizers])
        schedule.step()
    return np.array(seen)


def the_formula_it_replaced(lr, hold, step, total):
    """The rate the training loop set by hand before the schedule was an object."""
    start = hold * total
    return lr * min(1.0, 1.0 - (step - start) / (total - start))


@pytest.mark.parametrize("total, hold", [(10, 0.0), (10, 0.5), (7, 0.3), (20000, 0.5), (8000, 0.0), (1, 0.0)])
def test_linear_decay_sets_the_same_bits_as_the_formula(total, hold):
    lr_d, lr_g = 1e-3, 1e-3 * 2.0
    schedule = LinearDecay(optimizers(lr_d, lr_g), total, hold=hold)
    seen = rates_over(schedule, total)
    for step in range(total):
        assert seen[step, 0] == the_formula_it_replaced(lr_d, hold, step, total)
        assert seen[step, 1] == the_formula_it_replaced(lr_g, hold, step, total)


def test_linear_decay_holds_then_falls_to_zero():
    seen = rates_over(LinearDecay(optimizers(0.5), 10, hold=0.5), 10)[:, 0]
    assert list(seen[:6]) == [0.5] * 6
    assert np.allclose(seen[5:], 0.5 * np.array([1.0, 0.8, 0.6, 0.4, 0.2]))
    assert np.all(np.diff(seen) <= 0)


def test_rates_never_go_negative_past_the_end():
    schedule = LinearDecay(optimizers(0.1), 4)
    rates_over(schedule, 6)
    assert schedule.optimizers[0].lr == 0.0


def test_start_resumes_mid_run_and_base_rates_override_the_optimizers():
    whole = rates_over(LinearDecay(optimizers(0.2, 0.4), 10, hold=0.2), 10)
    # a restored optimizer holds the decayed rate of its last step: the base rates are given again
    restored = optimizers(0.01, 0.02)
    later = rates_over(LinearDecay(restored, 10, hold=0.2, base_lrs=[0.2, 0.4], start=6), 4)
    assert np.array_equal(later, whole[6:])


def test_constant_schedule_keeps_each_optimizers_rate():
    opts = [SGD([Parameter(np.zeros(2))], lr=0.3), *optimizers(2e-4)]
    seen = rates_over(Schedule(opts), 5)
    assert np.array_equal(seen, [[0.3, 2e-4]] * 5)


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="hold"):
        LinearDecay(optimizers(0.1), 10, hold=1.0)
    with pytest.raises(ValueError, match="total_steps"):
        LinearDecay(optimizers(0.1), 0)
    with pytest.raises(ValueError, match="2 optimizers but 1 base"):
        Schedule(optimizers(0.1, 0.2), base_lrs=[0.1])
