import gzip
import tracemalloc

import numpy as np
import pytest
from datafiles import tiny_images

from scratchgrad.data import DatasetError, read_idx, read_idx_images, read_idx_labels, write_idx


@pytest.mark.parametrize("name", ["x-idx3-ubyte.gz", "x-idx3-ubyte"])
def test_images_round_trip_gz_and_raw(tmp_path, name):
    images = tiny_images(5)
    path = write_idx(tmp_path / name, images)
    assert path.read_bytes()[:2] == (b"\x1f\x8b" if name.endswith(".gz") else b"\0\0")
    out = read_idx_images(path)
    assert out.dtype == np.uint8 and out.shape == (5, 28, 28)
    np.testing.assert_array_equal(out, images)
    assert out.flags.writeable and out.flags.c_contiguous


def test_header_is_big_endian_with_the_published_magic_numbers(tmp_path):
    write_idx(tmp_path / "images", tiny_images(3, shape=(2, 4)))
    write_idx(tmp_path / "labels", np.array([7, 1, 0], dtype=np.uint8))
    images, labels = (tmp_path / "images").read_bytes(), (tmp_path / "labels").read_bytes()
    assert int.from_bytes(images[:4], "big") == 2051 and int.from_bytes(labels[:4], "big") == 2049
    assert [int.from_bytes(images[i : i + 4], "big") for i in (4, 8, 12)] == [3, 2, 4]
    assert read_idx_labels(tmp_path / "labels").tolist() == [7, 1, 0]


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float32, np.float64, np.int8])
def test_other_idx_value_types_round_trip_in_native_byte_order(tmp_path, dtype):
    values = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    out = read_idx(write_idx(tmp_path / "v.gz", values))
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, values)


def test_a_gz_name_on_raw_bytes_still_parses(tmp_path):
    """Compression is told by the file's first bytes, not its name."""
    path = write_idx(tmp_path / "labels.gz", np.array([1, 2], dtype=np.uint8), compress=False)
    assert read_idx_labels(path).tolist() == [1, 2]


def test_real_mnist_headers(mnist):
    assert mnist["train"].data.shape == (60000, 28, 28) and mnist["test"].data.shape == (10000, 28, 28)
    assert mnist["train"].data.dtype == np.uint8


# ---- bad files: one error type, naming the file and the problem ------------------------------------------
def test_wrong_magic_names_the_file_and_both_numbers(tmp_path):
    labels = write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(4, np.uint8))
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte.gz: magic number is 2049.*expected 2051"):
        read_idx_images(labels)


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(b"<html>Not Found</html>")
    with pytest.raises(DatasetError, match="page.html: is not an IDX file"):
        read_idx(path)


def test_empty_file(tmp_path):
    (tmp_path / "empty-idx3-ubyte").write_bytes(b"")
    with pytest.raises(DatasetError, match="empty-idx3-ubyte: is empty"):
        read_idx_images(tmp_path / "empty-idx3-ubyte")


def test_truncated_data_says_how_much_is_missing(tmp_path):
    raw = write_idx(tmp_path / "full", tiny_images(3)).read_bytes()
    (tmp_path / "cut-idx3-ubyte.gz").write_bytes(gzip.compress(raw[:-100]))
    with pytest.raises(DatasetError, match=r"cut-idx3-ubyte.gz: is truncated: .*3 x 28 x 28.*2,352 bytes.*2,252"):
        read_idx_images(tmp_path / "cut-idx3-ubyte.gz")


def test_truncated_header(tmp_path):
    (tmp_path / "h").write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(DatasetError, match="truncated inside its header"):
        read_idx(tmp_path / "h")


def test_cut_short_gzip_stream(tmp_path):
    data = write_idx(tmp_path / "ok.gz", tiny_images(20)).read_bytes()
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match="cut.gz: the gzip stream is damaged or cut short"):
        read_idx_images(tmp_path / "cut.gz")


def test_bytes_after_the_declared_data(tmp_path):
    path = write_idx(tmp_path / "l", np.zeros(3, np.uint8))
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(DatasetError, match="has bytes after the 3 bytes"):
        read_idx_labels(path)


def test_dataset_error_is_a_value_error():
    assert issubclass(DatasetError, ValueError)


def test_parsing_holds_the_array_and_no_second_copy(tmp_path):
    path = write_idx(tmp_path / "big-idx3-ubyte.gz", np.zeros((20_000, 28, 28), np.uint8))  # 15.7 MB
    tracemalloc.start()
    try:
        images = read_idx_images(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.5 * images.nbytes  # the array and small read buffers, not a second whole copy
