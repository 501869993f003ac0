"""MNIST, Fashion-MNIST and CIFAR-10 as uint8 arrays in memory, and the notes' ``load_mnist`` on top of them.

Every dataset holds ``data`` (uint8 images) and ``targets`` (int64 labels) and hands out whole batches by index
(``get_batch``), converting only that batch; the full set never exists as floats. Layouts, as torchvision keeps
them: ``data`` is (N, 28, 28) for MNIST and Fashion-MNIST and channels-last (N, 32, 32, 3) for CIFAR-10, while
``get_batch`` and ``__getitem__`` give channel-first (C, H, W) images, the layout ``nn.Conv2d`` takes.

Where the files come from is in ``sources.py``: ``root``, ``$SCRATCHGRAD_DATA``, the user cache, the copy
embedded in this package (MNIST) or Debian's package (Fashion-MNIST), then the network with ``download=True``.

Example::

    from scratchgrad.data import MNIST, load_mnist

    train = MNIST()                        # offline: the embedded copy
    train.data.shape, train.data.dtype     # (60000, 28, 28) uint8, 47 MB
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True)   # (60000, 784) float32
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np

from . import sources
from .archive import extract_tar
from .cifar import read_batch, rows_to_images
from .download import RemoteFile, verify
from .download import download as fetch
from .errors import DatasetError
from .idx import read_idx_images, read_idx_labels
from .transforms import one_hot, to_float

Root = str | os.PathLike | None


class ArrayDataset:
    """Samples ``x[i]`` with targets ``t[i]`` from two arrays of the same length, served a batch at a time.

    Example: ``DataLoader(ArrayDataset(x, t), batch_size=100)`` (``DataLoader((x, t), 100)`` does the same).
    """

    def __init__(self, x: Any, t: Any):
        x, t = np.asarray(x), np.asarray(t)
        if x.ndim == 0 or t.ndim == 0 or len(x) != len(t):
            raise ValueError(f"x and t must be arrays with one row per sample; received x of shape {x.shape} "
                             f"and t of shape {t.shape}")
        self.data, self.targets = x, t

    def __len__(self) -> int:
        return len(self.data)

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(x[indices], t[indices])``: one fancy-indexing gather per array, no loop over samples."""
        return self.data[indices], self.targets[indices]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        return self.data[index], self.targets[index]


class ImageDataset(ArrayDataset):
    """uint8 images (N, H, W) or channels-last (N, H, W, C) with int64 labels; batches come out (B, C, H, W).

    ``__getitem__`` gives one sample as ``(image, label)``: a float32 (C, H, W) array in [0, 1] and an int.
    """

    classes: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _wanted(cls, root: Root, train: bool) -> tuple[list[tuple[str, ...]], list[Path]]:
        raise NotImplementedError(f"{cls.__name__} is built from arrays, not found in files")

    @classmethod
    def find(cls, root: Root = None, train: bool = True) -> list[Path] | None:
        """The files this dataset would read, without reading them; None when they are nowhere (see sources)."""
        names, folders = cls._wanted(root, train)
        return sources.find_files(folders, names)

    def __init__(self, data: np.ndarray, targets: np.ndarray):
        if data.dtype != np.uint8 or data.ndim not in (3, 4):
            raise ValueError(f"images must be uint8 (N, H, W) or (N, H, W, C); received {data.dtype} {data.shape}")
        super().__init__(data, np.asarray(targets, dtype=np.int64))

    def images(self, channels_last: bool = False) -> np.ndarray:
        """All images as uint8 (N, C, H, W), or (N, H, W, C) with ``channels_last``; a view where possible."""
        if self.data.ndim == 3:
            return self.data[..., None] if channels_last else self.data[:, None]
        return self.data if channels_last else self.data.transpose(0, 3, 1, 2)

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """uint8 images (B, C, H, W), C-contiguous, and int64 labels (B,) for the samples at ``indices``."""
        batch = self.data[indices]
        images = batch[:, None] if batch.ndim == 3 else np.ascontiguousarray(batch.transpose(0, 3, 1, 2))
        return images, self.targets[indices]

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        images, labels = self.get_batch(np.array([index]))
        return to_float(images[0]), int(labels[0])

    def __repr__(self) -> str:
        shape = " x ".join(map(str, self.data.shape[1:]))
        return f"{type(self).__name__}({len(self)} images of {shape} uint8, {len(self.classes) or '?'} classes)"


def _verify_known(paths: list[Path], remotes: Sequence[RemoteFile], root: Root) -> None:
    """Check each file against its published checksum, unless it lies where the user pointed (used as given)."""
    for path, remote in zip(paths, remotes):
        if not sources.named_by_user(path, root):
            verify(path, remote)


