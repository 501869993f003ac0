"""``keras.models``: the model classes and ``load_model``, for programs written against ``keras.models``."""

from .model import Model
from .saving import load_model
from .sequential import Sequential

__all__ = ["Model", "Sequential", "load_model"]
