"""Files whose headers claim more than they hold, and compressed files that hold far more than they look:
refused in one line naming the file, with peak memory bounded by what the header may claim (child processes)."""

import gzip
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from isolated import assert_refused, run_isolated

from scratchgrad.data import DatasetError, read_idx, read_python_batch

MIB = 1 << 20


def _idx_header(*shape: int, ndim: int | None = None) -> bytes:
    return bytes([0, 0, 0x08, ndim or len(shape)]) + b"".join(struct.pack(">I", n) for n in shape)


def _gzip_bomb(path, header: bytes, zeros: int) -> None:
    """``header`` followed by ``zeros`` zero bytes, compressed piece by piece (never held in memory)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip container
    with open(path, "wb") as f:
        f.write(packer.compress(header))
        for _ in range(zeros // MIB):
            f.write(packer.compress(bytes(MIB)))
        f.write(packer.flush())


def test_a_gzip_bomb_allocates_no_more_than_its_header_claims(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    _gzip_bomb(path, _idx_header(60000, 28, 28), 600 * MIB)  # 47 MB claimed, 600 MB inside
    assert path.stat().st_size < 1 * MIB
    outcome = run_isolated(f"read_idx({str(path)!r})", "from scratchgrad.data import read_idx")
    assert_refused(outcome, f"{path}: has bytes after the 47,040,000 bytes of data its header declares",
                   max_mib=150)


def test_a_gzip_file_holding_less_than_its_header_claims_allocates_what_arrives(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    _gzip_bomb(path, _idx_header(1000, 1000, 1000), 8 * MIB)  # 1 GB claimed (the cap), 8 MB inside
    outcome = run_isolated(f"read_idx({str(path)!r})", "from scratchgrad.data import read_idx")
    assert_refused(outcome, f"{path}: is truncated: the header declares 1000 x 1000 x 1000 values",
                   "only 8,388,608 follow", max_mib=100)


@pytest.mark.parametrize("shape, claim", [((4, 1 << 16, 1 << 16), "17,179,869,184 bytes"),
                                          ((0xFFFFFFFF, 28, 28), "4294967295 x 28 x 28")])
def test_a_header_claiming_gigabytes_is_refused_before_allocating(tmp_path, shape, claim):
    for name in ("a.gz", "raw"):
        path = tmp_path / name
        data = _idx_header(*shape) + bytes(100)
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        outcome = run_isolated(f"read_idx({str(path)!r})", "from scratchgrad.data import read_idx")
        assert_refused(outcome, str(path), claim, "more than the 1,073,741,824 bytes accepted", max_mib=100)


def test_a_plain_file_is_measured_before_anything_is_allocated(tmp_path):
    path = tmp_path / "raw"
    path.write_bytes(_idx_header(1000, 1000, 500) + bytes(10))
    outcome = run_isolated(f"read_idx({str(path)!r})", "from scratchgrad.data import read_idx")
    assert_refused(outcome, f"{path}: is truncated", "but only 10 follow", max_mib=150)


def test_255_dimensions_name_the_file(tmp_path):
    path = tmp_path / "idx"
    path.write_bytes(_idx_header(*([1] * 255)))
    with pytest.raises(DatasetError, match=f"{path}: declares 255 dimensions; IDX files here have 1 to 8"):
        read_idx(path)


def test_mnist_with_a_header_claiming_4_29e9_images_is_one_line_on_the_command_line(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for split in ("train", "t10k"):
        (folder / f"{split}-images-idx3-ubyte").write_bytes(_idx_header(0xFFFFFFFF, 28, 28) + bytes(784))
        (folder / f"{split}-labels-idx1-ubyte").write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 1) + b"\0")
    done = subprocess.run([sys.executable, "-m", "scratchgrad", "train", "--data-root", str(tmp_path), "--out",
                           str(tmp_path / "run"), "--epochs", "1"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {folder / 'train-images-idx3-ubyte'}: the header declares 4294967295 x")
    assert "more than the 200,000,000 bytes accepted" in done.stderr and done.stderr.count("\n") == 1


def test_a_sparse_cifar_bin_of_3_gb_is_refused_unread(tmp_path):
    path = tmp_path / "data_batch_1.bin"
    with open(path, "wb") as f:
        f.truncate(3 << 30)  # 3 GB apparent size, no blocks on disk
    outcome = run_isolated(f"read_binary_batch({str(path)!r})", "from scratchgrad.data import read_binary_batch")
    assert_refused(outcome, f"{path}: is 3,221,225,472 bytes; a batch of at most 60,000 images", max_mib=150)


def test_a_python_batch_too_large_for_cifar_is_refused_unread(tmp_path):
    path = tmp_path / "data_batch_1"
    with open(path, "wb") as f:
        f.truncate(1 << 30)
    with pytest.raises(DatasetError, match=f"{path}: is 1,073,741,824 bytes; a batch of at most 60,000"):
        read_python_batch(path)


def test_an_idx_file_of_zero_images_still_reads(tmp_path):
    path = tmp_path / "empty-idx"
    path.write_bytes(_idx_header(0, 28, 28))
    assert read_idx(path).shape == (0, 28, 28)
    assert np.asarray(read_idx(path)).dtype == np.uint8


def test_the_peak_memory_probe_sees_an_allocation():
    outcome = run_isolated('b"x" * (300 * 1024 * 1024)')  # written pages: calloc'd zeros would not count
    assert outcome.returncode == 0 and outcome.message == "loaded" and outcome.peak_mib >= 300
