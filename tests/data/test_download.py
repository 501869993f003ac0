"""Downloads against a local http.server on 127.0.0.1: good, corrupt, truncated, missing and slow files."""

import gzip
import hashlib
import sys

import numpy as np
import pytest
from datafiles import tar_gz, tiny_images, write_cifar

from scratchgrad.data import CIFAR10, MNIST, DatasetError, FashionMNIST, RemoteFile, download, extract_tar, write_idx

PAYLOAD = gzip.compress(b"some dataset bytes" * 100)
GOOD = RemoteFile("file.gz", sha256=hashlib.sha256(PAYLOAD).hexdigest())


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_good_file_is_verified_and_renamed_into_place(server, tmp_path):
    server.serve("/m/file.gz", PAYLOAD)
    path = download(GOOD, [server.url + "/m/"], tmp_path / "cache", progress=True)  # tqdm is installed here
    assert path == tmp_path / "cache" / "file.gz" and path.read_bytes() == PAYLOAD
    assert _leftovers(tmp_path / "cache") == ["file.gz"]  # no .part file remains


def test_corrupt_file_is_deleted_and_the_error_names_url_and_both_hashes(server, tmp_path):
    bad = gzip.compress(b"something else")
    url = server.serve("/m/file.gz", bad)
    with pytest.raises(DatasetError) as info:
        download(GOOD, [server.url + "/m/"], tmp_path, progress=False)
    message = str(info.value)
    assert url in message and GOOD.sha256 in message and hashlib.sha256(bad).hexdigest() in message
    assert "checksum mismatch" in message and "deleted" in message
    assert _leftovers(tmp_path) == []


def test_recompressed_gz_passes_on_the_sha256_of_its_content(server, tmp_path, mnist):
    """The MNIST .gz files here were re-compressed: their bytes differ from the published .gz, their content not."""
    labels = MNIST.resources["test"][1]
    served = gzip.compress(write_idx(tmp_path / "raw", mnist["test"].targets.astype(np.uint8)).read_bytes())
    assert hashlib.md5(served).hexdigest() != labels.md5
    server.serve(f"/mnist/{labels.name}", served)
    path = download(labels, [server.url + "/mnist/"], tmp_path / "cache", progress=False)
    assert path.read_bytes() == served


def test_truncated_download_is_caught_by_its_length(server, tmp_path):
    unchecked = RemoteFile("file.gz")  # no checksum at all: the byte count alone must catch it
    url = server.serve("/m/file.gz", PAYLOAD, mode="truncated")
    with pytest.raises(DatasetError, match=f"(?s){url}: the connection closed after {len(PAYLOAD) // 2:,} of "):
        download(unchecked, [server.url + "/m/"], tmp_path, progress=False)
    assert _leftovers(tmp_path) == []


