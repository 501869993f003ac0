"""Training: the Trainer loop, callbacks and metrics."""

from .callbacks import Callback, EarlyStopping, LRScheduler, StopAtTarget
from .metrics import accuracy, confusion_matrix, per_class_accuracy
from .trainer import Trainer, TrainingDiverged

__all__ = [
    "Callback",
    "EarlyStopping",
    "LRScheduler",
    "StopAtTarget",
    "Trainer",
    "TrainingDiverged",
    "accuracy",
    "confusion_matrix",
    "per_class_accuracy",
]
