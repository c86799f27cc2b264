"""Solutions to chapter 4's exercises, one section per exercise cell; each runs in the notebook (np comes from
its first cell)."""

# %% exercise 1
def lsgan_d(real_logits, fake_logits):
    """(L_D, dL_D/d real_logits, dL_D/d fake_logits) for LSGAN with targets 1 (real) and 0 (fake)."""
    n, m = real_logits.size, fake_logits.size
    loss = 0.5 * np.mean((real_logits - 1) ** 2) + 0.5 * np.mean(fake_logits ** 2)
    return float(loss), (real_logits - 1) / n, fake_logits / m


def lsgan_g(fake_logits):
    """(L_G, dL_G/d fake_logits) for LSGAN with target 1."""
    return float(0.5 * np.mean((fake_logits - 1) ** 2)), (fake_logits - 1) / fake_logits.size


# %% exercise 2
def earth_movers_1d(a, b):
    """W1 between two 1D samples of the same size (arrays of shape (n,))."""
    return float(np.mean(np.abs(np.sort(a) - np.sort(b))))   # the sorted pairing is the cheapest plan


# %% exercise 3
def gp_parameter_grads(W1, b1, W2, x_hat, lam):
    """(P, dP/dW1, dP/db1, dP/dW2) for D(x) = tanh(x W1 + b1) W2 + b2 and P = lam/N sum (||grad_x D|| - 1)^2."""
    n = len(x_hat)
    w2 = W2[:, 0]
    A = np.tanh(x_hat @ W1 + b1)                  # (N, m) hidden activations
    S = (1 - A ** 2) * w2                         # (N, m): tanh' times the output weights
    g = S @ W1.T                                  # (N, d): grad_x D per example
    norm = np.sqrt((g ** 2).sum(axis=1, keepdims=True))
    P = lam * np.mean((norm - 1) ** 2)
    Gamma = 2 * lam / n * (norm - 1) / norm * g   # dP/dg, held fixed from here on
    U = Gamma @ W1                                # the tangent at the hidden layer
    dW2 = (U * (1 - A ** 2)).sum(axis=0)[:, None]
    R = U * w2 * (-2 * A * (1 - A ** 2))          # d/dH of sum U * S
    dW1 = Gamma.T @ S + x_hat.T @ R               # W1 appears in U and, through H, in S
    return float(P), dW1, R.sum(axis=0), dW2


# %% exercise 4
def power_iteration(W, u, steps):
    """(sigma, u) after `steps` power iterations from the unit vector u (len(u) == W.shape[0])."""
    for _ in range(steps):
        v = W.T @ u
        v = v / np.linalg.norm(v)
        u = W @ v
        u = u / np.linalg.norm(u)
    return float(np.linalg.norm(W.T @ u)), u
