"""What a run folder's files may hold: checksummed tensors, checked checkpoints, sizes checked before building."""

from __future__ import annotations

import json
import resource
import time

import numpy as np
import pytest
from runs_helpers import cli, one_line_error

from scratchgrad import io as sgio
from scratchgrad.train import runs
from scratchgrad.train.trainer import _write_history


def _flip_last_byte(path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["model.safetensors", "checkpoint.safetensors"])
def test_a_flipped_tensor_byte_is_caught_and_the_file_named(run_dir, name):
    _flip_last_byte(run_dir / name)
    loader = sgio.load_weights if name == "model.safetensors" else sgio.load_checkpoint
    with pytest.raises(ValueError, match=f"{run_dir / name} is damaged: the SHA-256 of its tensor data"):
        loader(run_dir / name)


def test_evaluate_refuses_a_damaged_weights_file(run_dir, capsys):
    _flip_last_byte(run_dir / "model.safetensors")
    line = one_line_error(*cli(capsys, "evaluate", run_dir)[::2])
    assert f"{run_dir / 'model.safetensors'} is damaged" in line


def test_files_without_a_digest_from_older_versions_still_load(tmp_path):
    from safetensors.numpy import save_file

    weights = {"w": np.arange(6, dtype=np.float32).reshape(2, 3)}
    save_file(weights, str(tmp_path / "old.safetensors"))
    assert np.array_equal(sgio.load_weights(tmp_path / "old.safetensors")["w"], weights["w"])
    sgio.save_weights(weights, tmp_path / "new.safetensors")
    assert sgio.read_header(tmp_path / "new.safetensors")[1][sgio.DIGEST_KEY]


def _rewrite_checkpoint(path, edit) -> None:
    """Re-save ``path`` with ``edit(tree)`` applied to its JSON tree (the digest stays valid: data is untouched)."""
    from safetensors.numpy import load, save

    blob = path.read_bytes()
    _, metadata = sgio.read_header(path)
    tree = json.loads(metadata["tree"])
    edit(tree)
    path.write_bytes(save(load(blob), metadata={**metadata, "tree": json.dumps(tree)}))


def _resume_line(capsys, run_dir) -> str:
    return one_line_error(*cli(capsys, "train", "--out", run_dir, "--resume", "--epochs", "3")[::2])


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t["extra"].update(epoch=-1_000_000), "epoch must be >= 0, received -1000000"),
        (lambda t: t["extra"].update(epoch=1.5), "epoch must be a whole number >= 0, received 1.5"),
        (lambda t: t["extra"].update(epoch=7), "history must be a list of one dict per finished epoch (7)"),
        (lambda t: t["optimizer"]["param_groups"][0].update(lr="abc"), "param_groups[0].lr must be a number > 0"),
        (lambda t: t["optimizer"]["param_groups"][0].update(lr=-1e30), "param_groups[0].lr must be > 0"),
        (lambda t: t["optimizer"]["param_groups"][0].update(eps=float("nan")), "param_groups[0].eps must be a finite"),
        (lambda t: t["extra"].update(rng="abc"), "does not fit this run: TypeError state must be a dict"),
        (lambda t: t["extra"].update(loader={"epoch": -5}), "does not fit this run: KeyError"),
        (lambda t: t["extra"].update(callbacks="abc"), "callbacks must be a list of states, received str"),
    ],
    ids=["epoch-negative", "epoch-float", "epoch-vs-history", "lr-text", "lr-negative", "eps-nan", "rng", "loader",
         "callbacks"],
)
def test_resume_refuses_a_checkpoint_the_cli_would_not_have_written(run_dir, capsys, edit, expected):
    _rewrite_checkpoint(run_dir / "checkpoint.safetensors", edit)
    line = _resume_line(capsys, run_dir)
    assert str(run_dir / "checkpoint.safetensors") in line and expected in line