class _IdxDataset(ImageDataset):
    """MNIST-format datasets: four IDX files, images (N, 28, 28) and labels, found or downloaded by name."""

    name: ClassVar[str]
    folder: ClassVar[str]                       # its folder under root / $SCRATCHGRAD_DATA / the cache
    torchvision_folder: ClassVar[str]           # torchvision's, so a torchvision download is found too
    mirrors: ClassVar[tuple[str, ...]]
    resources: ClassVar[dict[str, tuple[RemoteFile, RemoteFile]]]   # "train"/"test" -> (images, labels)
    fallbacks: ClassVar[tuple[Path, ...]] = ()
    max_bytes: ClassVar[int] = 200_000_000      # images accepted per file: 4 x MNIST's 47 MB training set

    @classmethod
    def _wanted(cls, root: Root, train: bool) -> tuple[list[tuple[str, ...]], list[Path]]:
        """The files of a split (each as .gz or raw) and the folders to look for them in, in order."""
        names = [(r.name, r.name.removesuffix(".gz")) for r in cls.resources["train" if train else "test"]]
        return names, sources.candidate_folders(root, (cls.folder, cls.torchvision_folder), cls.fallbacks)

    def __init__(self, root: Root = None, train: bool = True, download: bool = False, *, progress: bool = True):
        self.train = train
        names, folders = self._wanted(root, train)

        def fetch_all() -> list[Path]:
            target = sources.download_folder(root, self.folder)
            remotes = self.resources["train" if train else "test"]
            return [fetch(remote, self.mirrors, target, progress=progress) for remote in remotes]

        how = f"Pass download=True to fetch them from {self.mirrors[0]} (checksums are verified)."
        if not download:
            sources.check_named(root)
        paths = sources.locate(self.name, names, folders, fetch_all if download else None, how, root is not None)
        _verify_known(paths, self.resources["train" if train else "test"], root)
        images, labels = read_idx_images(paths[0], self.max_bytes), read_idx_labels(paths[1])
        if len(images) != len(labels):
            raise DatasetError(f"{paths[0]} holds {len(images):,} images but {paths[1]} holds {len(labels):,} "
                               "labels; expected one label per image (are the files from the same split?)")
        if images.shape[1:] != (28, 28):
            raise DatasetError(f"{paths[0]}: images are {images.shape[1]} x {images.shape[2]}; expected 28 x 28")
        super().__init__(images, labels)
        self.paths = paths


def _idx_resources(checksums: dict[str, tuple[str, str, str]], sizes: tuple[int, int, int, int]
                   ) -> dict[str, tuple[RemoteFile, RemoteFile]]:
    """``checksums`` in the order train images, train labels, test images, test labels; ``sizes`` likewise."""
    files = {name: RemoteFile(f"{name}.gz", md5=md5, content_sha256=sha, copies=(copy,), size=size)
             for (name, (md5, sha, copy)), size in zip(checksums.items(), sizes)}
    return {
        "train": (files["train-images-idx3-ubyte"], files["train-labels-idx1-ubyte"]),
        "test": (files["t10k-images-idx3-ubyte"], files["t10k-labels-idx1-ubyte"]),
    }


