"""Time one whole training step of the seed DCGAN on NumPy, CuPy and PyTorch, in one run.

    python benchmarks/bench_train_step.py [--quick] [--batch-sizes 16,64,256] [--backends numpy,cupy]
    minigan bench [the same flags]

The unit of work is what ``GAN.step`` does for preset "dcgan-mnist": G makes a fake batch, D
takes a step on a real and that fake batch (one Adam update), then G takes a step through the
updated D on the same fake batch (one Adam update). The same network and step are written in
PyTorch below (``torch_models``, ``TorchStep``) and timed in the same process, on the same device.

How the clock is read:
* every engine first runs warm-up steps (allocations, BLAS and cuDNN autotuning, CUDA kernels);
* engines then take turns, one step each, so all of them see the same background load; the
  median over the repeats is reported (the mean would carry every hiccup of a shared machine);
* GPU work is asynchronous: a step's clock is read only after ``synchronize``.

Peak memory is the process's peak RSS on the CPU, measured in a fresh subprocess per engine and
batch size (a process's peak only ever rises, so one process cannot measure several engines), and
the GPU memory pool's size on the GPU. The loop overhead is what ``minigan train`` adds around
``GAN.step`` (data batch, metrics row, finiteness check, progress bar), measured on a real ``Run``.
Results go to benchmarks/results/bench_train_step.{json,md,png}.
"""
import argparse
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

HERE = Path(__file__).resolve().parent
if __name__ == "__main__" and str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

import minigan  # noqa: E402
from minigan.backend import cupy_available, get_xp, synchronize  # noqa: E402
from minigan.presets import get_preset  # noqa: E402

try:
    from .common import load_average, machine_info, median_ms, torch_same_conv2d, torch_same_conv_transpose2d
except ImportError:   # run as a script or loaded from its path: there is no parent package
    sys.path.insert(0, str(HERE))
    from common import (load_average, machine_info, median_ms, torch_same_conv2d,  # noqa: E402
                        torch_same_conv_transpose2d)

PRESET = "dcgan-mnist"
BATCH_SIZES = (16, 32, 64, 128, 256, 512, 1024)
QUICK_BATCH_SIZES = (16, 64)
IMAGE = (1, 28, 28)


def _import_torch():
    try:
        import torch
        return torch
    except ImportError:
        return None


def real_batch(batch, xp, seed=0):
    """A batch of random 'images' in [-1, 1]: the data loader is not part of the step."""
    rng = np.random.default_rng(seed)
    return xp.asarray(rng.uniform(-1, 1, (batch, *IMAGE)).astype(np.float32))


# --- minigan's step -----------------------------------------------------------------------------
class MiniganStep:
    """One ``GAN.step`` of the preset on a fixed real batch, synchronised so a clock can be read."""

    def __init__(self, batch, backend="numpy", seed=0):
        minigan.seed(seed)
        self.xp = get_xp(backend)
        self.gan = get_preset(PRESET).build(backend)
        self.real = real_batch(batch, self.xp, seed)

    def __call__(self):
        record = self.gan.step(self.real)
        synchronize(self.xp)
        return record

    def num_parameters(self):
        return self.gan.G.num_parameters() + self.gan.D.num_parameters()


# --- the same network and step in PyTorch -----------------------------------------------------
def torch_models(torch, z_dim=100, exact=False):
    """dcgan-mnist's G and D in PyTorch, layer for layer (see minigan.presets.dcgan_mnist_G/_D).
    ``exact``: G's transposed convs crop exactly as minigan's (see common.torch_same_conv_transpose2d)."""
    nn = torch.nn

    def up(c_in, c_out, stride):
        return torch_same_conv_transpose2d(torch, c_in, c_out, 5, stride, bias=False, exact=exact)
    G = nn.Sequential(
        nn.Linear(z_dim, 7 * 7 * 256, bias=False), nn.LeakyReLU(0.3),
        nn.Unflatten(1, (256, 7, 7)),
        up(256, 128, 1), nn.LeakyReLU(0.3),   # 7x7
        up(128, 64, 2), nn.LeakyReLU(0.3),    # 14x14
        up(64, 1, 2), nn.Tanh())              # 28x28
    D = nn.Sequential(
        torch_same_conv2d(torch, 1, 64, 5, 2, (28, 28)), nn.LeakyReLU(0.3), nn.Dropout(0.3),      # 14x14
        torch_same_conv2d(torch, 64, 128, 5, 2, (14, 14)), nn.LeakyReLU(0.3), nn.Dropout(0.3),    # 7x7
        nn.Flatten(), nn.Linear(7 * 7 * 128, 1))
    return G, D


