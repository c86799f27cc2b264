"""Pure functions: the maths of each layer as ``*_forward(...) -> (out, cache)`` and
``*_backward(dout, cache) -> gradients``. Nothing here keeps state or knows about GANs."""
from .activation import (leaky_relu_backward, leaky_relu_forward, relu_backward, relu_forward,
                         sigmoid, sigmoid_backward, sigmoid_forward, tanh_backward, tanh_forward)
from .conv import (conv2d_backward, conv2d_forward, conv2d_output_size, conv_transpose2d_backward,
                   conv_transpose2d_forward, conv_transpose2d_output_size, same_padding)
from .linear import dense_backward, dense_forward
from .norm import batchnorm_backward, batchnorm_eval_backward, batchnorm_eval_forward, batchnorm_forward
from .upsample import upsample_nearest_backward, upsample_nearest_forward
