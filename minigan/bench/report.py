"""The training-step benchmark's report: a table line per row as it runs, and JSON (for programs),
Markdown (for people) and a plot when it is done."""
import json

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
    if info.get("quick"):
        lines += ["A quick run (`--quick`: few repeats, little warm-up): a smoke test, not a measurement.", ""]
    if info.get("gpu_memory_gib") is not None:    # a GPU was seen (else the line below says why not)
        lines += [f"GPU: {info['gpu_name']} ({info.get('gpu_memory_gib')} GiB) | CuPy {info.get('cupy')} | "
                  f"CUDA runtime {info.get('cuda_runtime')}", ""]
    lines += ["One step = G makes a fake batch; D steps on a real and that fake batch; G steps through the "
             "updated D; two Adam updates. Median of the repeats after warm-up; engines take turns, "
             f"each turn a pause of {info.get('settle_s', 0.2)} s, {info.get('wake_steps', 0)} untimed step(s), "
             "then the timed step (a training loop's steady state).", "",
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


def write_report(result, out_dir):
    """bench_train_step.{json,md,png} in ``out_dir`` (made if missing); returns the common stem."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / "bench_train_step"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    stem.with_suffix(".md").write_text(to_markdown(result))
    plot(result, stem.with_suffix(".png"))
    return stem
