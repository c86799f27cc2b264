"""Semantic inpainting with a trained GAN (Yeh et al. 2017, "Semantic Image Inpainting with Deep
Generative Models").

The hole in an image is filled with what G would draw there. We look for the z whose G(z)
agrees with the pixels we know, and that D finds real:

    L(z) = || W * (G(z) - y) ||_1  +  lam * log(1 - D(G(z)))
           contextual loss            prior ("perceptual") loss

``y`` is the damaged image and ``M`` its mask (1 = known pixel, 0 = missing). W is M weighted by
how close each known pixel is to the hole (Yeh et al. eq. 3): W_i = M_i * (share of the missing
pixels in the window around i), so the search attends to the pixels that border the hole and
does not chase every pixel far away. ``window=None`` weighs every known pixel alike (W = M).
The prior term is written with D's logit l: log(1 - sigmoid(l)) = -softplus(l), finite for any l.

The result pastes G's pixels into the hole only: out = M * y + (1 - M) * G(z). (Yeh et al.
blend with Poisson editing; on 28x28 digits a plain paste already leaves no visible seam.)
"""
from dataclasses import dataclass

import numpy as np

from ..backend import get_array_module, to_numpy
from ..losses import softplus
from ..nn.base import frozen
from ..ops.activation import sigmoid
from .latent import best_of, eval_mode, in_chunks, random_latents, search


def importance_weights(mask, window=7):
    """Yeh et al.'s W: each known pixel weighted by the fraction of missing pixels in the
    window x window square around it (pixels beyond the border count as known); 0 in the hole.
    ``mask``: (..., H, W) with 1 = known. ``window=None``: W = mask."""
    xp = get_array_module(mask)
    mask = mask.astype(np.float64) if xp is np else mask.astype(xp.float64)
    if window is None:
        return mask
    r = int(window) // 2
    missing = 1.0 - mask
    padded = xp.pad(missing, [(0, 0)] * (mask.ndim - 2) + [(r, r), (r, r)])
    h, w = mask.shape[-2:]
    total = xp.zeros_like(mask)
    for dy in range(2 * r + 1):          # a box sum by shifting: (2r + 1)^2 small array additions
        for dx in range(2 * r + 1):
            total += padded[..., dy:dy + h, dx:dx + w]
    return mask * total / (2 * r + 1) ** 2


class InpaintingLoss:
    """Per image: contextual loss + lam * prior loss (see the module docstring).

    ``images`` (N, C, H, W) and ``mask`` (N or 1, C or 1, H, W), both on G's backend and dtype.
    After ``forward`` the two parts are in ``self.contextual`` and ``self.prior`` (NumPy, (N,)).
    """

    def __init__(self, G, D, images, mask, lam=0.1, window=7):
        self.G, self.D, self.images, self.lam = G, D, images, float(lam)
        xp = get_array_module(images)
        self.weights = xp.asarray(importance_weights(mask, window), dtype=images.dtype)
        self._cache = None

    def forward(self, z):
        with eval_mode(self.G, self.D):
            fake = self.G.forward(z)
            logits = self.D.forward(fake)
        diff = fake - self.images
        contextual = (self.weights * abs(diff)).reshape(len(z), -1).sum(axis=1)
        prior = -softplus(logits.reshape(-1))                      # log(1 - D(G(z)))
        self._cache = (diff, logits)
        self.contextual, self.prior = to_numpy(contextual), to_numpy(prior)
        return contextual + self.lam * prior

    def backward(self, dvalues):
        if self._cache is None:
            raise RuntimeError("InpaintingLoss: backward() called before forward()")
        diff, logits = self._cache
        xp = get_array_module(diff)
        dv = dvalues.reshape(-1, *([1] * (diff.ndim - 1)))
        dfake = dv * self.weights * xp.sign(diff)                  # d|u|/du = sign(u)
        dlogits = -self.lam * dvalues.reshape(logits.shape) * sigmoid(logits)   # d(-softplus(l))/dl
        # Through D into its input, then through G into z: input gradients only, as in the G step.
        with eval_mode(self.G, self.D), frozen(self.G, self.D):
            dfake = dfake + self.D.backward(dlogits)
            return self.G.backward(dfake)


