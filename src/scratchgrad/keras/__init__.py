"""Keras's API on scratchgrad's engine: Keras programs run with only their imports changed.

    from scratchgrad import keras               # was: from tensorflow import keras
    from scratchgrad.keras import layers        # was: from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(64, activation="relu", input_shape=(784,)), layers.Dense(10)])

    inputs = keras.Input(shape=(784,))                  # or the Functional API
    outputs = layers.Dense(10)(layers.Dense(64, activation="relu")(inputs))
    model = keras.Model(inputs, outputs)

Shapes are Keras's (channels-last, (N, H, W, C)); the core underneath runs PyTorch's layout. Training is the
project's Trainer (``scratchgrad.train``), optimizers are ``scratchgrad.optim``'s, data goes through
``scratchgrad.data.DataLoader``.
"""

from . import callbacks, datasets, distribution, layers, losses, models, ops, optimizers, saving, utils
from .layers import Input
from .model import Model
from .sequential import Sequential

__all__ = [
    "Input", "Model", "Sequential", "callbacks", "datasets", "distribution", "layers", "losses", "models", "ops",
    "optimizers", "saving", "utils",
]
