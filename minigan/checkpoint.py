"""Checkpoints: one .npz file holding every array, plus a JSON header for everything else.

Never pickle: ``np.load(..., allow_pickle=False)`` cannot run code from a file, so
a checkpoint from a stranger is safe to open. The file is written to a temporary
name and renamed into place, so a crash mid-write never leaves a half-written
checkpoint where the last good one was.
"""
import io
import json
import os
import tempfile
import zipfile

import numpy as np

FORMAT = "minigan-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read; the message names the file and the problem."""


def current_umask():
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save(path, arrays, header):
    """Write ``arrays`` (name -> array) and ``header`` (JSON-serialisable dict) to ``path`` atomically."""
    path = os.fspath(path)
    header = {"format": FORMAT, "version": VERSION, **header}
    payload = {name: np.asarray(a) for name, a in arrays.items()}
    payload["__header__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".checkpoint-", suffix=".npz.tmp", dir=directory)
    try:
        os.chmod(tmp, 0o666 & ~current_umask())   # mkstemp makes 0600; a checkpoint is a file like any other
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)   # atomic on POSIX and Windows: readers see the old file or the new one
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def load(path):
    """Read a checkpoint; returns (arrays: dict of NumPy arrays, header: dict)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        with open(path, "rb") as f:
            raw = f.read()
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise CheckpointError(f"{path}: not a readable checkpoint (truncated or corrupt .npz: {err})") from None
    if "__header__" not in arrays:
        raise CheckpointError(f"{path}: no JSON header; this .npz was not written by minigan")
    try:
        header = json.loads(arrays.pop("__header__").tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{path}: the JSON header is corrupt ({err})") from None
    if header.get("format") != FORMAT:
        raise CheckpointError(f"{path}: header format is {header.get('format')!r}, expected {FORMAT!r}")
    if header.get("version", 0) > VERSION:
        raise CheckpointError(f"{path}: written by a newer minigan (format version {header['version']})")
    return arrays, header


def pack(prefix, state):
    """Prefix every key of a state dict: {"0.weight": a} -> {"G/0.weight": a}."""
    return {f"{prefix}/{k}": v for k, v in state.items()}


def unpack(prefix, arrays):
    """The inverse of pack(): the arrays under one prefix, with the prefix removed."""
    start = prefix + "/"
    return {k[len(start):]: v for k, v in arrays.items() if k.startswith(start)}
