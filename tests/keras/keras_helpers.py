"""Models shared by the keras tests (a plain module: test files import it as ``from keras_helpers import ...``)."""

from scratchgrad import keras
from scratchgrad.keras import layers


def mnist_convnet() -> keras.Sequential:
    """Keras's "simple MNIST convnet": 34,826 parameters."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
