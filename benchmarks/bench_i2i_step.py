"""Time one Pix2Pix and one CycleGAN training step against a PyTorch twin of the same networks.

Both sides run the same U-Net and PatchGAN (minigan.i2i.torch_twin copies the weights), the same
losses and Adam, on the same batch, float32, in one process; the ratio is minigan / PyTorch.
Run through /work/bin/quiet (or on an idle machine):

    python benchmarks/bench_i2i_step.py --repeats 5 --out benchmarks/results/i2i_step.json
"""
import argparse
import json
import os
import platform
import time

import numpy as np

import minigan
from minigan.i2i.presets import get_translation_preset


def best_of(fn, repeats):
    fn()                                              # warm-up: allocation, first calls
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def torch_step(torch, preset, nets, batch):
    """The same step in PyTorch: (a callable running one step)."""
    from minigan.i2i.torch_twin import to_torch
    tf = torch.nn.functional
    twins = {name: to_torch(net).float() for name, net in nets.items()}
    gs = [p for n, m in twins.items() if n.startswith("G") for p in m.parameters()]
    ds = [p for n, m in twins.items() if n.startswith("D") for p in m.parameters()]
    g_opt, d_opt = torch.optim.Adam(gs, 2e-4, (0.5, 0.999)), torch.optim.Adam(ds, 2e-4, (0.5, 0.999))
    a, b = (torch.from_numpy(x) for x in batch)

    def mse(x, t):
        return tf.mse_loss(x, torch.full_like(x, t))

    def pix2pix():
        G, D = twins["G"], twins["D"]
        fake = G(a)
        d_opt.zero_grad()
        real_l, fake_l = D(torch.cat([a, b], 1)), D(torch.cat([a, fake.detach()], 1))
        bce = tf.binary_cross_entropy_with_logits
        (0.5 * (bce(real_l, torch.ones_like(real_l)) + bce(fake_l, torch.zeros_like(fake_l)))).backward()
        d_opt.step()
        g_opt.zero_grad()
        logits = D(torch.cat([a, fake], 1))
        (bce(logits, torch.ones_like(logits)) + 100 * tf.l1_loss(fake, b)).backward()
        g_opt.step()

    def cyclegan():
        G_ab, G_ba, D_a, D_b = twins["G_ab"], twins["G_ba"], twins["D_a"], twins["D_b"]
        g_opt.zero_grad()
        fake_b, fake_a = G_ab(a), G_ba(b)
        loss = (mse(D_b(fake_b), 1) + mse(D_a(fake_a), 1) + 10 * tf.l1_loss(G_ba(fake_b), a)
                + 10 * tf.l1_loss(G_ab(fake_a), b) + 5 * tf.l1_loss(G_ab(b), b) + 5 * tf.l1_loss(G_ba(a), a))
        loss.backward()
        g_opt.step()
        d_opt.zero_grad()
        (0.5 * (mse(D_b(b), 1) + mse(D_b(fake_b.detach()), 0) + mse(D_a(a), 1)
                + mse(D_a(fake_a.detach()), 0))).backward()
        d_opt.step()
    return pix2pix if preset.kind == "pix2pix" else cyclegan


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    rows = []
    for name in ("pix2pix-edges2mnist", "cyclegan-digits2mnist"):
        preset = get_translation_preset(name)
        minigan.seed(0)
        rng = np.random.default_rng(0)
        batch = [np.tanh(rng.standard_normal((preset.batch_size, 1, 28, 28))).astype(np.float32) for _ in "ab"]
        nets = preset.networks()
        model = preset.build(nets)
        twin = torch_step(torch, preset, nets, batch)     # copies the weights before minigan trains them
        ours = best_of(lambda: model.step(*batch), args.repeats)
        theirs = best_of(twin, args.repeats)
        rows.append({"preset": name, "batch": preset.batch_size, "width": preset.width,
                     "minigan_s": ours, "torch_s": theirs, "ratio": ours / theirs})
        print(f"{name:<24} batch {preset.batch_size:>3}  minigan {ours * 1e3:8.1f} ms  "
              f"torch {theirs * 1e3:8.1f} ms  ratio {ours / theirs:5.2f}")
    result = {"rows": rows, "threads": torch.get_num_threads(), "machine": platform.processor() or platform.machine(),
              "load": os.getloadavg(), "torch": torch.__version__, "numpy": np.__version__}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()
