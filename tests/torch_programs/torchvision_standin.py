"""A stand-in ``torchvision`` for the PyTorch runs of the program tests.

torchvision's wheels do not install against the CPU build of torch here, so the PyTorch side of each test reads
the same files through ``scratchgrad.vision.datasets`` (whose samples are PIL images, torchvision's contract) with
``data`` and ``targets`` as torch tensors, and turns samples into torch tensors with the three transforms the
programs use, each as torchvision documents it. Nothing of scratchgrad's arithmetic is in what torch computes.
"""

from __future__ import annotations

import types

import numpy as np

from scratchgrad.vision import datasets as ours


def modules(torch) -> dict[str, types.ModuleType]:
    """``{"torchvision": ..., "torchvision.datasets": ..., "torchvision.transforms": ...}`` for ``sys.modules``."""

    class ToTensor:
        def __call__(self, pic):
            array = np.array(pic)  # a writable copy, as torch.from_numpy wants
            chw = torch.from_numpy(np.ascontiguousarray(array[None] if array.ndim == 2 else array.transpose(2, 0, 1)))
            return chw.float().div(255) if chw.dtype == torch.uint8 else chw

    class Normalize:
        def __init__(self, mean, std):
            self.mean, self.std = torch.tensor(mean)[:, None, None], torch.tensor(std)[:, None, None]

        def __call__(self, t):
            return (t - self.mean) / self.std

    class Compose:
        def __init__(self, steps):
            self.steps = steps

        def __call__(self, x):
            for step in self.steps:
                x = step(x)
            return x

    def torch_faced(cls):
        class Dataset(cls):
            @staticmethod
            def _torchvision_form(data, targets):
                return torch.from_numpy(data), torch.from_numpy(targets)

        Dataset.__name__ = cls.__name__
        return Dataset

    transforms = types.ModuleType("torchvision.transforms")
    transforms.ToTensor, transforms.Normalize, transforms.Compose = ToTensor, Normalize, Compose
    datasets = types.ModuleType("torchvision.datasets")
    datasets.MNIST, datasets.FashionMNIST = torch_faced(ours.MNIST), torch_faced(ours.FashionMNIST)
    root = types.ModuleType("torchvision")
    root.transforms, root.datasets = transforms, datasets
    return {"torchvision": root, "torchvision.datasets": datasets, "torchvision.transforms": transforms}
