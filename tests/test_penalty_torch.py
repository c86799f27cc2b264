"""PyTorch parity for a whole D step with a gradient penalty (WGAN-GP, R1): D's gradients.

A second opinion on the second-order backward, through ``GAN.d_step`` itself: PyTorch gets the
penalty's parameter gradient by differentiating its own autograd graph of D's input gradient
(``create_graph=True``). Finite differences (test_second_order.py) stay the ground truth.
"""
import numpy as np
import pytest

import minigan
from minigan import recipes
from minigan.backend import to_numpy
from minigan.presets import get_preset

torch = pytest.importorskip("torch")


def torch_critic(D):
    """D (Dense / LeakyReLU layers) as a function of x and a list of leaf tensors for its parameters."""
    params, layers = [], []
    for layer in D:
        if hasattr(layer, "weight"):
            w = torch.tensor(to_numpy(layer.weight.data), requires_grad=True)
            b = torch.tensor(to_numpy(layer.bias.data), requires_grad=True)
            params += [w, b]
            layers.append(lambda x, w=w, b=b: x @ w + b)
        else:
            layers.append(lambda x, s=layer.slope: torch.nn.functional.leaky_relu(x, s))

    def forward(x):
        for f in layers:
            x = f(x)
        return x
    return forward, params


@pytest.mark.parametrize("recipe", ["wgan-gp", "r1"])
def test_d_step_gradients_match_torch(recipe):
    minigan.seed(0)
    preset = recipes.apply(get_preset("ring8"), recipe)
    gan = preset.build("numpy")
    gan.G.astype(np.float64)
    gan.D.astype(np.float64)
    gan.record_grads = True
    gan.rng = np.random.default_rng(5)
    n = 12
    real = np.random.default_rng(1).standard_normal((n, 2))
    # The draws d_step makes from gan.rng, in its order: z for the fake batch, then (WGAN-GP) e.
    replay = np.random.default_rng(5)
    z = replay.standard_normal((n, preset.z_dim))
    e = replay.random((n, 1))
    fake = to_numpy(gan.G.forward(z)).copy()
    D, params = torch_critic(gan.D)                       # D's weights before its update

    record, _ = gan.d_step(real)

    treal, tfake = torch.tensor(real), torch.tensor(fake)
    if recipe == "wgan-gp":
        loss = -D(treal).mean() + D(tfake).mean()
        x = (torch.tensor(e) * treal + (1 - torch.tensor(e)) * tfake).requires_grad_(True)
        g, = torch.autograd.grad(D(x).sum(), x, create_graph=True)
        penalty = ((g.norm(dim=1) - 1) ** 2).mean()
        weight = preset.gradient_penalty
    else:
        f = torch.nn.functional.softplus
        loss = f(-D(treal)).mean() + f(D(tfake)).mean()
        x = treal.clone().requires_grad_(True)
        g, = torch.autograd.grad(D(x).sum(), x, create_graph=True)
        penalty = 0.5 * (g * g).sum(dim=1).mean()
        weight = preset.r1
    (loss + weight * penalty).backward()

    assert record.d_loss == pytest.approx(float((loss + weight * penalty).detach()), rel=1e-10)
    ours = [record.grads[f"D/{name}"] for name, _ in gan.D.named_parameters()]
    for mine, theirs in zip(ours, params):
        # rtol 1e-7: our norm is sqrt(||g||^2 + 1e-12) (regularizers.NORM_EPS), PyTorch's has no eps
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-7, atol=1e-10)
