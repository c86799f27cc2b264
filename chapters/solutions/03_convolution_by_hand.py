"""Solutions to chapter 3's exercises, one section per exercise cell; each runs in the notebook (np, im2col,
conv2d_geometry come from its first cell)."""

# %% exercise 1
def conv_weight_grad(dout, x, kernel_size, stride, padding):
    """dL/dW of out = conv2d(x, W) with W of shape (C_out, C_in, k, k), given dout = dL/dout."""
    geom = conv2d_geometry(x.shape[2:], kernel_size, stride, padding)
    cols = im2col(x, geom)                                   # (C_in k k, N Ho Wo), image after image
    c_out = dout.shape[1]
    dout2 = dout.transpose(1, 0, 2, 3).reshape(c_out, -1)    # (C_out, N Ho Wo), N outermost like cols
    return (dout2 @ cols.T).reshape(c_out, x.shape[1], *geom.kernel)


# %% exercise 2
def conv_transpose_paint(y, weight, stride, padding):
    """conv_transpose2d(y, W) for W of shape (C_in, C_out, k, k), an int stride and padding."""
    n, _, h, w = y.shape
    k = weight.shape[2]
    canvas = np.zeros((n, weight.shape[1], (h - 1) * stride + k, (w - 1) * stride + k))
    for i in range(h):
        for j in range(w):
            # one input pixel of every image and channel paints a (C_out, k, k) stamp
            stamp = np.einsum("nc,cokl->nokl", y[:, :, i, j], weight)
            canvas[:, :, i * stride:i * stride + k, j * stride:j * stride + k] += stamp
    return canvas[:, :, padding:canvas.shape[2] - padding, padding:canvas.shape[3] - padding]


# %% exercise 3
def overlap_counts(k, s, n=8):
    """For each of the (n - 1) s + k output positions, the number of kernel copies covering it."""
    counts = np.zeros((n - 1) * s + k)
    for i in range(n):
        counts[i * s:i * s + k] += 1
    return counts