class MNIST(_IdxDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28 x 28 grayscale, labels 0-9.

    Args:
        root: a folder to look in first (for ``mnist/``, ``MNIST/raw/`` or the four files themselves).
        train: the training split (60,000) or the test split (10,000).
        download: fetch the files when they are found nowhere (never needed: a copy ships in the package).

    Attributes: ``data`` uint8 (N, 28, 28), ``targets`` int64 (N,), ``classes``, ``paths`` (the files read).
    MNIST is by Yann LeCun, Corinna Cortes and Christopher J. C. Burges (CC BY-SA 3.0).
    """

    name = "MNIST"
    folder, torchvision_folder = "mnist", "MNIST/raw"
    classes = tuple(f"{i} - {w}" for i, w in enumerate("zero one two three four five six seven eight nine".split()))
    # The original host is gone; these serve the original files (the md5 is of their .gz).
    mirrors = ("https://storage.googleapis.com/cvdf-datasets/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/")
    # name -> (published md5 of the .gz, sha256 of the decompressed file: see embedded/MNIST-LICENSE.txt,
    # sha256 of the re-compressed .gz embedded here, recognised without decompressing it)
    resources = _idx_resources({
        "train-images-idx3-ubyte": ("f68b3c2dcbeaaa9fbdd348bbdeb94873",
                                    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                                    "71524e2cd1ad2968737f7f2f2ff69cbfc32df8ccddff51593f7cb2d4e0eb5b64"),
        "train-labels-idx1-ubyte": ("d53e105ee54ea40749a09fcbcd1e9432",
                                    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                                    "fe03b8bd7915f70bf5aa08be480aa413fbd85afcaa58b35d230d335f284fd88e"),
        "t10k-images-idx3-ubyte": ("9fb629c4189551a2d022fa330f9573f3",
                                   "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                                   "5634745efa576a17e7d4cf5cd9d09123c75e6538e5114267c2d156edaf519341"),
        "t10k-labels-idx1-ubyte": ("ec29112dd5afa0611ce80d1b7f02629c",
                                   "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
                                   "ae18e77e031ccde52407f794d123116439864147d33ac992975f85dd4dc42af6"),
    }, sizes=(9_912_422, 28_881, 1_648_877, 4_542))  # bytes of the published .gz files
    fallbacks = (sources.EMBEDDED / "mnist",)


class FashionMNIST(_IdxDataset):
    """Zalando's Fashion-MNIST: MNIST's sizes and format, ten kinds of clothing (MIT licence).

    Same arguments and attributes as ``MNIST``. Found, after root / $SCRATCHGRAD_DATA / the cache, in Debian's
    ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``); otherwise ``download=True``.
    """

    name = "Fashion-MNIST"
    folder, torchvision_folder = "fashion-mnist", "FashionMNIST/raw"
    classes = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    # name -> (Zalando's published md5 of the .gz, sha256 of the decompressed file as Debian ships it,
    # sha256 of the re-compressed .gz in ../shared/data)
    resources = _idx_resources({
        "train-images-idx3-ubyte": ("8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                                    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                                    "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
        "train-labels-idx1-ubyte": ("25c81989df183df01b3e8a0aad5dffbe",
                                    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                                    "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
        "t10k-images-idx3-ubyte": ("bef4ecab320f06d8554ea6380940ec79",
                                   "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                                   "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
        "t10k-labels-idx1-ubyte": ("bb300cfdad3c16e7a12a480ee83cd310",
                                   "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
                                   "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
    }, sizes=(26_421_880, 29_515, 4_422_102, 5_148))
    fallbacks = (Path("/usr/share/datasets/fashion-mnist"),)


class CIFAR10(ImageDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images, 32 x 32, in ten classes.

    Reads either published form: ``cifar-10-batches-py/`` (pickles, read by a pickle machine that runs no code
    and builds only a batch) or ``cifar-10-batches-bin/``. ``download=True`` fetches the python form (163 MB, md5
    checked) and extracts it, refusing any member that would land outside ``cifar-10-batches-py/``.

    Attributes: ``data`` uint8 (N, 32, 32, 3) channels-last, as torchvision keeps it; ``targets`` int64 (N,);
    batches from ``get_batch`` / ``DataLoader`` are channel-first (B, 3, 32, 32).
    """

    name = "CIFAR-10"
    classes = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
    mirrors = ("https://www.cs.toronto.edu/~kriz/",)
    archive = RemoteFile("cifar-10-python.tar.gz", md5="c58f30108f718f92721af3b95e74349a", size=170_498_071)
    # The published md5 of each python batch (the binary form's batches have none published).
    batch_md5 = {"data_batch_1": "c99cafc152244af753f735de768cd75f", "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
                 "data_batch_3": "54ebc095f3ab1f0389bbae665268c751", "data_batch_4": "634d18415352ddfa80567beed471001a",
                 "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb", "test_batch": "40351d587109b95175f43aff81a1287e"}
    folders = ("cifar-10-batches-py", "cifar-10-batches-bin")
    # The published archive unpacks to 8 files of 186 MB in all; anything past these caps is not that archive.
    extracted_bytes, extracted_members = 200_000_000, 16

    @classmethod
    def _wanted(cls, root: Root, train: bool) -> tuple[list[tuple[str, ...]], list[Path]]:
        """The batch files of a split (python or binary form) and the folders to look for them in, in order."""
        stems = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
        return [(stem, f"{stem}.bin") for stem in stems], sources.candidate_folders(root, cls.folders)

    def __init__(self, root: Root = None, train: bool = True, download: bool = False, *, progress: bool = True):
        self.train = train
        names, folders = self._wanted(root, train)

        def fetch_and_extract() -> list[Path] | None:
            target = sources.download_folder(root)
            archive = fetch(self.archive, self.mirrors, target, progress=progress)
            try:
                extract_tar(archive, target, self.folders[0], max_bytes=self.extracted_bytes,
                            max_members=self.extracted_members)
            finally:
                archive.unlink(missing_ok=True)
            return sources.find_files([target / self.folders[0]], names)

        how = f"Pass download=True to fetch {self.mirrors[0]}{self.archive.name} (163 MB, md5 checked)."
        if not download:
            sources.check_named(root)
        paths = sources.locate(self.name, names, folders, fetch_and_extract if download else None, how,
                               root is not None)
        _verify_known(paths, [RemoteFile(path.name, md5=self.batch_md5.get(path.name)) for path in paths], root)
        batches = [read_batch(path) for path in paths]
        data = np.empty((sum(len(rows) for rows, _ in batches), 32, 32, 3), dtype=np.uint8)
        start = 0
        for rows, _ in batches:  # reorder into channels-last batch by batch, into the one array that is kept
            data[start : start + len(rows)] = rows_to_images(rows, channels_last=True)
            start += len(rows)
        super().__init__(data, np.concatenate([labels for _, labels in batches]))
        self.paths = paths


