"""What a run writes as it goes: a row of metrics.csv per step, and the progress bar."""
import csv
import os
import sys

import numpy as np


def progress_bar(total, initial, enabled):
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
