# Solutions to the exercises of chapter 8 (chapters/08_conditional_gans_and_applications.ipynb), one section
# per exercise cell.
# %% exercise 1
def one_hot_labels(labels, n_classes):
    """(N,) integers in [0, n_classes) -> (N, n_classes) float64, one 1 per row."""
    return np.eye(n_classes)[np.asarray(labels)]


# %% exercise 2
def projection_logit(phi, labels, w, b, embed):
    """(N, 1) logits: phi @ w + b plus the inner product of each phi_i with the embedding row of its label."""
    return phi @ w + b + (embed[labels] * phi).sum(axis=1, keepdims=True)


# %% exercise 3
def class_grid_noise(z_dim, n_classes, per_class, rng):
    """(n_classes * per_class, z_dim + n_classes): rows k*per_class .. share class k; column j shares z_j."""
    z = rng.standard_normal((per_class, z_dim))
    labels = np.repeat(np.arange(n_classes), per_class)
    return np.concatenate([np.tile(z, (n_classes, 1)), np.eye(n_classes)[labels]], axis=1)
