"""PyTorch twins of the translation networks, weight for weight: for the parity tests and the
step-time benchmark. PyTorch is imported only here, and only when a twin is asked for."""
import numpy as np

from .. import nn
from ..backend import to_numpy
from ..nn.instancenorm import InstanceNorm2d
from .networks import UNet
from .skip import Skip


def _tensor(torch, array):
    return torch.nn.Parameter(torch.from_numpy(np.array(to_numpy(array))))


def to_torch(layer, torch=None):
    """A torch.nn.Module computing what ``layer`` computes, holding copies of its weights."""
    if torch is None:
        import torch
    if isinstance(layer, UNet):
        return to_torch(layer.net, torch)
    if isinstance(layer, nn.Sequential):
        return torch.nn.Sequential(*(to_torch(child, torch) for child in layer))
    if isinstance(layer, Skip):
        inner = to_torch(layer.inner, torch)

        class TorchSkip(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = inner

            def forward(self, x):
                return torch.cat([self.inner(x), x], dim=1)
        return TorchSkip()
    return _leaf(layer, torch)


def _leaf(layer, torch):
    if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
        kind = torch.nn.Conv2d if isinstance(layer, nn.Conv2d) else torch.nn.ConvTranspose2d
        extra = {} if kind is torch.nn.Conv2d else {"output_padding": layer.output_padding}
        module = kind(layer.in_channels, layer.out_channels, layer.kernel_size, stride=layer.stride,
                      padding=layer.padding, bias=layer.bias is not None, **extra)
        module.weight = _tensor(torch, layer.weight.data)
        if layer.bias is not None:
            module.bias = _tensor(torch, layer.bias.data)
        return module
    if isinstance(layer, InstanceNorm2d):
        module = torch.nn.InstanceNorm2d(layer.num_features, eps=layer.eps, affine=layer.weight is not None)
        if layer.weight is not None:
            module.weight, module.bias = _tensor(torch, layer.weight.data), _tensor(torch, layer.bias.data)
        return module
    simple = {nn.ReLU: lambda: torch.nn.ReLU(), nn.Tanh: lambda: torch.nn.Tanh(),
              nn.LeakyReLU: lambda: torch.nn.LeakyReLU(layer.slope)}
    if type(layer) in simple:
        return simple[type(layer)]()
    raise TypeError(f"no PyTorch twin for {layer!r}")


def torch_grads(module):
    """{dotted name: gradient as NumPy}, in the same order as minigan's named_parameters."""
    return [p.grad.detach().numpy() for p in module.parameters()]
