"""Opening a run folder: never over another run, never a file, never read-only, and one line for each mistake."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest
from runs_helpers import TINY, cli, one_line_error

from scratchgrad import io as sgio
from scratchgrad.train import runfolder


def test_train_refuses_a_folder_that_holds_a_run(run_dir, capsys):
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    line = one_line_error(*cli(capsys, "train", *TINY, "--epochs", "1", "--out", run_dir)[::2])
    assert str(run_dir) in line and "--resume" in line and "--overwrite" in line and "config.json" in line
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before


def test_overwrite_replaces_the_run(run_dir, capsys):
    code, out, _ = cli(capsys, "train", *TINY, "--epochs", "1", "--out", run_dir, "--overwrite")
    assert code == 0 and "removed the previous run" in out
    assert [row["epoch"] for row in json.loads((run_dir / "history.json").read_text())] == [1]
    assert not (run_dir / ".lock").exists()


def test_resume_and_overwrite_together_are_refused(run_dir, capsys):
    line = one_line_error(*cli(capsys, "train", "--out", run_dir, "--resume", "--overwrite")[::2])
    assert "pass one of them" in line


def test_config_json_is_written_only_beside_a_checkpoint(tmp_path, monkeypatch, capsys):
    from scratchgrad.train import Trainer

    seen = []

    def first_epoch(self, *args):
        seen.append(sorted(os.listdir(self.out_dir)))
        raise KeyboardInterrupt  # as a user's Ctrl-C in the first epoch

    monkeypatch.setattr(Trainer, "_train_epoch", first_epoch)
    code, _, err = cli(capsys, "train", *TINY, "--epochs", "1", "--out", tmp_path / "run")
    assert code == 130 and seen == [[".lock"]]  # the first epoch began on a folder with no config.json
    assert not (tmp_path / "run").exists()  # and the interrupted run left nothing behind, not even its folder


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "hostname").write_text("box\n")
    line = one_line_error(*cli(capsys, "train", *TINY, "--out", tmp_path / "hostname")[::2])
    assert "is a file, not a folder" in line and str(tmp_path / "hostname") in line


def _read_only(monkeypatch, folder: Path) -> None:
    """os.access says no for ``folder``: tests run as root, whom chmod does not stop, so the check is faked."""
    real = os.access
    monkeypatch.setattr(runfolder.os, "access", lambda p, mode: False if Path(p) == folder else real(p, mode))


def test_train_into_a_read_only_folder_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    _read_only(monkeypatch, tmp_path)
    line = one_line_error(*cli(capsys, "train", *TINY, "--out", tmp_path)[::2])
    assert f"{tmp_path} is not writable" in line and list(tmp_path.iterdir()) == []


def test_resume_in_a_read_only_folder_is_refused(run_dir, monkeypatch, capsys):
    _read_only(monkeypatch, run_dir)
    line = one_line_error(*cli(capsys, "train", "--out", run_dir, "--resume", "--epochs", "3")[::2])
    assert f"{run_dir} is not writable" in line


def test_evaluate_in_a_read_only_folder_fails_before_printing_results(run_dir, monkeypatch, capsys):
    _read_only(monkeypatch, run_dir)
    code, out, err = cli(capsys, "evaluate", run_dir)
    assert "is not writable" in one_line_error(code, err) and "test accuracy" not in out


def test_lab_into_a_read_only_folder_is_refused(tmp_path, monkeypatch, capsys):
    _read_only(monkeypatch, tmp_path)
    line = one_line_error(*cli(capsys, "lab", "weight-init", "--quick", "--out", tmp_path)[::2])
    assert f"lab --out {tmp_path} is not writable" in line


def _disk_full(monkeypatch) -> None:
    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sgio.os, "fsync", no_space)


def test_a_full_disk_during_training_is_one_line_naming_the_file(tmp_path, monkeypatch, capsys):
    _disk_full(monkeypatch)
    line = one_line_error(*cli(capsys, "train", *TINY, "--epochs", "1", "--out", tmp_path / "run")[::2])
    assert "checkpoint.safetensors" in line and "the disk is full" in line
    assert not list((tmp_path / "run").glob("*.tmp")) and not list((tmp_path / "run").glob(".*.tmp"))


def test_a_full_disk_when_evaluate_writes_its_plot_is_one_line(run_dir, monkeypatch, capsys):
    _disk_full(monkeypatch)
    line = one_line_error(*cli(capsys, "evaluate", run_dir)[::2])
    assert "confusion.png" in line and "the disk is full" in line


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[1, 2]", "must hold a JSON object of run settings; received a list"),
        ('{"model": "two_layer_net", "epo', "is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
    ids=["list", "truncated", "deep"],
)
def test_a_damaged_config_json_is_named(run_dir, capsys, content, expected):
    (run_dir / "config.json").write_text(content)
    for argv in (["evaluate", run_dir], ["train", "--out", run_dir, "--resume", "--epochs", "3"]):
        line = one_line_error(*cli(capsys, *argv)[::2])
        assert str(run_dir / "config.json") in line and expected in line


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("batch_size", "abc", "batch_size must be a whole number >= 1, received 'abc'"),
        ("batch_size", 0, "batch_size must be >= 1, received 0"),
        ("batch_size", 2.5, "batch_size must be a whole number >= 1, received 2.5"),
        ("epochs", float("inf"), "epochs must be a whole number >= 1, received inf"),
        ("lr", -1e30, "lr must be > 0, received -1e+30"),
        ("lr", "0.01", "lr must be a number > 0, received '0.01'"),
        ("input_shape", [1, 28000, 28000], "input_shape must be [1, 28, 28] for mnist"),
        ("model_kwargs", {"hidden_size": {"a": [[1]]}}, "model_kwargs: hidden_size must be a number"),
    ],
)
def test_a_bad_setting_in_config_json_is_refused_as_the_flag_would_be(run_dir, capsys, key, value, expected):
    config = json.loads((run_dir / "config.json").read_text())
    (run_dir / "config.json").write_text(json.dumps({**config, key: value}))
    line = one_line_error(*cli(capsys, "evaluate", run_dir)[::2])
    assert f"{run_dir / 'config.json'}: {expected}" in line


def test_epochs_1e400_in_config_json_is_refused(run_dir, capsys):
    text = (run_dir / "config.json").read_text()
    (run_dir / "config.json").write_text(text.replace('"epochs": 2', '"epochs": 1e400'))
    assert "epochs must be a whole number >= 1, received inf" in one_line_error(*cli(capsys, "evaluate", run_dir)[::2])


def test_a_missing_run_folder_is_named(tmp_path, capsys):
    line = one_line_error(*cli(capsys, "evaluate", tmp_path / "nope")[::2])
    assert line.startswith(f"error: {tmp_path / 'nope'} does not exist")


def test_stale_temporaries_are_removed_when_the_folder_is_next_opened(run_dir, capsys):
    (run_dir / ".checkpoint.safetensors.abc123.tmp").write_bytes(b"x" * 1000)
    code, out, _ = cli(capsys, "train", "--out", run_dir, "--resume", "--epochs", "3")
    assert code == 0 and "removed 1 temporary file(s)" in out
    assert not list(run_dir.glob(".*.tmp"))


def test_evaluate_removes_stale_temporaries_of_an_idle_folder(run_dir, capsys):
    (run_dir / ".model.safetensors.zz.tmp").write_bytes(b"x")
    assert cli(capsys, "evaluate", run_dir)[0] == 0 and not list(run_dir.glob(".*.tmp"))


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_new_files_respect_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        sgio.atomic_write_text(tmp_path / "a.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o666 & ~umask


def test_a_closed_output_pipe_is_not_reported_as_a_file_error(run_dir, monkeypatch, capsys):
    import builtins

    def closed_pipe(*args, **kwargs):
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(builtins, "print", closed_pipe)  # as `scratchgrad evaluate RUN | head -1` sees it
    code, _, err = cli(capsys, "evaluate", run_dir)
    assert code == 0 and err == ""


def test_a_run_refused_before_its_first_checkpoint_leaves_no_folder_it_made(tmp_path, capsys):
    out = tmp_path / "new" / "run"
    code, _, err = cli(capsys, "train", *TINY, "--data-root", tmp_path / "missing", "--out", out)
    assert "missing" in one_line_error(code, err)
    assert not out.exists()


def test_a_refused_run_leaves_a_folder_the_user_made(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    code, _, err = cli(capsys, "train", *TINY, "--data-root", tmp_path / "missing", "--out", out)
    one_line_error(code, err)
    assert out.is_dir()
