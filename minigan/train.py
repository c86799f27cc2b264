"""The training loop behind ``minigan train``: data in, GAN steps, pictures and checkpoints out.

Everything here is bookkeeping around ``GAN.step`` (see gan.py for the game itself):
a data stream that can be resumed mid-epoch, a metrics.csv row per step, pictures
at regular intervals, checkpoints, and the guards a learner needs (NaN/Inf,
a discriminator that wins outright, samples collapsing to one point).
"""
import csv
import math
import os
import signal
import sys
import threading
import time

import numpy as np

from . import checkpoint, rng as _rng
from .backend import to_backend, to_numpy
from . import recipes
from .presets import get_preset


class TrainingDiverged(RuntimeError):
    """A loss or gradient became NaN or Inf; the message names the step and the quantity."""


class RunExists(FileExistsError):
    """The output directory already holds a run and --resume was not given."""


# -- data streams: endless batches, resumable exactly ----------------------------------------
class MixtureStream:
    """Batches drawn fresh from a 2D mixture. Draws use the global generator, which the
    checkpoint saves, so nothing else needs remembering."""

    steps_per_epoch = None

    def __init__(self, mixture, batch_size, backend):
        self.mixture, self.batch_size, self.backend = mixture, batch_size, backend

    def next(self):
        return self.mixture.sample(self.batch_size, backend=self.backend)

    def state(self):
        return {}

    def load_state(self, state):
        pass

    def reference(self, n=2000):
        return self.mixture.sample(n, rng=np.random.default_rng(0))


class ArrayStream:
    """Shuffled epochs over an in-memory array. Its own generator (seeded from the run's seed)
    fixes the order; the state is (epoch, position, generator state at the epoch's start)."""

    def __init__(self, images, batch_size, seed, backend):
        if len(images) < batch_size:
            raise ValueError(f"batch size {batch_size} is larger than the data set ({len(images)} images)")
        self.images, self.batch_size, self.backend = images, batch_size, backend
        self.rng = np.random.default_rng(seed)
        self.steps_per_epoch = len(images) // batch_size
        self.epoch, self.pos = 0, 0
        self._new_order()

    def _new_order(self):
        self._epoch_state = self.rng.bit_generator.state
        self.order = self.rng.permutation(len(self.images))

    def next(self):
        if self.pos + self.batch_size > len(self.images):   # drop the short last batch, start a new epoch
            self.epoch, self.pos = self.epoch + 1, 0
            self._new_order()
        idx = self.order[self.pos:self.pos + self.batch_size]
        self.pos += self.batch_size
        return to_backend(self.images[idx], self.backend)

    def state(self):
        return {"epoch": self.epoch, "pos": self.pos, "rng": self._epoch_state}

    def load_state(self, state):
        self.rng.bit_generator.state = state["rng"]
        self._new_order()
        self.epoch, self.pos = state["epoch"], state["pos"]

    def reference(self, n=2000):
        return self.images[:n]


def make_stream(dataset, batch_size, seed, backend, data_dir=None, conditional=False):
    from .data import get_mixture, MIXTURES
    if dataset in MIXTURES:
        return MixtureStream(get_mixture(dataset), batch_size, backend)
    from .data import load_dataset
    images, labels = load_dataset(dataset, data_dir=data_dir, with_labels=True)
    return labelled_stream(images, labels, batch_size, seed, backend, conditional)


def labelled_stream(images, labels, batch_size, seed, backend, conditional=False):
    if conditional:   # each image with its label channel (nn/conditional.py), shuffled together
        from .nn.conditional import label_channel
        images = label_channel(images, labels)
    return ArrayStream(images, batch_size, seed, backend)


# -- saving and loading a whole run -----------------------------------------------------------
def save_run(path, run):
    gan = run.gan
    arrays = {**checkpoint.pack("G", gan.G.state_dict()), **checkpoint.pack("D", gan.D.state_dict()),
              "fixed_noise": to_numpy(run.fixed_noise)}
    optimizers = {}
    for who, opt in (("G", gan.g_opt), ("D", gan.d_opt)):
        state = opt.state_dict()
        arrays.update(checkpoint.pack(f"opt{who}", state.pop("slots")))
        optimizers[who] = state
    header = {"step": run.step, "total_steps": run.total_steps, "config": run.config,
              "rng": _rng.get_state(), "stream": run.stream.state(), "optimizers": optimizers,
              "diagnostics": run.diagnostics}
    if gan.ema:   # G's averaged weights, so that sampling and a resumed run pick them up
        arrays.update(checkpoint.pack("G_ema", gan.ema.state_dict()))
        header["ema"] = gan.ema.header()
    return checkpoint.save(path, arrays, header)


