"""Every layer against Keras 3 with the same weights: the forward output, the input's gradient and each trainable
weight's gradient, for a random cotangent."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import Tensor
from scratchgrad.keras import layers

IMAGE = (2, 6, 7, 3)

CASES = {
    "Rescaling": (lambda L: L.Rescaling(1 / 255.0, offset=-0.5), IMAGE),
    "ZeroPadding2D": (lambda L: L.ZeroPadding2D(((1, 2), (3, 0))), IMAGE),
    "Cropping2D": (lambda L: L.Cropping2D(((1, 2), (0, 3))), IMAGE),
    "UpSampling2D": (lambda L: L.UpSampling2D((2, 3)), IMAGE),
    "GlobalMaxPooling2D": (lambda L: L.GlobalMaxPooling2D(), IMAGE),
    "Reshape": (lambda L: L.Reshape((7, 6, 3)), IMAGE),
    "Permute": (lambda L: L.Permute((2, 1)), (2, 4, 5)),
    "Permute4d": (lambda L: L.Permute((3, 1, 2)), IMAGE),
    "RepeatVector": (lambda L: L.RepeatVector(3), (2, 5)),
    "LayerNormalization": (lambda L: L.LayerNormalization(), (3, 6)),
    "LayerNormalization4d": (lambda L: L.LayerNormalization(epsilon=1e-5), IMAGE),
    "LeakyReLU": (lambda L: L.LeakyReLU(), (3, 6)),
    "ELU": (lambda L: L.ELU(alpha=0.7), IMAGE),
    "SpatialDropout2D": (lambda L: L.SpatialDropout2D(0.5), IMAGE),
    "PReLU": (lambda L: L.PReLU(), IMAGE),
    "Softmax": (lambda L: L.Softmax(), IMAGE),
    "Softmax1": (lambda L: L.Softmax(axis=1), (2, 4, 5)),
    "Identity": (lambda L: L.Identity(), (3, 4)),
    "DepthwiseConv2D": (lambda L: L.DepthwiseConv2D(3, depth_multiplier=2), IMAGE),
    "DepthwiseConv2Dsame": (lambda L: L.DepthwiseConv2D((2, 3), strides=2, padding="same"), IMAGE),
    "SeparableConv2D": (lambda L: L.SeparableConv2D(4, 3, padding="same", activation="relu"), IMAGE),
    "Conv2DTranspose": (lambda L: L.Conv2DTranspose(4, 3), IMAGE),
    "Conv2DTranspose2": (lambda L: L.Conv2DTranspose(2, (3, 2), strides=2, padding="same"), IMAGE),
    "Conv2DTranspose3": (lambda L: L.Conv2DTranspose(2, 4, strides=(2, 3), padding="valid"), IMAGE),
    "Conv2DTranspose4": (lambda L: L.Conv2DTranspose(2, 3, strides=2, padding="same"), IMAGE),
    "Dense4d": (lambda L: L.Dense(4), IMAGE),
}


def arr(value) -> np.ndarray:
    """A gradient or weight of ours as a NumPy array (a Tensor's data, or an array already)."""
    return np.asarray(getattr(value, "data", value))


def randomised(weights, rng):
    return [rng.uniform(0.2, 1.0, w.shape).astype("float32") for w in weights]


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_matches_keras3_forward_and_backward(keras3, torch, rng, name):
    make, shape = CASES[name]
    x = rng.standard_normal(shape).astype("float32")
    theirs, ours = make(keras3.layers), make(layers)
    theirs(torch.tensor(x))
    ours(x)
    weights = randomised(theirs.get_weights(), rng)
    theirs.set_weights(weights)
    ours.set_weights(weights)
    xt = torch.tensor(x, requires_grad=True)
    expected = theirs(xt)
    g = rng.standard_normal(tuple(expected.shape)).astype("float32")
    (expected * torch.tensor(g)).sum().backward()
    xs = Tensor(x, requires_grad=True)
    got = ours(xs)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-5)
    (got * Tensor(g)).sum().backward()
    np.testing.assert_allclose(arr(xs.grad), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    their_grads = [w.value.grad.numpy() for w in theirs.trainable_weights]
    our_grads = [arr(v.grad).transpose(axes) if axes else arr(v.grad)
                 for _, axes, trainable, v in ours._slots() if trainable]
    assert len(our_grads) == len(their_grads)
    for o, t in zip(our_grads, their_grads):
        np.testing.assert_allclose(o, t, rtol=1e-4, atol=1e-4)


def test_embedding_matches_keras3(keras3, torch, rng):
    idx = rng.integers(0, 7, (3, 5))
    theirs, ours = keras3.layers.Embedding(7, 4), layers.Embedding(7, 4)
    theirs(torch.tensor(idx))
    ours(idx)
    table = rng.standard_normal((7, 4)).astype("float32")
    theirs.set_weights([table])
    ours.set_weights([table])
    g = rng.standard_normal((3, 5, 4)).astype("float32")
    expected = theirs(torch.tensor(idx))
    (expected * torch.tensor(g)).sum().backward()
    got = ours(idx)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy())
    (got * Tensor(g)).sum().backward()
    np.testing.assert_allclose(arr(ours._slots()[0][3].grad), theirs.weights[0].value.grad.numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match=r"indices must be in \[0, input_dim\) = \[0, 7\); received .* 0 to 9"):
        ours(np.array([[0, 9, 1, 2, 3]]))


