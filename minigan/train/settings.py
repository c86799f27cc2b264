"""A run's settings, resolved before anything is built: which preset, changed how, in which folder.

``resolve_settings`` takes the preset's name and the flags given (None = not given) and, for a
run that resumes, the settings its checkpoint recorded; the flags given now win. The result says
everything ``Run`` builds from, and ``config()`` is what the checkpoint's header records.
"""
import os
import time
from dataclasses import dataclass
from typing import Optional

from .. import checkpoint, recipes
from ..presets import Preset, get_preset
from .header import MAX_BATCH_SIZE
from .outdir import RunExists, check_not_busy, check_out_folder


@dataclass(frozen=True)
class Settings:
    name: str                  # the preset's name
    overrides: dict            # the flags given, as recorded: "objective" holds the recipe text
    seed: int
    backend: str
    data_dir: Optional[str]
    out: str
    resume: bool
    preset: Preset             # the named preset with ``overrides`` applied
    data_path: Optional[str] = None   # --data: a folder of images or an .npy / .npz, absolute

    @property
    def checkpoint_path(self):
        return os.path.join(self.out, "checkpoint.npz")

    def config(self):
        config = {"preset": self.name, "overrides": self.overrides, "seed": self.seed, "backend": self.backend,
                  "data_dir": self.data_dir}
        if self.data_path:
            config["data_path"] = self.data_path
        return config


def preset_from(name, overrides):
    """The preset ``name`` with a run's recorded flags applied: first the recipes of ``objective``
    (an objective, or recipes joined by "+"), then every other field given, so that those win.

    Checkpoints written before ``--pack`` became a field hold it in the objective ("sharp+pacgan4");
    applying the recipe text restores it."""
    fields = dict(overrides)
    preset = get_preset(name)
    if fields.get("objective"):
        preset = recipes.apply(preset, fields.pop("objective"))
    rates = {k: fields.pop(k, None) for k in ("lr_d", "lr_g", "beta1")}
    return optimizer_flags(preset.with_overrides(**fields), **rates)


def optimizer_flags(preset, lr_d=None, lr_g=None, beta1=None):
    """``preset`` with ``--lr-d``, ``--lr-g`` and ``--beta1`` applied. ``--lr`` is the field ``lr``
    itself (D's rate; G's is ``lr * g_lr_scale``), so a separate rate for either player sets D's
    ``lr`` and G's ratio to it."""
    if lr_d or lr_g:
        d_lr, g_lr = preset.learning_rates()
        d_lr, g_lr = lr_d or d_lr, lr_g or g_lr
        preset = preset.with_overrides(lr=d_lr, g_lr_scale=g_lr / d_lr)
    if beta1 is not None:
        if preset.optimizer != "adam":
            raise ValueError(f"--beta1 is Adam's momentum, but this run trains with {preset.optimizer}")
        preset = preset.with_overrides(betas=(beta1, preset.betas[1]))
    return preset


def flags_given(**flags):
    """The flags that were given (not None). A run is ``steps`` or ``epochs`` long: the one given
    clears the other, over the preset's default and over a resumed run's record alike."""
    overrides = {k: v for k, v in flags.items() if v is not None}
    if flags.get("steps") is not None:
        overrides["epochs"] = None
    if flags.get("epochs") is not None:
        overrides["steps"] = None
    return overrides


def resolve_settings(preset, out=None, seed=0, backend=None, data_dir=None, resume=False, data_path=None, **flags):
    """Settings for a run of the preset named ``preset`` in ``out`` (default: a new folder under
    ./runs/). ``flags`` are preset fields (steps, epochs, batch_size, objective, pack, dataset, ema, lr,
    z_dim, width) and the optimizer flags lr_d, lr_g, beta1.
    ``data_path``: your own images (--data), a folder or an .npy / .npz file.
    A resumed run keeps its recorded seed, data folder and flags, and the flags given now win."""
    out = out or os.path.join("runs", f"{preset}-{time.strftime('%Y%m%d-%H%M%S')}")
    ckpt_path = os.path.join(out, "checkpoint.npz")
    overrides = flags_given(**flags)
    if overrides.get("batch_size", 0) > MAX_BATCH_SIZE:
        raise ValueError(f"--batch-size {overrides['batch_size']}: above minigan's limit of {MAX_BATCH_SIZE}")
    data_dir = existing_folder(data_dir, "--data-dir")
    data_path = existing_path(data_path, "--data")
    if resume:
        check_not_busy(out)
        saved = _recorded_config(ckpt_path, preset)
        overrides = {**saved["overrides"], **overrides}
        seed = saved["seed"]
        if data_dir is None and saved.get("data_dir"):
            # a path the run recorded: relative to the run's folder, and never created
            data_dir = existing_folder(os.path.join(out, saved["data_dir"]), f"data_dir recorded in {ckpt_path}")
        if data_path is None and saved.get("data_path"):
            data_path = existing_path(os.path.join(out, saved["data_path"]), f"data_path recorded in {ckpt_path}")
    elif os.path.exists(ckpt_path):
        raise RunExists(f"{out} already holds a run (checkpoint.npz); pass --resume to continue it "
                        "or choose another --out")
    else:
        check_out_folder(out)
    backend = backend or os.environ.get("MINIGAN_BACKEND") or "numpy"
    return Settings(preset, overrides, seed, backend, data_dir, out, resume, preset_from(preset, overrides), data_path)


def existing_folder(path, what):
    """``path`` made absolute (so that the run records where its data really is), if it is a folder."""
    if path is None:
        return None
    if not os.path.isdir(path):
        raise ValueError(f"{what} {path}: no such folder")
    return os.path.abspath(path)


def existing_path(path, what):
    """``path`` made absolute, if it is a file or a folder (your own images: --data)."""
    if path is None:
        return None
    if not os.path.exists(path):
        raise ValueError(f"{what} {path}: no such file or folder")
    return os.path.abspath(path)


def _recorded_config(ckpt_path, preset):
    if not os.path.exists(ckpt_path):
        raise FileNotFoundError(f"--resume: no checkpoint at {ckpt_path}")
    from .save import read_run
    saved = read_run(ckpt_path)[1]["config"]
    if saved["preset"] != preset:
        raise ValueError(f"{ckpt_path} was trained with preset {saved['preset']!r}, not {preset!r}")
    return saved


def check_data_fits(settings):
    """Refuse, before anything is built, a data set the preset's networks cannot read, and a data
    folder for a data set that has none (both used to start and then fail, or be silently ignored)."""
    from ..presets import DATA_KINDS
    own = get_preset(settings.name).dataset
    dataset = settings.preset.dataset
    if DATA_KINDS.get(dataset) != DATA_KINDS[own]:
        fitting = sorted(d for d, kind in DATA_KINDS.items() if kind == DATA_KINDS[own])
        raise ValueError(f"--dataset {dataset}: preset {settings.name} is built for {DATA_KINDS[own]}, and "
                         f"{dataset} holds {DATA_KINDS.get(dataset, 'something else')}; choose one of "
                         f"{', '.join(fitting)}, or a preset made for {dataset}")
    if settings.data_path and ("dataset" in settings.overrides or settings.data_dir):
        raise ValueError("--data replaces --dataset and --data-dir: give one or the other")
    if settings.data_dir and dataset not in FOLDER_DATASETS:
        raise ValueError(f"--data-dir: preset {settings.name} trains on {dataset}, which needs no folder "
                         f"(--data-dir is where {' and '.join(FOLDER_DATASETS)} are read from)")


FOLDER_DATASETS = ("mnist", "fashion-mnist")     # the data sets read from files
