"""How fast `minigan lab` trains, against `minigan train` on the same preset, in one run.

    python benchmarks/lab_speed.py [--preset ring8] [--seconds 15] [--repeats 2] [--out DIR]

`minigan train`: the steps per second of a whole run (pictures and metrics.csv included), with the
start-up cost removed by timing two lengths: (N_long - N_short) / (t_long - t_short).
`minigan lab`: a server started as the user starts it, a client asking for a frame 15 times a second
and for the curves 3 times a second as the page does, and the step counter read over ``--seconds``
of play (after a 2-second warm-up).
The two take turns ``--repeats`` times so both see the same background load; medians are reported.
Writes lab_speed.{json,md} to benchmarks/results/ (or --out).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if __name__ == "__main__" and str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))     # this checkout's minigan, installed or not

from minigan.bench.machine import load_average, machine_info  # noqa: E402

CLI = [sys.executable, "-m", "minigan.cli"]


def train_rate(preset, short=300, long=3300):
    """Steps per second of `minigan train`, start-up removed: two runs of different lengths."""
    times = {}
    for steps in (short, long):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run(CLI + ["train", "--preset", preset, "--steps", str(steps), "--no-progress",
                                  "--out", os.path.join(out, "run")], check=True, capture_output=True)
            times[steps] = time.perf_counter() - start
    return (long - short) / (times[long] - times[short])


def call(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def lab_rate(preset, seconds, frames_per_s=15):
    """(steps per second, frames served per second) of `minigan lab` while a client polls frames."""
    with tempfile.TemporaryDirectory() as out:
        server = subprocess.Popen(CLI + ["lab", "--preset", preset, "--port", "0", "--no-browser", "--out", out],
                                  stderr=subprocess.PIPE, text=True)
        try:
            url = re.search(r"http://\S+", server.stderr.readline()).group(0)
            served, stop = [], threading.Event()

            def page():                       # what the page does: a frame every 66 ms at most...
                while not stop.is_set():
                    started = time.perf_counter()
                    served.append((started, call(url, "api/frame")["step"]))
                    stop.wait(max(0.0, 1 / frames_per_s - (time.perf_counter() - started)))

            def curves():                     # ...and the curves three times a second
                while not stop.wait(0.33):
                    call(url, "api/history")
            pollers = [threading.Thread(target=page), threading.Thread(target=curves)]
            for poller in pollers:
                poller.start()
            call(url, "api/play", {"playing": True})
            time.sleep(2.0)
            t0, s0 = time.perf_counter(), call(url, "api/state")["step"]
            time.sleep(seconds)
            t1, s1 = time.perf_counter(), call(url, "api/state")["step"]
            stop.set()
            for poller in pollers:
                poller.join()
            frames = [s for t, s in served if t0 <= t <= t1]
            new = sum(1 for a, b in zip(frames, frames[1:]) if b != a)
            return (s1 - s0) / (t1 - t0), new / (t1 - t0)
        finally:
            server.terminate()
            server.wait(timeout=10)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="ring8")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    load_before = load_average()
    train, lab, fps = [], [], []
    for _ in range(args.repeats):
        train.append(train_rate(args.preset))
        steps, frames = lab_rate(args.preset, args.seconds)
        lab.append(steps)
        fps.append(frames)
        print(f"train {train[-1]:.0f} steps/s   lab {steps:.0f} steps/s ({frames:.1f} new frames/s served)",
              flush=True)
    result = {"preset": args.preset, "train_steps_per_s": train, "lab_steps_per_s": lab, "lab_frames_per_s": fps,
              "ratio_median": statistics.median(lab) / statistics.median(train),
              "machine": machine_info(None, "numpy", load_before=load_before, load_after=load_average())}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "lab_speed.json"), "w") as f:
        json.dump(result, f, indent=2)
    m = result["machine"]
    table = (f"# minigan lab against minigan train ({args.preset})\n\n"
             f"{m['date']}, {m['processor']}, {m['cpus']} CPUs, NumPy {m['numpy']}; "
             f"load average {m['load_before']} before, {m['load_after']} after.\n\n"
             "| | steps/s (median) | runs |\n|---|---|---|\n"
             f"| `minigan train` | {statistics.median(train):.0f} | {', '.join(f'{v:.0f}' for v in train)} |\n"
             f"| `minigan lab`, polled 15 frames/s | {statistics.median(lab):.0f} | "
             f"{', '.join(f'{v:.0f}' for v in lab)} |\n\n"
             f"lab / train: {result['ratio_median']:.2f}; new frames served: "
             f"{', '.join(f'{v:.1f}' for v in fps)} per second.\n")
    with open(os.path.join(args.out, "lab_speed.md"), "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
