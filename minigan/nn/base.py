"""Parameter, Layer and Sequential: the bookkeeping around the pure ops.

The maths of each layer lives in ``minigan.ops`` as a pair of pure functions;
a Layer only remembers what its backward needs (the cache) and where its
parameters are. Two rules every layer keeps:

* ``backward(dout)`` returns dx and ADDS its parameter gradients into ``.grad``.
  Accumulating (rather than overwriting) is what lets D's gradients from a real
  batch and a fake batch sum up, exactly as the GAN objective says they should.
* ``backward`` never changes ``.data``: computing gradients and updating weights
  are separate jobs, and the optimizer does the second.

A layer that a gradient penalty may pass through also keeps the two second-order rules,
``tangent_forward`` and ``pair_backward`` (nn/second_order.py derives them), beside its
backward: all of a layer's derivatives sit in one place.
"""
from contextlib import contextmanager

import numpy as np

from ..backend import backend_of, get_array_module, to_backend, to_numpy
from .second_order import missing_rule


class ShapeError(ValueError):
    """An input whose shape a layer cannot take; the message names the layer."""


class Parameter:
    """A trainable array with its gradient: ``.data``, ``.grad`` (same shape, same backend), ``.name``.

    ``requires_grad`` False tells the layer's backward to leave ``.grad`` alone and skip the
    work of computing it (see ``frozen``); the input gradient still flows through.
    """

    def __init__(self, data, name=""):
        self.data = data
        self.grad = get_array_module(data).zeros_like(data)
        self.name = name
        self.requires_grad = True

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def zero_grad(self):
        self.grad[...] = 0  # in place, so anyone holding the array sees the reset

    def accumulate(self, grad):
        """Add ``grad`` into ``.grad`` (gradients from several batches sum up), unless frozen."""
        if self.requires_grad:
            self.grad += grad

    def __repr__(self):
        return f"Parameter({self.name!r}, shape={tuple(self.shape)}, dtype={self.dtype})"


def wants_grad(*params):
    """Whether any of these parameters (None = absent) wants a gradient: if none does, a layer's
    backward skips its parameter-gradient products altogether."""
    return any(p is not None and p.requires_grad for p in params)


@contextmanager
def frozen(*layers):
    """Within the block, backward through these layers computes input gradients only.

    The G step needs dLoss/dfake from D, never D's own parameter gradients: computing them
    would cost a third of D's backward, only to be thrown away. PyTorch users write
    ``requires_grad_(False)`` for the same reason.
    """
    params = [p for layer in layers for p in layer.parameters()]
    before = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad = False
    try:
        yield
    finally:
        for p, flag in zip(params, before):
            p.requires_grad = flag


def first_layer(model):
    """The layer that reads ``model``'s input: a Sequential's first layer, looked into."""
    while isinstance(model, Sequential) and model.layers:
        model = model.layers[0]
    return model


@contextmanager
def input_grad_skipped(model):
    """Within the block, backward through ``model`` may return None instead of its input gradient.

    Nobody differentiates G's noise z, nor, in the D step, the batches D is shown; yet the first
    layer's input gradient is a product as large as its weight gradient (G's dense layer:
    (N, 12544) @ (12544, 100)). The first layer is told to skip it; Dense, Conv2d and
    ConvTranspose2d do, any other layer computes it as usual. Outside the block, backward always
    returns the input gradient (the gradient checks see the layers as they are)."""
    layer = first_layer(model)
    had_own = "input_grad" in vars(layer)
    before = layer.input_grad
    layer.input_grad = False
    try:
        yield
    finally:
        if had_own:
            layer.input_grad = before
        else:
            del layer.input_grad            # back to the class's default, True


@contextmanager
def eval_mode(*layers):
    """Within the block the layers are in eval mode (Dropout off, BatchNorm on its running
    statistics); afterwards every layer inside them gets its own mode back."""
    modules = [m for layer in layers for m in layer.modules()]
    before = [m.training for m in modules]
    for layer in layers:
        layer.eval()
    try:
        yield
    finally:
        for m, mode in zip(modules, before):
            m.training = mode


@contextmanager
def gradients_kept(*layers):
    """Within the block the layers' ``.grad`` arrays may be used as scratch; afterwards they hold
    exactly what they held before (a gradient penalty's helper backward adds gradients nobody wants)."""
    params = [p for layer in layers for p in layer.parameters()]
    saved = [p.grad.copy() for p in params]
    try:
        yield
    finally:
        for p, s in zip(params, saved):
            p.grad[...] = s      # in place, so anyone holding the array sees it restored


def _array(value):
    """An array of either backend as it is; anything else (a list, a number) as a NumPy array."""
    return value if hasattr(value, "shape") and hasattr(value, "dtype") else np.asarray(value)


