# Solutions to the exercises of chapter 11 (chapters/11_latent_space.ipynb), one section per exercise cell.
# %% exercise 1
def slerp(z0, z1, t):
    """The point at fraction t of the great-circle path from z0 to z1 (vectors of shape (d,))."""
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if np.sin(omega) < 1e-8:                 # the same direction: the arc is the line
        return (1 - t) * z0 + t * z1
    return (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


# %% exercise 2
def attribute_direction(z, scores, fraction=0.2):
    """mean z of the top `fraction` of scores minus mean z of the bottom `fraction` (a (d,) vector)."""
    order = np.argsort(scores)
    k = int(fraction * len(scores))
    return z[order[-k:]].mean(axis=0) - z[order[:k]].mean(axis=0)


# %% exercise 3
def nearest_neighbours(queries, pool):
    """(index of the nearest pool image, its distance) for every query, as two (N,) arrays."""
    q = np.asarray(queries, np.float64).reshape(len(queries), -1)
    p = np.asarray(pool, np.float64).reshape(len(pool), -1)
    d2 = (q * q).sum(1)[:, None] + (p * p).sum(1)[None, :] - 2 * q @ p.T
    index = d2.argmin(axis=1)
    return index, np.sqrt(np.maximum(d2[np.arange(len(q)), index], 0))
