"""Time each layer of the seed DCGAN (forward + backward) against PyTorch on the same device, in one run.

    python benchmarks/bench_layers.py [--quick] [--batch 64] [--repeats 20]

Generator:     Dense(100 -> 7*7*256, no bias) | ConvT(256->128, 5, s1) | ConvT(128->64, 5, s2) | ConvT(64->1, 5, s2)
Discriminator: Conv(1->64, 5, s2) | Conv(64->128, 5, s2) | Dense(7*7*128 -> 1)
All "same" padding, float32, as in the TensorFlow DCGAN tutorial (no bias in G's convs, bias in D's).

Each layer runs its forward and backward on a fixed input and upstream gradient. minigan and
PyTorch take turns, one repeat each, so both see the same background load; we report the
median. PyTorch's inputs require grad, because minigan always returns dx (and in a GAN, D's
input gradient is what trains G). Results go to benchmarks/results/bench_layers.{json,md}
(a --quick run: a new temporary folder; --out: any folder).
"""
import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if __name__ == "__main__" and str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))     # this checkout's minigan, installed or not

import minigan  # noqa: E402
from minigan.backend import default_backend, get_xp, synchronize, to_numpy  # noqa: E402
from minigan.bench.command import output_dir  # noqa: E402
from minigan.bench.machine import blas_kernel, has_avx512, machine_info, median_ms  # noqa: E402
from minigan.bench.torch_twin import torch_same_conv2d, torch_same_conv_transpose2d  # noqa: E402
from minigan.nn import Conv2d, ConvTranspose2d, Dense  # noqa: E402
from minigan.ops.conv_fast import clear_workspace  # noqa: E402


# name, kind, constructor arguments, input shape without the batch
LAYERS = [
    ("G dense 100->12544", "dense", dict(in_features=100, out_features=7 * 7 * 256, bias=False), (100,)),
    ("G convT 256->128 s1", "convT", dict(in_channels=256, out_channels=128, stride=1, bias=False), (256, 7, 7)),
    ("G convT 128->64 s2", "convT", dict(in_channels=128, out_channels=64, stride=2, bias=False), (128, 7, 7)),
    ("G convT 64->1 s2", "convT", dict(in_channels=64, out_channels=1, stride=2, bias=False), (64, 14, 14)),
    ("D conv 1->64 s2", "conv", dict(in_channels=1, out_channels=64, stride=2), (1, 28, 28)),
    ("D conv 64->128 s2", "conv", dict(in_channels=64, out_channels=128, stride=2), (64, 14, 14)),
    ("D dense 6272->1", "dense", dict(in_features=7 * 7 * 128, out_features=1), (7 * 7 * 128,)),
]
KERNEL = 5


def minigan_layer(kind, args, backend):
    if kind == "dense":
        return Dense(**args, backend=backend)
    cls = Conv2d if kind == "conv" else ConvTranspose2d
    return cls(kernel_size=KERNEL, padding="same", backend=backend, **args)


def torch_layer(torch, kind, args, in_shape):
    """The PyTorch twin, with TF's "same" padding reproduced exactly (see minigan/bench/torch_twin.py)."""
    if kind == "dense":
        return torch.nn.Linear(args["in_features"], args["out_features"], bias=args.get("bias", True))
    s, bias = args["stride"], args.get("bias", True)
    if kind == "convT":
        return torch_same_conv_transpose2d(torch, args["in_channels"], args["out_channels"], KERNEL, s, bias)
    return torch_same_conv2d(torch, args["in_channels"], args["out_channels"], KERNEL, s, in_shape[1:], bias)


def im2col_bytes(kind, x_shape, out_shape, itemsize):
    """Size of the column matrix: (C*kH*kW, N*Ho*Wo) over the conv's big-side channels."""
    if kind == "dense":
        return 0
    area = KERNEL * KERNEL
    if kind == "conv":    # columns of the input, one per output pixel
        return x_shape[1] * area * out_shape[0] * out_shape[2] * out_shape[3] * itemsize
    return out_shape[1] * area * x_shape[0] * x_shape[2] * x_shape[3] * itemsize   # convT: of its output


