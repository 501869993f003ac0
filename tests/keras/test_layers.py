"""keras layers: output shapes and parameter counts (the notes' numbers), "same" padding, weight layouts, errors."""

import numpy as np
import pytest

from scratchgrad import keras
from scratchgrad.keras import layers


def notes_model() -> keras.Sequential:
    model = keras.Sequential()
    model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(32, 32, 3)))
    model.add(layers.Conv2D(64, (3, 3)))
    model.add(layers.Flatten())
    model.add(layers.Dense(128))
    return model


def test_the_notes_model_shapes_and_parameter_counts():
    model = notes_model()
    shapes = [layer.output_shape for layer in model.layers]
    assert shapes == [(None, 30, 30, 32), (None, 28, 28, 64), (None, 50176), (None, 128)]
    assert [layer.count_params() for layer in model.layers] == [896, 18_496, 0, 6_422_656]
    assert model.count_params() == 896 + 18_496 + 6_422_656
    assert sum(p.numel() for p in model.parameters()) == model.count_params()


def test_the_notes_model_predicts_channels_last(rng):
    predictions = notes_model().predict(rng.random((64, 32, 32, 3)))
    assert predictions.shape == (64, 128) and predictions.dtype == np.float32


def test_layers_are_built_on_the_first_batch_when_no_input_shape_is_given(rng):
    model = keras.Sequential([layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(2)])
    assert not model.built and not model.layers[0].built
    assert model(rng.random((5, 8, 8, 3))).shape == (5, 2)
    assert model.layers[2].input_shape == (None, 6 * 6 * 4) and model.count_params() == 3 * 3 * 3 * 4 + 4 + 145 * 2


def test_default_names_follow_keras_and_are_unique_within_a_model():
    model = keras.Sequential([keras.Input(shape=(8, 8, 1)), layers.Conv2D(2, 3), layers.Conv2D(2, 3),
                              layers.MaxPooling2D(), layers.BatchNormalization(), layers.ReLU(), layers.Flatten(),
                              layers.Dense(3, name="head")])
    assert [layer.name for layer in model.layers] == [
        "conv2d", "conv2d_1", "max_pooling2d", "batch_normalization", "re_lu", "flatten", "head"]
    # A second model numbers its own layers from the start again.
    assert keras.Sequential([layers.Dense(1, input_shape=(2,))]).layers[0].name == "dense"
    assert sorted(model.state_dict())[:2] == ["batch_normalization.bias", "batch_normalization.num_batches_tracked"]


