"""``from scratchgrad.keras.models import Sequential``, for programs written against ``keras.models``."""

from .model import Sequential

__all__ = ["Sequential"]