def run(batch=64, repeats=20, warmup=3, use_torch=True, backend=None, print_fn=print):
    backend = backend or default_backend()
    xp = get_xp(backend)
    torch = None
    if use_torch:
        try:
            import torch
        except ImportError:
            print_fn("PyTorch is not installed: timing minigan alone.")
    minigan.seed(0)
    rng = np.random.default_rng(0)
    rows = []
    for name, kind, args, in_shape in LAYERS:
        layer = minigan_layer(kind, args, backend)
        x = xp.asarray(rng.standard_normal((batch, *in_shape)), dtype=np.float32)
        out = layer.forward(x)
        g = xp.asarray(rng.standard_normal(out.shape), dtype=np.float32)

        def ours():
            layer.forward(x)
            layer.backward(g)
            synchronize(x)

        theirs = None
        if torch is not None:
            # PyTorch runs where minigan runs: the CPU beside NumPy, the GPU (cuDNN) beside CuPy.
            device = "cuda" if backend == "cupy" else "cpu"
            t_layer = torch_layer(torch, kind, args, in_shape).to(device)
            tx = torch.from_numpy(to_numpy(x)).to(device).requires_grad_(True)
            tg = torch.from_numpy(to_numpy(g)).to(device)
            t_out = t_layer(tx)
            assert tuple(t_out.shape) == tuple(out.shape), (name, t_out.shape, out.shape)

            def theirs():
                t_layer(tx).backward(tg)
                if device == "cuda":   # kernels run asynchronously: wait before reading the clock
                    torch.cuda.synchronize()

        clear_workspace()       # so the peak below includes the conv ops' reusable scratch buffer
        tracemalloc.start()     # NumPy reports its array allocations to tracemalloc
        ours()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        for _ in range(warmup):
            ours()
            if theirs:
                theirs()
        t_ours, t_theirs = [], []
        for _ in range(repeats):   # alternate, so both share whatever else the machine is doing
            t0 = time.perf_counter()
            ours()
            t_ours.append(time.perf_counter() - t0)
            if theirs:
                t0 = time.perf_counter()
                theirs()
                t_theirs.append(time.perf_counter() - t0)
        row = dict(layer=name, input_shape=[batch, *in_shape], output_shape=list(out.shape),
                   minigan_ms=median_ms(t_ours), torch_ms=median_ms(t_theirs) if theirs else None,
                   im2col_bytes=im2col_bytes(kind, x.shape, out.shape, 4),
                   peak_bytes=peak if backend == "numpy" else None)
        row["ratio"] = row["minigan_ms"] / row["torch_ms"] if theirs else None
        rows.append(row)
        print_fn(format_row(row))
    return dict(rows=rows, info=machine_info(torch, backend, batch=batch, repeats=repeats))


HEADER = f"{'layer':<22} {'minigan ms':>10} {'torch ms':>9} {'ratio':>6} {'im2col MB':>9} {'peak MB':>8}"


def format_row(r):
    def num(v, fmt):
        return format(v, fmt) if v is not None else "-"
    return (f"{r['layer']:<22} {r['minigan_ms']:>10.2f} {num(r['torch_ms'], '>9.2f')} {num(r['ratio'], '>6.2f')} "
            f"{r['im2col_bytes'] / 2**20:>9.1f} {num(r['peak_bytes'] and r['peak_bytes'] / 2**20, '>8.1f')}")


def to_markdown(result):
    info = result["info"]
    lines = ["# Layer benchmark: the seed DCGAN, forward + backward", "",
             f"{info['date']} | {info['processor']} ({info['cpus']} CPUs) | Python {info['python']} | "
             f"NumPy {info['numpy']} ({info['blas']}) | PyTorch {info['torch']} ({info['torch_threads']} threads) | "
             f"backend {info['backend']} | batch {info['batch']} | float32 | median of {info['repeats']}"
             + (f" | GPU {info['gpu_name']}, CuPy {info.get('cupy')} (PyTorch on the same GPU)"
                if info.get("gpu_name") else ""), "",
             "| layer | minigan ms | torch ms | ratio | im2col buffer MB | peak alloc MB |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in result["rows"]:
        cell = lambda v, f: format(v, f) if v is not None else "-"  # noqa: E731
        lines.append(f"| {r['layer']} | {r['minigan_ms']:.2f} | {cell(r['torch_ms'], '.2f')} | "
                     f"{cell(r['ratio'], '.2f')} | {r['im2col_bytes'] / 2**20:.1f} | "
                     f"{cell(r['peak_bytes'] and r['peak_bytes'] / 2**20, '.1f')} |")
    lines += ["", "ratio = minigan / PyTorch (below 1: minigan is faster). im2col buffer: one column matrix "
              "(C*kH*kW, N*Ho*Wo); peak alloc: the most memory NumPy held at once during one forward + backward."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bench_layers", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="few repeats: a smoke run, not a measurement; written to a new temporary folder "
                             "unless --out says where")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per layer (default 20, quick 3)")
    parser.add_argument("--no-torch", action="store_true", help="time minigan alone")
    parser.add_argument("--backend", choices=("numpy", "cupy"), default=None)
    parser.add_argument("--out", "--out-dir", dest="out", type=Path, metavar="DIR",
                        help="where bench_layers.{json,md} go (default: benchmarks/results/; --quick: a temporary "
                             "folder)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 20)
    print(HEADER)
    result = run(args.batch, repeats, warmup=1 if args.quick else 3, use_torch=not args.no_torch,
                 backend=args.backend)
    if blas_kernel() == "Haswell" and has_avx512():
        print("note: this CPU has AVX-512 but OpenBLAS runs its AVX2 (Haswell) kernels; GEMMs were ~1.7x "
              "faster here with OPENBLAS_CORETYPE=SkylakeX set before starting Python.")
    out = output_dir(args.out or (None if args.quick else REPO / "benchmarks" / "results"), args.quick)
    (out / "bench_layers.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "bench_layers.md").write_text(to_markdown(result))
    print(f"wrote {out / 'bench_layers.json'} and .md")
    return result


if __name__ == "__main__":
    main()
