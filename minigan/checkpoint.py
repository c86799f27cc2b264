"""Checkpoints: one .npz file holding every array, plus a JSON header for everything else.

Never pickle: every member's .npy header is read and checked by hand (numbers only, no Python
objects), and its data inflated no further than that header declares, so a checkpoint from a
stranger can do no more than fail to load. The file is written to a temporary name and renamed
into place, so a crash mid-write never leaves a half-written checkpoint where the last good one was.
"""
import json
import math
import os
import tempfile
import zipfile
import zlib

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
    except OSError as err:   # a full disk, say: the previous checkpoint is still there
        _remove(tmp)
        kept = "the previous checkpoint was kept" if os.path.exists(path) else "no checkpoint was written"
        raise CheckpointError(f"{path}: could not write the checkpoint ({err.strerror or err}); {kept}") from None
    except BaseException:
        _remove(tmp)
        raise
    return path


# Reading is bounded: the JSON header may hold at most MAX_HEADER_BYTES; all the arrays together
# may declare at most MAX_RATIO times the file's size (weights barely compress; a zip bomb inflates
# a thousandfold) beyond a first SMALL_BYTES, and never more than MAX_BYTES.
MAX_HEADER_BYTES = 2**20
MAX_MEMBERS = 4096
SMALL_BYTES = 64 * 2**20
MAX_RATIO = 20
MAX_BYTES = 4 * 2**30


def _remove(tmp):
    try:
        os.remove(tmp)
    except FileNotFoundError:
        pass


def load(path, check_header=None):
    """Read a checkpoint; returns (arrays: dict of NumPy arrays, header: dict).

    ``check_header(path, header)``, when given, vets the header before any array is read.
    Every problem is a CheckpointError with one line naming the file."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f, zipfile.ZipFile(f) as zf:
            members = _members(path, zf)
            header = _read_header(path, zf, members.pop("__header__", None))
            if check_header is not None:
                check_header(path, header)
            _check_budget(path, members.values(), os.fstat(f.fileno()).st_size)
            arrays = {name: _read_array(zf, info, f"{path}[{name}]") for name, info in members.items()}
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such checkpoint file") from None
    except PermissionError:
        raise CheckpointError(f"{path}: permission denied (cannot read the checkpoint)") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path}: a folder, not a checkpoint file") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as err:
        raise CheckpointError(f"{path}: not a minigan checkpoint (not a complete .npz archive: truncated, "
                              f"corrupt or another kind of file; {err})") from None
    except (EOFError, zlib.error, OSError) as err:
        raise CheckpointError(f"{path}: truncated or corrupt checkpoint ({err})") from None
    return arrays, header


def _members(path, zf):
    """name -> ZipInfo of the archive's arrays; anything but plain .npy members is refused."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise CheckpointError(f"{path}: {len(infos)} members; not a minigan checkpoint")
    members = {}
    for info in infos:
        if not info.filename.endswith(".npy") or info.filename[:-4] in members:
            raise CheckpointError(f"{path}: unexpected member {info.filename[:60]!r}; not a minigan checkpoint")
        members[info.filename[:-4]] = info
    return members


def _read_header(path, zf, info):
    if info is None:
        raise CheckpointError(f"{path}: no JSON header; not a minigan checkpoint")
    raw = _read_array(zf, info, f"{path}[__header__]", limit=MAX_HEADER_BYTES)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise CheckpointError(f"{path}: the header is {raw.dtype} {raw.shape}, not JSON bytes; not a minigan checkpoint")
    try:
        header = json.loads(raw.tobytes().decode())
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise CheckpointError(f"{path}: the JSON header is corrupt ({str(err)[:80]})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        found = header.get("format") if isinstance(header, dict) else type(header).__name__
        raise CheckpointError(f"{path}: header format is {str(found)[:40]!r}, expected {FORMAT!r}; "
                              "not a minigan checkpoint")
    version = header.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CheckpointError(f"{path}: header field version: expected a whole number from 1, got {str(version)[:40]}")
    if version > VERSION:
        raise CheckpointError(f"{path}: written by a newer minigan (format version {version})")
    return header


def _check_budget(path, infos, file_size):
    """Refuse arrays that declare (in the zip directory) more bytes than the file can honestly hold."""
    declared = sum(info.file_size for info in infos)
    limit = min(MAX_BYTES, max(SMALL_BYTES, MAX_RATIO * file_size))
    if declared > limit:
        raise CheckpointError(f"{path}: {file_size} bytes claim {declared} bytes of arrays (limit {limit}); "
                              "refusing a likely zip bomb")


def _read_array(zf, info, name, limit=MAX_BYTES):
    """One array, inflated no further than its checked .npy header declares (and its zip entry says)."""
    from .data.arrays import DataError, read_header
    with zf.open(info) as fp:
        try:
            shape, dtype, fortran = read_header(fp, name)
        except DataError as err:
            raise CheckpointError(str(err)) from None
        need = math.prod(shape) * dtype.itemsize       # Python ints: no overflow
        if need > min(limit, info.file_size):
            raise CheckpointError(f"{name}: declares shape {str(shape)[:60]} of {dtype} = {need} bytes, more than "
                                  f"the archive holds for it ({info.file_size}) or allows ({limit})")
        data = fp.read(need)
    if len(data) < need:
        raise CheckpointError(f"{name}: truncated: {len(data)} of {need} bytes")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()


def pack(prefix, state):
    """Prefix every key of a state dict: {"0.weight": a} -> {"G/0.weight": a}."""
    return {f"{prefix}/{k}": v for k, v in state.items()}


def unpack(prefix, arrays):
    """The inverse of pack(): the arrays under one prefix, with the prefix removed."""
    start = prefix + "/"
    return {k[len(start):]: v for k, v in arrays.items() if k.startswith(start)}
