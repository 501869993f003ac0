"""keras.datasets (arrays exactly as Keras gives them) and keras.utils.to_categorical."""

import numpy as np
import pytest

from scratchgrad import keras


def test_mnist_load_data_is_keras_uint8_arrays_from_the_embedded_copy():
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert (x_train.shape, x_test.shape) == ((60000, 28, 28), (10000, 28, 28))
    assert (y_train.shape, y_test.shape) == ((60000,), (10000,))
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.uint8
    assert x_train.flags.c_contiguous and x_train.max() == 255
    # Known values of the published files: the first labels, and the training set's class counts.
    assert y_train[:8].tolist() == [5, 0, 4, 1, 9, 2, 1, 3] and y_test[:4].tolist() == [7, 2, 1, 0]
    assert np.bincount(y_train)[1] == 6742


def test_fashion_mnist_load_data(shared_data):
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data(root=shared_data / "fashion-mnist")
    assert (x_train.shape, x_test.shape, y_test.shape) == ((60000, 28, 28), (10000, 28, 28), (10000,))
    assert x_train.dtype == y_train.dtype == np.uint8
    assert y_train[:4].tolist() == [9, 0, 0, 3]  # ankle boot, T-shirt, T-shirt, dress


def test_cifar10_load_data_is_channels_last_with_n_by_1_labels(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    written = {}
    for stem in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        rows, labels = rng.integers(0, 256, (3, 3072), dtype=np.uint8), rng.integers(0, 10, 3).astype(np.uint8)
        (folder / f"{stem}.bin").write_bytes(np.concatenate([labels[:, None], rows], axis=1).tobytes())
        written[stem] = rows, labels
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data(root=tmp_path)
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == ((15, 32, 32, 3), (15, 1), (3, 32, 32, 3),
                                                                          (3, 1))
    assert x_train.dtype == y_train.dtype == np.uint8
    rows, labels = written["test_batch"]
    np.testing.assert_array_equal(x_test, rows.reshape(3, 3, 32, 32).transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(y_test[:, 0], labels)


def test_to_categorical():
    y = keras.utils.to_categorical([0, 2, 1], 4)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]])
    assert keras.utils.to_categorical(np.array([[3], [1]], dtype=np.uint8)).shape == (2, 4)  # CIFAR's (N, 1)
    with pytest.raises(ValueError, match=r"in \[0, num_classes\) = \[0, 3\); received values from 0 to 3"):
        keras.utils.to_categorical([0, 3], 3)
