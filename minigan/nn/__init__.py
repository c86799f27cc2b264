"""Stateful layers that wrap the pure ops in ``minigan.ops``."""
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .base import (Layer, Parameter, Sequential, ShapeError, eval_mode, frozen, gradients_kept,
                   input_grad_skipped, summary)
from .conv import Conv2d, ConvTranspose2d
from .linear import Dense
from .dropout import Dropout
from .norm import BatchNorm1d, BatchNorm2d
from .instancenorm import InstanceNorm2d
from .shape import Flatten, Reshape, Upsample
from .spectral import SpectralNorm
from .pack import MinibatchStdDev, Pack
