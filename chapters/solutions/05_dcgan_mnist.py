# Solutions to the exercises of chapter 5 (chapters/05_dcgan_mnist.ipynb), one section per exercise cell.
# %% exercise 1
def transposed_conv_output_size(n, kernel, stride, padding, output_padding=0):
    """The side of a transposed convolution's output for an input of side n (integer padding)."""
    # Solve n = (big + 2p - k) // s + 1 for the smallest big; output_padding adds the rest.
    return (n - 1) * stride - 2 * padding + kernel + output_padding


# %% exercise 2
def ema_update(shadow, weights, count, decay=0.999):
    """The average after one more update: {name: beta * shadow[name] + (1 - beta) * weights[name]}."""
    beta = min(decay, (1.0 + count) / (10.0 + count))
    return {name: beta * shadow[name] + (1.0 - beta) * weights[name] for name in shadow}


# %% exercise 3
def batchnorm_train_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    """BatchNorm1d in train mode: returns (out, new running_mean, new running_var)."""
    n = len(x)
    mean, var = x.mean(axis=0), x.var(axis=0)               # var: biased, divided by N
    out = gamma * (x - mean) / np.sqrt(var + eps) + beta
    new_mean = (1 - momentum) * running_mean + momentum * mean
    new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)   # unbiased for the estimate
    return out, new_mean, new_var
