"""Utilities under PyTorch's names: ``utils.data`` (datasets, samplers, DataLoader), loaded with the package as
``torch.utils.data`` is, and ``utils.tensorboard`` (SummaryWriter, needs the tensorboard extra, imported on use)."""

from . import data

__all__ = ["data"]
