"""Time one whole training step of the seed DCGAN on NumPy, CuPy and PyTorch, in one run.

How the clock is read:
* every engine first runs warm-up steps (allocations, BLAS and cuDNN autotuning, CUDA kernels);
* engines then take turns, one step each, so all of them see the same background load; the
  median over the repeats is reported (the mean would carry every hiccup of a shared machine);
* GPU work is asynchronous: a step's clock is read only after ``synchronize``.

Peak memory is the process's peak RSS on the CPU, measured in a fresh subprocess per engine and
batch size (a process's peak only ever rises, so one process cannot measure several engines), and
the GPU memory pool's size on the GPU. The loop overhead is what ``minigan train`` adds around
``GAN.step`` (data batch, metrics row, finiteness check, progress bar), measured on a real ``Run``.
"""
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import minigan
from minigan.backend import cupy_available, get_xp, synchronize

from .machine import load_average, machine_info, median_ms
from .report import HEADER, format_row
from .steps import IMAGE, PRESET, MiniganStep
from .torch_twin import TorchStep

BATCH_SIZES = (16, 32, 64, 128, 256, 512, 1024)
QUICK_BATCH_SIZES = (16, 64)


def import_torch():
    """PyTorch, or None where it is not installed (minigan is then timed alone)."""
    try:
        import torch
        return torch
    except ImportError:
        return None


# --- which engines run ----------------------------------------------------------------------------
def engines_for(backends, torch):
    """(name, device, factory) for every engine this machine can run: minigan on each backend,
    PyTorch on the same device beside it."""
    engines = []
    for backend in backends:
        if backend == "cupy" and not cupy_available():
            continue
        engines.append((f"minigan-{backend}", "gpu" if backend == "cupy" else "cpu",
                        lambda b, backend=backend: MiniganStep(b, backend)))
        if torch is not None:
            device = "cuda" if backend == "cupy" else "cpu"
            if device == "cpu" or torch.cuda.is_available():
                engines.append((f"torch-{device}", "gpu" if device == "cuda" else "cpu",
                                lambda b, device=device: TorchStep(torch, b, device)))
    return engines


def gpu_memory(name):
    """Bytes held by the engine's GPU memory pool (it keeps what it once took, so this is the peak)."""
    if name == "minigan-cupy":
        return get_xp("cupy").get_default_memory_pool().total_bytes()
    if name == "torch-cuda":
        import torch
        return torch.cuda.max_memory_reserved()
    return None


def reset_gpu_memory(name):
    if name == "minigan-cupy":
        get_xp("cupy").get_default_memory_pool().free_all_blocks()
    elif name == "torch-cuda":
        import torch
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


# --- timing -----------------------------------------------------------------------------------------
def time_batch(engines, batch, repeats=None, warmup=2, budget_s=8.0, settle_s=0.2, wake_steps=1):
    """Seconds per step of every engine at one batch size, the engines taking turns.

    ``repeats`` None: as many as fit in about ``budget_s`` per engine (5 to 30).
    ``settle_s``: a pause before each timed step. A BLAS or OpenMP library's worker threads keep
    spinning for a while after a product, waiting for the next one (OpenBLAS: ~0.1 s). Started at
    once, the next engine would share the cores with the previous one's spinning threads: on 2
    cores that made BOTH engines 3-4x slower than either runs on its own. In a training loop each
    engine runs alone, so each step is timed after the previous engine's threads have gone to sleep.
    ``wake_steps``: untimed steps after the pause, before the timed one. The first step after an idle
    pause also pays for waking its own library's sleeping threads (measured: up to ~60 ms of a 420 ms
    step for OpenBLAS on 2 cores, which parks its threads sooner than PyTorch's OpenMP does); a training
    loop pays that once, not every step, so the timed step is the one after it. 0: time the first.
    """
    steps, times, gpu_bytes = {}, {}, {}
    for name, _, make in engines:
        reset_gpu_memory(name)
        steps[name] = make(batch)
        times[name] = []
    first = {}
    for name, step in steps.items():
        for _ in range(warmup):
            t0 = time.perf_counter()
            step()
            first[name] = time.perf_counter() - t0
    if repeats is None:
        slowest = max(first.values())
        repeats = int(min(30, max(5, budget_s / max(slowest, 1e-6))))
    load = [load_average()]
    for _ in range(repeats):
        for name, step in steps.items():   # turns: every engine meets the same background load
            time.sleep(settle_s)
            for _ in range(wake_steps):
                step()
            t0 = time.perf_counter()
            step()                         # each step ends with a synchronize (GPU)
            times[name].append(time.perf_counter() - t0)
    load.append(load_average())
    for name in steps:
        gpu_bytes[name] = gpu_memory(name)
    return times, repeats, gpu_bytes, [v for v in load if v is not None]


