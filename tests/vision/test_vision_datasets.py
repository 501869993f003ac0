"""vision.datasets: torchvision's signature and samples over the project's readers, and the loader's fast path."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import scratchgrad as sg
from scratchgrad.data import DatasetError
from scratchgrad.utils.data import DataLoader, Subset
from scratchgrad.vision import datasets, transforms


def test_a_sample_is_a_pil_image_and_an_int_from_torchvisions_layout(tv_fashion):
    root, images, labels = tv_fashion
    ds = datasets.FashionMNIST(root=root, train=True, download=False)
    image, label = ds[3]
    assert isinstance(image, Image.Image) and image.mode == "L" and image.size == (28, 28)
    assert np.array_equal(np.asarray(image), images[3]) and label == labels[3] and isinstance(label, int)
    assert ds.data.shape == (12, 28, 28) and ds.data.dtype == sg.uint8 and ds.targets.dtype == sg.int64
    assert isinstance(ds.targets, sg.Tensor) and len(ds) == 12
    assert ds.classes[9] == "Ankle boot" and ds.class_to_idx["Trouser"] == 1
    assert ds.paths[0].parent == root / "FashionMNIST" / "raw"


def test_transform_and_target_transform_apply_to_each_sample(tv_fashion):
    root, images, labels = tv_fashion
    ds = datasets.FashionMNIST(root, transform=transforms.ToTensor(), target_transform=lambda y: y + 100)
    x, y = ds[0]
    assert x.shape == (1, 28, 28) and x.dtype == sg.float32 and y == labels[0] + 100
    np.testing.assert_array_equal(x.numpy()[0], images[0] / np.float32(255))


def test_cifar10_samples_are_rgb(tmp_path):
    from tests.data.datafiles import write_cifar

    write_cifar(tmp_path, "python", n=6)
    ds = datasets.CIFAR10(root=tmp_path, train=False)
    image, _ = ds[0]
    assert image.mode == "RGB" and image.size == (32, 32)
    assert isinstance(ds.data, np.ndarray) and ds.data.shape == (6, 32, 32, 3) and isinstance(ds.targets, list)


def test_without_root_the_usual_order_applies_and_download_finds_a_local_copy(tmp_path):
    ds = datasets.MNIST(root=tmp_path / "data", train=False, download=True)  # nothing there: the embedded copy
    assert len(ds) == 10_000 and "embedded" in str(ds.paths[0]) and not (tmp_path / "data").exists()


def test_nothing_anywhere_without_download_names_root(tmp_path):
    expected = r"(?s)Fashion-MNIST: files not found.*download=True.*root='.*nowhere' was looked in first"
    with pytest.raises(DatasetError, match=expected):
        datasets.FashionMNIST(root=tmp_path / "nowhere")


@pytest.mark.parametrize("transform", [
    transforms.ToTensor(),
    transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))]),
])
def test_the_fast_path_gives_the_per_sample_batches(tv_fashion, transform):
    root, _, _ = tv_fashion
    ds = datasets.FashionMNIST(root, transform=transform)
    assert ds.batchable
    fast = list(DataLoader(ds, batch_size=5))
    slow = list(DataLoader(ds, batch_size=5, collate_fn=lambda b: DataLoader(ds).collate_fn(b)))
    assert len(fast) == len(slow) == 3
    for (xf, yf), (xs, ys) in zip(fast, slow):
        assert xf.dtype == xs.dtype == sg.float32 and yf.dtype == ys.dtype == sg.int64
        np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        np.testing.assert_array_equal(yf.numpy(), ys.numpy())
    sub = list(DataLoader(Subset(ds, [4, 0]), batch_size=2))[0][0]
    np.testing.assert_array_equal(sub.numpy(), np.stack([ds[4][0].numpy(), ds[0][0].numpy()]))


def test_unknown_transforms_take_the_per_sample_path(tv_fashion):
    root, images, _ = tv_fashion
    flip = transforms.Compose([transforms.RandomHorizontalFlip(p=1.0), transforms.ToTensor()])
    ds = datasets.FashionMNIST(root, transform=flip)
    assert not ds.batchable
    x, _ = next(iter(DataLoader(ds, batch_size=4)))
    np.testing.assert_array_equal(x.numpy()[:, 0], images[:4, :, ::-1] / np.float32(255))
    with pytest.raises(TypeError, match=r"PIL.Image.Image.*ToTensor"):
        next(iter(DataLoader(datasets.FashionMNIST(root), batch_size=4)))
