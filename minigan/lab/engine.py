"""The lab's engine: one GAN from a 2D preset, trained by gan.py's own step in a background thread.

Everything the page asks for goes through ``Lab``'s methods, each under one lock, so a picture
is never drawn from half an update. Settings are preset fields, recorded the way a checkpoint of
``minigan train`` records its flags, so an exported model rebuilds with ``load_gan``.
"""
import collections
import math
import os
import threading
import time
from types import SimpleNamespace

import numpy as np

from .. import rng as _rng
from ..backend import to_numpy
from ..data import MIXTURES
from ..metrics import mode_metrics
from ..nn.linear import Dense
from ..optim import Schedule
from ..presets import get_preset
from ..recipes import recipe_fields
from ..train.save import save_run
from ..train.settings import preset_from
from . import frames
from .config import CUSTOM, RESTART, BadRequest, check_layer
from .data import LabData
from .stages import STAGES, StageStepper

MODES_EVERY = 100     # steps between two measurements of mode coverage
MODES_SAMPLES = 2500  # samples per measurement, as PacGAN (and `minigan evaluate`) count them
# Weights are drawn from the library's global generator: one model is built at a time, so that a
# seed gives the same model while other pages build theirs.
_BUILDING = threading.Lock()
# One entry per request being answered (server.py). Python runs one thread at a time, so a training
# thread that kept stepping would make each answer wait its turn many times over; it steps aside.
SERVING = []