@dataclass
class Inpainting:
    """What ``inpaint`` found: the blended images, G's own drawing, z, and the loss history."""
    blended: np.ndarray      # (N, C, H, W): known pixels kept, the hole filled from G(z)
    generated: np.ndarray    # (N, C, H, W): G(z) everywhere
    start: np.ndarray        # (N, C, H, W): G at the search's starting point, before any step
    z: np.ndarray            # (N, z_dim)
    history: dict            # "loss", "contextual", "prior": (steps + 1, N) arrays


def inpaint(G, D, images, mask, z_dim, steps=300, lr=0.05, lam=0.1, window=7, starts=8, chunk=64, rng=None):
    """Fill the holes of ``images`` (1 in ``mask`` = known); see the module docstring.

    Each image is searched from the best of ``starts`` random z (by the loss), ``steps`` Adam steps
    of size ``lr``. ``mask`` is (H, W), or broadcastable to ``images``. Returns an ``Inpainting``.
    """
    xp = get_array_module(G.parameters()[0].data)
    dtype = G.parameters()[0].data.dtype
    images = xp.asarray(images, dtype=dtype)
    mask = xp.broadcast_to(xp.asarray(mask, dtype=dtype), images.shape)
    parts = {"loss": [], "contextual": [], "prior": []}
    outs = {"generated": [], "start": [], "z": []}
    for s in in_chunks(len(images), chunk):
        loss = InpaintingLoss(G, D, images[s], mask[s], lam, window)
        n = len(images[s])
        z0 = best_of(loss, [random_latents(n, z_dim, G, rng) for _ in range(max(1, starts))])
        with eval_mode(G):
            outs["start"].append(to_numpy(G.forward(z0)))
        contextual, prior = [], []

        def remember(t, loss):
            contextual.append(loss.contextual)
            prior.append(loss.prior)
        z, history = search(loss, z0, steps, lr, callback=remember)
        parts["loss"].append(history)
        parts["contextual"].append(np.stack(contextual))
        parts["prior"].append(np.stack(prior))
        with eval_mode(G):
            outs["generated"].append(to_numpy(G.forward(z)))
        outs["z"].append(to_numpy(z))
    generated = np.concatenate(outs["generated"])
    m = to_numpy(mask)
    blended = m * to_numpy(images) + (1 - m) * generated
    return Inpainting(blended.astype(np.float32), generated, np.concatenate(outs["start"]), np.concatenate(outs["z"]),
                      {k: np.concatenate(v, axis=1) for k, v in parts.items()})


def masked_error(estimate, truth, mask):
    """Per image: the mean absolute error over the missing pixels (mask == 0), in pixel units of
    [-1, 1] (so 2 is the largest possible error)."""
    missing = 1.0 - np.broadcast_to(np.asarray(mask, np.float64), np.shape(truth))
    err = np.abs(np.asarray(estimate, np.float64) - np.asarray(truth, np.float64)) * missing
    n = len(truth)
    return err.reshape(n, -1).sum(axis=1) / np.maximum(missing.reshape(n, -1).sum(axis=1), 1)


# -- masks for experiments: 1 = known --------------------------------------------------------
def centre_mask(size=28, hole=12):
    m = np.ones((size, size), np.float32)
    a = (size - hole) // 2
    m[a:a + hole, a:a + hole] = 0
    return m


def half_mask(size=28, side="bottom"):
    m = np.ones((size, size), np.float32)
    half = size // 2
    if side == "bottom":
        m[half:] = 0
    elif side == "right":
        m[:, half:] = 0
    else:
        raise ValueError(f"side must be 'bottom' or 'right', got {side!r}")
    return m


def inpainting_experiment(G, D, z_dim, images, masks, **search):
    """Inpaint ``images`` under each mask of the dict ``masks`` (name -> (H, W), 1 = known) and
    measure the mean absolute error in the hole against the true pixels: of G's drawing where the
    search starts ("before") and of the blended result after it ("after"). Returns name -> dict."""
    results = {}
    for name, mask in masks.items():
        r = inpaint(G, D, images, mask, z_dim, **search)
        before, after = masked_error(r.start, images, mask), masked_error(r.blended, images, mask)
        results[name] = {"mask": mask, "result": r, "before": before, "after": after}
    return results