def test_404_falls_through_to_the_next_mirror(server, tmp_path):
    server.serve("/second/file.gz", PAYLOAD)
    path = download(GOOD, [server.url + "/first/", server.url + "/second/"], tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert server.requests == ["/first/file.gz", "/second/file.gz"]


def test_slow_mirror_times_out_and_the_next_one_serves(server, tmp_path):
    server.serve("/slow/file.gz", PAYLOAD, mode="slow")
    server.serve("/fast/file.gz", PAYLOAD)
    path = download(GOOD, [server.url + "/slow/", server.url + "/fast/"], tmp_path, timeout=0.3, progress=False)
    assert path.read_bytes() == PAYLOAD


def test_when_every_mirror_fails_the_error_lists_them_and_says_how_to_place_the_file(server, tmp_path):
    server.serve("/slow/file.gz", PAYLOAD, mode="slow")
    mirrors = [server.url + "/gone/", server.url + "/slow/", "ftp://example.invalid/"]
    with pytest.raises(DatasetError) as info:
        download(GOOD, mirrors, tmp_path / "cache", timeout=0.3, progress=False)
    message = str(info.value)
    assert f"{server.url}/gone/file.gz: HTTP 404" in message
    assert f"{server.url}/slow/file.gz: no answer within the 0.3 s timeout" in message
    assert "ftp://example.invalid/file.gz: only http:// and https://" in message
    assert "place it by hand" in message and str(tmp_path / "cache" / "file.gz") in message
    assert _leftovers(tmp_path / "cache") == []


def test_progress_without_tqdm_is_a_plain_line(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    server.serve("/m/file.gz", PAYLOAD)
    download(GOOD, [server.url + "/m/"], tmp_path, progress=True)
    assert "downloading file.gz: 0.0 MB of 0.0 MB" in capsys.readouterr().err


# ---- datasets with download=True -------------------------------------------------------------------------
def test_dataset_download_lands_in_the_cache_and_loads(server, tmp_path, monkeypatch, isolated_data_dirs):
    images, labels = tiny_images(6), np.arange(6, dtype=np.uint8)
    served = {"t10k-images-idx3-ubyte.gz": images, "t10k-labels-idx1-ubyte.gz": labels}
    remotes = []
    for name, array in served.items():
        body = write_idx(tmp_path / name, array).read_bytes()
        server.serve(f"/fm/{name}", body)
        remotes.append(RemoteFile(name, md5=hashlib.md5(body).hexdigest()))
    monkeypatch.setattr(FashionMNIST, "mirrors", (server.url + "/fm/",))
    monkeypatch.setattr(FashionMNIST, "resources", {"test": tuple(remotes)})
    monkeypatch.setattr(FashionMNIST, "fallbacks", ())

    with pytest.raises(DatasetError, match="(?s)Fashion-MNIST: files not found.*download=True"):
        FashionMNIST(train=False)
    dataset = FashionMNIST(train=False, download=True, progress=False)
    assert dataset.paths[0] == isolated_data_dirs / "fashion-mnist" / "t10k-images-idx3-ubyte.gz"
    np.testing.assert_array_equal(dataset.data, images)
    np.testing.assert_array_equal(dataset.targets, labels)
    assert len(server.requests) == 2
    FashionMNIST(train=False, download=True)  # found in the cache now: nothing is fetched again
    assert len(server.requests) == 2


def test_cifar_download_verifies_md5_and_extracts(server, tmp_path, monkeypatch):
    write_cifar(tmp_path / "src", "python", n=3)
    folder = tmp_path / "src" / "cifar-10-batches-py"
    archive = tar_gz({f"cifar-10-batches-py/{p.name}": p.read_bytes() for p in folder.iterdir()})
    monkeypatch.setattr(CIFAR10, "mirrors", (server.url + "/c/",))
    monkeypatch.setattr(CIFAR10, "archive", RemoteFile("cifar-10-python.tar.gz", md5=hashlib.md5(archive).hexdigest()))
    server.serve("/c/cifar-10-python.tar.gz", archive)
    dataset = CIFAR10(root=tmp_path / "root", train=False, download=True, progress=False)
    assert len(dataset) == 3 and dataset.data.shape == (3, 32, 32, 3)
    assert _leftovers(tmp_path / "root") == ["cifar-10-batches-py"]  # the archive is removed after extraction


def test_cifar_download_with_a_wrong_md5_leaves_nothing(server, tmp_path, monkeypatch):
    monkeypatch.setattr(CIFAR10, "mirrors", (server.url + "/c/",))
    server.serve("/c/cifar-10-python.tar.gz", tar_gz({"cifar-10-batches-py/test_batch": b"x"}))
    with pytest.raises(DatasetError, match=f"md5 expected {CIFAR10.archive.md5}"):
        CIFAR10(root=tmp_path / "root", download=True, progress=False)
    assert _leftovers(tmp_path / "root") == []


# ---- safe extraction ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("member", ["../evil", "cifar-10-batches-py/../../evil", "/tmp/evil", "elsewhere/evil"])
def test_extract_refuses_path_traversal(tmp_path, member):
    (tmp_path / "out").mkdir()
    (tmp_path / "a.tar.gz").write_bytes(tar_gz({"cifar-10-batches-py/ok": b"1", member: b"2"}))
    with pytest.raises(DatasetError, match="refusing to extract"):
        extract_tar(tmp_path / "a.tar.gz", tmp_path / "out", "cifar-10-batches-py")
    assert _leftovers(tmp_path / "out") == [] and not (tmp_path / "evil").exists()


def test_extract_refuses_links(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "a.tar.gz").write_bytes(tar_gz({}, links={"cifar-10-batches-py/data_batch_1": "/etc/passwd"}))
    with pytest.raises(DatasetError, match="links and special files are not allowed"):
        extract_tar(tmp_path / "a.tar.gz", tmp_path / "out", "cifar-10-batches-py")
    assert _leftovers(tmp_path / "out") == []
