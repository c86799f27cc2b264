"""The whole training step of dcgan-mnist against autograd: the glue between the layers.

Each layer's backward is checked against finite differences elsewhere; what this checks is
everything around them -- loss signs, gradients adding up over the real and fake batch, D's
gradients kept out of the G step, dropout in both steps, Adam's state. PyTorch's twin of the
step (minigan/bench/torch_twin.py) starts from minigan's weights and is handed minigan's
noise and dropout masks, so the two must trace the same losses step after step.
"""
import numpy as np
import pytest

import minigan
from minigan.bench.torch_twin import TorchStep, copy_weights
from minigan.nn.dropout import Dropout
from minigan.presets import get_preset

torch = pytest.importorskip("torch")


def test_dcgan_mnist_steps_match_pytorch_given_the_same_noise_and_masks(monkeypatch):
    batch, steps = 16, 6
    minigan.seed(0)
    gan = get_preset("dcgan-mnist").build("numpy")
    twin = TorchStep(torch, batch, exact=True)
    copy_weights(torch, gan, twin)

    masks, noise = [], []                       # what minigan draws, handed on to PyTorch in order
    forward = Dropout.forward

    def recording_forward(self, x):
        out = forward(self, x)
        masks.append(self._cache.copy())
        return out
    monkeypatch.setattr(Dropout, "forward", recording_forward)
    draw = gan.sample_noise
    gan.sample_noise = lambda n: noise.append(draw(n)) or noise[-1]

    class GivenMask(torch.nn.Module):
        def forward(self, x):
            return x * torch.from_numpy(masks.pop(0))
    for i, layer in enumerate(twin.D):
        if isinstance(layer, torch.nn.Dropout):
            twin.D[i] = GivenMask()

    bce = torch.nn.functional.binary_cross_entropy_with_logits
    rng = np.random.default_rng(1)
    for _ in range(steps):
        real = rng.uniform(-1, 1, (batch, 1, 28, 28)).astype(np.float32)
        ours = gan.step(real)
        # TorchStep's step, spelled out so that its losses can be read
        fake = twin.G(torch.from_numpy(noise.pop(0)))
        twin.d_opt.zero_grad()
        d_loss = bce(twin.D(torch.from_numpy(real)), twin.ones[:batch]) + bce(twin.D(fake.detach()), twin.zeros[:batch])
        d_loss.backward()
        twin.d_opt.step()
        twin.g_opt.zero_grad()
        g_loss = bce(twin.D(fake), twin.ones[:batch])
        g_loss.backward()
        twin.g_opt.step()
        assert not masks and not noise          # both engines used exactly the same draws
        assert ours.d_loss == pytest.approx(d_loss.item(), abs=1e-4)
        assert ours.g_loss == pytest.approx(g_loss.item(), abs=1e-4)
    assert ours.d_loss < 1.35                  # and D has learnt something, so the steps did change weights
