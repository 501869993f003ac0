"""MNIST, Fashion-MNIST and CIFAR-10: real counts and checksums, where files are found, bad and missing files."""

import shutil

import numpy as np
import pytest
from datafiles import tiny_images, write_cifar

from scratchgrad.data import (
    CIFAR10,
    MNIST,
    DatasetError,
    FashionMNIST,
    content_sha256,
    datasets,
    describe_sources,
    load_cifar10,
    load_fashion_mnist,
    load_mnist,
    sources,
    write_idx,
)

IDX_NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def _published_sha256(cls):
    return {r.name: r.content_sha256 for pair in cls.resources.values() for r in pair}


# ---- real data ---------------------------------------------------------------------------------------------
def test_mnist_loads_offline_from_the_embedded_copy(mnist):
    train, test = mnist["train"], mnist["test"]
    assert all(p.parent == sources.EMBEDDED / "mnist" for p in train.paths + test.paths)
    assert (len(train), len(test)) == (60000, 10000)
    assert np.bincount(train.targets)[:4].tolist() == [5923, 6742, 5958, 6131]
    assert np.bincount(test.targets)[:4].tolist() == [980, 1135, 1032, 1010]
    assert train.data.dtype == np.uint8 and train.targets.dtype == np.int64
    assert train.data.nbytes == 47_040_000  # uint8 in memory, never a float copy of the set
    assert train.classes[7] == "7 - seven" and len(train.classes) == 10


def test_embedded_and_shared_mnist_files_have_the_published_content(shared_data):
    published = _published_sha256(MNIST)
    for folder in (sources.EMBEDDED / "mnist", shared_data / "mnist"):
        for name in IDX_NAMES:
            assert content_sha256(folder / f"{name}.gz") == published[f"{name}.gz"], folder / name


def test_fashion_mnist_sizes_and_classes(fashion):
    train, test = fashion["train"], fashion["test"]
    assert (len(train), len(test)) == (60000, 10000)
    assert np.bincount(train.targets).tolist() == [6000] * 10
    assert np.bincount(test.targets).tolist() == [1000] * 10
    assert train.classes[9] == "Ankle boot"


def test_fashion_mnist_files_match_their_recorded_content_sha256(fashion_dir):
    published = _published_sha256(FashionMNIST)
    for name in IDX_NAMES:
        assert content_sha256(fashion_dir / f"{name}.gz") == published[f"{name}.gz"]


def test_fashion_mnist_is_found_in_debians_folder(fashion_dir, monkeypatch):
    monkeypatch.setattr(FashionMNIST, "fallbacks", (fashion_dir,))  # stands in for /usr/share/datasets/...
    assert FashionMNIST(train=False).paths[0].parent == fashion_dir


def test_getitem_is_one_channel_first_float_image(mnist):
    image, label = mnist["test"][0]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0 and label == 7  # the first test digit is a 7
    np.testing.assert_array_equal(image[0] * 255, mnist["test"].data[0])


def test_load_mnist_keeps_the_notes_signature(mnist, monkeypatch):
    # The session's parsed MNIST stands in for a fresh parse (the suite parses the full set once).
    monkeypatch.setattr(datasets, "MNIST", lambda root, train, download: mnist["train" if train else "test"])
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True, one_hot_label=False)
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32 and 0.0 == x_train.min() and x_train.max() == 1.0
    assert t_train.shape == (60000,) and t_test[:3].tolist() == [7, 2, 1]


# ---- the same loaders on small files (fast) ---------------------------------------------------------------
def _write_mnist(folder, n_train=4, n_test=3, seed=0, image_shape=(28, 28)):
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        arrays[split] = (tiny_images(n, seed, image_shape), np.arange(n, dtype=np.uint8) % 10)
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", arrays[split][0])
        write_idx(folder / f"{split}-labels-idx1-ubyte", arrays[split][1])  # raw, not .gz: both are accepted
    return arrays


@pytest.mark.parametrize(
    "normalize, flatten, one_hot_label, shape, dtype",
    [(True, True, False, (4, 784), np.float32), (False, False, False, (4, 1, 28, 28), np.uint8),
     (True, False, True, (4, 1, 28, 28), np.float32)],
)
def test_load_mnist_options(tmp_path, normalize, flatten, one_hot_label, shape, dtype):
    arrays = _write_mnist(tmp_path / "mnist")
    (x, t), (x_test, _) = load_mnist(normalize, flatten, one_hot_label, root=tmp_path)
    assert x.shape == shape and x.dtype == dtype and x_test.shape[0] == 3
    np.testing.assert_allclose(x.reshape(4, 28, 28), arrays["train"][0] / (255 if normalize else 1))
    if one_hot_label:
        assert t.shape == (4, 10) and t.dtype == np.float32 and t.argmax(axis=1).tolist() == [0, 1, 2, 3]
    else:
        assert t.tolist() == [0, 1, 2, 3]


def test_load_fashion_mnist_alike(tmp_path):
    _write_mnist(tmp_path / "fashion-mnist")
    (x, t), _ = load_fashion_mnist(root=tmp_path)
    assert x.shape == (4, 784) and t.shape == (4,)


