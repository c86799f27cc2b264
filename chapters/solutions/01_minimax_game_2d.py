"""Solutions to chapter 1's exercises, one section per exercise cell; each runs in the notebook (np, softplus,
sigmoid and the grid xs come from its cells)."""

# %% exercise 1
def d_loss_from_logits(real_logits, fake_logits):
    """(L_D, dL_D/d real_logits, dL_D/d fake_logits) for the cross-entropy D loss (batch means)."""
    n, m = real_logits.size, fake_logits.size
    loss = softplus(-real_logits).mean() + softplus(fake_logits).mean()   # -log D(x), -log(1 - D(G(z)))
    # d/dt softplus(-t) = -sigmoid(-t) = sigmoid(t) - 1;  d/dt softplus(t) = sigmoid(t); the means give 1/n, 1/m
    return float(loss), (sigmoid(real_logits) - 1) / n, sigmoid(fake_logits) / m


# %% exercise 2
def jsd(log_p, log_q):
    """JSD(p || q) for two densities given by their logs on the grid xs."""
    log_m = np.logaddexp(log_p, log_q) - np.log(2)      # log((p + q) / 2) without underflow
    return 0.5 * kl(log_p, log_m) + 0.5 * kl(log_q, log_m)


# %% exercise 3
def g_arrows(D, objective, fake):
    """-dL_G/dx for each generated point x (one row per point), leaving D's .grad zero."""
    logits = D.forward(fake)
    _, dlogits = objective.g(logits)        # dL_G / d logit, one per point
    dfake = D.backward(dlogits)             # the chain rule through D: dL_G / d point
    D.zero_grad()                           # D's parameter gradients from this pass are nobody's
    return -minigan.to_numpy(dfake)
