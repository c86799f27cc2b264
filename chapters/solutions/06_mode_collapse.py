# Solutions to the exercises of chapter 6 (chapters/06_mode_collapse.ipynb), one section per exercise cell.
# %% exercise 1
def count_modes(samples, centers, sigma):
    """(number of modes with a high-quality sample, percent of samples within 3 sigma of their nearest mode)."""
    dist = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=2)     # (N, K)
    nearest = dist.argmin(axis=1)
    good = dist[np.arange(len(samples)), nearest] <= 3 * sigma
    return len(np.unique(nearest[good])), 100.0 * good.mean()


# %% exercise 2
def pack(x, m):
    """(N * m, d) -> (N, m * d): rows m*i .. m*i + m - 1 of x, side by side, become row i."""
    return x.reshape(len(x) // m, -1)


# %% exercise 3
def mbstd_forward(x, eps=1e-8):
    """(N, d) -> (N, d + 1): x with one more column, the mean over features of the std across the batch."""
    sigma = np.sqrt(((x - x.mean(axis=0)) ** 2).mean(axis=0) + eps)
    return np.concatenate([x, np.full((len(x), 1), sigma.mean())], axis=1)


# %% exercise 4
def mbstd_backward(x, dout, eps=1e-8):
    """The gradient of the input, given dout (N, d + 1)."""
    n, d = x.shape
    centered = x - x.mean(axis=0)
    sigma = np.sqrt((centered ** 2).mean(axis=0) + eps)
    S = dout[:, d].sum()           # every example's copy of s gets a gradient; they all add up
    return dout[:, :d] + S * centered / (n * d * sigma)
