"""The seed DCGAN (preset "dcgan-mnist") written in PyTorch, layer for layer: its models, its step,
and the copy of minigan's weights into it.

minigan never needs PyTorch: every function here takes the ``torch`` module as its first argument,
so importing this module imports nothing beyond NumPy. The twin serves the benchmarks (the same
step timed on the same device), the experiments (the same recipe trained side by side) and the
tests (the same losses, given the same draws).
"""
import numpy as np

from .steps import real_batch


# --- minigan's "same" convolutions ------------------------------------------------------------
def torch_same_conv2d(torch, in_channels, out_channels, kernel_size, stride, in_size, bias=True):
    """nn.Conv2d with TensorFlow's "same" padding, reproduced exactly.

    For a stride-2 conv on 28 or 14 pixels TF pads (1, 2): uneven, which nn.Conv2d cannot
    express, so an explicit ZeroPad2d goes in front.
    """
    from minigan.ops.conv import same_padding
    nn = torch.nn
    (top, bottom), (left, right) = same_padding(in_size, kernel_size, stride)
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding=0, bias=bias)
    return nn.Sequential(nn.ZeroPad2d((left, right, top, bottom)), conv)


def torch_same_conv_transpose2d(torch, in_channels, out_channels, kernel_size, stride, bias=True, exact=False):
    """nn.ConvTranspose2d with output = input * stride, as minigan's padding="same" gives.

    For an odd kernel k: padding (k - 1) // 2 and output_padding stride - 1. The same arithmetic
    as TF; at stride 2 the output is shifted by one pixel against TF's, which changes no cost.

    ``exact``: crop exactly where minigan (and TF) do, for comparisons of what is learnt. minigan
    crops the full output by the pads of the conv it is the adjoint of, (k - s) // 2 at the
    top/left and the rest at the bottom/right; nn.ConvTranspose2d crops ``padding`` from both
    sides, so what is left over at the bottom/right is sliced off after it.
    """
    if not exact:
        return torch.nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride,
                                        padding=(kernel_size - 1) // 2, output_padding=stride - 1, bias=bias)
    top = (kernel_size - stride) // 2
    extra = kernel_size - stride - 2 * top
    conv = torch.nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride, padding=top, bias=bias)
    if extra == 0:
        return conv

    class CropEnd(torch.nn.Module):
        def forward(self, x):
            return x[:, :, :x.shape[2] - extra, :x.shape[3] - extra]
    return torch.nn.Sequential(conv, CropEnd())


# --- the models and the step ------------------------------------------------------------------
def torch_models(torch, z_dim=100, exact=False):
    """dcgan-mnist's G and D in PyTorch, layer for layer (see minigan.presets.dcgan_mnist_G/_D).
    ``exact``: G's transposed convs crop exactly as minigan's (see torch_same_conv_transpose2d)."""
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


# --- minigan's weights into the twin ------------------------------------------------------------
def layer_pairs(gan, step):
    """(minigan layer, PyTorch layer) for every layer with weights; a twin's exact transposed
    convs and TF-padded convs are Sequentials holding the conv."""
    def conv_of(m):
        return next(x for x in m.modules() if hasattr(x, "weight"))
    return [(gan.G[i], conv_of(step.G[i])) for i in (0, 3, 5, 7)] + [(gan.D[i], conv_of(step.D[i])) for i in (0, 3, 7)]


def copy_weights(torch, gan, step):
    """minigan's G and D into the PyTorch twin (Dense W is (in, out), Linear's (out, in))."""
    with torch.no_grad():
        for ours, theirs in layer_pairs(gan, step):
            w = np.asarray(ours.weight.data)
            theirs.weight.copy_(torch.from_numpy(w.T.copy() if w.ndim == 2 else w))
            if ours.bias is not None:
                theirs.bias.copy_(torch.from_numpy(np.asarray(ours.bias.data)))
