"""The training step: who changes in which step, what the gradients are, and that a toy GAN learns."""
import numpy as np
import pytest

import minigan
from minigan import rng as R
from minigan.backend import to_numpy
from minigan.gan import GAN, StepRecord
from minigan.gradcheck import numerical_gradient, relative_error
from minigan.losses import OBJECTIVES, get_objective
from minigan.nn import Dense, LeakyReLU, Sequential
from minigan.optim import SGD, Adam, RMSprop

Z_DIM = 3


def build_models(backend, hidden=8):
    """G: z (3) -> 2-D sample; D: 2-D sample -> 1 logit. float32, on the backend under test."""
    G = Sequential(Dense(Z_DIM, hidden, backend=backend), LeakyReLU(0.2), Dense(hidden, 2, backend=backend))
    D = Sequential(Dense(2, hidden, backend=backend), LeakyReLU(0.2), Dense(hidden, 1, backend=backend))
    return G, D


def real_batch(xp, n=16, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return xp.asarray(rng.standard_normal((n, 2)) * 0.5 + 2.0, dtype=dtype)


def snapshot(model):
    return {name: to_numpy(p.data).copy() for name, p in model.named_parameters()}


def grads_of(model):
    return {name: to_numpy(p.grad).copy() for name, p in model.named_parameters()}


def assert_bit_identical(before, model, who):
    for name, p in model.named_parameters():
        assert np.array_equal(before[name], to_numpy(p.data)), f"{who}.{name} changed"


def assert_all_changed(before, model, who):
    for name, p in model.named_parameters():
        assert not np.array_equal(before[name], to_numpy(p.data)), f"{who}.{name} did not change"


# ---------------------------------------------------------------- (1), (2): who moves in which step

def test_g_step_leaves_d_and_its_grads_bit_identical(xp, backend):
    G, D = build_models(backend)
    gan = GAN(G, D, Z_DIM)
    rec, fake = gan.d_step(real_batch(xp))             # D now holds non-zero gradients from its step
    d_grads = grads_of(D)
    assert any(np.any(g) for g in d_grads.values())
    d_before, g_before = snapshot(D), snapshot(G)
    d_slots = {k: v.copy() for k, v in gan.d_opt.state_dict()["slots"].items()}
    rec = gan.g_step(rec, fake)
    assert_bit_identical(d_before, D, "D")
    for name, g in grads_of(D).items():                # D was frozen: its backward added nothing
        assert np.array_equal(g, d_grads[name]), f"g_step touched D.{name}.grad"
    assert all(p.requires_grad for p in D.parameters()), "g_step left D frozen"
    for k, v in gan.d_opt.state_dict()["slots"].items():
        assert np.array_equal(v, d_slots[k]), f"g_step moved D's optimizer slot {k}"
    assert gan.d_opt.t == 1 and gan.g_opt.t == 1
    assert_all_changed(g_before, G, "G")               # and G did learn something
    assert np.isfinite(rec.g_loss)


def test_g_step_on_its_own_also_leaves_d_alone(xp, backend):
    G, D = build_models(backend)
    gan = GAN(G, D, Z_DIM)
    for p in D.parameters():                           # stale gradients must not be applied to D either
        p.grad[...] = 1.0
    d_before = snapshot(D)
    gan.g_step(batch_size=5)
    assert_bit_identical(d_before, D, "D")
    assert all(np.all(g == 1.0) for g in grads_of(D).values()), "the G step wrote into D's gradients"


def test_d_step_leaves_g_bit_identical(xp, backend):
    G, D = build_models(backend)
    gan = GAN(G, D, Z_DIM)
    for p in G.parameters():
        p.grad[...] = 0.25                             # even with gradients sitting in G
    g_before, d_before, g_grads = snapshot(G), snapshot(D), grads_of(G)
    gan.d_step(real_batch(xp))
    assert_bit_identical(g_before, G, "G")
    for name, g in grads_of(G).items():
        assert np.array_equal(g, g_grads[name]), f"d_step touched G.{name}.grad"
    assert gan.g_opt.t == 0 and gan.d_opt.t == 1
    assert_all_changed(d_before, D, "D")


def test_full_step_moves_each_player_only_with_its_own_optimizer(xp, backend):
    G, D = build_models(backend)
    g_opt = SGD(G.parameters(), lr=0.1)
    d_opt = SGD(D.parameters(), lr=0.1)
    gan = GAN(G, D, Z_DIM, g_opt=g_opt, d_opt=d_opt)
    gan.step(real_batch(xp))
    assert g_opt.t == 1 and d_opt.t == 1 and gan.step_count == 1


# ---------------------------------------------------------------- (3): D's gradient is a sum

@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
def test_d_gradients_are_the_sum_of_real_and_fake_parts(xp, backend, objective):
    G, D = build_models(backend)
    gan = GAN(G, D, Z_DIM, objective=objective, record_grads=True)
    obj = gan.objective
    real = real_batch(xp, n=12)
    state = R.get_state()

    # By hand, on D as it is before the step, with the same fake batch d_step will draw.
    fake = G.forward(gan.sample_noise(len(real)))
    D.zero_grad()
    real_logits = D.forward(real)
    loss_real, dl = obj.d_real(real_logits)
    D.backward(dl)
    from_real = grads_of(D)
    D.zero_grad()
    fake_logits = D.forward(fake)
    loss_fake, dl = obj.d_fake(fake_logits)
    D.backward(dl)
    from_fake = grads_of(D)
    D.zero_grad()

    R.set_state(state)
    rec, _ = gan.d_step(real)
    assert set(rec.grads) == {f"D/{name}" for name in from_real}
    for name in from_real:
        recorded = to_numpy(rec.grads[f"D/{name}"])
        both = from_real[name] + from_fake[name]
        assert np.allclose(recorded, both, rtol=1e-6, atol=1e-9), name
        # neither part alone (so an overwrite instead of an add would be caught), where both parts are non-zero
        # (the hinge's real term is flat once every real logit is past the margin)
        if np.abs(from_fake[name]).max() > 1e-6:
            assert not np.allclose(recorded, from_real[name], rtol=1e-3, atol=1e-6), name
        if np.abs(from_real[name]).max() > 1e-6:
            assert not np.allclose(recorded, from_fake[name], rtol=1e-3, atol=1e-6), name
    assert any(np.abs(g).max() > 1e-6 for g in from_real.values()) or objective == "hinge"

    # the record's numbers are the ones computed above
    assert rec.d_loss_real == pytest.approx(loss_real, rel=1e-6)
    assert rec.d_loss_fake == pytest.approx(loss_fake, rel=1e-6)
    assert rec.d_loss == pytest.approx(loss_real + loss_fake, rel=1e-6)
    assert rec.d_real == pytest.approx(float(to_numpy(obj.d_output(real_logits)).mean()), rel=1e-6)
    assert rec.d_fake == pytest.approx(float(to_numpy(obj.d_output(fake_logits)).mean()), rel=1e-6)
    accuracy = 0.5 * (np.mean(to_numpy(real_logits) > obj.threshold) + np.mean(to_numpy(fake_logits) <= obj.threshold))
    assert rec.d_accuracy == pytest.approx(accuracy)
    squares = {}
    for name in from_real:                             # one L2 norm per layer, over all its parameters
        layer = name.rpartition(".")[0]
        squares[layer] = squares.get(layer, 0.0) + float(((from_real[name] + from_fake[name]) ** 2).sum())
    norms = {layer: np.sqrt(s) for layer, s in squares.items()}
    assert set(norms) == {"0", "2"}
    for layer, value in norms.items():
        assert rec.grad_norms[f"D/{layer}"] == pytest.approx(value, rel=1e-5)


# ---------------------------------------------------------------- (4): the G step, end to end, by finite differences

@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
def test_g_step_gradients_match_finite_differences(xp, backend, objective):
    G, D = build_models(backend)
    G.astype(np.float64)
    D.astype(np.float64)
    rng = np.random.default_rng(7)
    for p in G.parameters() + D.parameters():          # random, non-unit weights and biases
        p.data[...] = xp.asarray(rng.uniform(0.3, 1.2, p.shape) * rng.choice([-1.0, 1.0], p.shape))
    gan = GAN(G, D, Z_DIM, objective=objective, record_grads=True)
    obj, n = gan.objective, 6

    state = R.get_state()
    z = gan.sample_noise(n)                            # the noise g_step will draw from the same state
    assert z.dtype == np.float64 and z.shape == (n, Z_DIM)

    def g_loss():
        return obj.g(D.forward(G.forward(z)))[0]

    loss_before = g_loss()
    numeric = {name: numerical_gradient(g_loss, p.data) for name, p in G.named_parameters()}
    fake = G.forward(z)
    numeric_input = numerical_gradient(lambda: obj.g(D.forward(fake))[0], fake)
    d_before = snapshot(D)

    R.set_state(state)
    rec = gan.g_step(batch_size=n)
    assert rec.g_loss == pytest.approx(loss_before, rel=1e-12)     # the same z was used
    assert set(rec.grads) == {"G/input"} | {f"G/{name}" for name in numeric}
    for name, num in numeric.items():
        analytic = to_numpy(rec.grads[f"G/{name}"])
        assert np.abs(num).max() > 1e-4, name
        err = relative_error(analytic, num)
        assert err < 1e-6, f"{objective}: G.{name} relative error {err:.2e}"
    assert relative_error(rec.grads["G/input"], numeric_input) < 1e-6
    assert_bit_identical(d_before, D, "D")


# ---------------------------------------------------------------- (5): n_critic and weight clipping

def test_n_critic_needs_that_many_batches(xp, backend):
    G, D = build_models(backend)
    gan = GAN(G, D, Z_DIM, objective="wasserstein", n_critic=3, d_opt=RMSprop(D.parameters()),
              g_opt=RMSprop(G.parameters()))
    batches = [real_batch(xp, seed=s) for s in range(3)]
    for wrong in (batches[0], batches[:2], batches + [batches[0]]):
        with pytest.raises(ValueError) as info:
            gan.step(wrong)
        assert "needs 3 real batches (n_critic)" in str(info.value)
    assert gan.d_opt.t == 0 and gan.g_opt.t == 0 and gan.step_count == 0   # nothing happened
    rec = gan.step(batches)
    assert gan.d_opt.t == 3 and gan.g_opt.t == 1 and gan.step_count == 1
    assert isinstance(rec, StepRecord) and np.isfinite(rec.g_loss) and np.isfinite(rec.d_loss)
    rec = gan.step(tuple(batches))
    assert gan.d_opt.t == 6 and rec.step == 1


def test_single_critic_accepts_a_bare_batch_or_a_list_of_one(xp, backend):
    G, D = build_models(backend)
    gan = GAN(G, D, Z_DIM)
    gan.step(real_batch(xp))
    gan.step([real_batch(xp)])
    with pytest.raises(ValueError, match="needs 1 real batches"):
        gan.step([real_batch(xp), real_batch(xp)])


def test_clip_value_keeps_every_d_weight_inside(xp, backend):
    c = 0.05
    G, D = build_models(backend)
    assert max(np.abs(v).max() for v in snapshot(D).values()) > c    # clipping has work to do
    gan = GAN(G, D, Z_DIM, objective="wasserstein", n_critic=3, clip_value=c,
              d_opt=RMSprop(D.parameters(), lr=1e-2), g_opt=RMSprop(G.parameters(), lr=1e-2))
    for k in range(4):
        gan.step([real_batch(xp, seed=3 * k + j) for j in range(3)])
        values = snapshot(D)
        for name, v in values.items():
            assert np.all(v >= -c) and np.all(v <= c), name
    flat = np.concatenate([v.ravel() for v in values.values()])
    assert np.any(np.abs(flat) == np.float32(c))                  # some weights sit on the boundary
    assert max(np.abs(v).max() for v in snapshot(G).values()) > c  # G is never clipped


# ---------------------------------------------------------------- (6): one seed, one trace

def run_trace(xp, backend, steps=20):
    minigan.seed(2024)
    G, D = build_models(backend)
    gan = GAN(G, D, Z_DIM, record_grads=True)
    records = []
    for _ in range(steps):
        real = xp.asarray(minigan.get_rng().standard_normal((8, 2)) + 2.0, dtype=xp.float32)
        records.append(gan.step(real))
    return records, snapshot(G), snapshot(D)


def test_same_seed_gives_bit_identical_records(xp, backend):
    first, g1, d1 = run_trace(xp, backend)
    minigan.seed(1)                                    # whatever happened in between
    minigan.get_rng().standard_normal(100)
    second, g2, d2 = run_trace(xp, backend)
    assert len(first) == len(second) == 20
    for a, b in zip(first, second):
        assert a.as_row() == b.as_row()
        assert set(a.grads) == set(b.grads)
        for k in a.grads:
            assert np.array_equal(to_numpy(a.grads[k]), to_numpy(b.grads[k])), k
    for k in g1:
        assert np.array_equal(g1[k], g2[k])
    for k in d1:
        assert np.array_equal(d1[k], d2[k])
    # and the trace is not trivially constant
    assert len({r.d_loss for r in first}) > 10


def test_a_different_seed_gives_a_different_trace(xp, backend):
    first, _, _ = run_trace(xp, backend, steps=3)
    minigan.seed(99)
    G, D = build_models(backend)
    rec = GAN(G, D, Z_DIM).step(real_batch(xp, n=8))
    assert rec.d_loss != first[0].d_loss


# ---------------------------------------------------------------- (7): the record

def test_step_record_row(xp, backend):
    G, D = build_models(backend)
    gan = GAN(G, D, Z_DIM)
    for k in range(3):
        rec = gan.step(real_batch(xp, seed=k))
        row = rec.as_row()
        assert rec.step == k and row["step"] == k
        for key in ("d_loss", "g_loss", "d_real", "d_fake", "d_fake_after", "d_accuracy",
                    "d_loss_real", "d_loss_fake"):
            assert key in row and isinstance(row[key], float) and np.isfinite(row[key]), key
        gnorms = {k for k in row if k.startswith("gnorm/")}
        assert gnorms == {"gnorm/D/0", "gnorm/D/2", "gnorm/G/0", "gnorm/G/2"}   # LeakyReLU has no parameters
        assert all(row[k] > 0 for k in gnorms)
        assert "grads" not in row and "grad_norms" not in row
        assert 0.0 <= row["d_accuracy"] <= 1.0
        assert 0.0 < row["d_real"] < 1.0 and 0.0 < row["d_fake"] < 1.0   # probabilities for this objective
        assert row["d_loss"] == pytest.approx(row["d_loss_real"] + row["d_loss_fake"])
        assert rec.grads == {}                                               # record_grads is off


def test_grad_norms_off_leaves_the_records_without_them_and_training_unchanged(xp, backend):
    runs = []
    for grad_norms in (True, False):
        minigan.seed(3)
        G, D = build_models(backend)
        gan = GAN(G, D, Z_DIM, grad_norms=grad_norms)
        recs = [gan.step(real_batch(xp, seed=k)) for k in range(3)]
        runs.append((recs, snapshot(G), snapshot(D)))
    (on, g_on, d_on), (off, g_off, d_off) = runs
    assert on[-1].grad_norms and all(r.grad_norms == {} for r in off)
    assert [r.d_loss for r in on] == [r.d_loss for r in off]
    for a, b in ((g_on, g_off), (d_on, d_off)):
        assert all(np.array_equal(a[k], b[k]) for k in a)


def test_d_fake_after_judges_the_same_batch_with_the_updated_d(xp, backend):
    G, D = build_models(backend)
    gan = GAN(G, D, Z_DIM, d_opt=SGD(D.parameters(), lr=0.5))
    real = real_batch(xp, n=10)
    state = R.get_state()
    fake = to_numpy(G.forward(gan.sample_noise(10))).copy()        # the batch the step will draw
    R.set_state(state)
    rec = gan.step(real)
    after = to_numpy(gan.objective.d_output(D.forward(xp.asarray(fake)))).mean()   # D is updated, G is not used
    assert rec.d_fake_after == pytest.approx(float(after), rel=1e-5)
    assert rec.d_fake_after < rec.d_fake       # D's step made it more sure the batch is fake


def test_d_accuracy_reads_the_threshold(xp, backend):
    """A D that calls everything fake (or everything real) is right about exactly half of the examples."""
    G, D = build_models(backend)
    D = Sequential(Dense(2, 1, backend=backend))
    D[0].weight.data[...] = xp.asarray([[1.0], [0.0]])
    D[0].bias.data[...] = -100.0                                      # says "fake" to everything
    gan = GAN(G, D, Z_DIM, d_opt=SGD(D.parameters(), lr=1e-9))
    rec, _ = gan.d_step(real_batch(xp, n=20))
    assert rec.d_accuracy == 0.5                                      # all fakes right, all reals wrong
    D[0].bias.data[...] = 100.0
    assert gan.d_step(real_batch(xp, n=20))[0].d_accuracy == 0.5


# ---------------------------------------------------------------- (8): it learns

def test_toy_gan_moves_g_to_the_real_gaussian(xp, backend):
    """Real data: one Gaussian at (2, 2). G starts near the origin and must walk there."""
    minigan.seed(0)
    G = Sequential(Dense(Z_DIM, 16, backend=backend), LeakyReLU(0.2), Dense(16, 2, backend=backend))
    D = Sequential(Dense(2, 16, backend=backend), LeakyReLU(0.2), Dense(16, 1, backend=backend))
    # The default objective (non-saturating). Adam's lr is raised from DCGAN's 2e-4 (400 steps of 2e-4
    # cannot move a bias by 2) and its momentum is off: on this problem beta1 > 0 makes the two players
    # circle the target for hundreds of steps (beta1 0.5 ends 0.1-0.5 away depending on the seed; beta1 0
    # ends within 0.2 for each of 32 seeds tried).
    opt = dict(lr=3e-3, betas=(0.0, 0.999))
    gan = GAN(G, D, Z_DIM, g_opt=Adam(G.parameters(), **opt), d_opt=Adam(D.parameters(), **opt))
    assert gan.objective.name == "non_saturating"
    target = np.array([2.0, 2.0])
    start = to_numpy(gan.generate(512)).mean(axis=0)
    assert np.linalg.norm(start - target) > 2.0
    for _ in range(400):
        real = xp.asarray(minigan.get_rng().standard_normal((64, 2)) * 0.5 + target, dtype=xp.float32)
        gan.step(real)
    mean = to_numpy(gan.generate(2048)).mean(axis=0)
    assert np.linalg.norm(mean - target) < 0.3, mean


# ---------------------------------------------------------------- (9): the stages, the fake batch, the penalties

def penalised_gan(backend, seed=5, **kwargs):
    minigan.seed(seed)
    G, D = build_models(backend)
    return GAN(G, D, Z_DIM, objective="wasserstein", gradient_penalty=10.0, r1=0.5, record_grads=True, **kwargs)


def assert_same_records(a, b):
    assert list(a.as_row()) == list(b.as_row())
    np.testing.assert_array_equal(np.array(list(a.as_row().values())), np.array(list(b.as_row().values())))
    assert list(a.grads) == list(b.grads)
    for k in a.grads:
        assert np.array_equal(to_numpy(a.grads[k]), to_numpy(b.grads[k])), k


def test_the_stages_run_one_by_one_do_exactly_what_step_does(xp, backend):
    real = real_batch(xp, n=12)
    whole = penalised_gan(backend)
    by_step = whole.step(real)

    gan = penalised_gan(backend)
    record = StepRecord(gan.step_count)
    fake = gan.draw_fake(len(real))
    gan.d_on_real(real, record)                        # D's stages ...
    gan.d_on_fake(fake.samples, record)
    gan.d_penalties(real, fake.samples, record)
    gan.d_update(record)
    fake = gan.g_batch(fake)                           # ... and G's, on the D step's batch
    dlogits = gan.g_judged(fake.samples, record)
    gan.g_backward(dlogits, record)
    gan.g_update(record)

    assert_same_records(by_step, record)
    assert np.isfinite(record.gp) and np.isfinite(record.r1) and record.gp > 0 and record.r1 > 0
    for a, b in ((whole.G, gan.G), (whole.D, gan.D)):
        for (name, p), q in zip(a.named_parameters(), b.parameters()):
            assert np.array_equal(to_numpy(p.data), to_numpy(q.data)), name


def test_penalties_are_a_list_applied_in_one_loop_and_logged_unweighted(xp, backend):
    gan = penalised_gan(backend)
    assert [(p.name, p.at, p.weight) for p in gan.penalties] == [("gp", "interpolates", 10.0), ("r1", "real", 0.5)]
    rec, _ = gan.d_step(real_batch(xp, n=12))
    assert rec.d_loss == pytest.approx(rec.d_loss_real + rec.d_loss_fake + 10.0 * rec.gp + 0.5 * rec.r1, rel=1e-12)
    plain = GAN(*build_models(backend), Z_DIM)
    assert plain.penalties == []
    rec, _ = plain.d_step(real_batch(xp))
    assert np.isnan(rec.gp) and np.isnan(rec.r1)


def test_a_new_penalty_joins_the_list_without_touching_the_d_step(xp, backend):
    """R1's twin on the FAKE batch (R2 in Mescheder et al. 2018): a name, a place and a measure."""
    from minigan import regularizers

    class R2(regularizers.Penalty):
        name, at, measure = "r2", "fake", staticmethod(regularizers.zero_centered)

    minigan.seed(6)
    G, D = build_models(backend)
    G.astype(np.float64)
    D.astype(np.float64)
    gan = GAN(G, D, Z_DIM, record_grads=True, grad_norms=False)
    gan.penalties.append(R2(3.0))
    state = R.get_state()
    fake = G.forward(gan.sample_noise(12))             # the batch the D step will draw
    value, penalty_grads, _ = regularizers.penalty_and_gradients(D, fake, regularizers.zero_centered)
    without = GAN(G, D, Z_DIM, record_grads=True, grad_norms=False)
    d_state = D.state_dict()
    R.set_state(state)
    base, _ = without.d_step(real_batch(xp, n=12, dtype=np.float64))
    D.load_state_dict(d_state)                         # the same D again, for the run with R2
    R.set_state(state)
    rec, _ = gan.d_step(real_batch(xp, n=12, dtype=np.float64))
    assert rec.r2 == pytest.approx(value, rel=1e-12) and rec.as_row()["r2"] == rec.r2
    assert rec.d_loss == pytest.approx(base.d_loss + 3.0 * value, rel=1e-12)
    for name, g in penalty_grads.items():
        np.testing.assert_allclose(to_numpy(rec.grads[f"D/{name}"]), to_numpy(base.grads[f"D/{name}"]) + 3.0 * g,
                                   rtol=1e-10, atol=1e-12)


def test_metrics_columns_are_the_same_as_ever():
    assert list(StepRecord(0).as_row()) == ["step", "d_loss", "d_loss_real", "d_loss_fake", "g_loss", "d_real",
                                            "d_fake", "d_fake_after", "d_accuracy", "gp", "r1"]


@pytest.mark.parametrize("ema", [None, 0.9])
def test_a_generate_between_the_d_step_and_the_g_step_does_not_corrupt_the_g_step(xp, backend, ema):
    real = real_batch(xp, n=12)
    runs = {}
    for how in ("straight", "generate between", "unguarded"):
        minigan.seed(8)
        G, D = build_models(backend)
        gan = GAN(G, D, Z_DIM, ema=ema)
        rec, fake = gan.d_step(real)
        if how != "straight":
            gan.generate(len(real))                    # G's forward caches now hold other samples
        if how == "unguarded":                         # what the G step would do without g_batch
            gan.g_backward(gan.g_judged(fake.samples, rec), rec)
            gan.g_update(rec)
        else:
            gan.g_step(rec, fake)
        runs[how] = (rec.g_loss, snapshot(G))
    (loss, g_straight), (loss_between, g_between), (_, g_unguarded) = runs.values()
    assert loss_between == loss
    for name in g_straight:
        assert np.array_equal(g_between[name], g_straight[name]), name
    assert any(not np.array_equal(g_unguarded[k], g_straight[k]) for k in g_straight)   # the danger is real


def test_a_second_g_step_on_one_batch_judges_the_updated_g(xp, backend):
    G, D = build_models(backend)
    gan = GAN(G, D, Z_DIM, g_opt=SGD(G.parameters(), lr=0.5))
    rec, fake = gan.d_step(real_batch(xp, n=10))
    gan.g_step(rec, fake)
    now = gan.objective.g(D.forward(G.forward(fake.z)))[0]           # G has moved: its samples have too
    stale = gan.objective.g(D.forward(fake.samples))[0]
    assert now != stale
    assert gan.g_step(None, fake).g_loss == pytest.approx(now, rel=1e-6)


def test_g_step_names_what_it_wants_when_handed_a_bare_array(xp, backend):
    gan = GAN(*build_models(backend), Z_DIM)
    _, fake = gan.d_step(real_batch(xp))
    with pytest.raises(TypeError, match="FakeBatch d_step returns"):
        gan.g_step(None, fake.samples)


def test_several_critic_steps_give_g_a_fresh_batch(xp, backend):
    G, D = build_models(backend)
    gan = GAN(G, D, Z_DIM, objective="wasserstein", n_critic=2, d_opt=SGD(D.parameters(), lr=0.1))
    batches = [real_batch(xp, n=8, seed=s) for s in range(2)]
    state = R.get_state()
    z = [gan.sample_noise(8) for _ in range(3)]        # two D steps' batches, then the G step's
    fresh = G.forward(z[2])
    R.set_state(state)
    rec = gan.step(batches)
    assert rec.d_fake_after == pytest.approx(float(to_numpy(D.forward(fresh)).mean()), rel=1e-5)
    assert rec.d_fake_after != pytest.approx(float(to_numpy(D.forward(G.forward(z[1]))).mean()), rel=1e-5)
