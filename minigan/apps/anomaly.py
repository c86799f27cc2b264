"""Anomaly detection with a GAN trained on normal data only (AnoGAN: Schlegl et al. 2017,
"Unsupervised Anomaly Detection with Generative Adversarial Networks to Guide Marker Discovery").

G has learnt to draw normal images and nothing else. Given a query image x, we search for the z
whose G(z) is closest to it; a normal image can be matched well, an anomalous one cannot. The
search minimises, per image,

    L(z) = (1 - lam) * R(z) + lam * D_f(z)
    R(z)   = sum |x - G(z)|              the residual loss: pixel by pixel
    D_f(z) = sum |f(x) - f(G(z))|        the discrimination loss: in D's intermediate features f

where f is the output of D's layers before its last (linear) one: D's own description of an
image, learnt while telling real from fake. lam = 0.1 as in the paper. The anomaly score is L at
the end of the search: large = G cannot explain the image = anomalous.
"""
import numpy as np

from ..backend import get_array_module, to_numpy
from ..nn.base import Sequential, frozen
from .latent import best_of, eval_mode, in_chunks, random_latents, search


def discriminator_features(D):
    """D without its last layer (a Sequential sharing D's layers): x -> the features f(x)."""
    if not isinstance(D, Sequential) or len(D) < 2:
        raise TypeError(f"AnoGAN needs D as a Sequential of several layers whose last one makes the logit; "
                        f"got {type(D).__name__}")
    return Sequential(*D.layers[:-1])


class AnomalyLoss:
    """Per image: (1 - lam) * residual + lam * discrimination loss. After ``forward`` the parts
    are in ``self.residual`` and ``self.discrimination`` (NumPy, (N,))."""

    def __init__(self, G, D, images, lam=0.1):
        self.G, self.D, self.images, self.lam = G, D, images, float(lam)
        self.features = discriminator_features(D)
        with eval_mode(D):
            self.real_features = self.features.forward(images).copy()   # f(x), fixed during the search
        self._cache = None

    def forward(self, z):
        with eval_mode(self.G, self.D):
            fake = self.G.forward(z)
            feats = self.features.forward(fake)
        diff, fdiff = fake - self.images, feats - self.real_features
        n = len(z)
        residual = abs(diff).reshape(n, -1).sum(axis=1)
        discrimination = abs(fdiff).reshape(n, -1).sum(axis=1)
        self._cache = (diff, fdiff)
        self.residual, self.discrimination = to_numpy(residual), to_numpy(discrimination)
        return (1 - self.lam) * residual + self.lam * discrimination

    def backward(self, dvalues):
        if self._cache is None:
            raise RuntimeError("AnomalyLoss: backward() called before forward()")
        diff, fdiff = self._cache
        xp = get_array_module(diff)
        dfake = (1 - self.lam) * dvalues.reshape(-1, *([1] * (diff.ndim - 1))) * xp.sign(diff)
        dfeats = self.lam * dvalues.reshape(-1, *([1] * (fdiff.ndim - 1))) * xp.sign(fdiff)
        with eval_mode(self.G, self.D), frozen(self.G, self.D):
            dfake = dfake + self.features.backward(dfeats)   # through D's feature layers into G(z)
            return self.G.backward(dfake)


def anomaly_scores(G, D, images, z_dim, steps=100, lr=0.05, lam=0.1, starts=8, chunk=64, rng=None):
    """AnoGAN scores of ``images`` (N, C, H, W): a dict of (N,) NumPy arrays "score" (the loss at
    the end of the search), "residual" and "discrimination" (its two parts, before weighting),
    "z" ((N, z_dim), where the search ended) and "history" ((steps + 1, N), the loss during it)."""
    xp = get_array_module(G.parameters()[0].data)
    images = xp.asarray(images, dtype=G.parameters()[0].data.dtype)
    out = {"score": [], "residual": [], "discrimination": [], "z": [], "history": []}
    for s in in_chunks(len(images), chunk):
        loss = AnomalyLoss(G, D, images[s], lam)
        n = len(images[s])
        z0 = best_of(loss, [random_latents(n, z_dim, G, rng) for _ in range(max(1, starts))])
        z, history = search(loss, z0, steps, lr)
        out["score"].append(history[-1])
        out["z"].append(to_numpy(z))
        out["residual"].append(loss.residual)            # from the search's last forward pass
        out["discrimination"].append(loss.discrimination)
        out["history"].append(history)
    return {k: np.concatenate(v, axis=1 if k == "history" else 0) for k, v in out.items()}


def anomaly_experiment(G, D, z_dim, images, labels, anomaly=9, n_normal=None, seed=0, **search):
    """Score held-out images with AnoGAN: every image of class ``anomaly`` and ``n_normal`` of the
    others (all of them if None; a random choice by ``seed`` otherwise). Returns a dict with the
    labels (1 = anomaly), the scores and their parts, and the AUROC (with its standard error) of
    the score, of each part alone, and of D's own verdict on x ("d_verdict": minus D's logit, so
    that "looks fake" scores high) -- a baseline that needs no search at all."""
    from .roc import auroc, auroc_standard_error
    normal = np.flatnonzero(labels != anomaly)
    if n_normal is not None and n_normal < len(normal):
        normal = np.sort(np.random.default_rng(seed).choice(normal, n_normal, replace=False))
    chosen = np.concatenate([normal, np.flatnonzero(labels == anomaly)])
    is_anomaly = (labels[chosen] == anomaly).astype(int)
    out = anomaly_scores(G, D, images[chosen], z_dim, **search)
    out["d_verdict"] = -d_logits(D, images[chosen])
    n1, n0 = int(is_anomaly.sum()), int(len(chosen) - is_anomaly.sum())
    result = {"index": chosen, "digit": labels[chosen], "is_anomaly": is_anomaly, "n_anomalies": n1, "n_normal": n0,
              **out, "auroc": {}, "auroc_se": {}}
    for key in ("score", "residual", "discrimination", "d_verdict"):
        result["auroc"][key] = auroc(out[key], is_anomaly)
        result["auroc_se"][key] = auroc_standard_error(result["auroc"][key], n1, n0)
    return result


def d_logits(D, images, chunk=256):
    """D's logit for each image (eval mode), as a NumPy (N,) array."""
    xp = get_array_module(D.parameters()[0].data)
    images = xp.asarray(images, dtype=D.parameters()[0].data.dtype)
    with eval_mode(D):
        return np.concatenate([to_numpy(D.forward(images[s])).reshape(-1) for s in in_chunks(len(images), chunk)])