def probe_rss(engine, batch, steps=3):
    """Peak RSS (bytes) of a fresh process that builds one CPU engine and runs a few steps."""
    code = f"from minigan.bench.timing import rss_child; rss_child({engine!r}, {batch}, {steps})"
    # the child imports this same minigan, installed or not
    package_parent = str(Path(minigan.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")])))
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True,
                             env=env)
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError) as err:
        return {"peak_rss": None, "error": f"{type(err).__name__}: {err}"[:200]}


def rss_child(engine, batch, steps):
    """In the fresh process: build the engine, take a few steps, print the peak and resting RSS."""
    step = TorchStep(import_torch(), batch) if engine.startswith("torch") else MiniganStep(batch)
    rest = _status_bytes("VmRSS")
    for _ in range(steps):
        step()
    print(json.dumps({"peak_rss": _status_bytes("VmHWM") or _ru_maxrss(), "rest_rss": rest}))


def _status_bytes(field):
    """A memory field of /proc/self/status (Linux): VmRSS now, VmHWM the peak of this process image."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _ru_maxrss():
    # Elsewhere: getrusage. (Not on Linux: there it survives exec, so a child reports its parent's peak.)
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak * (1 if sys.platform == "darwin" else 1024)   # bytes on macOS, kilobytes elsewhere


# --- what `minigan train` adds around the step --------------------------------------------------------
def loop_overhead(batch=64, steps=20, backend="numpy"):
    """Seconds per step that ``Run`` spends outside ``GAN.step``, and the step itself, in one loop.

    A real ``Run`` of the preset trains for ``steps`` steps with its progress bar on (drawn into a
    buffer) and its metrics.csv written; pictures are off (they come once per epoch). The step is
    timed from inside by wrapping ``gan.step``; the one checkpoint at the end is timed and left out.
    Random images stand in for MNIST, so no data set is needed.
    Also returns the cost of the per-layer gradient norms, which ``GAN.step`` computes for the log.
    """
    from minigan import gan as gan_module
    from minigan import train

    images = np.random.default_rng(0).uniform(-1, 1, (max(4 * batch, 512), *IMAGE)).astype(np.float32)

    def stream(dataset, batch_size, seed, backend, *where_and_shape):   # make_stream's other arguments: unused
        return train.ArrayStream(images, batch_size, seed, backend)

    in_step, in_save = [], []

    def timed(fn, into):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            result = fn(*args, **kwargs)
            synchronize(get_xp(backend))
            into.append(time.perf_counter() - t0)
            return result
        return wrapper

    real_make_stream, real_save = train.make_stream, train.save_run
    with tempfile.TemporaryDirectory() as out:
        train.make_stream, train.save_run = stream, timed(real_save, in_save)
        try:
            minigan.seed(0)
            # total steps far beyond `steps`: no picture and no periodic checkpoint inside the window
            run = train.Run(PRESET, out=os.path.join(out, "run"), steps=10**6, batch_size=batch, backend=backend,
                            frames=1, checkpoint_every=10**6, progress=True, log=lambda msg: None)
            run.gan.step = timed(run.gan.step, in_step)
            with contextlib.redirect_stderr(io.StringIO()):   # the progress bar draws into a buffer
                run.train(until=2)        # warm-up (and the first checkpoint), not counted
                in_step.clear(), in_save.clear()
                t0 = time.perf_counter()
                run.train(until=2 + steps)
                total = time.perf_counter() - t0
        finally:
            train.make_stream, train.save_run = real_make_stream, real_save
        # gradient norms: computed inside GAN.step for every step's log row
        t_norms = []
        for _ in range(steps):
            t0 = time.perf_counter()
            gan_module.layer_grad_norms(run.gan.D, "D"), gan_module.layer_grad_norms(run.gan.G, "G")
            t_norms.append(time.perf_counter() - t0)
    step_s = float(np.median(in_step))
    outside = (total - sum(in_step) - sum(in_save)) / steps
    return dict(batch=batch, steps=steps, step_ms=step_s * 1e3, loop_overhead_ms=outside * 1e3,
                loop_overhead_pct=100 * outside / step_s, grad_norms_ms=median_ms(t_norms),
                grad_norms_pct=100 * float(np.median(t_norms)) / step_s)


# --- the whole run ------------------------------------------------------------------------------------
def run(batch_sizes=BATCH_SIZES, backends=("numpy", "cupy"), use_torch=True, repeats=None, warmup=2,
        budget_s=8.0, settle_s=0.2, measure_memory=True, overhead_steps=20, log=print, wake_steps=1):
    """Every engine at every batch size, a table row logged as each is done; returns the rows, the
    machine's stamp, the batch sizes from which a GPU overtakes its CPU, and the training loop's overhead."""
    torch = import_torch() if use_torch else None
    if use_torch and torch is None:
        log("PyTorch is not installed: timing minigan alone.")
    engines = engines_for(backends, torch)
    gpu_note = None
    if "cupy" in backends and not cupy_available():
        gpu_note = "no GPU was available in this run (CuPy could not see one): the GPU rows are empty"
        log(gpu_note)
    rows, loads = [], []
    log(HEADER)
    for batch in batch_sizes:
        times, n, gpu_bytes, load = time_batch(engines, batch, repeats, warmup, budget_s, settle_s, wake_steps)
        loads += load
        for name, device, _ in engines:
            ms = median_ms(times[name])
            row = dict(engine=name, device=device, batch=batch, ms=ms, images_per_s=batch / (ms / 1e3),
                       repeats=n, q25_ms=float(np.percentile(times[name], 25) * 1e3),
                       q75_ms=float(np.percentile(times[name], 75) * 1e3),
                       peak_bytes=gpu_bytes[name], memory="gpu pool" if device == "gpu" else "process peak RSS",
                       load_average=load)
            if device == "cpu" and measure_memory:
                probe = probe_rss(name, batch)
                row["peak_bytes"], row["rest_bytes"] = probe.get("peak_rss"), probe.get("rest_rss")
            rows.append(row)
        _add_ratios(rows, batch)
        for r in (r for r in rows if r["batch"] == batch):
            log(format_row(r))
    result = dict(rows=rows, info=machine_info(torch, ",".join(backends), batch_sizes=list(batch_sizes),
                                               warmup=warmup, settle_s=settle_s, wake_steps=wake_steps,
                                               load_average=[min(loads, default=None),
                                                                            max(loads, default=None)],
                                               gpu=gpu_note or "available"))
    result["gpu_overtakes_cpu_at"] = crossover(rows, "minigan-cupy", "minigan-numpy")
    result["torch_gpu_overtakes_cpu_at"] = crossover(rows, "torch-cuda", "torch-cpu")
    if overhead_steps:
        result["loop_overhead"] = loop_overhead(64 if 64 in batch_sizes else batch_sizes[0], overhead_steps)
        o = result["loop_overhead"]
        log(f"minigan train's loop, batch {o['batch']}: step {o['step_ms']:.1f} ms, outside the step "
            f"{o['loop_overhead_ms']:.2f} ms ({o['loop_overhead_pct']:.1f} %); gradient norms inside the step "
            f"{o['grad_norms_ms']:.2f} ms ({o['grad_norms_pct']:.1f} %)")
    return result


def _add_ratios(rows, batch):
    """minigan / PyTorch on the same device, in the same run (below 1: minigan is faster)."""
    by_name = {r["engine"]: r for r in rows if r["batch"] == batch}
    for ours, theirs in (("minigan-numpy", "torch-cpu"), ("minigan-cupy", "torch-cuda")):
        if ours in by_name:
            by_name[ours]["ratio_to_torch"] = (by_name[ours]["ms"] / by_name[theirs]["ms"]
                                               if theirs in by_name else None)


def crossover(rows, gpu, cpu):
    """The smallest batch size from which the GPU engine's step is faster than the CPU engine's."""
    ms = {}
    for r in rows:
        ms.setdefault(r["batch"], {})[r["engine"]] = r["ms"]
    sizes = sorted(b for b, m in ms.items() if gpu in m and cpu in m)
    for i, b in enumerate(sizes):
        if all(ms[c][gpu] < ms[c][cpu] for c in sizes[i:]):
            return b
    return None


