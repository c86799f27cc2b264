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

    @property
    def checkpoint_path(self):
        return os.path.join(self.out, "checkpoint.npz")

    def config(self):
        return {"preset": self.name, "overrides": self.overrides, "seed": self.seed, "backend": self.backend,
                "data_dir": self.data_dir}


def preset_from(name, overrides):
    """The preset ``name`` with a run's recorded flags applied: first the recipes of ``objective``
    (an objective, or recipes joined by "+"), then every other field given, so that those win.

    Checkpoints written before ``--pack`` became a field hold it in the objective ("sharp+pacgan4");
    applying the recipe text restores it."""
    fields = dict(overrides)
    preset = get_preset(name)
    if fields.get("objective"):
        preset = recipes.apply(preset, fields.pop("objective"))
    return preset.with_overrides(**fields)


def flags_given(**flags):
    """The flags that were given (not None). A run is ``steps`` or ``epochs`` long: the one given
    clears the other, over the preset's default and over a resumed run's record alike."""
    overrides = {k: v for k, v in flags.items() if v is not None}
    if flags.get("steps") is not None:
        overrides["epochs"] = None
    if flags.get("epochs") is not None:
        overrides["steps"] = None
    return overrides


def resolve_settings(preset, out=None, seed=0, backend=None, data_dir=None, resume=False, **flags):
    """Settings for a run of the preset named ``preset`` in ``out`` (default: a new folder under
    ./runs/). ``flags`` are preset fields (steps, epochs, batch_size, objective, pack, dataset, ema).
    A resumed run keeps its recorded seed, data folder and flags, and the flags given now win."""
    out = out or os.path.join("runs", f"{preset}-{time.strftime('%Y%m%d-%H%M%S')}")
    ckpt_path = os.path.join(out, "checkpoint.npz")
    overrides = flags_given(**flags)
    if overrides.get("batch_size", 0) > MAX_BATCH_SIZE:
        raise ValueError(f"--batch-size {overrides['batch_size']}: above minigan's limit of {MAX_BATCH_SIZE}")
    data_dir = existing_folder(data_dir, "--data-dir")
    if resume:
        check_not_busy(out)
        saved = _recorded_config(ckpt_path, preset)
        overrides = {**saved["overrides"], **overrides}
        seed = saved["seed"]
        if data_dir is None and saved.get("data_dir"):
            # a path the run recorded: relative to the run's folder, and never created
            data_dir = existing_folder(os.path.join(out, saved["data_dir"]), f"data_dir recorded in {ckpt_path}")
    elif os.path.exists(ckpt_path):
        raise RunExists(f"{out} already holds a run (checkpoint.npz); pass --resume to continue it "
                        "or choose another --out")
    else:
        check_out_folder(out)
    backend = backend or os.environ.get("MINIGAN_BACKEND") or "numpy"
    return Settings(preset, overrides, seed, backend, data_dir, out, resume, preset_from(preset, overrides))


def existing_folder(path, what):
    """``path`` made absolute (so that the run records where its data really is), if it is a folder."""
    if path is None:
        return None
    if not os.path.isdir(path):
        raise ValueError(f"{what} {path}: no such folder")
    return os.path.abspath(path)


def _recorded_config(ckpt_path, preset):
    if not os.path.exists(ckpt_path):
        raise FileNotFoundError(f"--resume: no checkpoint at {ckpt_path}")
    from .save import read_run
    saved = read_run(ckpt_path)[1]["config"]
    if saved["preset"] != preset:
        raise ValueError(f"{ckpt_path} was trained with preset {saved['preset']!r}, not {preset!r}")
    return saved
