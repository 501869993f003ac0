"""load's map_location in every form torch.load takes, on a file whose storages torch tagged 'cuda:0'.

Such a file is made here without a GPU: torch saves on the CPU, and the location tag in data.pkl is rewritten
from 'cpu' to 'cuda:0' (each storage's persistent id carries it as a pickled string). PyTorch itself, CPU-only,
is the oracle: what it loads we load, with the same values; what it refuses we refuse, saying how to load it.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import scratchgrad as sg

CPU_TAG, CUDA_TAG = b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0"  # BINUNICODE, length-prefixed


def _retagged(blob: bytes, old: bytes, new: bytes) -> bytes:
    """The archive ``blob`` with every storage's location tag ``old`` in data.pkl replaced by ``new``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("/data.pkl"):
                assert data.count(old) == 1, "expected the tag once (pickle memoises it for the second storage)"
                data = data.replace(old, new)
            target.writestr(info, data)
    return out.getvalue()


@pytest.fixture
def cuda_file(torch):
    """torch's file of a small state dict, its storages tagged as saved on cuda:0."""
    buffer = io.BytesIO()
    torch.manual_seed(0)
    torch.save(torch.nn.Linear(3, 2).state_dict(), buffer)
    return _retagged(buffer.getvalue(), CPU_TAG, CUDA_TAG)


def _load_both(torch, blob, ours, theirs):
    """(our result, torch's result) or the exception each raised, for the same bytes."""
    results = []
    for load, where in ((sg.load, ours), (lambda f, m: torch.load(f, map_location=m, weights_only=True), theirs)):
        try:
            results.append(load(io.BytesIO(blob), where))
        except Exception as exc:  # noqa: BLE001 (the test compares which side refused)
            results.append(exc)
    return results


def _same_values(mine, theirs):
    assert list(mine) == list(theirs)
    for key in theirs:
        assert mine[key].device == "cpu" and theirs[key].device.type == "cpu"
        np.testing.assert_array_equal(mine[key].data, theirs[key].numpy())


@pytest.mark.parametrize(
    "form",
    ["cpu", "device", {"cuda:0": "cpu"}, "identity", "to_cpu"],
)
def test_every_form_loads_a_cuda_file_on_the_cpu_as_torch_does(torch, cuda_file, form):
    def pick(device_class):
        if form == "device":
            return device_class("cpu")
        if form == "identity":
            return lambda storage, location: storage
        if form == "to_cpu":
            return lambda storage, location: storage.cpu()
        return form

    mine, theirs = _load_both(torch, cuda_file, pick(sg.device), pick(torch.device))
    _same_values(mine, theirs)


@pytest.mark.parametrize("form", [b"cpu", {"cuda:0": sg.device("cpu")}, {b"cuda:0": b"cpu"}])
def test_bytes_and_devices_in_a_dict_read_as_the_tags_they_spell(torch, cuda_file, form):
    # torch.load's type hints take both; PyTorch 2.13 fails inside on them (a regex on bytes, a device as a tag).
    mine, theirs = _load_both(torch, cuda_file, form, "cpu")
    _same_values(mine, theirs)


def test_a_callable_sees_each_storage_once_with_its_saved_tag(torch, cuda_file):
    seen = {"ours": [], "theirs": []}

    def recorder(name):
        return lambda storage, location: seen[name].append((location, storage.nbytes())) or storage

    _load_both(torch, cuda_file, recorder("ours"), recorder("theirs"))
    assert seen["ours"] == seen["theirs"] == [("cuda:0", 24), ("cuda:0", 8)]


@pytest.mark.parametrize(
    "form", [None, "cuda:0", {"cuda:1": "cpu"}, "none_returned"],  # each leaves the storage bound for cuda:0
)
def test_forms_that_send_storages_to_cuda_are_refused_without_cuda_as_torch_does(torch, cuda_file, form):
    where = (lambda storage, location: None) if form == "none_returned" else form
    mine, theirs = _load_both(torch, cuda_file, where, where)
    assert isinstance(theirs, RuntimeError), theirs
    assert isinstance(mine, RuntimeError), mine
    assert "cuda:0" in str(mine) and "map_location='cpu'" in str(mine), str(mine)


def test_without_map_location_a_cpu_file_stays_on_the_cpu(torch, cuda_file):
    cpu_file = _retagged(cuda_file, CUDA_TAG, CPU_TAG)
    mine, theirs = _load_both(torch, cpu_file, None, None)
    _same_values(mine, theirs)


@pytest.mark.parametrize(
    ("form", "error", "message"),
    [
        (3, TypeError, r"map_location must be None, a device .* or a callable .*; received int 3"),
        ({0: "cpu"}, TypeError, r"location tags are strings .* a key of the dict is int 0"),
        ({"cuda:0": 1}, TypeError, r"a value of the dict is int 1"),
        ("tpu", RuntimeError, r"unknown device 'tpu'"),
        ({"cuda:0": "tpu"}, RuntimeError, r"is to go to 'tpu', a location scratchgrad does not know"),
        (lambda storage, location: "cpu", TypeError, r"map_location returned a str for the storage saved at "
                                                     r"'cuda:0'; it must return the storage"),
    ],
)
def test_bad_map_locations_are_refused_naming_what_was_received(cuda_file, form, error, message):
    with pytest.raises(error, match=message):
        sg.load(io.BytesIO(cuda_file), map_location=form)


@pytest.mark.parametrize("index", [None, 1, "cuda:1", sg.device("cuda", 1)])
def test_a_callable_moving_storages_to_a_gpu_is_refused_without_one_naming_the_gpu(cuda_file, index):
    with pytest.raises(RuntimeError, match=r"CuPy|GPU") as raised:
        sg.load(io.BytesIO(cuda_file), map_location=lambda storage, location: storage.cuda(index))
    assert "cuda:cuda" not in str(raised.value)
