"""``keras.models``: the model classes and ``load_model``, for programs written against ``keras.models``."""

from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential"]