def load_gan(path, backend=None):
    """Rebuild the GAN stored in a checkpoint (weights and optimizer states); returns (gan, header, arrays)."""
    arrays, header = checkpoint.load(path)
    config = header.get("config", {})
    try:
        preset = preset_from(config["preset"], config.get("overrides", {}))
    except (KeyError, ValueError) as err:
        raise checkpoint.CheckpointError(f"{path}: the header names no usable preset ({err})") from None
    gan = preset.build(backend or config.get("backend"))
    try:
        gan.G.load_state_dict(checkpoint.unpack("G", arrays))
        gan.D.load_state_dict(checkpoint.unpack("D", arrays))
        for who, opt in (("G", gan.g_opt), ("D", gan.d_opt)):
            opt.load_state_dict({**header["optimizers"][who], "slots": checkpoint.unpack(f"opt{who}", arrays)})
        if gan.ema:
            gan.ema.load_state_dict(checkpoint.unpack("G_ema", arrays), header["ema"])
    except (KeyError, ValueError) as err:
        raise checkpoint.CheckpointError(f"{path}: arrays do not fit preset {preset.name!r} ({err})") from None
    gan.step_count = header["step"]
    return gan, header, arrays


def preset_from(name, overrides):
    """The preset ``name`` with a run's recorded flags applied: first the recipes of ``objective``
    (an objective, or recipes joined by "+"), then every other field given, so that those win."""
    fields = dict(overrides)
    preset = get_preset(name)
    if fields.get("objective"):
        preset = recipes.apply(preset, fields.pop("objective"))
    return preset.with_overrides(**fields)