def test_normalization_adapts_as_keras3(keras3, torch, rng):
    data = rng.standard_normal((20, 4)).astype("float32") * 3 + 1
    theirs, ours = keras3.layers.Normalization(), layers.Normalization()
    theirs.adapt(data)
    ours.adapt(data)
    x = rng.standard_normal((5, 4)).astype("float32")
    np.testing.assert_allclose(arr(ours(x)), np.asarray(theirs(torch.tensor(x))), rtol=1e-5, atol=1e-5)
    fixed = layers.Normalization(mean=2.0, variance=4.0)
    np.testing.assert_allclose(arr(fixed(np.array([[4.0]]))), [[1.0]])


@pytest.mark.parametrize(("shape", "momentum"), [((6, 5), 0.99), ((3, 4, 5, 2), 0.99), ((4, 3), 0.7)])
def test_batch_normalization_moving_statistics_match_keras3(keras3, torch, rng, shape, momentum):
    """Keras moves the statistics as moving * momentum + batch * (1 - momentum), with the batch's biased variance
    (PyTorch's unbiased one differs by n / (n - 1), 20% for n = 6): three training calls, then inference."""
    theirs, ours = keras3.layers.BatchNormalization(momentum=momentum), layers.BatchNormalization(momentum=momentum)
    theirs(torch.tensor(np.zeros(shape, "float32")))
    ours(np.zeros(shape, "float32"))
    weights = randomised(theirs.get_weights(), rng)
    theirs.set_weights(weights)
    ours.set_weights(weights)
    for step in range(3):
        x = (rng.standard_normal(shape) * (1 + step) + step).astype("float32")
        np.testing.assert_allclose(arr(ours(x, training=True)), theirs(torch.tensor(x), training=True).detach().numpy(),
                                   rtol=1e-5, atol=1e-5)
    for got, expected in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    x = rng.standard_normal(shape).astype("float32")
    np.testing.assert_allclose(arr(ours(x)), theirs(torch.tensor(x), training=False).detach().numpy(), rtol=1e-5,
                               atol=1e-5)


def test_spatial_dropout_drops_whole_channels_in_training(rng):
    y = arr(layers.SpatialDropout2D(0.5)(np.ones((4, 3, 3, 8)), training=True))
    per_channel = y.reshape(4, 9, 8)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1)) and set(np.unique(y)) <= {0.0, 2.0}


@pytest.mark.parametrize("make", [lambda: layers.GaussianNoise(1.0), lambda: layers.RandomFlip()])
def test_random_layers_act_in_training_only(make, rng):
    layer, x = make(), rng.standard_normal((8, 4, 4, 1)).astype("float32")
    np.testing.assert_array_equal(arr(layer(x)), x)
    assert not np.array_equal(arr(layer(x, training=True)), x)


def test_lambda_runs_its_function_in_code():
    layer = layers.Lambda(lambda t: t * 2.0)
    np.testing.assert_array_equal(arr(layer(np.ones((2, 3)))), 2 * np.ones((2, 3)))
    assert layer.compute_output_shape((None, 3)) == (None, 3)


AUGMENTATIONS = {
    "translate reflect": lambda L: L.RandomTranslation((0.3, 0.3), (-0.2, -0.2)),
    "translate constant nearest": lambda L: L.RandomTranslation((-0.25, -0.25), (0.4, 0.4), fill_mode="constant",
                                                                interpolation="nearest", fill_value=0.5),
    "rotate wrap": lambda L: L.RandomRotation((0.1, 0.1), fill_mode="wrap"),
    "rotate constant": lambda L: L.RandomRotation((-0.3, -0.3), fill_mode="constant"),
    "zoom in nearest-fill": lambda L: L.RandomZoom((-0.4, -0.4), fill_mode="nearest"),
    "zoom out reflect": lambda L: L.RandomZoom((0.5, 0.5), (0.2, 0.2)),
}


@pytest.mark.parametrize("name", sorted(AUGMENTATIONS))
def test_geometric_augmentations_match_keras3_for_a_fixed_draw(keras3, torch, rng, name):
    """A factor range of one value makes the draw certain, so training-mode outputs can be compared."""
    x = rng.standard_normal((2, 7, 9, 3)).astype("float32")
    theirs, ours = AUGMENTATIONS[name](keras3.layers), AUGMENTATIONS[name](layers)
    expected = theirs(torch.tensor(x), training=True).detach().numpy()
    xs = Tensor(x, requires_grad=True)
    got = ours(xs, training=True)
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(arr(ours(x)), x)  # the identity outside training
    got.sum().backward()
    assert arr(xs.grad).shape == x.shape and np.isfinite(arr(xs.grad)).all()
