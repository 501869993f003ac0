"""Archives built to write outside the data folder or to fill the disk: each refused before the destination is
touched, nothing written outside the temporary folder."""

import tarfile

import pytest
from datafiles import tar_gz as _tar

from scratchgrad.data import DatasetError, extract_tar

TOP = "cifar-10-batches-py"


def _sparse_tar(name: str, claimed: int) -> bytes:
    """A GNU sparse member of ``claimed`` bytes that stores none: 1.5 KB on disk."""
    header = bytearray(tarfile.TarInfo(name).tobuf(format=tarfile.GNU_FORMAT))
    header[156:157] = b"S"
    header[483:495] = f"{claimed:011o}\0".encode()
    header[148:156] = b" " * 8
    header[148:156] = f"{sum(header):06o}\0 ".encode()
    return bytes(header) + bytes(1024)


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_symlinked_subfolder_in_the_destination_is_refused(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside"
    (out / TOP).mkdir(parents=True)
    outside.mkdir()
    (out / TOP / "sub").symlink_to(outside, target_is_directory=True)
    (tmp_path / "a.tar.gz").write_bytes(_tar({f"{TOP}/sub/evil": b"x", f"{TOP}/data_batch_1": b"y"}))
    with pytest.raises(DatasetError, match=r"sub: is a symbolic link inside .*refusing to extract through it"):
        extract_tar(tmp_path / "a.tar.gz", out, TOP)
    assert _files(outside) == [] and _files(out) == [TOP, f"{TOP}/sub"]


def test_a_symlinked_destination_is_refused(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / TOP).symlink_to(outside, target_is_directory=True)
    (tmp_path / "a.tar.gz").write_bytes(_tar({f"{TOP}/evil": b"x"}))
    with pytest.raises(DatasetError, match=f"{TOP}: is a symbolic link; refusing to extract through it"):
        extract_tar(tmp_path / "a.tar.gz", out, TOP)
    assert _files(outside) == []


@pytest.mark.parametrize("name", [r"..\..\evil", r"C:\Windows\evil", r"\\server\share\evil", f"{TOP}\\..\\..\\evil",
                                  "C:evil", f"{TOP}/a:stream"])
def test_windows_paths_are_refused_on_every_platform(tmp_path, name):
    (tmp_path / "out").mkdir()
    (tmp_path / "a.tar.gz").write_bytes(_tar({f"{TOP}/ok": b"1", name: b"2"}))
    with pytest.raises(DatasetError, match="backslashes, colons and drive letters are not allowed"):
        extract_tar(tmp_path / "a.tar.gz", tmp_path / "out", TOP)
    assert _files(tmp_path / "out") == []


def test_a_sparse_member_claiming_4_gib_is_refused_before_writing(tmp_path):
    archive = tmp_path / "a.tar"
    archive.write_bytes(_sparse_tar(f"{TOP}/data_batch_1", 4 << 30) + bytes(1024))
    assert archive.stat().st_size < 4096
    with pytest.raises(DatasetError, match=r"a.tar: holds more than 10,000 members or 1,073,741,824 bytes"):
        extract_tar(archive, tmp_path, TOP)
    assert _files(tmp_path) == ["a.tar"]


def test_caps_on_total_size_and_member_count(tmp_path):
    (tmp_path / "big.tar.gz").write_bytes(_tar({f"{TOP}/a": bytes(600), f"{TOP}/b": bytes(600)}))
    with pytest.raises(DatasetError, match="at member 2, 'cifar-10-batches-py/b', 1,200 bytes in all"):
        extract_tar(tmp_path / "big.tar.gz", tmp_path, TOP, max_bytes=1000)
    (tmp_path / "many.tar.gz").write_bytes(_tar({f"{TOP}/{i}": b"" for i in range(20)}))
    with pytest.raises(DatasetError, match="more than 16 members"):
        extract_tar(tmp_path / "many.tar.gz", tmp_path, TOP, max_members=16)
    assert _files(tmp_path) == ["big.tar.gz", "many.tar.gz"]


def test_an_earlier_copy_is_replaced_as_a_whole_and_keeps_the_users_own_files(tmp_path):
    (tmp_path / TOP / "sub").mkdir(parents=True)
    (tmp_path / TOP / "data_batch_1").write_bytes(b"half")
    (tmp_path / TOP / "sub" / "notes.txt").write_bytes(b"mine")
    (tmp_path / "a.tar.gz").write_bytes(_tar({f"{TOP}/data_batch_1": b"whole", f"{TOP}/test_batch": b"t"}))
    assert extract_tar(tmp_path / "a.tar.gz", tmp_path, TOP) == tmp_path / TOP
    assert (tmp_path / TOP / "data_batch_1").read_bytes() == b"whole"
    assert (tmp_path / TOP / "sub" / "notes.txt").read_bytes() == b"mine"
    assert _files(tmp_path) == ["a.tar.gz", TOP, f"{TOP}/data_batch_1", f"{TOP}/sub", f"{TOP}/sub/notes.txt",
                                f"{TOP}/test_batch"]