# -- the run ------------------------------------------------------------------------------------
class Run:
    """One training run in an output directory: build or resume, then ``train()``."""

    D_WINS_STEPS = 200        # warn when D is right about everything this many steps in a row
    COLLAPSE_RATIO = 0.05     # warn when fixed-noise samples spread less than this fraction of the data's

    def __init__(self, preset="ring8", out=None, steps=None, epochs=None, batch_size=None, seed=0,
                 backend=None, objective=None, pack=None, data_dir=None, dataset=None, resume=False,
                 checkpoint_every=None, frames=40, progress=True, log=None, ema=None, data=None):
        # ``data``: (images, labels) arrays to train on instead of the preset's data set -- a subset,
        # say (minigan.apps trains on the digits 0-8 alone). The checkpoint does not store them:
        # pass the same arrays again to resume.
        overrides = {"steps": steps, "epochs": epochs, "batch_size": batch_size,
                     "objective": objective, "pack": pack, "dataset": dataset, "ema": ema}
        overrides = {k: v for k, v in overrides.items() if v is not None}
        if steps is not None:
            overrides["epochs"] = None
        if epochs is not None:
            overrides["steps"] = None
        self.out = out or os.path.join("runs", f"{preset}-{time.strftime('%Y%m%d-%H%M%S')}")
        self.ckpt_path = os.path.join(self.out, "checkpoint.npz")
        if resume and os.path.exists(self.ckpt_path):
            # A resumed run keeps its recorded settings; flags given now (e.g. more --steps) win.
            saved = checkpoint.load(self.ckpt_path)[1]["config"]
            if saved["preset"] != preset:
                raise ValueError(f"{self.ckpt_path} was trained with preset {saved['preset']!r}, not {preset!r}")
            overrides = {**saved["overrides"], **overrides}
            seed = saved["seed"]
            data_dir = data_dir or saved.get("data_dir")
        self.preset = preset_from(preset, overrides)
        self.metrics_path = os.path.join(self.out, "metrics.csv")
        self.log = log or (lambda msg: print(msg, file=sys.stderr))
        self.progress, self.frames = progress, frames
        backend = backend or os.environ.get("MINIGAN_BACKEND") or "numpy"
        self.config = {"preset": preset, "overrides": overrides, "seed": seed, "backend": backend,
                       "data_dir": data_dir}
        if data is not None:
            self.config["data"] = f"{len(data[0])} images given in memory"

        if os.path.exists(self.ckpt_path) and not resume:
            raise RunExists(f"{self.out} already holds a run (checkpoint.npz); pass --resume to continue it "
                            "or choose another --out")
        if resume and not os.path.exists(self.ckpt_path):
            raise FileNotFoundError(f"--resume: no checkpoint at {self.ckpt_path}")

        _rng.seed(seed)
        if data is not None:
            self.stream = labelled_stream(*data, self.preset.batch_size, seed, backend, self.preset.conditional)
        else:
            self.stream = make_stream(self.preset.dataset, self.preset.batch_size, seed, backend, data_dir,
                                      self.preset.conditional)
        self.gan = self.preset.build(backend)
        self.fixed_noise = self.gan.sample_noise(64)
        self.step, self.diagnostics = 0, {"d_wins_streak": 0}
        if resume:
            self._resume()
        if self.preset.steps:
            self.total_steps = self.preset.steps
        elif self.preset.epochs and self.stream.steps_per_epoch:
            self.total_steps = self.preset.epochs * self.stream.steps_per_epoch
        else:
            raise ValueError(f"preset {self.preset.name!r} needs --steps (or --epochs for image data)")
        self.schedule = self.preset.schedule(self.gan, self.total_steps, start=self.step)
        self.checkpoint_every = checkpoint_every or max(1, min(1000, self.total_steps // 5))
        per_epoch = self.stream.steps_per_epoch
        # Image runs get one sample grid per epoch; 2D runs a fixed number of frames for the GIF.
        self.frame_every = per_epoch if (per_epoch and self.preset.epochs) else max(1, self.total_steps // max(1, frames))
        reference = to_numpy(self.gan.images(self.stream.reference()))
        self._reference = reference.reshape(len(reference), -1)

    def _resume(self):
        gan, header, arrays = load_gan(self.ckpt_path, self.config["backend"])
        self.gan = gan
        self.step = header["step"]
        self.fixed_noise = to_backend(arrays["fixed_noise"], self.config["backend"])
        _rng.set_state(header["rng"])
        self.stream.load_state(header["stream"])
        self.diagnostics = header.get("diagnostics", self.diagnostics)
        self.log(f"resuming {self.out} at step {self.step}")

    # -- the loop -----------------------------------------------------------------------------
    def train(self, until=None):
        """Train to the run's last step (or stop early after step ``until``, saving a checkpoint)."""
        os.makedirs(self.out, exist_ok=True)
        stop = self.total_steps if until is None else min(until, self.total_steps)
        writer = MetricsWriter(self.metrics_path, keep_before=self.step)
        bar = _progress_bar(self.total_steps, self.step, self.progress)
        last_good = self.step
        try:
            with _DeferredInterrupt(self.log) as interrupt:
                while self.step < stop and not interrupt.requested:
                    self._one_step(writer, bar, last_good)
                    if self.step % self.checkpoint_every == 0 or self.step == stop:
                        writer.flush()
                        save_run(self.ckpt_path, self)
                        last_good = self.step
            if interrupt.requested:
                # Ctrl-C was pressed during a step; that step finished, so this checkpoint is exact.
                writer.flush()
                save_run(self.ckpt_path, self)
                self.log(f"\ninterrupted at step {self.step}; checkpoint saved to {self.ckpt_path} "
                         "(continue with --resume)")
                raise KeyboardInterrupt
        finally:
            writer.close()
            if bar is not None:
                bar.close()
        if self.step == self.total_steps:
            self.finish()
        return self

    def _one_step(self, writer, bar, last_good):
        batches = [self.stream.next() for _ in range(self.gan.n_critic)]
        record = self.gan.step(batches if len(batches) > 1 else batches[0])
        self._check_finite(record, last_good)
        self.step += 1
        self.schedule.step()
        writer.write(record.as_row())
        self._watch_discriminator(record)
        if bar is not None:
            bar.update(1)
            if self.step % 10 == 0 or self.step == self.total_steps:
                bar.set_postfix_str(f"D {record.d_loss:.3f}  G {record.g_loss:.3f}  "
                                    f"D(x) {record.d_real:.2f}  D(G(z)) {record.d_fake:.2f}")
        if self.step % self.frame_every == 0 or self.step == self.total_steps:
            self.snapshot()

    def _check_finite(self, record, last_good):
        values = {"d_loss": record.d_loss, "g_loss": record.g_loss,
                  **{f"gradient norm of {k}": v for k, v in record.grad_norms.items()}}
        for name, value in values.items():
            if not math.isfinite(value):
                raise TrainingDiverged(
                    f"step {self.step + 1}: {name} is {value}; training stopped. The last good checkpoint "
                    f"({self.ckpt_path}, step {last_good}) was kept. Try a lower learning rate or another objective.")

    def _watch_discriminator(self, record):
        """Warn once per streak when D is right about every example for D_WINS_STEPS steps: G is starving."""
        confident = record.d_accuracy == 1.0 and (not self.gan.objective.probabilities or record.d_fake < 0.05)
        streak = self.diagnostics["d_wins_streak"] = self.diagnostics["d_wins_streak"] + 1 if confident else 0
        if streak == self.D_WINS_STEPS:
            self.log(f"warning: step {self.step}: D has classified every example correctly for {streak} steps "
                     f"(D(G(z)) = {record.d_fake:.3f}); G's gradient may be vanishing. Try the non-saturating "
                     "objective, label smoothing, or a weaker D.")

    def _watch_collapse(self, samples):
        if self.step < self.total_steps // 10:
            return   # an untrained G maps every z to nearly the same output; that is not collapse yet
        spread = float(np.mean(samples.std(axis=0)))
        reference = float(np.mean(self._reference.std(axis=0)))
        if reference > 0 and spread < self.COLLAPSE_RATIO * reference:
            self.log(f"warning: step {self.step}: samples from the fixed noise have collapsed towards one "
                     f"{'point' if samples.shape[1] == 2 else 'image'} (spread {spread:.3g}, data {reference:.3g}): "
                     "mode collapse. See chapter 06 for cures.")

    # -- pictures -------------------------------------------------------------------------------
    def snapshot(self):
        from . import pictures
        samples = pictures.snapshot(self)
        self._watch_collapse(samples.reshape(len(samples), -1))

    def finish(self):
        from . import pictures
        pictures.finish(self)


class _DeferredInterrupt:
    """Turn the first Ctrl-C into a request to stop after the current step, so the checkpoint
    written then is exact; a second Ctrl-C interrupts at once."""

    def __init__(self, log):
        self.log, self.requested, self._previous = log, False, None

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.log("\nCtrl-C: finishing this step and saving a checkpoint (press again to abort without saving)")

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


def _progress_bar(total, initial, enabled):
    if not enabled:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True, file=sys.stderr)


class MetricsWriter:
    """metrics.csv, one row per step. On resume, rows from steps at or after the checkpoint are
    dropped first, so a resumed run's file equals an uninterrupted run's."""

    def __init__(self, path, keep_before=0):
        self.path, self.columns = path, None
        kept = []
        if os.path.exists(path) and keep_before > 0:
            with open(path, newline="") as f:
                reader = csv.DictReader(f)
                self.columns = reader.fieldnames
                kept = [row for row in reader if int(row["step"]) < keep_before]
        self.file = open(path, "w", newline="")
        self.writer = None
        if self.columns:
            self._start(self.columns)
            self.writer.writerows(kept)

    def _start(self, columns):
        self.columns = list(columns)
        self.writer = csv.DictWriter(self.file, fieldnames=self.columns, extrasaction="ignore")
        self.writer.writeheader()

    def write(self, row):
        if self.writer is None:
            self._start(row.keys())
        # repr() of a float round-trips exactly, so two runs' files can be compared bit for bit.
        self.writer.writerow({k: (repr(float(v)) if isinstance(v, (float, np.floating)) else v)
                              for k, v in row.items()})

    def flush(self):
        self.file.flush()

    def close(self):
        self.file.close()
