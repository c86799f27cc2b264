"""The training loop behind ``minigan train``: data in, GAN steps, pictures and checkpoints out.

Everything here is bookkeeping around ``GAN.step`` (see gan.py for the game itself). A run is
set up in two parts: ``resolve_settings`` (settings.py) turns the preset's name, the flags and,
on resume, the checkpoint's record into ``Settings``; ``Run`` builds the GAN, the data stream
(streams.py) and the learning-rate schedule from them, then trains: a metrics.csv row per step
(output.py), pictures at regular intervals (minigan/snapshots.py), checkpoints (save.py), and
the guards a learner needs (guards.py: NaN/Inf, a discriminator that wins outright, samples
collapsing to one point, Ctrl-C).
"""
import os
import sys

from .. import rng as _rng
from ..checkpoint import CheckpointError
from ..backend import to_backend, to_numpy
from .guards import (DeferredInterrupt, TrainingDiverged, check_finite, collapse_episode, collapse_spread,
                     d_wins_streak, d_wins_warning)
from .output import MetricsWriter, covered_rows, progress_bar
from .save import load_gan, save_run
from .own_images import check_image_shape, read_own_images
from .outdir import FolderLock, RunBusy, make_out_folder, remove_stale_temporaries
from .settings import RunExists, Settings, check_data_fits, preset_from, resolve_settings
from .streams import ArrayStream, MixtureStream, labelled_stream, make_stream
from .threads import choose_threads, limited_threads

DEFAULT_FRAMES = 40       # pictures per run, unless asked otherwise
MIN_FRAME_STEPS = 10      # by default a short run draws a picture every 10 steps at most, not every step

__all__ = ["Run", "Settings", "resolve_settings", "preset_from", "load_gan", "save_run", "TrainingDiverged",
           "RunExists", "RunBusy", "MetricsWriter", "make_stream", "labelled_stream", "ArrayStream", "MixtureStream"]


def say(message):
    """Print a message on its own line on stderr, above a progress bar if one is showing."""
    from tqdm.auto import tqdm
    tqdm.write(message, file=sys.stderr)


