"""Modules and layers in PyTorch's style (NCHW): ``import scratchgrad.nn as nn``."""

from . import functional, init, parallel
from .activations import ELU, GELU, LeakyReLU, LogSoftmax, Softmax
from .containers import ModuleDict, ModuleList, ParameterList
from .layers import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Dropout2d,
    Flatten,
    Identity,
    Linear,
    LocalResponseNorm,
    MaxPool2d,
    ReLU,
    ResidualBlock,
    Sigmoid,
    Tanh,
    Unflatten,
)
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss
from .module import Module, Parameter, Sequential
from .parallel.sync_batchnorm import SyncBatchNorm

__all__ = [
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Dropout2d",
    "ELU",
    "Flatten",
    "GELU",
    "Identity",
    "L1Loss",
    "LeakyReLU",
    "Linear",
    "LocalResponseNorm",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ParameterList",
    "ReLU",
    "ResidualBlock",
    "Sequential",
    "Sigmoid",
    "SmoothL1Loss",
    "SyncBatchNorm",
    "Softmax",
    "Tanh",
    "Unflatten",
    "functional",
    "init",
    "parallel",
]
