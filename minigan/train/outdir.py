"""The output folder of a run: used by one run at a time, never overwritten by accident.

A run holds an advisory lock (``flock``) on ``.minigan.lock`` in its folder while it trains. The
kernel drops the lock when the process ends, however it ends (SIGKILL included), so a killed run
never leaves its folder locked; the pid written into the file only helps the message.
"""
import glob
import os

LOCK_NAME = ".minigan.lock"
# What a run leaves in its folder; any of these without a checkpoint is still somebody's work.
RUN_FILES = ("metrics.csv", "frames", "samples", "curves.png", "field.png", "training.gif", "samples.png",
             "samples.gif")


class RunExists(FileExistsError):
    """The output directory already holds a run and --resume was not given, or cannot hold one."""


class RunBusy(RunExists):
    """Another process is training in this output folder right now."""


def check_out_folder(out):
    """Refuse an --out that cannot hold a run: a file, or a folder with run files but no checkpoint."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise RunExists(f"--out {out} is a file, not a folder")
    check_not_busy(out)
    found = [name for name in RUN_FILES if os.path.exists(os.path.join(out, name))]
    if found:
        raise RunExists(f"{out} holds files of an earlier run ({', '.join(found)}) but no checkpoint to resume "
                        "from; choose another --out, or remove them")


def check_not_busy(out):
    """Raise RunBusy now if another process trains in ``out``, before anything is built or said."""
    if os.path.exists(os.path.join(out, LOCK_NAME)):
        with FolderLock(out):
            pass


def make_out_folder(out):
    """Create the output folder, or say in one line why it cannot be created."""
    try:
        os.makedirs(out, exist_ok=True)
    except FileExistsError:
        raise RunExists(f"--out {out}: a file stands where a folder is needed") from None
    except OSError as err:
        raise RunExists(f"--out {out}: cannot create the folder ({err.strerror or err})") from None


def remove_stale_temporaries(out):
    """Delete what a checkpoint write killed half-way left behind (the lock says nobody writes now)."""
    for tmp in glob.glob(os.path.join(glob.escape(out), ".checkpoint-*.npz.tmp")):
        try:
            os.remove(tmp)
        except FileNotFoundError:
            pass


class FolderLock:
    """``with FolderLock(out):`` -- hold ``out`` for this process, or raise RunBusy at once."""

    def __init__(self, out):
        self.path, self.out, self.fd = os.path.join(out, LOCK_NAME), out, None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:       # no flock on this platform: run without the lock
            return self
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as err:
            raise RunExists(f"--out {self.out}: cannot write there ({err.strerror or err})") from None
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(self.fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(self.fd)
            self.fd = None
            raise RunBusy(f"{self.out} is in use by another minigan train (pid {holder}); wait for it to "
                          "finish or choose another --out") from None
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)     # closing the file releases the lock
            self.fd = None
        return False
