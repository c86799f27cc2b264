"""Optimizers: PyTorch parity, hand-derived first steps, resuming, and argument checks."""
import numpy as np
import pytest

from minigan.backend import to_numpy
from minigan.nn import Parameter
from minigan.optim import SGD, Adam, RMSprop, make_optimizer

SHAPES = [(3, 4), (4,), (2, 3, 5)]


def make_params(xp, seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    return [Parameter(xp.asarray(rng.standard_normal(s) * 2 + 0.5), f"p{i}") for i, s in enumerate(shapes)]


def grad_sequence(steps, seed=1, shapes=SHAPES):
    """Random gradients of varied scale (some tiny, some large), the same for every run that asks."""
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s) * 10.0 ** rng.uniform(-3, 1) for s in shapes] for _ in range(steps)]


def run(opt, params, grads, xp):
    for step in grads:
        opt.zero_grad()
        for p, g in zip(params, step):
            p.grad += xp.asarray(g)
        opt.step()


def values(params):
    return [to_numpy(p.data).copy() for p in params]


# ---------------------------------------------------------------- parity with torch.optim

CASES = [
    ("sgd", dict(lr=0.1), dict(lr=0.1)),
    ("sgd_momentum", dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9)),
    ("adam", dict(lr=0.01, betas=(0.5, 0.999), eps=1e-8), dict(lr=0.01, betas=(0.5, 0.999), eps=1e-8)),
    ("adam_default_betas", dict(lr=0.003, betas=(0.9, 0.99), eps=1e-6), dict(lr=0.003, betas=(0.9, 0.99), eps=1e-6)),
    ("rmsprop", dict(lr=0.01, alpha=0.9, eps=1e-8), dict(lr=0.01, alpha=0.9, eps=1e-8)),
    ("rmsprop_defaults", dict(lr=5e-3), dict(lr=5e-3, alpha=0.99, eps=1e-8)),
]


@pytest.mark.parametrize("case,ours,theirs", CASES, ids=[c[0] for c in CASES])
def test_matches_torch_over_several_steps(xp, case, ours, theirs):
    torch = pytest.importorskip("torch")
    name = case.split("_")[0]
    params = make_params(xp)
    tparams = [torch.tensor(to_numpy(p.data).copy(), dtype=torch.float64, requires_grad=True) for p in params]
    opt = make_optimizer(name, params, **ours)
    topt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}[name](
        tparams, foreach=False, **theirs)
    start = values(params)
    for k, step in enumerate(grad_sequence(8)):
        opt.zero_grad()
        for p, tp, g in zip(params, tparams, step):
            p.grad += xp.asarray(g)
            tp.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        topt.step()
        for p, tp in zip(params, tparams):
            mine, ref = to_numpy(p.data), tp.detach().numpy()
            assert mine.dtype == np.float64
            assert np.allclose(mine, ref, rtol=1e-12, atol=1e-12), (case, k, np.abs(mine - ref).max())
    assert opt.t == 8
    assert all(not np.allclose(a, b) for a, b in zip(start, values(params)))   # the parameters did move


# ---------------------------------------------------------------- without torch

def test_sgd_plain_and_momentum_by_hand(xp):
    p = Parameter(xp.asarray([1.0, -2.0, 3.0]), "p")
    opt = SGD([p], lr=0.5)
    p.grad[...] = xp.asarray([0.2, 0.4, -1.0])
    opt.step()
    assert np.allclose(to_numpy(p.data), [0.9, -2.2, 3.5], rtol=1e-15)

    q = Parameter(xp.asarray([1.0]), "q")
    opt = SGD([q], lr=0.1, momentum=0.5)
    for g in (1.0, 1.0, -2.0):
        q.grad[...] = g
        opt.step()
    # v: 1, 1.5, -1.25 ; p: 1 - 0.1, - 0.15, + 0.125
    assert np.allclose(to_numpy(q.data), [1.0 - 0.1 - 0.15 + 0.125], rtol=1e-15)


@pytest.mark.parametrize("lr", [2e-4, 1e-2])
def test_adam_first_step_moves_each_parameter_by_lr_times_sign(xp, lr):
    params = make_params(xp, seed=3)
    before = values(params)
    rng = np.random.default_rng(4)
    # magnitudes from 1e-2 to 1e2 (well above eps = 1e-8), random signs
    grads = [rng.choice([-1.0, 1.0], p.shape) * 10.0 ** rng.uniform(-2, 2, p.shape) for p in params]
    for p, g in zip(params, grads):
        p.grad[...] = xp.asarray(g)
    Adam(params, lr=lr).step()
    for b, p, g in zip(before, params, grads):
        # bias correction makes m_hat = g and v_hat = g^2 after one step, whatever the gradient's scale
        assert np.allclose(b - to_numpy(p.data), lr * np.sign(g), rtol=1e-5, atol=0)


