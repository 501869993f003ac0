"""Keras's simple MNIST convnet, trained for 300 steps on real MNIST through the Keras front end.

A broken piece (a wrong gradient, a transposed kernel, a softmax over the wrong axis, a bad flatten order, the
loss on probabilities that vanish) keeps a convnet far below 95% after 300 steps; a working one is near 97%.
The same trained weights, moved into plain core ``nn`` modules by hand, must then give the same predictions.
"""

import numpy as np
import pytest
from keras_helpers import mnist_convnet

import scratchgrad as sg
import scratchgrad.nn as nn
from scratchgrad import keras

STEPS, BATCH, TEST_IMAGES = 300, 64, 1000


@pytest.fixture(scope="module")
def mnist():
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    n = STEPS * BATCH
    scale = np.float32(255)
    return (
        (np.expand_dims(x_train[:n], -1).astype("float32") / scale, keras.utils.to_categorical(y_train[:n], 10)),
        (np.expand_dims(x_test[:TEST_IMAGES], -1).astype("float32") / scale, y_test[:TEST_IMAGES]),
    )


@pytest.fixture(scope="module")
def trained(mnist):
    sg.manual_seed(0)
    (x_train, y_train), _ = mnist
    model = mnist_convnet()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=BATCH, epochs=1, verbose=0)
    return model, history


def test_300_steps_reach_95_percent_on_real_test_images(mnist, trained):
    _, (x_test, y_test) = mnist
    model, history = trained
    assert model.count_params() == 34_826
    assert history.history["loss"][0] < 0.6
    loss, accuracy = model.evaluate(x_test, keras.utils.to_categorical(y_test, 10), verbose=0)
    assert accuracy >= 0.95, f"test accuracy {accuracy:.4f} after {STEPS} steps"
    assert loss < 0.2


def test_trained_weights_give_the_same_predictions_through_core_nn_modules(mnist, trained):
    _, (x_test, _) = mnist
    model, _ = trained
    k1, b1, k2, b2, dense_kernel, dense_bias = model.get_weights()
    core = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10), nn.Softmax(),
    )
    core.load_state_dict({
        "0.weight": k1.transpose(3, 2, 0, 1), "0.bias": b1,
        "3.weight": k2.transpose(3, 2, 0, 1), "3.bias": b2,
        # Keras flattens (5, 5, 64) in (H, W, C) order, the core in (C, H, W) order.
        "8.weight": dense_kernel.reshape(5, 5, 64, 10).transpose(3, 2, 0, 1).reshape(10, 1600), "8.bias": dense_bias,
    })
    with sg.no_grad():
        expected = core.eval()(sg.Tensor(x_test.transpose(0, 3, 1, 2))).data
    predicted = model.predict(x_test, batch_size=250)
    np.testing.assert_allclose(predicted, expected, rtol=1e-4, atol=1e-6)
    assert (predicted.argmax(1) == expected.argmax(1)).all()