class Lab:
    """A GAN on a 2D data set that the page plays, steps, changes, inspects and exports."""

    def __init__(self, preset="ring8", seed=0, out="lab-exports", name="0"):
        if get_preset(preset).dataset not in MIXTURES:
            raise ValueError(f"the lab trains the 2D presets ({', '.join(sorted(MIXTURES))}); "
                             f"{preset!r} trains on {get_preset(preset).dataset!r}")
        self.preset_name, self.seed, self.out, self.name = preset, int(seed), out, name
        self.overrides = {}       # preset fields changed from the page (a checkpoint records these)
        self.data = LabData(get_preset(preset).dataset)
        self.lock = threading.Lock()
        self.playing, self.message, self.version = False, "", 0
        self._waiting = []        # one entry per API call waiting for the lock; the trainer steps aside
        self._closed = False
        self._build()
        self._thread = threading.Thread(target=self._train_loop, name="minigan-lab", daemon=True)
        self._thread.start()

    # -- building -----------------------------------------------------------------------------
    def _build(self):
        """A fresh GAN from the preset and the overrides, seeded, at step 0."""
        self.preset = preset_from(self.preset_name, self.overrides)
        with _BUILDING:
            _rng.seed(self.seed)                 # G's and D's initial weights
            self.gan = self.preset.build("numpy")
        self.rng = np.random.default_rng(self.seed)
        self.gan.rng = self.rng                  # noise, real batches and penalties draw from the lab's own
        self.scheduled = "lr" not in self.overrides
        total = self.preset.steps or 10000
        self.schedule = (self.preset.schedule(self.gan, total) if self.scheduled
                         else Schedule([self.gan.d_opt, self.gan.g_opt], self.preset.learning_rates()))
        noise = np.random.default_rng(self.seed + 1)
        self.fixed_noise = noise.standard_normal((frames.N_FAKE, self.preset.z_dim)).astype(np.float32)
        self.eval_noise = noise.standard_normal((MODES_SAMPLES, self.preset.z_dim)).astype(np.float32)
        self.stepper = StageStepper(self)
        self.curves = frames.Thinned(("step", "d_loss", "g_loss", "d_real", "d_fake"))
        self.mode_curve = frames.Thinned(("step", "modes", "high_quality", "reverse_kl"), limit=200)
        self.last_record, self.last_modes, self.grad_norms = None, None, {}
        self._times = collections.deque(maxlen=50)
        self._frame_key, self._frame = None, None
        self.version += 1
        self._measure_modes()

    def close(self):
        self._closed = True
        self._thread.join(timeout=2)

    # -- training -----------------------------------------------------------------------------
    def real_batches(self):
        """One real batch per critic step, drawn from the lab's generator."""
        return [self.data.sample(self.preset.batch_size, self.rng) for _ in range(self.gan.n_critic)]

    def _one_step(self):
        """One whole step (the rest of a staged step, if one is under way). Call with the lock held."""
        if self.stepper.mid_step:
            record = None
            while record is None:
                record, _ = self.stepper.advance()
        else:
            batches = self.real_batches()
            record = self.gan.step(batches if len(batches) > 1 else batches[0])
            self.stepper.last = None          # a whole step: no stage to highlight
        self._after_step(record)

    def _after_step(self, record):
        self.schedule.step()
        self.last_record, self.grad_norms = record, dict(record.grad_norms)
        step = self.gan.step_count
        self.curves.add(step, vars(record))
        self._times.append((time.perf_counter(), step))
        if not all(math.isfinite(v) for v in (record.d_loss, record.g_loss)):
            self.playing = False
            self.message = (f"training diverged at step {step} (a loss is NaN or Inf); paused. "
                            "Lower a learning rate or reset.")
        if step % MODES_EVERY == 0:
            self._measure_modes()

    def _measure_modes(self):
        if self.data.mixture is None:
            self.last_modes = None
            return
        samples = to_numpy(self.gan.generate(z=self.eval_noise))
        m = mode_metrics(samples, self.data.mixture)
        self.last_modes = {"step": self.gan.step_count, "modes": m["modes"], "n_modes": len(m["counts"]),
                           "high_quality": m["high_quality"], "reverse_kl": m["reverse_kl"]}
        self.mode_curve.add(self.gan.step_count, self.last_modes)

    def _train_loop(self):
        while not self._closed:
            if not self.playing:
                time.sleep(0.02)
                continue
            with self.lock:
                if self.playing:
                    self._one_step()
            while (self._waiting or SERVING) and not self._closed:    # let a request be answered first
                time.sleep(0.0002)

    def locked(self):
        """``with lab.locked():`` the lock, taken ahead of the training thread's next step."""
        return _Turn(self)

    # -- what the page asks for -----------------------------------------------------------------
    def play(self, playing):
        with self.locked():
            self.playing = bool(playing)
            self.message = "playing" if playing else "paused"
            return self.state()

    def step(self):
        with self.locked():
            self.playing = False
            self._one_step()
            self.message = f"one step: now at step {self.gan.step_count}"
            return self.state()

    def stage(self):
        """The next stage of a step (pauses play first)."""
        with self.locked():
            self.playing = False
            record, numbers = self.stepper.advance()
            if record is not None:
                self._after_step(record)
            self._frame_key = None
            return {**self.state(), "ran": self.stepper.last}

    def reset(self):
        with self.locked():
            self.playing = False
            self._build()
            self.message = "reset: a new model from step 0"
            return self.state()

    def layer(self, name):
        with self.locked():
            name = check_layer(name, self.layers())
            model = self.gan.D if name.startswith("D/") else self.gan.G
            return {"layer": name, "step": self.gan.step_count, "params": frames.histograms(model, name[2:])}

    def layers(self):
        names = []
        for who, model in (("G", self.gan.G), ("D", self.gan.D)):
            for n, _ in model.named_parameters():
                layer = f"{who}/{n.rpartition('.')[0] or n}"
                if layer not in names:
                    names.append(layer)
        return names

    def state(self):
        """Everything but the picture: settings, where training stands, the choices and layers."""
        return {"step": self.gan.step_count, "playing": self.playing, "message": self.message,
                "settings": self.settings(), "layers": self.layers(), "version": self.version,
                "stage": {"next": STAGES[self.stepper.index][0], "critic": self.stepper.critic,
                          "last": self.stepper.last},
                "stages": [{"name": s[0], "title": s[1], "about": s[2]} for s in STAGES]}

    def settings(self):
        p = self.preset
        d_lr, g_lr = p.learning_rates()
        g_hidden, d_hidden = _hidden(self.gan.G), _hidden(self.gan.D)
        hold = f" after {p.lr_hold * (p.steps or 10000):.0f} steps at full rate" if p.lr_hold else ""
        schedule = (f"linear decay to 0 by step {p.steps or 10000}{hold}"
                    if self.scheduled and p.lr_decay else "constant")
        return {"preset": self.preset_name, "dataset": self.data.name,
                "objective": self.overrides.get("objective", p.objective), "d_lr": d_lr, "g_lr": g_lr,
                "batch_size": p.batch_size, "n_critic": p.n_critic, "z_dim": p.z_dim,
                "g_width": g_hidden[0], "g_depth": len(g_hidden), "d_width": d_hidden[0],
                "d_depth": len(d_hidden), "seed": self.seed, "schedule": schedule,
                "lr_now": [self.gan.d_opt.lr, self.gan.g_opt.lr]}

    # -- changing settings ------------------------------------------------------------------------
    def change(self, checked):
        """Apply validated settings: live where the running model allows, else a restart."""
        with self.locked():
            overrides = self._overrides_for(checked)
            preset = _trial(self.preset_name, overrides)
            restart = sorted(k for k in checked if k in RESTART)
            while self.stepper.mid_step:          # a staged step is finished before anything changes
                record, _ = self.stepper.advance()
                if record is not None:
                    self._after_step(record)
            self.overrides, self.seed = overrides, checked.get("seed", self.seed)
            if "dataset" in checked:
                self.data = LabData(checked["dataset"], checked.get("points"))
            if restart:
                playing = self.playing
                self._build()
                self.playing = playing
                self.message = f"restarted from step 0 ({', '.join(restart)} changed: a new model)"
            else:
                self._apply_live(preset, checked)
            return self.state()

    def _overrides_for(self, checked):
        """The overrides after ``checked``: a new objective brings its recipe's fields (its
        learning rate, critic steps...), so earlier changes to those fields are dropped."""
        overrides = dict(self.overrides)
        if "objective" in checked:
            for token in checked["objective"].split("+"):
                for name in recipe_fields(token) or {}:
                    overrides.pop(name, None)
            overrides["objective"] = checked["objective"]
        base = preset_from(self.preset_name, overrides)
        d_lr, g_lr = base.learning_rates()
        if "d_lr" in checked or "g_lr" in checked:
            d_lr, g_lr = checked.get("d_lr", d_lr), checked.get("g_lr", g_lr)
            overrides.update(lr=d_lr, g_lr_scale=g_lr / d_lr)
        for name in ("batch_size", "n_critic", "z_dim"):
            if name in checked:
                overrides[name] = checked[name]
        for who in ("g", "d"):
            if f"{who}_width" in checked or f"{who}_depth" in checked:
                hidden = _hidden(self.gan.G if who == "g" else self.gan.D)
                width, depth = checked.get(f"{who}_width", hidden[0]), checked.get(f"{who}_depth", len(hidden))
                overrides[f"{who}_hidden"] = [width] * depth
        if "dataset" in checked:
            overrides["dataset"] = checked["dataset"]
        return overrides

    def _apply_live(self, preset, checked):
        self.preset = preset
        gan = self.gan
        gan.n_critic = preset.n_critic
        if "d_lr" in checked or "g_lr" in checked:
            # A learning rate set by hand holds from now on: the preset's decay schedule stops here.
            self.scheduled = False
            self.schedule = Schedule([gan.d_opt, gan.g_opt], preset.learning_rates())
        if "dataset" in checked:
            self.version += 1
            self._measure_modes()
        self._frame_key = None
        self.message = f"applied live: {', '.join(sorted(checked))}"

    # -- export ---------------------------------------------------------------------------------
    def export(self):
        """Save the model as a checkpoint `minigan sample` and `minigan evaluate` read; returns its path."""
        with self.locked():
            step = self.gan.step_count
            path = os.path.join(self.out, f"lab-{self.preset_name}-model{self.name}-step{step:07d}.npz")
            config = {"preset": self.preset_name, "overrides": dict(self.overrides), "seed": self.seed,
                      "backend": "numpy", "data_dir": None}
            if self.data.points is not None:
                config["drawn_points"] = self.data.points.tolist()
            run = SimpleNamespace(gan=self.gan, fixed_noise=self.fixed_noise[:64], step=step,
                                  total_steps=max(step, self.preset.steps or step), config=config,
                                  stream=SimpleNamespace(state=dict), diagnostics={"d_wins_streak": 0})
            save_run(path, run)
            self.message = f"exported the model at step {step} to {path}"
            return {**self.state(), "path": os.path.abspath(path)}

    # -- the picture ----------------------------------------------------------------------------
    def frame(self):
        """The compact frame the page polls: the plane and the panels' latest numbers."""
        with self.locked():
            key = (self.version, self.gan.step_count, self.stepper.index, self.stepper.critic, self.playing)
            if key != self._frame_key:
                self._frame, self._frame_key = self._draw_frame(), key
            return self._frame

    def _draw_frame(self):
        extent = self.data.extent()
        picture = frames.plane(self.gan, self.fixed_noise, extent, self.stepper.mid_step)
        record = self.last_record
        return {"step": self.gan.step_count, "playing": self.playing, "version": self.version,
                "message": self.message, "steps_per_s": self.speed(), "extent": extent,
                "real": frames.flat(self.data.reference(), 3), **picture, "heat_size": frames.HEAT_SIZE,
                "modes": self.last_modes,
                "grad_norms": {k: round(v, 6) for k, v in self.grad_norms.items()},
                "last": None if record is None else {k: _finite(getattr(record, k)) for k in
                                                     ("d_loss", "g_loss", "d_real", "d_fake")},
                "stage": {"next": STAGES[self.stepper.index][0], "critic": self.stepper.critic,
                          "last": self.stepper.last}}

    def history(self):
        """The curves (losses, D's outputs, mode metrics), thinned to a few hundred points each. The
        page asks for them a few times a second, less often than for frames: they change slowly, and
        thousands of numbers cost time to send."""
        with self.locked():
            return {"step": self.gan.step_count, "curves": self.curves.rows, "mode_curve": self.mode_curve.rows}

    def speed(self):
        """Steps per second over the last few dozen steps (0 when paused)."""
        if not self.playing or len(self._times) < 2:
            return 0.0
        (t0, s0), (t1, s1) = self._times[0], self._times[-1]
        return round((s1 - s0) / (t1 - t0), 1) if t1 > t0 else 0.0


class _Turn:
    """The lab's lock, with the training thread told to step aside until it is taken."""

    def __init__(self, lab):
        self.lab = lab

    def __enter__(self):
        self.lab._waiting.append(1)      # list append and pop are atomic between threads
        self.lab.lock.acquire()
        self.lab._waiting.pop()
        return self.lab

    def __exit__(self, *exc):
        self.lab.lock.release()


def _trial(name, overrides):
    """The preset the overrides describe, built once to prove it can be; BadRequest if not."""
    try:
        preset = preset_from(name, overrides)
        with _BUILDING:
            preset.build("numpy")
    except (ValueError, TypeError) as err:
        raise BadRequest(f"these settings do not make a model: {err}") from None
    if preset.pack > 1 and preset.batch_size % preset.pack:
        raise BadRequest(f"batch_size {preset.batch_size} must be divisible by the pack size {preset.pack}")
    return preset


def _hidden(model):
    """The widths of a model's hidden layers, read from its Dense layers."""
    return [m.out_features for m in model.modules() if isinstance(m, Dense)][:-1]


def _finite(v):
    return float(v) if math.isfinite(v) else None