class Layer:
    """Base class: forward caches, backward returns dx and accumulates parameter gradients."""

    training = True
    input_grad = True  # False (see input_grad_skipped): backward may skip dx and return None
    buffer_names = ()  # non-trainable arrays saved with the model (e.g. BatchNorm's running stats)

    # -- the two methods every layer writes ------------------------------------------
    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    # -- second order, for gradient penalties (nn/second_order.py) -------------------------
    def tangent_forward(self, t):
        """J t, with J = d out / d x at the last forward's input; returns (t_out, tcache)."""
        raise missing_rule(self)

    def pair_backward(self, a_bar, t_bar, tcache):
        """Reverse mode through (a, t) -> (f(a), J t): returns (a_bar_in, t_bar_in), ADDS into .grad."""
        raise missing_rule(self)

    # -- walking the tree --------------------------------------------------------------
    def named_children(self):
        for name, value in vars(self).items():
            if isinstance(value, Layer):
                yield name, value

    def modules(self):
        """This layer and every layer inside it, depth first."""
        yield self
        for _, child in self.named_children():
            yield from child.modules()

    def named_parameters(self, prefix=""):
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.named_children():
            yield from child.named_parameters(f"{prefix}{name}.")

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix=""):
        for name in self.buffer_names:
            yield prefix + name, getattr(self, name)
        for name, child in self.named_children():
            yield from child.named_buffers(f"{prefix}{name}.")

    def num_parameters(self):
        return int(sum(p.data.size for p in self.parameters()))

    # -- modes, devices, dtypes --------------------------------------------------------
    def zero_grad(self):
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode=True):
        for m in self.modules():
            m.training = mode
        return self

    def eval(self):
        return self.train(False)

    def _map_arrays(self, fn):
        for m in self.modules():
            for p in (v for v in vars(m).values() if isinstance(v, Parameter)):
                p.data, p.grad = fn(p.data), fn(p.grad)
            for name in m.buffer_names:
                setattr(m, name, fn(getattr(m, name)))
        return self

    def to(self, backend):
        """Move parameters and buffers to "numpy" or "cupy"."""
        return self._map_arrays(lambda a: to_backend(a, backend))

    def astype(self, dtype):
        """Cast parameters and buffers (e.g. to float64 for gradient checks)."""
        return self._map_arrays(lambda a: a.astype(dtype))

    # -- saving --------------------------------------------------------------------------
    def state_dict(self):
        """Parameters and buffers as NumPy arrays, keyed by dotted names ("0.weight")."""
        state = {name: to_numpy(p.data).copy() for name, p in self.named_parameters()}
        state.update({name: to_numpy(b).copy() for name, b in self.named_buffers()})
        return state

    def load_state_dict(self, state):
        """Copy arrays into this model in place; names and shapes must match exactly."""
        params = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        expected = set(params) | set(buffers)
        missing, unexpected = expected - set(state), set(state) - expected
        if missing or unexpected:
            raise KeyError(f"state does not fit {type(self).__name__}: missing {sorted(missing)}, "
                           f"unexpected {sorted(unexpected)}")
        # The state may live on either backend (a checkpoint's arrays on the CPU, a weight
        # average beside a GPU model on the GPU); each array is copied to where its target lives.
        targets = [(name, t.data if isinstance(t, Parameter) else t, _array(state[name]))
                   for name, t in list(params.items()) + list(buffers.items())]
        for name, current, value in targets:  # check every shape first, so a bad state changes nothing
            if value.shape != current.shape:
                raise ShapeError(f"{name}: expected shape {current.shape}, got {value.shape}")
        for name, current, value in targets:
            current[...] = to_backend(value, backend_of(current))   # the assignment casts the dtype

    # -- printing and errors -------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"

    def _require_cache(self, cache):
        if cache is None:
            raise RuntimeError(f"{self!r}: backward() called before forward()")
        return cache

    def _check_shape(self, x, expected):
        """Raise ShapeError unless x.shape matches ``expected`` (None = any size)."""
        ok = x.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, x.shape))
        if not ok:
            want = "(" + ", ".join("N" if i == 0 and e is None else ("*" if e is None else str(e))
                                   for i, e in enumerate(expected)) + ")"
            raise ShapeError(f"{self!r}: expected input of shape {want}, got {tuple(x.shape)}")


class Sequential(Layer):
    """Layers applied in order; backward runs them in reverse."""

    def __init__(self, *layers):
        self.layers = list(layers)

    def named_children(self):
        for i, layer in enumerate(self.layers):
            yield str(i), layer

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def tangent_forward(self, t):
        """The lifted chain: each layer's tangent feeds the next."""
        caches = []
        for layer in self.layers:
            t, cache = layer.tangent_forward(t)
            caches.append(cache)
        return t, caches

    def pair_backward(self, a_bar, t_bar, caches):
        for layer, cache in zip(reversed(self.layers), reversed(caches)):
            a_bar, t_bar = layer.pair_backward(a_bar, t_bar, cache)
        return a_bar, t_bar

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"


def summary(model, input_shape, batch_size=2, print_fn=print):
    """Print each layer's output shape and parameter count; return the text.

    ``input_shape`` excludes the batch dimension, e.g. ``(100,)`` or ``(1, 28, 28)``.
    The model is run once in eval mode on zeros and then put back in its mode.
    """
    params = model.parameters()
    dtype = params[0].data.dtype if params else np.float32
    xp = get_array_module(*(p.data for p in params))
    x = xp.zeros((batch_size, *input_shape), dtype=dtype)
    layers = list(model) if isinstance(model, Sequential) else [model]
    rows = [("layer", "output shape", "params")]
    with eval_mode(model):
        for i, layer in enumerate(layers):
            x = layer.forward(x)
            rows.append((f"{i}: {layer!r}", str(("N",) + tuple(x.shape[1:])).replace("'", ""),
                         f"{layer.num_parameters():,}"))
    rows.append(("total", "", f"{model.num_parameters():,}"))
    widths = [max(len(r[c]) for r in rows) for c in range(3)]
    lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}" for a, b, c in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    text = "\n".join(lines)
    if print_fn is not None:
        print_fn(text)
    return text
