import os
import pickle

import numpy as np
import pytest
from datafiles import cifar_rows, py2_pickle, write_cifar

from scratchgrad.data import DatasetError, read_binary_batch, read_python_batch
from scratchgrad.data.cifar import loads_batch, rows_to_images


@pytest.mark.parametrize("form", ["python", "binary"])
def test_both_published_forms_parse_to_the_same_rows_and_labels(tmp_path, form):
    written = write_cifar(tmp_path, form, n=7)
    folder = tmp_path / ("cifar-10-batches-py" if form == "python" else "cifar-10-batches-bin")
    read = read_python_batch if form == "python" else read_binary_batch
    suffix = "" if form == "python" else ".bin"
    for stem, (rows, labels) in written.items():
        got_rows, got_labels = read(folder / f"{stem}{suffix}")
        assert got_rows.dtype == np.uint8 and got_rows.shape == (7, 3072)
        assert got_labels.dtype == np.int64
        np.testing.assert_array_equal(got_rows, rows)
        np.testing.assert_array_equal(got_labels, labels)


def test_python_batch_is_the_python2_layout():
    """What the published files hold: protocol 2, byte-string keys, arrays via numpy.core.multiarray."""
    data = py2_pickle({b"data": np.zeros((1, 3072), np.uint8), b"labels": [3]})
    assert data[:2] == b"\x80\x02" and b"numpy.core.multiarray\n_reconstruct" in data and b"U\x04data" in data
    batch = loads_batch(data)
    assert batch["labels"] == [3] and batch["data"].shape == (1, 3072)


@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_batches_repickled_by_python3_also_load(tmp_path, protocol):
    rows, labels = cifar_rows(4, seed=1)
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({"data": rows, "labels": labels.tolist()}, protocol=protocol))
    got_rows, got_labels = read_python_batch(path)
    np.testing.assert_array_equal(got_rows, rows)
    np.testing.assert_array_equal(got_labels, labels)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_that_calls_os_system_is_refused_unrun(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": _Exploit(marker), b"labels": []}, protocol=2))
    with pytest.raises(DatasetError, match=r"data_batch_1: is not a safe CIFAR-10 batch: refusing to load .*system"):
        read_python_batch(path)
    assert not marker.exists()


@pytest.mark.parametrize("module, name", [("builtins", "eval"), ("subprocess", "Popen"), ("numpy", "load"),
                                          ("copyreg", "_reconstructor"), ("_codecs", "decode")])
def test_every_other_global_is_refused(tmp_path, module, name):
    path = tmp_path / "b"
    path.write_bytes(b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"U\x011\x85R.")
    with pytest.raises(DatasetError, match=f"refusing to load {module}.{name}"):
        read_python_batch(path)


def test_codecs_encode_is_allowed_for_latin1_only(tmp_path):
    path = tmp_path / "b"
    path.write_bytes(b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x06\x00\x00\x00base64\x86R.")
    with pytest.raises(DatasetError, match="encoding 'base64' is not allowed"):
        read_python_batch(path)


def test_damaged_python_batches(tmp_path):
    good = py2_pickle({b"data": cifar_rows(2, 0)[0], b"labels": [1, 2]})
    cases = {
        "empty": (b"", "is empty"),
        "truncated": (good[: len(good) // 2], "is not a readable pickle"),
        "not_a_dict": (pickle.dumps([1, 2], protocol=2), "expected a dict with b'data' and b'labels'"),
        "wrong_width": (pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}), r"uint8 \(N, 3072\)"),
        "label_count": (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}), "expected 2 integers"),
        "label_range": (pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [10]}), r"expected 0..9"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(DatasetError, match=f"{name}: .*{message}"):
            read_python_batch(tmp_path / name)


def test_damaged_binary_batches(tmp_path):
    (tmp_path / "empty.bin").write_bytes(b"")
    (tmp_path / "cut.bin").write_bytes(bytes(3073 * 2 + 5))
    with pytest.raises(DatasetError, match="empty.bin: is empty"):
        read_binary_batch(tmp_path / "empty.bin")
    with pytest.raises(DatasetError, match="cut.bin: is 6,151 bytes, not a whole number of 3073-byte records"):
        read_binary_batch(tmp_path / "cut.bin")


def test_rows_are_channel_first_and_a_pixel_lands_where_the_notes_say():
    """Row layout: 1,024 red, 1,024 green, 1,024 blue values, each 32 x 32 in row order."""
    rows = np.zeros((2, 3072), np.uint8)
    channel, r, c = 1, 5, 7
    rows[1, channel * 1024 + r * 32 + c] = 200
    first = rows_to_images(rows)
    last = rows_to_images(rows, channels_last=True)
    assert first.shape == (2, 3, 32, 32) and last.shape == (2, 32, 32, 3)
    assert first[1, channel, r, c] == 200 and last[1, r, c, channel] == 200
    np.testing.assert_array_equal(last, rows.reshape(2, 3, 32, 32).transpose(0, 2, 3, 1))
    assert first.sum() == last.sum() == 200
