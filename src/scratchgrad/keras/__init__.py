"""Keras's API on scratchgrad's engine: Keras programs run with only their imports changed.

    from scratchgrad import keras               # was: from tensorflow import keras
    from scratchgrad.keras import layers        # was: from tensorflow.keras import layers

    model = keras.Sequential([layers.Dense(64, activation="relu", input_shape=(784,)), layers.Dense(10)])

Shapes are Keras's (channels-last, (N, H, W, C)); the core underneath runs PyTorch's layout. Training is the
project's Trainer (``scratchgrad.train``), optimizers are ``scratchgrad.optim``'s, data goes through
``scratchgrad.data.DataLoader``.
"""

from . import callbacks, datasets, layers, losses, models, optimizers, utils
from .layers import Input
from .model import Sequential

__all__ = ["Input", "Sequential", "callbacks", "datasets", "layers", "losses", "models", "optimizers", "utils"]
