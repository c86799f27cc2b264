"""Class labels riding along with the data, for conditional GANs (Mirza & Osindero 2014).

A conditional G draws an image of a requested class; a conditional D judges "is this a real
image OF THIS CLASS?". Both need the label, and the GAN step should not have to change. So
the label travels inside the arrays, as one extra channel holding the class index:

    real batch     (N, C + 1, H, W): the images, then a channel filled with each one's label
    G's input      (N, z_dim + K):    the noise, then the label one-hot
    G's output     (N, C + 1, H, W):  CarryLabels appends the label channel to the image
    D's input      LabelMaps turns the label channel into K one-hot maps: (N, C + K, H, W)

D's first convolution then sees the image and K constant maps, one of them all ones: the
"concatenate the one-hot label" conditioning of the cGAN paper, done on feature maps. The other
way for D (ProjectionD) reads the label at D's end instead, as a learnt class embedding dotted with
D's features. Labels are not learnt, so their gradients are zero and stop where they enter.
"""
import numpy as np

from .. import init
from ..backend import get_array_module, get_xp
from .base import Layer, Parameter, ShapeError
from .linear import Dense


def label_channel(images, labels):
    """Append the label channel to (N, C, H, W) images: the form a conditional D takes as "real"."""
    xp = get_array_module(images)
    n, _, h, w = images.shape
    lab = xp.asarray(labels, dtype=images.dtype).reshape(n, 1, 1, 1)
    return xp.concatenate([images, xp.broadcast_to(lab, (n, 1, h, w))], axis=1)


def labels_of(x):
    """The class index of each sample of a (N, C + 1, H, W) batch."""
    return x[:, -1, 0, 0].round().astype(int)


def one_hot(labels, n_classes, dtype):
    """(N, K): row i is 1 in column labels[i], 0 elsewhere (on the labels' backend)."""
    xp = get_array_module(labels)
    return (xp.arange(n_classes)[None, :] == labels[:, None]).astype(dtype)


def checked_labels(layer, x):
    """The labels of a labelled batch (N, C + 1, H, W) for ``layer``, with clear errors for a batch
    without a label channel or with a class the layer does not know."""
    if x.ndim != 4 or x.shape[1] < 2:
        raise ShapeError(f"{layer!r}: expected (N, C + 1, H, W) with a label channel last, got {tuple(x.shape)}")
    labels = labels_of(x)
    if labels.size and (labels.min() < 0 or labels.max() >= layer.n_classes):
        raise ValueError(f"{layer!r}: labels must be 0..{layer.n_classes - 1}, got {int(labels.min())}.."
                         f"{int(labels.max())}")
    return labels


class CarryLabels(Layer):
    """Wrap a generator: its input ends in a K-way one-hot label, its output gets the label channel."""

    def __init__(self, net, n_classes):
        self.net, self.n_classes = net, int(n_classes)

    def forward(self, zy):
        self._check_shape(zy, (None, None))
        labels = zy[:, -self.n_classes:].argmax(axis=1)
        return label_channel(self.net.forward(zy), labels)

    def backward(self, dout):
        return self.net.backward(dout[:, :-1])       # the label channel is data, not G's work

    def extra_repr(self):
        return f"{self.n_classes} classes"

    def __repr__(self):
        return f"CarryLabels({self.n_classes} classes,\n{self.net!r})"


class LabelMaps(Layer):
    """D's first layer: (N, C + 1, H, W) with a label channel -> (N, C + K, H, W) with one-hot maps."""

    def __init__(self, n_classes):
        self.n_classes = int(n_classes)

    def forward(self, x):
        xp = get_array_module(x)
        labels = checked_labels(self, x)
        n, _, h, w = x.shape
        onehot = one_hot(labels, self.n_classes, x.dtype)
        return xp.concatenate([x[:, :-1], xp.broadcast_to(onehot[:, :, None, None], (n, self.n_classes, h, w))],
                              axis=1)

    def backward(self, dout):
        xp = get_array_module(dout)
        n, _, h, w = dout.shape
        return xp.concatenate([dout[:, :-self.n_classes], xp.zeros((n, 1, h, w), dout.dtype)], axis=1)

    def extra_repr(self):
        return f"{self.n_classes} classes"


class ProjectionD(Layer):
    """A projection discriminator (Miyato & Koyama 2018): D reads the label at its end, not its input.

    ``features`` turns the images into feature vectors phi(x) of length F (the label channel is
    taken off first). The logit is then

        D(x, y) = w . phi(x) + b  +  e_y . phi(x)

    -- an unconditional "is it real?" term plus the inner product of the features with a learnt
    embedding e_y of the class asked for. The second term is what makes D check the class: it
    cannot be high for a 3 that is drawn when a 7 was asked for. Backward, by the product rule:

        d phi = dout (w + e_y),   dw = phi^T dout,   db = sum(dout),   de_k = sum over y = k of dout phi.
    """

    def __init__(self, features, n_features, n_classes, rng=None, dtype=np.float32, backend=None):
        self.features = features
        self.n_features, self.n_classes = int(n_features), int(n_classes)
        self.linear = Dense(self.n_features, 1, rng=rng, dtype=dtype, backend=backend)
        # the class embedding starts on the scale of w (Glorot with fans F and 1)
        e = init.init_weight("xavier", (self.n_classes, self.n_features), self.n_features, 1, rng=rng, dtype=dtype)
        self.embed = Parameter(get_xp(backend).asarray(e), "embed")
        self._cache = None

    def forward(self, x):
        labels = checked_labels(self, x)
        phi = self.features.forward(x[:, :-1])
        self._check_shape(phi, (None, self.n_features))
        onehot = one_hot(labels, self.n_classes, phi.dtype)
        e_y = onehot @ self.embed.data                                   # (N, F): each sample's e_y
        self._cache = (phi, onehot, e_y, x.shape)
        return self.linear.forward(phi) + (e_y * phi).sum(axis=1, keepdims=True)

    def backward(self, dout):
        phi, onehot, e_y, shape = self._require_cache(self._cache)
        xp = get_array_module(dout)
        dphi = self.linear.backward(dout) + dout * e_y                   # both terms read phi
        if self.embed.requires_grad:
            self.embed.accumulate(onehot.T @ (dout * phi))               # row k sums its class's samples
        dimages = self.features.backward(dphi)
        n, _, h, w = shape
        return xp.concatenate([dimages, xp.zeros((n, 1, h, w), dimages.dtype)], axis=1)   # labels: no gradient

    def extra_repr(self):
        return f"{self.n_features} features, {self.n_classes} classes"

    def __repr__(self):
        return f"ProjectionD({self.extra_repr()},\n{self.features!r})"