def test_rmsprop_first_step_by_hand(xp):
    p = Parameter(xp.asarray([0.0, 1.0]), "p")
    p.grad[...] = xp.asarray([3.0, -0.5])
    RMSprop([p], lr=0.01, alpha=0.99).step()
    # v = 0.01 g^2, step = lr g / (0.1 |g| + eps) = 0.1 sign(g)
    assert np.allclose(to_numpy(p.data), [-0.1, 1.1], rtol=1e-6)


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop"])
def test_step_reads_grad_and_leaves_it(xp, name):
    params = make_params(xp)
    for p in params:
        p.grad[...] = 1.0
    opt = make_optimizer(name, params, lr=0.1)
    opt.step()
    assert all(np.all(to_numpy(p.grad) == 1.0) for p in params)
    opt.zero_grad()
    assert all(not np.any(to_numpy(p.grad)) for p in params)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop"])
def test_updates_keep_dtype_and_backend(xp, name, dtype):
    p = Parameter(xp.ones((2, 3), dtype=dtype), "p")
    p.grad[...] = 0.5
    opt = make_optimizer(name, [p], lr=0.1)
    for _ in range(2):
        opt.step()
    assert p.data.dtype == dtype and type(p.data) is type(xp.ones(1))
    assert all(s.dtype == dtype for slots in opt.slots.values() for s in slots)


# ---------------------------------------------------------------- resuming

OPTS = [("sgd", dict(lr=0.05)), ("sgd", dict(lr=0.05, momentum=0.8)),
        ("adam", dict(lr=0.01, betas=(0.5, 0.999))), ("rmsprop", dict(lr=0.01, alpha=0.95))]


@pytest.mark.parametrize("name,kwargs", OPTS, ids=["sgd", "sgd_momentum", "adam", "rmsprop"])
def test_resume_from_state_dict_is_bit_identical(xp, name, kwargs):
    grads = grad_sequence(12, seed=9)

    straight = make_params(xp)
    run(make_optimizer(name, straight, **kwargs), straight, grads, xp)

    first = make_params(xp)
    opt = make_optimizer(name, first, **kwargs)
    run(opt, first, grads[:5], xp)
    saved_params, saved_state = values(first), opt.state_dict()
    assert saved_state["type"] == type(opt).__name__ and saved_state["t"] == 5
    run(opt, first, grads[5:7], xp)                  # the old optimizer moves on; the saved state must not

    resumed = [Parameter(xp.asarray(v), f"p{i}") for i, v in enumerate(saved_params)]
    fresh = make_optimizer(name, resumed, lr=123.0)   # wrong hyper-parameters are restored from the state
    fresh.load_state_dict(saved_state)
    assert fresh.t == 5 and fresh.hyperparameters() == opt.hyperparameters()
    run(fresh, resumed, grads[5:], xp)

    for a, b in zip(values(straight), values(resumed)):
        assert np.array_equal(a, b)


def test_state_dict_slots_are_copies(xp):
    params = make_params(xp)
    opt = Adam(params, lr=0.01)
    run(opt, params, grad_sequence(2), xp)
    state = opt.state_dict()
    assert set(state["slots"]) == {f"{s}.{i}" for s in ("m", "v") for i in range(len(SHAPES))}
    m0 = state["slots"]["m.0"].copy()
    run(opt, params, grad_sequence(1, seed=5), xp)
    assert np.array_equal(state["slots"]["m.0"], m0)


def test_load_state_dict_errors(xp):
    params = make_params(xp)
    adam = Adam(params)
    with pytest.raises(ValueError, match="state is for Adam, not SGD"):
        SGD(params, lr=0.1, momentum=0.9).load_state_dict(adam.state_dict())
    other = Adam(make_params(xp, shapes=[(3, 4), (5,), (2, 3, 5)]))
    with pytest.raises(ValueError, match=r"slot m\.1: expected shape \(4,\), got \(5,\)"):
        adam.load_state_dict(other.state_dict())


# ---------------------------------------------------------------- argument checks

@pytest.mark.parametrize("cls", [SGD, Adam, RMSprop])
def test_empty_parameter_list_raises(cls):
    with pytest.raises(ValueError, match=f"{cls.__name__} got an empty parameter list"):
        cls([], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        cls(iter([]), lr=0.1)


@pytest.mark.parametrize("cls", [SGD, Adam, RMSprop])
@pytest.mark.parametrize("lr", [0.0, -1e-3])
def test_bad_learning_rate_raises(xp, cls, lr):
    with pytest.raises(ValueError, match="learning rate must be positive"):
        cls(make_params(xp), lr=lr)


def test_make_optimizer_names():
    params = make_params(np)
    assert type(make_optimizer("Adam", params)) is Adam
    assert type(make_optimizer("sgd", params, lr=0.1)) is SGD
    with pytest.raises(ValueError, match="unknown optimizer 'lion'"):
        make_optimizer("lion", params)


def test_defaults_are_the_papers():
    params = make_params(np)
    adam = Adam(params)
    assert adam.lr == 2e-4 and adam.betas == (0.5, 0.999)      # DCGAN
    assert RMSprop(params).lr == 5e-5                            # WGAN
