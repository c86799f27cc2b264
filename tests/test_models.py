"""DCGAN builders for a chosen size, channel count and width."""
import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.gan import GAN, ConditionalGAN
from minigan.gradcheck import check_grads
from minigan.models import (allowed_sizes, dcgan_conditional_generator, dcgan_discriminator, dcgan_generator,
                            dcgan_plan, dcgan_projection_discriminator)
from minigan.nn.conditional import label_channel, labels_of
from minigan.optim import Adam


def layers_of(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


@pytest.mark.parametrize("size", [8, 10, 14, 28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_shapes_for_each_size_and_channel_count(size, channels):
    G = dcgan_generator(12, size, channels, width=4)
    D = dcgan_discriminator(size, channels, width=4)
    z = np.random.default_rng(0).standard_normal((5, 12)).astype(np.float32)
    x = G(z)
    assert x.shape == (5, channels, size, size) and x.dtype == np.float32
    assert np.abs(x).max() <= 1
    assert D(x).shape == (5, 1)
    base, k = dcgan_plan(size)
    assert base * 2 ** k == size and len(layers_of(G, nn.ConvTranspose2d)) == k == len(layers_of(D, nn.Conv2d))


def test_the_64_pixel_models_have_the_channels_of_the_dcgan_reference():
    G = dcgan_generator(100, 64, 3, width=64)
    D = dcgan_discriminator(64, 3, width=64)
    assert G.layers[0].out_features == 512 * 4 * 4
    assert [(c.in_channels, c.out_channels) for c in layers_of(G, nn.ConvTranspose2d)] == [
        (512, 256), (256, 128), (128, 64), (64, 3)]
    assert [(c.in_channels, c.out_channels) for c in layers_of(D, nn.Conv2d)] == [
        (3, 64), (64, 128), (128, 256), (256, 512)]
    assert all(c.kernel_size == (4, 4) and c.stride == (2, 2) for c in layers_of(G, nn.ConvTranspose2d))
    assert len(layers_of(G, nn.BatchNorm2d)) == 4 and isinstance(G.layers[-1], nn.Tanh)
    assert len(layers_of(G, nn.ReLU)) == 4
    assert not layers_of(D, nn.BatchNorm2d) and {a.slope for a in layers_of(D, nn.LeakyReLU)} == {0.2}
    assert len(layers_of(dcgan_discriminator(64, 3, width=8, batchnorm=True), nn.BatchNorm2d)) == 3


def test_weights_start_from_the_dcgan_normal():
    minigan.seed(5)
    G = dcgan_generator(100, 32, 3, width=32)
    conv = layers_of(G, nn.ConvTranspose2d)[0].weight.data
    assert abs(conv.std() - 0.02) < 0.001 and abs(conv.mean()) < 0.001
    gamma = layers_of(G, nn.BatchNorm2d)[0].weight.data
    assert abs(gamma.mean() - 1) < 0.01 and 0.01 < gamma.std() < 0.03


@pytest.mark.parametrize("size", [4, 6, 7, 9, 18, 22, 0, -8, 32.0, "32", True])
def test_sizes_that_cannot_be_built_are_refused(size):
    with pytest.raises(ValueError, match="DCGAN image size"):
        dcgan_generator(10, size, 3)


def test_allowed_sizes():
    assert allowed_sizes(64) == [8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64]
    assert dcgan_plan(28) == (7, 2) and dcgan_plan(64) == (4, 4) and dcgan_plan(np.int64(96)) == (6, 4)
    with pytest.raises(ValueError, match="channels must be 1 or 3"):
        dcgan_discriminator(32, channels=2)


@pytest.mark.parametrize("size,channels", [(8, 3), (14, 1)])
def test_whole_models_pass_the_gradient_check(size, channels):
    minigan.seed(11)
    rng = np.random.default_rng(4)
    G = dcgan_generator(3, size, channels, width=2).astype(np.float64)
    D = dcgan_discriminator(size, channels, width=2).astype(np.float64)
    for model in (G, D):    # larger, random weights and BatchNorm scales, so no gradient can hide
        for p in model.parameters():
            p.data[...] = rng.uniform(0.3, 1.2, p.shape) * rng.choice([-1.0, 1.0], p.shape)
    assert max(check_grads(G, rng.standard_normal((3, 3)), tol=1e-5).values()) < 1e-5
    assert max(check_grads(D, rng.standard_normal((3, channels, size, size)), tol=1e-5).values()) < 1e-5


def test_training_steps_change_every_weight_and_move_g_towards_the_data():
    minigan.seed(3)
    size, z_dim = 8, 8
    G, D = dcgan_generator(z_dim, size, 3, width=8), dcgan_discriminator(size, 3, width=8)
    gan = GAN(G, D, z_dim, g_opt=Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999)),
              d_opt=Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999)))
    before = [p.data.copy() for p in G.parameters() + D.parameters()]
    real = np.full((32, 3, size, size), 0.8, np.float32)       # every real image is one light grey
    start = float(np.abs(gan.generate(256) - 0.8).mean())
    records = [gan.step(real) for _ in range(60)]
    assert all(np.isfinite([r.d_loss, r.g_loss]).all() for r in records)
    assert all(not np.array_equal(b, p.data) for b, p in zip(before, G.parameters() + D.parameters()))
    G.eval()
    end = float(np.abs(gan.generate(256) - 0.8).mean())
    assert end < 0.5 * start, (start, end)


def test_d_supports_the_gradient_penalties():
    minigan.seed(2)
    G, D = dcgan_generator(6, 16, 1, width=4), dcgan_discriminator(16, 1, width=4)
    real = np.random.default_rng(0).uniform(-1, 1, (8, 1, 16, 16)).astype(np.float32)
    record = GAN(G, D, 6, gradient_penalty=10.0, r1=1.0).step(real)
    assert np.isfinite(record.gp) and np.isfinite(record.r1) and record.gp > 0


def test_conditional_builders_carry_and_judge_the_class():
    minigan.seed(1)
    G = dcgan_conditional_generator(6, 4, image_size=16, channels=3, width=4)
    D = dcgan_projection_discriminator(4, image_size=16, channels=3, width=4)
    gan = ConditionalGAN(G, D, 6, n_classes=4)
    fake = G(gan.sample_noise(5, labels=np.array([0, 3, 2, 1, 3])))
    assert fake.shape == (5, 4, 16, 16) and list(labels_of(fake)) == [0, 3, 2, 1, 3]
    assert gan.generate(5, labels=2).shape == (5, 3, 16, 16)
    real = label_channel(np.zeros((6, 3, 16, 16), np.float32), [0, 1, 2, 3, 0, 1])
    assert D(real).shape == (6, 1)
    record = gan.step(real)
    assert np.isfinite(record.d_loss) and np.isfinite(record.g_loss)