class TorchStep:
    """GAN.step's structure in PyTorch: D on real, D on G's (detached) fake, D update; then
    G through the updated D on that same fake batch, G update. BCE-with-logits, non-saturating."""

    def __init__(self, torch, batch, device="cpu", seed=0, z_dim=100, exact=False):
        torch.manual_seed(seed)
        self.torch, self.device, self.batch, self.z_dim = torch, torch.device(device), batch, z_dim
        self.G, self.D = (m.to(self.device) for m in torch_models(torch, z_dim, exact))
        self.g_opt = torch.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.d_opt = torch.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.real = torch.from_numpy(real_batch(batch, np, seed)).to(self.device)
        self.ones = torch.ones(batch, 1, device=self.device)
        self.zeros = torch.zeros(batch, 1, device=self.device)

    def __call__(self):
        torch, bce = self.torch, self.torch.nn.functional.binary_cross_entropy_with_logits
        fake = self.G(torch.randn(self.batch, self.z_dim, device=self.device))
        self.d_opt.zero_grad()
        d_loss = bce(self.D(self.real), self.ones) + bce(self.D(fake.detach()), self.zeros)
        d_loss.backward()
        self.d_opt.step()
        self.g_opt.zero_grad()
        g_loss = bce(self.D(fake), self.ones)    # non-saturating: G wants D to say "real"
        g_loss.backward()
        self.g_opt.step()
        if self.device.type == "cuda":
            torch.cuda.synchronize()

    def num_parameters(self):
        return sum(p.numel() for m in (self.G, self.D) for p in m.parameters())


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
def time_batch(engines, batch, repeats=None, warmup=2, budget_s=8.0, settle_s=0.2):
    """Seconds per step of every engine at one batch size, the engines taking turns.

    ``repeats`` None: as many as fit in about ``budget_s`` per engine (5 to 30).
    ``settle_s``: a pause before each timed step. A BLAS or OpenMP library's worker threads keep
    spinning for a while after a product, waiting for the next one (OpenBLAS: ~0.1 s). Started at
    once, the next engine would share the cores with the previous one's spinning threads: on 2
    cores that made BOTH engines 3-4x slower than either runs on its own. In a training loop each
    engine runs alone, so each step is timed after the previous engine's threads have gone to sleep.
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
            t0 = time.perf_counter()
            step()                         # each step ends with a synchronize (GPU)
            times[name].append(time.perf_counter() - t0)
    load.append(load_average())
    for name in steps:
        gpu_bytes[name] = gpu_memory(name)
    return times, repeats, gpu_bytes, [v for v in load if v is not None]


def probe_rss(engine, batch, steps=3):
    """Peak RSS (bytes) of a fresh process that builds one CPU engine and runs a few steps."""
    code = (f"import sys; sys.path[:0] = [{str(HERE.parent)!r}, {str(HERE)!r}]; "
            f"import bench_train_step as b; b._rss_child({engine!r}, {batch}, {steps})")
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError) as err:
        return {"peak_rss": None, "error": f"{type(err).__name__}: {err}"[:200]}


def _rss_child(engine, batch, steps):
    step = TorchStep(_import_torch(), batch) if engine.startswith("torch") else MiniganStep(batch)
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

    def stream(dataset, batch_size, seed, backend, data_dir=None, conditional=False):
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
        budget_s=8.0, settle_s=0.2, measure_memory=True, overhead_steps=20, log=print):
    torch = _import_torch() if use_torch else None
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
        times, n, gpu_bytes, load = time_batch(engines, batch, repeats, warmup, budget_s, settle_s)
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
                                               warmup=warmup, settle_s=settle_s, load_average=[min(loads, default=None),
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


# --- reports -------------------------------------------------------------------------------------------
HEADER = (f"{'engine':<14} {'batch':>5} {'ms/step':>9} {'images/s':>9} {'vs torch':>8} {'peak MB':>8} "
          f"{'repeats':>7}")


def _fmt(v, fmt, missing="-"):
    return format(v, fmt) if v is not None else missing


def format_row(r):
    mb = r["peak_bytes"] and r["peak_bytes"] / 2**20
    return (f"{r['engine']:<14} {r['batch']:>5} {r['ms']:>9.1f} {r['images_per_s']:>9.0f} "
            f"{_fmt(r.get('ratio_to_torch'), '>8.2f', '       -')} {_fmt(mb, '>8.0f', '       -')} {r['repeats']:>7}")


def to_markdown(result):
    info = result["info"]
    lo, hi = info["load_average"]
    lines = ["# Training-step benchmark: the seed DCGAN (dcgan-mnist), one whole GAN.step", "",
             f"{info['date']} | {info['processor']} ({info['cpus']} CPUs) | Python {info['python']} | "
             f"NumPy {info['numpy']} ({info['blas']}) | PyTorch {info['torch']} ({info['torch_threads']} threads) | "
             f"float32 | load average {lo}-{hi} during the timings", ""]
    if info.get("gpu_name"):
        lines += [f"GPU: {info['gpu_name']} ({info.get('gpu_memory_gib')} GiB) | CuPy {info.get('cupy')} | "
                  f"CUDA runtime {info.get('cuda_runtime')}", ""]
    lines += ["One step = G makes a fake batch; D steps on a real and that fake batch; G steps through the "
             "updated D; two Adam updates. Median of the repeats after warm-up; engines take turns.", "",
             "| batch | engine | ms / step | images / s | vs PyTorch (same device) | peak memory MB |",
             "|---:|---|---:|---:|---:|---:|"]
    for r in result["rows"]:
        mb = r["peak_bytes"] and r["peak_bytes"] / 2**20
        lines.append(f"| {r['batch']} | {r['engine']} | {r['ms']:.1f} | {r['images_per_s']:.0f} | "
                     f"{_fmt(r.get('ratio_to_torch'), '.2f')} | {_fmt(mb, '.0f')} |")
    gpu = info.get("gpu")
    lines += ["", "vs PyTorch = minigan / PyTorch on the same device in the same run (below 1: minigan is faster). "
              "Peak memory: the peak RSS of a fresh process running that engine alone on the CPU "
              "(Python and the libraries included); the memory pool on the GPU.", ""]
    if gpu != "available":
        lines.append(f"GPU: {gpu}.")
    else:
        at = result.get("gpu_overtakes_cpu_at")
        lines.append(f"The GPU (CuPy) overtakes the CPU (NumPy) from batch {at}." if at else
                     "The GPU (CuPy) did not overtake the CPU (NumPy) at any batch size measured.")
    o = result.get("loop_overhead")
    if o:
        lines.append(f"`minigan train` at batch {o['batch']}: the loop around the step (data batch, metrics row, "
                     f"checks, progress bar) costs {o['loop_overhead_ms']:.2f} ms per step, "
                     f"{o['loop_overhead_pct']:.1f} % of the {o['step_ms']:.0f} ms step; the per-layer "
                     f"gradient norms GAN.step computes for the log cost {o['grad_norms_ms']:.2f} ms "
                     f"({o['grad_norms_pct']:.1f} %).")
    return "\n".join(lines) + "\n"


def plot(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    styles = {"minigan-numpy": ("C0", "-o"), "torch-cpu": ("C1", "--o"),
              "minigan-cupy": ("C2", "-s"), "torch-cuda": ("C3", "--s")}
    for engine, (color, style) in styles.items():
        rows = [r for r in result["rows"] if r["engine"] == engine]
        if not rows:
            continue
        b = [r["batch"] for r in rows]
        ax1.plot(b, [r["ms"] for r in rows], style, color=color, label=engine)
        ax2.plot(b, [r["images_per_s"] for r in rows], style, color=color, label=engine)
    for ax, label in ((ax1, "ms per training step"), (ax2, "images per second")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("batch size")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    ax1.legend()
    info = result["info"]
    fig.suptitle(f"dcgan-mnist, one training step | {info['processor']} ({info['cpus']} CPUs) | {info['date'][:10]}"
                 + ("" if info.get("gpu") == "available" else " | no GPU in this run"), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- the command line -----------------------------------------------------------------------------------
def _sizes(text):
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"batch sizes must be positive, got {text!r}")
    return sizes


def _backends(text):
    names = tuple(s.strip() for s in text.split(",") if s.strip())
    bad = [n for n in names if n not in ("numpy", "cupy")]
    if not names or bad:
        raise argparse.ArgumentTypeError(f"backends are numpy and/or cupy, got {text!r}")
    return names


def add_arguments(parser):
    """The benchmark's flags (shared with `minigan bench`)."""
    parser.add_argument("--quick", action="store_true",
                        help="batch sizes 16 and 64, few repeats: a smoke run, not a measurement")
    parser.add_argument("--batch-sizes", type=_sizes, help="comma-separated (default 16,32,...,1024)")
    parser.add_argument("--backends", type=_backends, default=("numpy", "cupy"),
                        help="comma-separated, numpy and/or cupy (default both; cupy is skipped without a GPU)")
    parser.add_argument("--repeats", type=int, help="timed steps per engine and batch size (default: ~8 s worth)")
    parser.add_argument("--no-torch", action="store_true", help="time minigan alone")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-RSS subprocesses")
    parser.add_argument("--settle-s", type=float, default=0.2,
                        help="pause before each timed step so the last engine's BLAS threads go idle (default 0.2)")
    parser.add_argument("--out-dir", type=Path, default=HERE / "results")
    return parser


def main(argv=None):
    parser = add_arguments(argparse.ArgumentParser(prog="bench_train_step", description=__doc__.splitlines()[0]))
    args = parser.parse_args(argv)
    return run_from_args(args)


def run_from_args(args):
    sizes = args.batch_sizes or (QUICK_BATCH_SIZES if args.quick else BATCH_SIZES)
    result = run(sizes, args.backends, use_torch=not args.no_torch,
                 repeats=args.repeats or (2 if args.quick else None), warmup=1 if args.quick else 2,
                 settle_s=args.settle_s, measure_memory=not args.no_memory, overhead_steps=3 if args.quick else 20)
    result["info"]["quick"] = bool(args.quick)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / "bench_train_step"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    stem.with_suffix(".md").write_text(to_markdown(result))
    plot(result, stem.with_suffix(".png"))
    print(f"wrote {stem}.json, .md and .png")
    return result


if __name__ == "__main__":
    main()
