"""Where data is looked for: a location the user names is used or refused (never replaced by another copy), and
a folder or file that cannot be read is one line naming it, in the library and on the command line."""

import builtins
import errno
import os
from pathlib import Path

import numpy as np
import pytest

from scratchgrad.cli import main
from scratchgrad.data import MNIST, DatasetError, describe_sources, read_idx, write_idx

NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def _write_mnist(folder: Path, n: int = 3) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        write_idx(folder / name, np.zeros((n, 28, 28) if "images" in name else n, np.uint8))


def _cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


def test_a_root_that_does_not_exist_is_refused(tmp_path, capsys):
    with pytest.raises(DatasetError, match=f"{tmp_path / 'nowhere'}: does not exist; it is the data folder named "
                                           r"by root= \(--data-root\), which is used or refused"):
        MNIST(root=tmp_path / "nowhere")
    code, err = _cli(capsys, "train", "--data-root", str(tmp_path / "nowhere"), "--out", str(tmp_path / "run"))
    assert code == 2 and err.startswith(f"error: {tmp_path / 'nowhere'}: does not exist") and err.count("\n") == 1


def test_scratchgrad_data_that_does_not_exist_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DatasetError, match=r"nowhere: does not exist; it is the data folder named by \$SCRATCHGRAD"):
        MNIST(train=False)


def test_a_root_missing_one_of_its_files_is_refused_naming_it(tmp_path):
    _write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DatasetError, match=f"{tmp_path}: holds t10k-images-idx3-ubyte but not "
                                           "t10k-labels-idx1-ubyte.gz; a partial copy is refused"):
        MNIST(root=tmp_path, train=False)
    assert len(MNIST(root=tmp_path, train=True)) == 3  # the training split is whole


def test_a_partial_copy_in_scratchgrad_data_is_not_mixed_with_the_embedded_one(tmp_path, monkeypatch):
    _write_mnist(tmp_path / "mnist")
    (tmp_path / "mnist" / "train-images-idx3-ubyte").unlink()
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path))
    with pytest.raises(DatasetError, match="holds train-labels-idx1-ubyte but not train-images-idx3-ubyte.gz"):
        MNIST(train=True)


def test_a_folder_where_the_training_images_should_be_is_refused(tmp_path):
    _write_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").unlink()
    (tmp_path / "train-images-idx3-ubyte").mkdir()
    with pytest.raises(DatasetError, match=f"{tmp_path}: train-images-idx3-ubyte is a folder .*expected a regular"):
        MNIST(root=tmp_path, train=True)


def _deny(monkeypatch, locked: Path, exc: OSError, *, on_stat: bool) -> None:
    """Make ``locked`` behave as unreadable for this test (the tests run as root, whom chmod does not stop)."""
    real_stat, real_open = os.stat, builtins.open

    def hit(path) -> bool:
        if not isinstance(path, (str, os.PathLike)):
            return False
        path = Path(os.fspath(path))
        return locked in path.parents or (not on_stat and path == locked)

    def stat(path, *args, **kwargs):
        if on_stat and hit(path):
            raise exc
        return real_stat(path, *args, **kwargs)

    def open_(path, *args, **kwargs):
        if hit(path):
            raise exc
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(builtins, "open", open_)


def test_an_unreadable_folder_is_one_line_naming_it_also_in_scratchgrad_datasets(tmp_path, monkeypatch, capsys):
    _write_mnist(tmp_path)
    _deny(monkeypatch, tmp_path, PermissionError(errno.EACCES, "Permission denied"), on_stat=True)
    with pytest.raises(DatasetError, match=f"{tmp_path}/.*: cannot be read: permission denied"):
        MNIST(root=tmp_path)
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path))
    code = main(["datasets"])
    out = capsys.readouterr().out
    assert code == 0 and f"unusable: {tmp_path}/" in out and "permission denied" in out
    assert describe_sources("mnist").startswith(f"unusable: {tmp_path}/")


def test_an_unreadable_data_file_is_one_line_naming_it(tmp_path, monkeypatch, capsys):
    _write_mnist(tmp_path)
    locked = tmp_path / "train-images-idx3-ubyte"
    _deny(monkeypatch, locked, PermissionError(errno.EACCES, "Permission denied"), on_stat=False)
    with pytest.raises(DatasetError, match=f"{locked}: cannot be read: permission denied"):
        MNIST(root=tmp_path, train=True)
    code, err = _cli(capsys, "train", "--data-root", str(tmp_path), "--out", str(tmp_path / "run"))
    assert code == 2 and err == f"error: {locked}: cannot be read: permission denied (check the permissions of the " \
                                "file and its folders)\n"


def test_an_io_error_on_a_data_file_is_one_line_naming_it(tmp_path, monkeypatch):
    _write_mnist(tmp_path)
    broken = tmp_path / "t10k-labels-idx1-ubyte"
    _deny(monkeypatch, broken, OSError(errno.EIO, "Input/output error"), on_stat=False)
    with pytest.raises(DatasetError, match=rf"{broken}: could not be read: Input/output error \(errno 5\)"):
        read_idx(broken)
