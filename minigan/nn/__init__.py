"""Stateful layers that wrap the pure ops in ``minigan.ops``."""
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .base import Layer, Parameter, Sequential, ShapeError, summary
from .linear import Dense
