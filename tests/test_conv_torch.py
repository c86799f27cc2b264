"""PyTorch parity for Conv2d and ConvTranspose2d: outputs, input and parameter gradients.

A second opinion only; finite differences (test_conv.py) stay the ground truth.
Tolerances: float64 to 1e-10 (rtol and atol); float32 to rtol 1e-4, atol 1e-5 (sums of up
to ~250 products, each rounded at ~6e-8 relative, land well inside that).
PyTorch has no TF-style asymmetric "same", so the reference pads/crops explicitly.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from minigan.backend import to_numpy
from minigan.nn import Conv2d, ConvTranspose2d
from minigan.ops.conv import conv_transpose2d_geometry, resolve_padding

from test_conv import conv_arrays, conv_configs

torch = pytest.importorskip("torch")
F = torch.nn.functional

reuse_fixtures = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
TOLERANCES = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-4, atol=1e-5)}


def torch_conv2d(x, w, b, stride, padding):
    (t, bottom), (left, right) = resolve_padding(padding, tuple(x.shape[2:]), tuple(w.shape[2:]), stride)
    return F.conv2d(F.pad(x, (left, right, t, bottom)), w, b, stride)


def torch_conv_transpose2d(x, w, b, stride, padding, output_padding):
    """Full transposed conv (no padding), then crop our pads: covers "same" and asymmetric pads."""
    geom = conv_transpose2d_geometry(tuple(x.shape[2:]), tuple(w.shape[2:]), stride, padding, output_padding)
    (t, _), (left, _) = geom.pad
    full = [(n - 1) * s + k for n, s, k in zip(x.shape[2:], geom.stride, geom.kernel)]
    extra = [max(0, p + big - f) for p, big, f in zip((t, left), geom.big, full)]   # zero rows past the kernel
    out = F.conv_transpose2d(x, w, b, geom.stride, 0, tuple(extra))
    return out[:, :, t:t + geom.big[0], left:left + geom.big[1]]


def check_layer_against_torch(xp, backend, cfg, transposed, dtype):
    x, w, b, _ = conv_arrays(xp, cfg, transposed)
    x, w = x.astype(dtype), w.astype(dtype)
    if transposed:
        layer = ConvTranspose2d(cfg["c_in"], cfg["c_out"], cfg["kernel"], cfg["stride"], cfg["padding"],
                                cfg["output_padding"], bias=b is not None, dtype=dtype, backend=backend)
    else:
        layer = Conv2d(cfg["c_in"], cfg["c_out"], cfg["kernel"], cfg["stride"], cfg["padding"],
                       bias=b is not None, dtype=dtype, backend=backend)
    layer.weight.data[...] = w
    if b is not None:
        layer.bias.data[...] = b.astype(dtype)
    out = layer.forward(x)
    g = np.random.default_rng(cfg["seed"] + 7).standard_normal(out.shape).astype(dtype)
    dx = layer.backward(xp.asarray(g))

    tx, tw = (torch.tensor(to_numpy(a), requires_grad=True) for a in (x, w))
    tb = torch.tensor(to_numpy(layer.bias.data), requires_grad=True) if b is not None else None
    if transposed:
        tout = torch_conv_transpose2d(tx, tw, tb, layer.stride, cfg["padding"], layer.output_padding)
    else:
        tout = torch_conv2d(tx, tw, tb, layer.stride, cfg["padding"])
    tout.backward(torch.from_numpy(g))

    tol = TOLERANCES[dtype]
    assert out.dtype == dtype and dx.dtype == dtype
    pairs = [(out, tout), (dx, tx.grad), (layer.weight.grad, tw.grad)]
    if b is not None:
        pairs.append((layer.bias.grad, tb.grad))
    for ours, theirs in pairs:
        np.testing.assert_allclose(to_numpy(ours), theirs.detach().numpy(), **tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@reuse_fixtures
@given(cfg=conv_configs())
def test_conv2d_matches_torch(xp, backend, dtype, cfg):
    check_layer_against_torch(xp, backend, cfg, False, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@reuse_fixtures
@given(cfg=conv_configs(transposed=True))
def test_conv_transpose2d_matches_torch(xp, backend, dtype, cfg):
    check_layer_against_torch(xp, backend, cfg, True, dtype)


def test_dcgan_shapes_match_torch_float32(xp, backend):
    """The seed DCGAN's own layers at batch 8, in the default float32."""
    rng = np.random.default_rng(3)
    for layer, shape in [(ConvTranspose2d(16, 8, 5, 2, "same", backend=backend), (8, 16, 7, 7)),
                         (Conv2d(1, 8, 5, 2, "same", backend=backend), (8, 1, 28, 28))]:
        layer.bias.data[...] = xp.asarray(rng.standard_normal(layer.out_channels), dtype=np.float32)
        x = xp.asarray(rng.standard_normal(shape), dtype=np.float32)
        out = layer(x)
        tx = torch.tensor(to_numpy(x), requires_grad=True)
        tw = torch.tensor(to_numpy(layer.weight.data), requires_grad=True)
        tb = torch.tensor(to_numpy(layer.bias.data), requires_grad=True)
        if isinstance(layer, ConvTranspose2d):
            assert out.shape == (8, 8, 14, 14)
            tout = torch_conv_transpose2d(tx, tw, tb, layer.stride, "same", (0, 0))
        else:
            assert out.shape == (8, 8, 14, 14)
            tout = torch_conv2d(tx, tw, tb, layer.stride, "same")
        g = rng.standard_normal(out.shape).astype(np.float32)
        dx = layer.backward(xp.asarray(g))
        tout.backward(torch.from_numpy(g))
        for ours, theirs in [(out, tout), (dx, tx.grad), (layer.weight.grad, tw.grad), (layer.bias.grad, tb.grad)]:
            np.testing.assert_allclose(to_numpy(ours), theirs.detach().numpy(), **TOLERANCES[np.float32])