_BY_NAME = {"mnist": MNIST, "fashion_mnist": FashionMNIST, "cifar10": CIFAR10}


def describe_sources(name: str, root: Root = None) -> str:
    """Where the files of dataset ``name`` ("mnist", "fashion-mnist", "cifar10") would be read from, in words.

    Example: ``describe_sources("mnist")`` is ``".../scratchgrad/data/embedded/mnist (embedded copy)"`` on a
    machine with no other copy.
    """
    key = name.lower().replace("-", "_")
    if key not in _BY_NAME:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(_BY_NAME)}")
    cls = _BY_NAME[key]
    try:
        sources.check_named(root)
        found = [cls.find(root, train) for train in (True, False)]
    except DatasetError as exc:
        return f"unusable: {exc}"
    if None in found:
        return f"not found (download=True fetches it from {cls.mirrors[0]})"
    folder = found[0][0].parent
    note = " (embedded copy)" if sources.EMBEDDED in folder.parents else ""
    return f"{folder}{note}"


def _as_arrays(dataset: ImageDataset, normalize: bool, flatten: bool, one_hot_label: bool,
               channels_last: bool = False) -> tuple[np.ndarray, np.ndarray]:
    x = dataset.images(channels_last)
    if normalize:
        x = to_float(x)
    x = x.reshape(len(x), -1) if flatten else np.ascontiguousarray(x)
    t = one_hot(dataset.targets, len(dataset.classes)) if one_hot_label else dataset.targets
    return x, t


def _load(cls: type[ImageDataset], root: Root, download: bool, **options: Any) -> tuple[tuple, tuple]:
    train, test = cls(root, train=True, download=download), cls(root, train=False, download=download)
    return _as_arrays(train, **options), _as_arrays(test, **options)


def load_mnist(normalize: bool = True, flatten: bool = True, one_hot_label: bool = False, *, root: Root = None,
               download: bool = False) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """MNIST as four arrays, with the notes' signature: ``(x_train, t_train), (x_test, t_test)``.

    Args:
        normalize: pixels as float32 in [0, 1] (pixel / 255); otherwise uint8 0..255.
        flatten: images as rows of 784; otherwise (N, 1, 28, 28).
        one_hot_label: labels as float32 one-hot rows (N, 10); otherwise int64 (N,).

    Example::

        (x_train, t_train), (x_test, t_test) = load_mnist()
        x_train.shape, t_train.shape     # (60000, 784), (60000,)
    """
    return _load(MNIST, root, download, normalize=normalize, flatten=flatten, one_hot_label=one_hot_label)


def load_fashion_mnist(normalize: bool = True, flatten: bool = True, one_hot_label: bool = False, *,
                       root: Root = None, download: bool = False) -> tuple[tuple, tuple]:
    """Fashion-MNIST as ``load_mnist`` gives MNIST: same arguments, same shapes."""
    return _load(FashionMNIST, root, download, normalize=normalize, flatten=flatten, one_hot_label=one_hot_label)


def load_cifar10(normalize: bool = True, flatten: bool = False, one_hot_label: bool = False,
                 channels_last: bool = False, *, root: Root = None, download: bool = False) -> tuple[tuple, tuple]:
    """CIFAR-10 as ``(x_train, t_train), (x_test, t_test)``: (50000, 3, 32, 32) and (10000, 3, 32, 32).

    Args are ``load_mnist``'s, plus ``channels_last`` for (N, 32, 32, 3) as Keras takes it. ``flatten``
    defaults to False because CIFAR-10 feeds convolutions; flattened channel-first rows (N, 3072) are the
    published rows exactly.
    """
    return _load(CIFAR10, root, download, normalize=normalize, flatten=flatten, one_hot_label=one_hot_label,
                 channels_last=channels_last)
