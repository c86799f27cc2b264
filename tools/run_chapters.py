"""Run chapter notebooks top to bottom in FULL mode (MINIGAN_FAST unset), as a learner would.

    python tools/run_chapters.py [01 05 ...] [--out /tmp/minigan-chapters] [--stubs]

The test suite runs every chapter in fast mode; this is the by-hand check that the full versions
run too. Each chapter executes in a fresh kernel inside its own folder under --out (so run folders
and GIFs land there, never in the repository), the executed notebook, outputs included, is saved
beside them, and the wall time of each goes to tools/chapters_full.md. The exercise cells are
filled with chapters/solutions/<chapter>.py (the committed stubs would stop at the first check);
--stubs runs the notebooks as committed.
"""
import argparse
import os
import sys
import time
from pathlib import Path

import nbclient
import nbformat

from minigan.exercises import with_solutions

REPO = Path(__file__).resolve().parent.parent


def run_chapter(path, out_dir, solutions=True):
    env_before = dict(os.environ)
    os.environ.pop("MINIGAN_FAST", None)
    # the inline backend embeds every figure in the saved notebook, for review (Agg would drop them)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    shared = REPO.parent / "shared" / "data"
    if not os.environ.get("MINIGAN_DATA_DIR") and (shared / "mnist").is_dir():
        os.environ["MINIGAN_DATA_DIR"] = str(shared)
    workdir = out_dir / path.stem
    workdir.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(path, as_version=4)
    solved = REPO / "chapters" / "solutions" / f"{path.stem}.py"
    if solutions and solved.exists():
        with_solutions(nb, solved.read_text())
    t0 = time.perf_counter()
    error = None
    try:
        nbclient.NotebookClient(nb, timeout=3600, kernel_name="python3",
                                resources={"metadata": {"path": str(workdir)}}).execute()
    except Exception as err:                        # keep going; the table says which chapter failed
        error = str(err).splitlines()[-1] if str(err) else type(err).__name__
    seconds = time.perf_counter() - t0
    nbformat.write(nb, workdir / path.name)
    os.environ.clear()
    os.environ.update(env_before)
    return seconds, error


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter numbers or names (default: all)")
    parser.add_argument("--out", default="/tmp/minigan-chapters", help="where the executed notebooks go")
    parser.add_argument("--stubs", action="store_true", help="leave the exercise cells as committed")
    parser.add_argument("--record", default=str(REPO / "tools" / "chapters_full.md"))
    args = parser.parse_args(argv)
    paths = sorted((REPO / "chapters").glob("*.ipynb"))
    if args.chapters:
        paths = [p for p in paths if any(p.stem.startswith(c) for c in args.chapters)]
    if not paths:
        parser.error(f"no chapter matches {args.chapters}")
    rows = []
    for path in paths:
        seconds, error = run_chapter(path, Path(args.out), solutions=not args.stubs)
        status = "ok" if error is None else f"FAILED: {error}"
        print(f"{path.stem:40} {seconds:8.1f} s  {status}", flush=True)
        rows.append((path.stem, seconds, status))
    record(Path(args.record), rows)
    return 0 if all(r[2] == "ok" for r in rows) else 1


def record(path, rows):
    """Merge these rows into the Markdown table (one row per chapter, the latest run wins)."""
    table = {}
    if path.exists():
        for line in path.read_text().splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) == 4 and cells[0][:2].isdigit():
                table[cells[0]] = cells
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    stamp = time.strftime("%Y-%m-%d")
    for name, seconds, status in rows:
        table[name] = [name, f"{seconds:.0f}", status, f"{stamp}, load {load:.1f}, {os.cpu_count()} CPUs"]
    lines = ["# Chapters in full mode (MINIGAN_FAST unset)", "",
             "Run by `python tools/run_chapters.py`; wall time of the whole notebook in a fresh kernel.", "",
             "| chapter | seconds | result | when, load average |", "|---|---:|---|---|"]
    lines += ["| " + " | ".join(table[k]) + " |" for k in sorted(table)]
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
