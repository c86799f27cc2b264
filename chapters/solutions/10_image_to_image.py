# Solutions to the exercises of chapter 10 (chapters/10_image_to_image.ipynb), one section per exercise cell.
# %% exercise 1
def skip_backward(inner, dout, c):
    # The gradient with respect to x of concat([inner(x), x]) given dout, its gradient (N, c + C_x, H, W).
    through = inner.backward(dout[:, :c])     # the long road, back through the inner block
    return through + dout[:, c:]              # plus the copy's road: x appears twice, its gradients add


# %% exercise 2
def receptive_field_of(layers):
    # layers: [(kernel, stride, padding), ...] first layer first -> (size, jump, offset) in input pixels.
    size, jump, offset = 1, 1, 0
    for kernel, stride, padding in layers:
        offset += padding * jump              # padding counted in this layer's input pixels
        size += (kernel - 1) * jump           # k taps span k - 1 steps of the incoming jump
        jump *= stride
    return size, jump, offset


# %% exercise 3
def g_output_gradient(fake_b, a, F, D, weight=10.0):
    # (value, d value / d fake_b) of mean (D(fake_b) - 1)^2 + weight * mean |F(fake_b) - a|.
    d_value, d_grad = lsgan_g(D.forward(fake_b))
    road_d = D.backward(d_grad)                        # D's verdict, back to its input
    c_value, c_grad = cycle_loss(F.forward(fake_b), a, weight)
    road_cycle = F.backward(c_grad)                    # the way back to A, back to its input
    return d_value + c_value, road_d + road_cycle      # fake_b feeds both losses: the gradients add
