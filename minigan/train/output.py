"""What a run writes as it goes: a row of metrics.csv per step, and the progress bar."""
import csv
import os
import sys

import numpy as np


class MetricsError(ValueError):
    """metrics.csv cannot be continued; the message names the file and what is wrong with it."""


def progress_bar(total, initial, enabled):
    if not enabled:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True, file=sys.stderr)


def covered_rows(path, n):
    """(columns, bytes) of metrics.csv's header and its rows of steps 0..n-1, those a checkpoint at
    step ``n`` covers; a MetricsError naming the file if it does not hold them all."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise MetricsError(f"{path}: missing, but the checkpoint covers {n} steps whose rows it should hold; "
                           "restore it, or start a new run in another folder") from None
    except OSError as err:
        raise MetricsError(f"{path}: cannot read it ({err.strerror or err})") from None
    lines = raw.splitlines(keepends=True)[:n + 1]
    if len(lines) < n + 1 or not lines[-1].endswith(b"\n"):
        complete = sum(line.endswith(b"\n") for line in lines) - 1
        raise MetricsError(f"{path}: holds {max(complete, 0)} complete rows, but the checkpoint covers {n} steps; "
                           "the file was cut short or replaced")
    try:
        rows = list(csv.reader(line.decode("utf-8") for line in lines))
    except (UnicodeDecodeError, csv.Error) as err:
        raise MetricsError(f"{path}: unreadable ({err})") from None
    columns = rows[0]
    if "step" not in columns:
        raise MetricsError(f"{path}: no 'step' column in its header line; not a minigan metrics file")
    at = columns.index("step")
    for i, row in enumerate(rows[1:]):
        if len(row) != len(columns) or row[at] != str(i):
            raise MetricsError(f"{path}: row {i + 1} is not the row of step {i}; the file was edited or "
                               "belongs to another run")
    return columns, sum(len(line) for line in lines)


def cut_to_rows(path, n):
    """Shorten metrics.csv to the rows a checkpoint at step ``n`` covers, in place; return its columns.

    One truncate() call drops the rows after the checkpoint (a killed run may have left some, or
    half a row); the rows kept are never rewritten, so a kill at any moment cannot lose them."""
    columns, length = covered_rows(path, n)
    with open(path, "r+b") as f:
        f.truncate(length)
    return columns


class MetricsWriter:
    """metrics.csv, one row per step. On resume the file is cut back to the rows the checkpoint
    covers (``keep_before`` steps) and continued, so a resumed run's file equals an uninterrupted run's."""

    def __init__(self, path, keep_before=0):
        self.path, self.columns, self.writer = path, None, None
        if keep_before > 0:
            columns = cut_to_rows(path, keep_before)
            self.file = open(path, "a", newline="")
            self._start(columns, header=False)
        else:
            self.file = open(path, "w", newline="")

    def _start(self, columns, header=True):
        self.columns = list(columns)
        self.writer = csv.DictWriter(self.file, fieldnames=self.columns, extrasaction="ignore")
        if header:
            self.writer.writeheader()

    def write(self, row):
        if self.writer is None:
            self._start(row.keys())
        # repr() of a float round-trips exactly, so two runs' files can be compared bit for bit.
        self.writer.writerow({k: (repr(float(v)) if isinstance(v, (float, np.floating)) else v)
                              for k, v in row.items()})

    def flush(self):
        """Push the rows written so far to the disk: called before each checkpoint, so that the
        checkpoint never covers a row the file does not hold."""
        self.file.flush()
        os.fsync(self.file.fileno())

    def close(self):
        self.file.close()
