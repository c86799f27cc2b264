"""minigan's cache directory, and writing files there so that a reader never sees half of one.

The cache is ``$XDG_CACHE_HOME/minigan`` (default ``~/.cache/minigan``), the same root the MNIST
loaders search (``<root>/mnist``, ``<root>/fashion-mnist``). Image folders decoded to a training
size are kept in ``<root>/folders``.
"""
import os
import secrets
from pathlib import Path


def cache_root():
    """``$XDG_CACHE_HOME/minigan``, or ``~/.cache/minigan``."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "minigan"


def folder_cache_dir():
    """Where decoded image folders are cached by default: ``<cache root>/folders``."""
    return cache_root() / "folders"


def write_atomically(path, write):
    """Call ``write(file)`` on a new temporary file beside ``path``, then rename it to ``path``.

    The rename is atomic on one file system, so another process (or a later run after a kill)
    sees either the old file or the whole new one, never a torn one. The temporary file is made
    with ``open(..., "xb")``, so it gets the user's umask like any other output, and it is removed
    if ``write`` fails.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        with open(tmp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
