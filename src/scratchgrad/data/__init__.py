"""Datasets and mini-batches: MNIST, Fashion-MNIST and CIFAR-10 offline or downloaded safely, and DataLoader.

    from scratchgrad.data import MNIST, DataLoader, load_mnist

    (x_train, t_train), (x_test, t_test) = load_mnist()            # the notes' signature; works offline
    loader = DataLoader(MNIST(train=True), batch_size=100, shuffle=True)
    for x, t in loader:                                           # Tensors: (100, 1, 28, 28) float32, (100,) int64
        ...

Files are looked for in ``root``, ``$SCRATCHGRAD_DATA``, ``~/.cache/scratchgrad``, then the copy embedded in
the package (MNIST) or Debian's package (Fashion-MNIST); ``download=True`` fetches what is missing.
"""

from .archive import extract_tar
from .cifar import read_binary_batch, read_python_batch
from .datasets import (
    CIFAR10,
    MNIST,
    ArrayDataset,
    FashionMNIST,
    ImageDataset,
    describe_sources,
    load_cifar10,
    load_fashion_mnist,
    load_mnist,
)
from .download import RemoteFile, content_sha256, download, verify
from .errors import DatasetError
from .idx import read_idx, read_idx_images, read_idx_labels, write_idx
from .loader import DataLoader
from .sources import cache_dir
from .split import train_val_split
from .transforms import (
    Compose,
    Flatten,
    Normalize,
    OneHot,
    RandomCrop,
    RandomHorizontalFlip,
    ToChannelsFirst,
    ToChannelsLast,
    ToFloat,
    channel_stats,
    one_hot,
    to_float,
)

__all__ = [
    "CIFAR10",
    "MNIST",
    "ArrayDataset",
    "Compose",
    "DataLoader",
    "DatasetError",
    "FashionMNIST",
    "Flatten",
    "ImageDataset",
    "Normalize",
    "OneHot",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RemoteFile",
    "ToChannelsFirst",
    "ToChannelsLast",
    "ToFloat",
    "cache_dir",
    "channel_stats",
    "content_sha256",
    "describe_sources",
    "download",
    "extract_tar",
    "load_cifar10",
    "load_fashion_mnist",
    "load_mnist",
    "one_hot",
    "read_binary_batch",
    "read_idx",
    "read_idx_images",
    "read_idx_labels",
    "read_python_batch",
    "to_float",
    "train_val_split",
    "verify",
    "write_idx",
]
