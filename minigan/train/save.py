"""A run on disk: its checkpoint holds G, D, their optimizers and everything needed to resume.

The arrays go into the .npz; the step, the settings (``config``), the random generator's state,
the data stream's position and the optimizers' hyper-parameters go into its JSON header.
"""
import numpy as np

from .. import checkpoint, rng as _rng
from ..backend import to_numpy
from .guards import TrainingDiverged
from .header import check_run_header
from .settings import preset_from


def save_run(path, run):
    """Write everything ``run`` needs to resume into the checkpoint at ``path`` (atomically)."""
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
    bad = next((k for k, a in arrays.items() if a.dtype.kind == "f" and not np.isfinite(a).all()), None)
    if bad is not None:   # a checkpoint one cannot sample or resume from would only replace a good one
        raise TrainingDiverged(f"{path}: not saved at step {run.step}: {bad} holds NaN or Inf; the previous "
                               "checkpoint was kept")
    return checkpoint.save(path, arrays, header)


def read_run(path):
    """(arrays, header) of a run's checkpoint, its header checked as a whole before any array is
    read (header.py) and every array checked to be finite: a diverged run cannot be sampled or resumed."""
    arrays, header = checkpoint.load(path, check_header=check_run_header)
    for name, a in arrays.items():
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise checkpoint.CheckpointError(f"{path}: {np.count_nonzero(~np.isfinite(a))} NaN or Inf values in "
                                             f"{name}; the run had diverged, so it cannot be sampled or resumed")
    return arrays, header


def load_gan(path, backend=None):
    """Rebuild the GAN stored in a checkpoint (weights and optimizer states); returns (gan, header, arrays)."""
    arrays, header = read_run(path)
    config = header["config"]
    try:
        preset = preset_from(config["preset"], config.get("overrides", {}))
    except (KeyError, TypeError, ValueError) as err:
        raise checkpoint.CheckpointError(f"{path}: the header names no usable preset ({err})") from None
    gan = preset.build(backend or config.get("backend"))
    try:
        gan.G.load_state_dict(checkpoint.unpack("G", arrays))
        gan.D.load_state_dict(checkpoint.unpack("D", arrays))
        for who, opt in (("G", gan.g_opt), ("D", gan.d_opt)):
            opt.load_state_dict({**header["optimizers"][who], "slots": checkpoint.unpack(f"opt{who}", arrays)})
        if gan.ema:
            if "ema" not in header:
                raise KeyError("the header has no 'ema' field for G's moving average")
            gan.ema.load_state_dict(checkpoint.unpack("G_ema", arrays), header["ema"])
    except (KeyError, ValueError) as err:
        raise checkpoint.CheckpointError(f"{path}: arrays do not fit preset {preset.name!r} ({err})") from None
    gan.step_count = header["step"]
    return gan, header, arrays