@pytest.mark.parametrize("size", [7, 8])
@pytest.mark.parametrize("kernel", [1, 2, 3])
@pytest.mark.parametrize("stride", [1, 2])
def test_same_padding_output_size_is_ceil_of_size_over_stride(size, kernel, stride):
    model = keras.Sequential([keras.Input(shape=(size, size + 1, 2)),
                              layers.Conv2D(3, kernel, strides=stride, padding="same"),
                              layers.MaxPooling2D(kernel, strides=stride, padding="same"),
                              layers.AveragePooling2D(kernel, strides=stride, padding="same")])
    h, w = size, size + 1
    for layer in model.layers:
        h, w = -(-h // stride), -(-w // stride)
        assert layer.output_shape == (None, h, w, 3)
    x = np.random.default_rng(0).random((2, size, size + 1, 2))
    assert model.predict(x).shape == (2, h, w, 3)


def _conv_same_reference(x, kernel, bias, stride):
    """Keras's "same" by hand: pad (top, bottom, left, right) by TensorFlow's rule, then a plain loop."""
    n, h, w, c = x.shape
    kh, kw, _, out = kernel.shape
    oh, ow = -(-h // stride), -(-w // stride)
    ph, pw = max((oh - 1) * stride + kh - h, 0), max((ow - 1) * stride + kw - w, 0)
    xp = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    y = np.empty((n, oh, ow, out))
    for i in range(oh):
        for j in range(ow):
            window = xp[:, i * stride : i * stride + kh, j * stride : j * stride + kw, :]
            y[:, i, j] = np.tensordot(window, kernel, axes=([1, 2, 3], [0, 1, 2])) + bias
    return y


@pytest.mark.parametrize(("size", "kernel", "stride"), [(6, 3, 2), (7, 3, 2), (6, 2, 1), (5, 4, 1), (6, 4, 3)])
def test_conv_same_matches_the_asymmetric_reference(rng, size, kernel, stride):
    conv = layers.Conv2D(4, kernel, strides=stride, padding="same")
    x = rng.standard_normal((2, size, size, 3)).astype(np.float32)
    y = conv(x).data
    k, b = conv.get_weights()
    np.testing.assert_allclose(y, _conv_same_reference(x, k, b, stride), rtol=1e-4, atol=1e-5)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_conv_same_stride_one_matches_torch(torch, rng):
    for kernel in (2, 3, 4):
        conv = layers.Conv2D(2, kernel, padding="same")
        x = rng.standard_normal((1, 5, 6, 3)).astype(np.float32)
        y = conv(x).data
        k, b = conv.get_weights()
        expected = torch.nn.functional.conv2d(
            torch.tensor(x).permute(0, 3, 1, 2), torch.tensor(k).permute(3, 2, 0, 1), torch.tensor(b), padding="same"
        )
        np.testing.assert_allclose(y, expected.permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-5)


def test_max_pooling_same_never_picks_the_padding():
    x = -np.arange(1, 26, dtype=np.float32).reshape(1, 5, 5, 1)  # all negative: a zero pad would win
    y = layers.MaxPooling2D(2, padding="same")(x).data[0, :, :, 0]
    assert y.shape == (3, 3)
    # The last row and column of windows hold one real row / column (the padding is at the bottom and right).
    np.testing.assert_array_equal(y[2], [-21, -23, -25])
    np.testing.assert_array_equal(y[:, 2], [-5, -15, -25])


def test_average_pooling_same_averages_only_real_inputs():
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)
    y = layers.AveragePooling2D(2, padding="same")(x).data[0, :, :, 0]
    assert y[0, 0] == np.mean([0, 1, 5, 6])
    assert y[2, 2] == 24  # a window with one real input is that input, not a quarter of it
    assert y[0, 2] == np.mean([4, 9])


def test_valid_pooling_drops_the_remainder_as_keras():
    model = keras.Sequential([keras.Input(shape=(11, 11, 64)), layers.MaxPooling2D(pool_size=(2, 2))])
    assert model.output_shape == (None, 5, 5, 64)


def test_dense_on_images_acts_on_the_channels(rng):
    dense = layers.Dense(5)
    x = rng.standard_normal((2, 3, 4, 6)).astype(np.float32)
    y = dense(x).data
    kernel, bias = dense.get_weights()
    assert y.shape == (2, 3, 4, 5)
    np.testing.assert_allclose(y, x @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_flatten_uses_keras_order_height_width_channels(rng):
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    np.testing.assert_array_equal(layers.Flatten()(x).data, x.reshape(2, -1))
    np.testing.assert_array_equal(layers.Reshape((4, 3, 5))(x).data, x.reshape(2, 4, 3, 5))


def test_weights_come_out_in_keras_layouts_and_round_trip(rng):
    model = keras.Sequential([keras.Input(shape=(6, 6, 3)), layers.Conv2D(4, (3, 2)), layers.BatchNormalization(),
                              layers.Flatten(), layers.Dense(7)])
    conv, bn, _, dense = model.layers
    assert [w.shape for w in conv.get_weights()] == [(3, 2, 3, 4), (4,)]
    assert [w.shape for w in bn.get_weights()] == [(4,)] * 4
    assert [w.shape for w in dense.get_weights()] == [(4 * 5 * 4, 7), (7,)]
    kernel = conv.get_weights()[0]
    np.testing.assert_array_equal(conv.module.weight.data, kernel.transpose(3, 2, 0, 1))
    np.testing.assert_array_equal(dense.module.weight.data, dense.get_weights()[0].T)
    new = [rng.standard_normal(w.shape).astype(np.float32) for w in model.get_weights()]
    new[5] = np.abs(new[5]) + 0.5  # a moving variance is positive
    model.set_weights(new)
    for got, want in zip(model.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(bn.module.running_var, new[5])


def test_set_weights_keeps_the_parameter_objects_an_optimizer_holds(rng):
    dense = layers.Dense(3)
    dense.build((None, 2))
    weight = dense.module.weight
    dense.set_weights([np.ones((2, 3)), np.zeros(3)])
    assert dense.module.weight is weight and weight.dtype == np.float32
    np.testing.assert_array_equal(weight.data, np.ones((3, 2)))


def test_batch_normalization_counts_moving_statistics_as_non_trainable():
    model = keras.Sequential([keras.Input(shape=(4, 4, 8)), layers.BatchNormalization()])
    bn = model.layers[0]
    assert bn.count_params() == 32 and bn._counts() == (16, 16)
    assert bn.module.momentum == pytest.approx(0.01) and bn.module.eps == 1e-3


def test_freezing_a_layer_moves_its_weights_to_non_trainable():
    model = keras.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    model.layers[0].trainable = False
    assert model.layers[0]._counts() == (0, 9)
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]


def test_keras_initialisers_glorot_uniform_kernels_and_zero_biases():
    dense = layers.Dense(300)
    dense.build((None, 500))
    kernel, bias = dense.get_weights()
    limit = np.sqrt(6 / (500 + 300))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.95 * limit
    assert np.var(kernel) == pytest.approx(limit**2 / 3, rel=0.05)
    assert not bias.any()


# ---- errors: the layer, the argument, what was expected, what was received ---------------------------------
def test_conv_on_a_flat_input_names_layer_rank_and_shape():
    model = keras.Sequential([layers.Dense(10, input_shape=(784,))])
    with pytest.raises(ValueError) as err:
        model.add(layers.Conv2D(8, 3))
    message = str(err.value)
    assert 'Input 0 of layer "conv2d" is incompatible with the layer: expected ndim=4, found ndim=2' in message
    assert "Full shape received: (None, 10)" in message and "np.expand_dims" in message
    assert len(model.layers) == 1  # the model is left as it was


def test_dense_without_a_known_input_size_cannot_count_its_parameters():
    with pytest.raises(ValueError, match=r"`count_params` on layer dense, but the layer isn't built.*dense\.build"):
        layers.Dense(10).count_params()
    lines: list[str] = []
    keras.Sequential([layers.Dense(10)]).summary(print_fn=lines.append)  # as Keras 3: listed, not built
    assert "│ dense (Dense)" in lines[0] and " ?  " in lines[0] and "0 (unbuilt)" in lines[0]


def test_a_pool_bigger_than_its_input_is_refused_with_both_sizes():
    model = keras.Sequential([keras.Input(shape=(2, 2, 16))])
    with pytest.raises(ValueError) as err:
        model.add(layers.MaxPooling2D(pool_size=(3, 3)))
    message = str(err.value)
    assert 'Layer "max_pooling2d"' in message and "pool_size=(3, 3)" in message
    assert "(None, 2, 2, 16)" in message and 'padding="same"' in message


def test_a_kernel_bigger_than_its_input_is_refused():
    with pytest.raises(ValueError, match=r'Layer "conv2d": kernel_size=\(5, 5\) is larger than its input'):
        keras.Sequential([layers.Conv2D(1, 5, input_shape=(4, 4, 1))])


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: layers.Conv2D(8, 3, padding="full"), r'Layer "conv2d": the `padding` argument must be "valid" or'),
        (lambda: layers.Conv2D(8, (3, 3, 3)), r"`kernel_size` argument must be .* received kernel_size=\(3, 3, 3\)"),
        (lambda: layers.Conv2D(0, 3), r"argument `filters` must be a positive integer; received filters=0"),
        (lambda: layers.Dense(10, activation="relu6"), r"unknown activation function 'relu6'.*'softmax'"),
        (lambda: layers.Dropout(1.5), r"argument `rate`.*between 0 and 1. Received: rate=1.5"),
        (lambda: layers.MaxPooling2D(data_format="channels_first"), r"only data_format=\"channels_last\""),
        (lambda: layers.Dense(3, input_shape=(0, 3)), r"`input_shape` must be a tuple of positive ints or None"),
    ],
)
def test_bad_arguments_are_named(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_an_input_shape_with_an_unknown_size_builds_as_keras_input_does():
    model = keras.Sequential([layers.Dense(3, input_shape=(None, 4))])
    assert model.output_shape == (None, None, 3) and model.predict(np.zeros((2, 5, 4))).shape == (2, 5, 3)


def test_duplicate_layer_names_are_refused():
    model = keras.Sequential([layers.Dense(2, input_shape=(3,), name="out")])
    with pytest.raises(ValueError, match='Name "out" is already the name of a layer in this model'):
        model.add(layers.Dense(2, name="out"))


def test_set_weights_with_wrong_count_or_shape():
    dense = layers.Dense(3)
    dense.build((None, 2))
    with pytest.raises(ValueError, match=r'layer "dense" with a weight list of length 1, but .* expecting 2'):
        dense.set_weights([np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"weight shape \(2, 3\) is not compatible with provided .* \(3, 2\)"):
        dense.set_weights([np.zeros((3, 2)), np.zeros(3)])


def test_data_of_the_wrong_shape_gets_keras_message_and_a_hint(rng):
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Flatten(), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"expected shape=\(None, 28, 28, 1\), found shape=\(3, 28, 28\)\. Add the"):
        model.predict(rng.random((3, 28, 28)))


def test_softmax_activation_on_images_is_over_the_channels(rng):
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    y = layers.Activation("softmax")(x).data
    expected = np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(y, expected, rtol=1e-5)


def test_relu_layer_options():
    x = np.array([[-2.0, 0.5, 3.0, 8.0]], dtype=np.float32)
    np.testing.assert_allclose(layers.ReLU()(x).data, [[0, 0.5, 3, 8]])
    np.testing.assert_allclose(layers.ReLU(max_value=6.0, negative_slope=0.1)(x).data, [[-0.2, 0.5, 3, 6]])


def test_global_pooling_over_height_and_width(rng):
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(layers.GlobalAveragePooling2D()(x).data, x.mean(axis=(1, 2)), rtol=1e-5)
    np.testing.assert_array_equal(layers.GlobalMaxPooling2D()(x).data, x.max(axis=(1, 2)))
    model = keras.Sequential([keras.Input(shape=(7, 7, 64)), layers.GlobalAveragePooling2D()])
    assert model.output_shape == (None, 64)


def test_dropout_on_its_own_is_inference_unless_training(rng):
    x = rng.random((4, 10)).astype(np.float32) + 1
    dropout = layers.Dropout(0.5)
    np.testing.assert_array_equal(dropout(x).data, x)
    y = dropout(x, training=True).data
    assert set(np.unique(y[y != 0] / x[y != 0]).round(5)) == {2.0} and (y == 0).any()
