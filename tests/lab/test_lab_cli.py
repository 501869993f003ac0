"""``scratchgrad lab`` and ``scratchgrad search`` from the command line (their --help is in tests/test_cli.py)."""

from __future__ import annotations

import json

import pytest
from lab_helpers import assert_valid_png

from scratchgrad.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lab_list_names_every_experiment(capsys):
    from scratchgrad import lab

    code, out, _ = run(capsys, "lab", "--list")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == list(lab.available())


def test_lab_writes_the_png_and_prints_its_numbers(tmp_path, capsys):
    code, out, _ = run(capsys, "lab", "gates", "--quick", "--out", str(tmp_path))
    assert code == 0
    assert "XOR (2 layers)" in out and f"wrote {tmp_path / 'gates.png'}" in out
    assert_valid_png(tmp_path / "gates.png")


def test_search_writes_results_and_plot_then_resumes_and_narrows(tmp_path, capsys):
    out_file = tmp_path / "s.jsonl"
    args = ["search", "--trials", "2", "--epochs", "1", "--limit", "300", "--param", "lr=1e-2:1:log",
            "--out", str(out_file), "--top", "2"]
    code, out, _ = run(capsys, *args)
    assert code == 0 and "2 trials (0 diverged); best 2 by validation accuracy" in out
    assert "the best 2 span: --param lr=" in out and f"wrote {out_file} and {tmp_path / 's.png'}" in out
    assert_valid_png(tmp_path / "s.png")

    code, out, _ = run(capsys, "search", "--resume", "--trials", "3", "--out", str(out_file))
    assert code == 0 and "2 trials done, 1 to run" in out
    assert [json.loads(line).get("trial") for line in out_file.read_text().splitlines()[1:]] == [0, 1, 2]

    code, out, _ = run(capsys, "search", "--narrow", "--top", "1", "--out", str(out_file))
    assert code == 0 and "[" not in out.splitlines()[0]  # nothing ran: the report only
    assert "the best 1 span: --param lr=" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lab"], "name an experiment"),
        (["lab", "weights"], "unknown lab 'weights'"),
        (["search"], "needs at least one --param"),
        (["search", "--param", "lr=1:0.1:log"], "LOW must be below HIGH"),
        (["search", "--param", "lr=1e-3:1", "--val-split", "0"], "argument --val-split: must be > 0"),
        (["search", "--resume", "--out", "/nonexistent/s.jsonl"], "does not exist"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_resume_with_other_settings_exits_2(tmp_path, capsys):
    out_file = tmp_path / "s.jsonl"
    assert run(capsys, "search", "--trials", "1", "--epochs", "1", "--limit", "200", "--param", "lr=1e-2:1:log",
               "--out", str(out_file))[0] == 0
    code, _, err = run(capsys, "search", "--resume", "--epochs", "2", "--out", str(out_file))
    assert code == 2 and "was searched with epochs=1" in err
    code, _, err = run(capsys, "search", "--param", "lr=1e-2:1:log", "--out", str(out_file))
    assert code == 2 and "already exists: pass --resume" in err
