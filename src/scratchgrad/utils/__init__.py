"""Utilities under PyTorch's names: ``utils.tensorboard`` (SummaryWriter, needs the tensorboard extra)."""