def test_search_order_root_then_env_then_cache_then_embedded(tmp_path, monkeypatch, isolated_data_dirs):
    assert MNIST(train=False).paths[0].parent == sources.EMBEDDED / "mnist"
    shutil.copytree(sources.EMBEDDED / "mnist", isolated_data_dirs / "mnist")  # published files pass their checksums
    assert MNIST(train=False).paths[0].parent == isolated_data_dirs / "mnist"  # the cache beats the embedded copy
    _write_mnist(tmp_path / "env" / "MNIST" / "raw", n_test=6)  # torchvision's layout is found too
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path / "env"))
    assert len(MNIST(train=False)) == 6  # $SCRATCHGRAD_DATA beats the cache; the user's own files are used as given
    _write_mnist(tmp_path / "root", n_test=7)  # files directly in root
    assert len(MNIST(root=tmp_path / "root", train=False)) == 7  # root beats everything
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="root= is searched alone"):  # and is never replaced by another copy
        MNIST(root=tmp_path / "empty", train=False)


def test_images_and_labels_that_disagree_in_size(tmp_path):
    _write_mnist(tmp_path / "mnist")
    write_idx(tmp_path / "mnist" / "t10k-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte.gz holds 3 images but .*t10k-labels-idx1-ubyte "
                                           r"holds 4 labels"):
        MNIST(root=tmp_path, train=False)


def test_images_of_the_wrong_size(tmp_path):
    _write_mnist(tmp_path / "mnist", image_shape=(32, 28))
    with pytest.raises(DatasetError, match="images are 32 x 28; expected 28 x 28"):
        MNIST(root=tmp_path)


def test_missing_dataset_without_download_says_how_to_get_it(tmp_path, monkeypatch, isolated_data_dirs):
    monkeypatch.setattr(FashionMNIST, "fallbacks", ())
    for cls in (FashionMNIST, CIFAR10):
        with pytest.raises(DatasetError) as info:
            cls(root=tmp_path)
        message = str(info.value)
        assert "files not found" in message and "download=True" in message and cls.mirrors[0] in message
        assert str(tmp_path) in message and str(isolated_data_dirs) in message and "SCRATCHGRAD_DATA" in message


# ---- CIFAR-10 on files in the published layouts --------------------------------------------------------------
@pytest.mark.parametrize("form", ["python", "binary"])
def test_cifar10_from_either_form(tmp_path, form):
    written = write_cifar(tmp_path, form, n=5)
    train, test = CIFAR10(root=tmp_path), CIFAR10(root=tmp_path, train=False)
    assert (len(train), len(test)) == (25, 5)
    assert train.data.shape == (25, 32, 32, 3) and train.data.dtype == np.uint8  # channels-last, as torchvision
    rows = np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)])
    labels = np.concatenate([written[f"data_batch_{i}"][1] for i in range(1, 6)])
    np.testing.assert_array_equal(train.targets, labels)
    np.testing.assert_array_equal(train.data, rows.reshape(25, 3, 32, 32).transpose(0, 2, 3, 1))
    x, t = train.get_batch(np.array([3, 0]))
    assert x.shape == (2, 3, 32, 32) and x.flags.c_contiguous  # batches are channel-first
    np.testing.assert_array_equal(x.reshape(2, -1), rows[[3, 0]])
    assert t.tolist() == labels[[3, 0]].tolist()


def test_load_cifar10_channel_layouts_and_a_pixel(tmp_path):
    written = write_cifar(tmp_path, "binary", n=2)
    rows = written["test_batch"][0]
    channel, r, c = 2, 31, 4
    value = rows[1, channel * 1024 + r * 32 + c]
    _, (first, _) = load_cifar10(normalize=False, root=tmp_path)
    _, (last, _) = load_cifar10(normalize=False, channels_last=True, root=tmp_path)
    _, (flat, _) = load_cifar10(normalize=True, flatten=True, root=tmp_path)
    assert first.shape == (2, 3, 32, 32) and last.shape == (2, 32, 32, 3)
    assert first[1, channel, r, c] == last[1, r, c, channel] == value
    np.testing.assert_allclose(flat, rows / 255)  # flattened channel-first rows are the published rows


def test_cifar10_prefers_the_python_form_and_reports_bad_files(tmp_path):
    write_cifar(tmp_path, "python", n=2)
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(b"\x80\x02")
    with pytest.raises(DatasetError, match="test_batch: is not a readable pickle"):
        CIFAR10(root=tmp_path, train=False)


def test_describe_sources_says_where_files_would_be_read_without_reading_them(tmp_path, monkeypatch):
    monkeypatch.setattr(FashionMNIST, "fallbacks", ())
    assert describe_sources("mnist") == f"{sources.EMBEDDED / 'mnist'} (embedded copy)"
    assert describe_sources("fashion-mnist").startswith("not found (download=True fetches it from http")
    write_cifar(tmp_path, "binary", n=1)
    assert describe_sources("cifar10", root=tmp_path) == str(tmp_path / "cifar-10-batches-bin")
    assert CIFAR10.find(tmp_path, train=False) == [tmp_path / "cifar-10-batches-bin" / "test_batch.bin"]
    with pytest.raises(ValueError, match="unknown dataset 'svhn'; expected one of mnist, fashion_mnist, cifar10"):
        describe_sources("svhn")