def test_a_checkpoint_without_its_tree_is_named(run_dir, capsys):
    from safetensors.numpy import load, save

    path = run_dir / "checkpoint.safetensors"
    _, metadata = sgio.read_header(path)
    del metadata["tree"]
    path.write_bytes(save(load(path.read_bytes()), metadata=metadata))
    assert f"{path} is a damaged checkpoint: its metadata has no 'tree'" in _resume_line(capsys, run_dir)


def test_a_deeply_nested_checkpoint_tree_is_one_line(run_dir, capsys):
    from safetensors.numpy import load, save

    path = run_dir / "checkpoint.safetensors"
    _, metadata = sgio.read_header(path)
    deep = metadata["tree"][:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path.write_bytes(save(load(path.read_bytes()), metadata={**metadata, "tree": deep}))
    assert f"{path} is a damaged checkpoint: its 'tree' metadata is nested too deeply" in _resume_line(capsys, run_dir)


def test_evaluate_falls_back_to_the_last_checkpoint_and_says_so(run_dir, capsys):
    (run_dir / "model.safetensors").unlink()
    code, out, err = cli(capsys, "evaluate", run_dir)
    assert code == 0 and "test accuracy on mnist" in out
    assert "has no model.safetensors" in err and "checkpoint.safetensors after epoch 2" in err


def test_predict_falls_back_to_the_last_checkpoint(run_dir, tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros((1, 28, 28), dtype=np.uint8))
    (run_dir / "model.safetensors").unlink()
    code, out, err = cli(capsys, "predict", run_dir, tmp_path / "x.npy")
    assert code == 0 and "(" in out and "has no model.safetensors" in err


def test_model_kwargs_are_checked_against_the_weights_before_the_model_is_built(run_dir, monkeypatch):
    config = json.loads((run_dir / "config.json").read_text())
    config["model_kwargs"] = {"hidden_size": 400_000}  # a 1.25 GB first layer
    (run_dir / "config.json").write_text(json.dumps(config))
    built = []
    monkeypatch.setattr(runs, "build_model", lambda config: built.append(config))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError, match="hidden_size=400000 does not fit .*no tensor there has a dimension of 400000"):
        runs.load_run(run_dir)
    assert built == [] and resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 100_000  # KiB


def test_history_of_300_rows_by_200_keys_is_written_in_linear_time(tmp_path):
    # Each row names its own 200 metrics: 60,000 columns, an 18 MB CSV (about 0.6 s here; over 240 s when the
    # column merge searched a list per key).
    history = [{f"row{i}_metric{k}": float(k) for k in range(200)} for i in range(300)]
    start = time.perf_counter()
    _write_history(tmp_path, history)
    assert time.perf_counter() - start < 2.0
    lines = (tmp_path / "history.csv").read_text().splitlines()
    assert lines[0].split(",") == [k for row in history for k in row]
    assert lines[2].split(",")[200:203] == ["0.0", "1.0", "2.0"] and set(lines[2].split(",")[:200]) == {""}


def test_history_csv_neutralises_formulas_and_leaves_numbers(tmp_path):
    history = [{"epoch": 1, "loss": -0.5, "=HYPERLINK(\"x\")": 1.0, "note": "+cmd", "who": "@me", "ok": "fine"}]
    _write_history(tmp_path, history)
    header, row = (tmp_path / "history.csv").read_text().splitlines()
    assert header == "epoch,loss,\"'=HYPERLINK(\"\"x\"\")\",note,who,ok"
    assert row == "1,-0.5,1.0,'+cmd,'@me,fine"


@pytest.mark.parametrize(
    "content", [b"", b"abc", (2**40).to_bytes(8, "little") + b"{}", (2).to_bytes(8, "little") + b"[]"]
)
def test_a_weights_file_with_a_broken_header_is_one_line(run_dir, capsys, content):
    (run_dir / "model.safetensors").write_bytes(content)
    line = one_line_error(*cli(capsys, "evaluate", run_dir)[::2])
    assert f"{run_dir / 'model.safetensors'} is not a readable safetensors file" in line
