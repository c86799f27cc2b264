# Solutions to the exercises of chapter 7 (chapters/07_evaluating_gans.ipynb), one section per exercise cell.
# %% exercise 1
def frechet(feats_a, feats_b):
    """||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2) for (N, F) feature arrays."""
    mu_a, mu_b = feats_a.mean(axis=0), feats_b.mean(axis=0)
    cov_a, cov_b = np.cov(feats_a, rowvar=False), np.cov(feats_b, rowvar=False)
    root_a = sqrtm_psd((cov_a + cov_a.T) / 2)
    cross = sqrtm_psd(root_a @ cov_b @ root_a)      # symmetric: same trace as (S_a S_b)^1/2
    return ((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(cross)


# %% exercise 2
def _distances(a, b):
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))


def precision_and_recall(real, fake, k=3):
    """(share of fakes inside some real ball, share of reals inside some fake ball)."""
    r_real = np.sort(_distances(real, real), axis=1)[:, k]
    r_fake = np.sort(_distances(fake, fake), axis=1)[:, k]
    d = _distances(real, fake)                                   # (n_real, n_fake)
    return (d <= r_real[:, None]).any(axis=0).mean(), (d <= r_fake[None, :]).any(axis=1).mean()


# %% exercise 3
def coverage(real, fake, k=3):
    """Share of real balls (radius: k-th nearest real neighbour) that hold at least one fake."""
    r_real = np.sort(np.sqrt(((real[:, None] - real[None]) ** 2).sum(-1)), axis=1)[:, k]
    nearest_fake = np.sqrt(((real[:, None] - fake[None]) ** 2).sum(-1)).min(axis=1)
    return (nearest_fake <= r_real).mean()
