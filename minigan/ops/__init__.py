"""Pure functions: the maths of each layer as ``*_forward(...) -> (out, cache)`` and
``*_backward(dout, cache) -> gradients``. Nothing here keeps state or knows about GANs."""
from .activation import (leaky_relu_backward, leaky_relu_forward, relu_backward, relu_forward,
                         sigmoid, sigmoid_backward, sigmoid_forward, tanh_backward, tanh_forward)
from .linear import dense_backward, dense_forward
