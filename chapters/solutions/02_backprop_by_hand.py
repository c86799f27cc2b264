"""Solutions to chapter 2's exercises, one section per exercise cell; each runs in the notebook (np, nn from its first cell)."""

# %% exercise 1
def leaky_relu_backward(dout, x, slope=0.2):
    """dL/dx for y = leaky_relu(x), given dout = dL/dy (same shape as x)."""
    local = np.where(x > 0, 1.0, slope)      # dy/dx, element by element
    return dout * local                      # the chain rule: upstream times local


# %% exercise 2
class MyDense(nn.Layer):
    """Y = X W + b with W of shape (in_features, out_features), like nn.Dense."""

    def __init__(self, in_features, out_features, rng):
        self.weight = nn.Parameter(rng.standard_normal((in_features, out_features)), "weight")
        self.bias = nn.Parameter(rng.standard_normal(out_features), "bias")

    def forward(self, x):
        self.x = x                      # what backward needs
        return x @ self.weight.data + self.bias.data

    def backward(self, dout):
        self.weight.grad += self.x.T @ dout          # one outer product per example, summed
        self.bias.grad += dout.sum(axis=0)           # b was used by every example
        return dout @ self.weight.data.T


# %% exercise 3
def d_loss_and_gradients(D, objective, real, fake):
    """Fill D's .grad with d(L_real + L_fake)/dtheta and return L_real + L_fake."""
    D.zero_grad()                                    # stale gradients would be added to ours
    loss_real, dlogits = objective.d_real(D.forward(real))
    D.backward(dlogits)                              # adds the real batch's gradients ...
    loss_fake, dlogits = objective.d_fake(D.forward(fake))
    D.backward(dlogits)                              # ... and the fake batch's on top
    return loss_real + loss_fake
