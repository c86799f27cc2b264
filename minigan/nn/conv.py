"""Conv2d and ConvTranspose2d layers (NCHW, PyTorch's weight layouts).

    Conv2d.weight:          (C_out, C_in, kH, kW)
    ConvTranspose2d.weight: (C_in, C_out, kH, kW)   -- it is conv2d's weight for the way back

``padding`` is an int, an (h, w) pair, ((top, bottom), (left, right)), "valid" (= 0) or
"same" (Keras/TF: conv2d gives ceil(in / stride), the transposed conv in * stride).

Fans, for the initialisers: both layers count fan_in = C_in * kH * kW (inputs summed into
one output, at stride 1) and fan_out = C_out * kH * kW, where C_in/C_out are the layer's own
input/output channels. For ConvTranspose2d this differs from PyTorch, whose default init reads
its transposed weight shape as if it were a conv and so swaps the two; Xavier and the DCGAN
normal(0, 0.02) do not care, He (fan_in only) does.
"""
import numpy as np

from .. import init
from ..backend import get_xp
from ..ops.conv import _pair, conv2d_output_size, conv_transpose2d_output_size, resolve_padding
# The layers run the fast layout; ops.conv holds the same maths written to be read.
from ..ops.conv_fast import (conv2d_backward, conv2d_forward, conv_transpose2d_backward,
                             conv_transpose2d_forward)
from .base import Layer, Parameter, ShapeError, wants_grad


class _ConvBase(Layer):
    """What both layers share: parameters, fans, checks and the printed form."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, bias,
                 init_scheme, rng, dtype, backend, weight_shape):
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.stride = _pair(kernel_size, "kernel_size"), _pair(stride, "stride")
        if min(self.kernel_size) < 1 or min(self.stride) < 1 or min(self.in_channels, self.out_channels) < 1:
            raise ValueError(f"{type(self).__name__}: channels, kernel_size and stride must be >= 1")
        self.padding = padding.lower() if isinstance(padding, str) else padding
        resolve_padding(self.padding, (1, 1), self.kernel_size, self.stride)   # fail early on bad values
        xp = get_xp(backend)
        w = init.init_weight(init_scheme, weight_shape, *self.fans(), rng=rng, dtype=dtype)
        self.weight = Parameter(xp.asarray(w), "weight")
        self.bias = Parameter(xp.zeros(self.out_channels, dtype=dtype), "bias") if bias else None
        self._cache = None

    def fans(self):
        area = self.kernel_size[0] * self.kernel_size[1]
        return self.in_channels * area, self.out_channels * area

    def _check_input(self, x):
        self._check_shape(x, (None, self.in_channels, None, None))
        out_hw = self.output_size(x.shape[2:])
        if min(out_hw) < 1:
            raise ShapeError(f"{self!r}: input of spatial size {tuple(x.shape[2:])} gives an empty output "
                             f"{tuple(out_hw)}; use a larger input, more padding or a smaller kernel")

    def _accumulate(self, dweight, dbias):
        self.weight.accumulate(dweight)             # ADD: gradients from several batches sum up
        if self.bias is not None:
            self.bias.accumulate(dbias)

    def extra_repr(self):
        def show(pair):
            return pair[0] if pair[0] == pair[1] else pair
        text = (f"{self.in_channels} -> {self.out_channels}, kernel_size={show(self.kernel_size)}, "
                f"stride={show(self.stride)}, padding={self.padding!r}")
        if any(getattr(self, "output_padding", (0, 0))):
            text += f", output_padding={show(self.output_padding)}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv2d(_ConvBase):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 init_scheme="xavier", rng=None, dtype=np.float32, backend=None):
        k = _pair(kernel_size, "kernel_size")
        super().__init__(in_channels, out_channels, k, stride, padding, bias, init_scheme, rng, dtype,
                         backend, (int(out_channels), int(in_channels), *k))

    def output_size(self, in_size):
        return conv2d_output_size(in_size, self.kernel_size, self.stride, self.padding)

    def forward(self, x):
        self._check_input(x)
        out, self._cache = conv2d_forward(x, self.weight.data, None if self.bias is None else self.bias.data,
                                          self.stride, self.padding)
        return out

    def backward(self, dout):
        dx, dweight, dbias = conv2d_backward(dout, self._require_cache(self._cache),
                                             param_grads=wants_grad(self.weight, self.bias),
                                             input_grad=self.input_grad)
        self._accumulate(dweight, dbias)
        return dx

    # -- second order (nn/second_order.py): J t = conv(t, W), the tangent skips the bias -----
    def tangent_forward(self, t):
        return conv2d_forward(t, self.weight.data, None, self.stride, self.padding)

    def pair_backward(self, a_bar, t_bar, tcache):
        a_bar_in = self.backward(a_bar)
        # conv's input gradient of t_bar, and d/dW <t_bar, conv(t, W)>: the op's backward at (t, W)
        t_bar_in, dweight, _ = conv2d_backward(t_bar, tcache, param_grads=self.weight.requires_grad)
        self.weight.accumulate(dweight)
        return a_bar_in, t_bar_in


class ConvTranspose2d(_ConvBase):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 bias=True, init_scheme="xavier", rng=None, dtype=np.float32, backend=None):
        k = _pair(kernel_size, "kernel_size")
        self.output_padding = _pair(output_padding, "output_padding")
        if any(not 0 <= op < s for op, s in zip(self.output_padding, _pair(stride, "stride"))):
            raise ValueError(f"ConvTranspose2d: output_padding {self.output_padding} must be >= 0 and "
                             f"smaller than stride {_pair(stride)}")
        if isinstance(padding, str) and padding.lower() == "same" and any(self.output_padding):
            raise ValueError("ConvTranspose2d: output_padding must be 0 with padding='same'")
        super().__init__(in_channels, out_channels, k, stride, padding, bias, init_scheme, rng, dtype,
                         backend, (int(in_channels), int(out_channels), *k))

    def output_size(self, in_size):
        return conv_transpose2d_output_size(in_size, self.kernel_size, self.stride, self.padding,
                                            self.output_padding)

    def forward(self, x):
        self._check_input(x)
        out, self._cache = conv_transpose2d_forward(x, self.weight.data,
                                                    None if self.bias is None else self.bias.data,
                                                    self.stride, self.padding, self.output_padding)
        return out

    def backward(self, dout):
        dx, dweight, dbias = conv_transpose2d_backward(dout, self._require_cache(self._cache),
                                                       param_grads=wants_grad(self.weight, self.bias),
                                                       input_grad=self.input_grad)
        self._accumulate(dweight, dbias)
        return dx