class Run:
    """One training run in an output directory: build or resume, then ``train()``.

    The flags (steps, epochs, batch_size, objective, pack, dataset, ema; None = the preset's) and
    ``resume`` are resolved into ``Settings`` first (settings.py); the run is built from those.
    ``data``: (images, labels) arrays to train on instead of the preset's data set -- a subset, say
    (minigan.apps trains on the digits 0-8 alone). The checkpoint does not store them: pass the
    same arrays again to resume. ``data_path``: your own images instead (``--data``: a folder of
    pictures or an .npy / .npz, see own_images.py); the checkpoint records the path, read again on resume.
    """

    def __init__(self, preset="ring8", out=None, steps=None, epochs=None, batch_size=None, seed=0,
                 backend=None, objective=None, pack=None, data_dir=None, dataset=None, resume=False,
                 checkpoint_every=None, frames=None, progress=True, log=None, ema=None, data=None, threads=None,
                 data_path=None, **model_flags):
        # model_flags: lr, lr_d, lr_g, beta1, z_dim, width, image_size, channels (None = the preset's)
        settings = resolve_settings(preset, out=out, seed=seed, backend=backend, data_dir=data_dir, resume=resume,
                                    steps=steps, epochs=epochs, batch_size=batch_size, objective=objective,
                                    pack=pack, dataset=dataset, ema=ema, data_path=data_path, **model_flags)
        self.log = log or say
        if data is None:
            check_data_fits(settings)
            check_image_shape(settings)
            if settings.data_path:      # your own images, read (and cached) before anything is built
                settings, data = read_own_images(settings, self.log)
        self.progress, self.frames, self.requested_threads, self._trained = progress, frames, threads, False
        self._build(settings, data, checkpoint_every)

    # -- building the run from its settings ---------------------------------------------------
    def _build(self, settings, data, checkpoint_every):
        self.settings, self.preset, self.out = settings, settings.preset, settings.out
        self.ckpt_path = settings.checkpoint_path
        self.metrics_path = os.path.join(self.out, "metrics.csv")
        self.config = settings.config()
        if data is not None and not settings.data_path:
            self.config["data"] = f"{len(data[0])} images given in memory"
        # The order of random draws is part of a run's identity: seed, data stream, weights, fixed noise.
        _rng.seed(settings.seed)
        self.stream = self._make_stream(data)
        self.gan = self.preset.build(settings.backend)
        self.fixed_noise = self.gan.sample_noise(64)
        self.step, self.diagnostics = 0, {"d_wins_streak": 0, "collapse_since": None}
        if settings.resume:
            self._resume()
        self.total_steps = self._total_steps()
        self.schedule = self.preset.schedule(self.gan, self.total_steps, start=self.step)
        self.checkpoint_every = checkpoint_every or max(1, min(1000, self.total_steps // 5))
        self.frame_every = self._frame_every()
        self.threads = choose_threads(self.gan, self.requested_threads, batch=2 * self.preset.pack)
        self.config["threads"] = self.threads
        reference = to_numpy(self.gan.images(self.stream.reference()))
        self._reference = reference.reshape(len(reference), -1)

    def _make_stream(self, data):
        p, s = self.preset, self.settings
        if data is not None:
            return labelled_stream(*data, p.batch_size, s.seed, s.backend, p.conditional)
        return make_stream(p.dataset, p.batch_size, s.seed, s.backend, s.data_dir, p.conditional, p.image_size,
                           p.channels)

    def _total_steps(self):
        if self.preset.steps:
            return self.preset.steps
        if self.preset.epochs and self.stream.steps_per_epoch:
            return self.preset.epochs * self.stream.steps_per_epoch
        raise ValueError(f"preset {self.preset.name!r} needs --steps (or --epochs for image data)")

    def _frame_every(self):
        """Steps between pictures: a run measured in epochs draws at the end of every epoch, or of
        every k-th where that would make more than ``frames`` pictures; one measured in steps draws
        ``frames`` pictures -- by default about DEFAULT_FRAMES, at least MIN_FRAME_STEPS apart."""
        frames = max(1, self.frames or DEFAULT_FRAMES)
        per_epoch = self.stream.steps_per_epoch
        if per_epoch and self.preset.epochs:
            return per_epoch * -(-self.preset.epochs // frames)
        shortest = 1 if self.frames else MIN_FRAME_STEPS     # pictures asked for are drawn as asked
        return max(shortest, self.total_steps // frames)

    def _resume(self):
        gan, header, arrays = load_gan(self.ckpt_path, self.settings.backend)
        self.gan = gan
        self.step = header["step"]
        if self.step > self._total_steps():
            raise ValueError(f"{self.ckpt_path} is at step {self.step}, beyond the {self._total_steps()} steps "
                             "asked for; nothing done (give more --steps to continue it)")
        noise = arrays.get("fixed_noise")
        if noise is None or noise.shape != tuple(self.fixed_noise.shape):
            raise CheckpointError(f"{self.ckpt_path}: fixed_noise is missing or does not fit the model")
        self.fixed_noise = to_backend(noise, self.settings.backend)
        _rng.set_state(header["rng"])
        try:
            self.stream.load_state(header["stream"])
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"{self.ckpt_path}: header field stream does not fit this run's data") from None
        self.diagnostics = header.get("diagnostics", self.diagnostics)
        if self.step > 0:
            covered_rows(self.metrics_path, self.step)   # a resume that would lose rows stops here
        self.log(f"resuming {self.out} at step {self.step}")

    # -- the loop -----------------------------------------------------------------------------
    def train(self, until=None):
        """Train to the run's last step (or stop early after step ``until``, saving a checkpoint)."""
        make_out_folder(self.out)
        with FolderLock(self.out), DeferredInterrupt(self.log) as interrupt:
            if not self._trained and not self.settings.resume and os.path.exists(self.ckpt_path):
                raise RunExists(f"{self.out} already holds a run (checkpoint.npz), written since this one "
                                "was set up; pass --resume to continue it or choose another --out")
            self._trained = True
            remove_stale_temporaries(self.out)
            if self.step == 0:
                save_run(self.ckpt_path, self)   # from now on the folder can always be resumed
            self._loop(until, interrupt)
            if interrupt.requested:
                self.log(f"\n{interrupt.requested}: stopped at step {self.step}; checkpoint saved to "
                         f"{self.ckpt_path} (continue with --resume)")
                raise KeyboardInterrupt
            if self.step == self.total_steps:
                self.finish()
        return self

    def _loop(self, until, interrupt):
        """The steps, with a checkpoint every ``checkpoint_every`` steps and one where they stop."""
        stop = self.total_steps if until is None else min(until, self.total_steps)
        writer = MetricsWriter(self.metrics_path, keep_before=self.step)
        bar = progress_bar(self.total_steps, self.step, self.progress)
        if bar is not None:
            bar.set_description_str(f"{self.preset.name} -> {self.out}", refresh=False)
        last_good = self.step
        try:
            with limited_threads(self.threads):
                while self.step < stop and not interrupt.requested:
                    self._one_step(writer, bar, last_good)
                    if self.step % self.checkpoint_every == 0 or self.step == stop or interrupt.requested:
                        # rows reach the disk before the checkpoint that covers them
                        writer.flush()
                        save_run(self.ckpt_path, self)
                        last_good = self.step
        finally:
            writer.close()
            if bar is not None:
                bar.close()

    def _one_step(self, writer, bar, last_good):
        batches = [self.stream.next() for _ in range(self.gan.n_critic)]
        record = self.gan.step(batches if len(batches) > 1 else batches[0])
        check_finite(record, self.step + 1, self.ckpt_path, last_good, self.gan, batches)
        self.step += 1
        self.schedule.step()
        writer.write(record.as_row())
        self._watch_discriminator(record)
        if bar is not None:
            bar.update(1)
            if self.step % 10 == 0 or self.step == self.total_steps:
                bar.set_postfix_str(f"{self._epoch_text()}D {record.d_loss:.3f}  G {record.g_loss:.3f}  "
                                    f"D(x) {record.d_real:.2f}  D(G(z)) {record.d_fake:.2f}")
        if self.step % self.frame_every == 0 or self.step == self.total_steps:
            self.snapshot()

    def _epoch_text(self):
        if not self.stream.steps_per_epoch:
            return ""
        epochs = -(-self.total_steps // self.stream.steps_per_epoch)
        return f"epoch {min(self.stream.epoch + 1, epochs)}/{epochs}  "

    def _watch_discriminator(self, record):
        streak = d_wins_streak(self.diagnostics["d_wins_streak"], record, self.gan.objective)
        self.diagnostics["d_wins_streak"] = streak
        warning = d_wins_warning(self.step, streak, record)
        if warning:
            self.log(warning)

    # -- pictures -------------------------------------------------------------------------------
    def snapshot(self):
        from .. import snapshots
        samples = snapshots.snapshot(self)
        flat = samples.reshape(len(samples), -1)
        spreads = collapse_spread(self.step, self.total_steps, flat, self._reference)
        what = "point" if flat.shape[1] == 2 else "image"
        since, message = collapse_episode(self.diagnostics.get("collapse_since"), self.step, spreads, what)
        self.diagnostics["collapse_since"] = since
        if message:
            self.log(message)

    def finish(self):
        from .. import snapshots
        snapshots.finish(self)
        since = self.diagnostics.get("collapse_since")
        if since is not None:
            self.log(f"note: the collapse that began at step {since} lasted to the end of the run (step {self.step})")
