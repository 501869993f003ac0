"""The READMEs: every Python example runs as printed, and the Chinese one stays level with the English one (the same
commands in the same order, the same headline numbers)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scratchgrad import models

ROOT = Path(__file__).resolve().parents[1]
READMES = [ROOT / "README.md", ROOT / "README.zh-CN.md"]
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
# Accuracies, counts with thousands separators, speed ratios, seconds and minutes: what a reader compares.
HEADLINE = re.compile(r"\d+(?:\.\d+)?%|\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?x\b|\d+ (?:s|min)\b")


def blocks(readme: Path, language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(readme.read_text()) if lang == language]


def commands(readme: Path) -> list[str]:
    """The command lines of the README's bash blocks, without their comments."""
    lines = [line.split("  #")[0].strip() for body in blocks(readme, "bash") for line in body.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def headline_numbers(readme: Path) -> set[str]:
    return set(HEADLINE.findall(readme.read_text()))


PYTHON_BLOCKS = [(readme, i) for readme in READMES for i in range(len(blocks(readme, "python")))]


@pytest.mark.parametrize(("readme", "index"), PYTHON_BLOCKS, ids=lambda v: v.name if isinstance(v, Path) else str(v))
def test_every_python_block_runs_in_a_fresh_folder(readme, index, tmp_path):
    code = blocks(readme, "python")[index]
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{readme.name} python block {index} failed:\n{code}\n{done.stderr[-3000:]}"


def test_both_readmes_have_python_examples():
    english, chinese = (len(blocks(r, "python")) for r in READMES)
    assert english == chinese >= 3


def test_the_readmes_give_the_same_commands_in_the_same_order():
    english, chinese = (commands(r) for r in READMES)
    assert len(english) > 25
    assert english == chinese


def test_the_readmes_state_the_same_headline_numbers():
    english, chinese = (headline_numbers(r) for r in READMES)
    assert {"99.32%", "92.69%", "99.21%", "18,496", "6,422,656", "147 s", "14 min"} <= english
    assert all(" 896" in r.read_text() and "H100" in r.read_text() for r in READMES)
    assert english == chinese, f"only in README.md: {english - chinese}; only in README.zh-CN.md: {chinese - english}"


def test_both_readmes_name_the_book():
    for readme in READMES:
        text = readme.read_text()
        assert "Deep Learning from Scratch" in text and "《深度学习入门：基于Python的理论与实现》" in text


def test_headline_numbers_catch_a_figure_one_readme_lacks(tmp_path):
    stale = tmp_path / "README.md"
    stale.write_text(READMES[1].read_text().replace("99.21%", "99.05%"))
    assert headline_numbers(stale) != headline_numbers(READMES[0])


def test_every_model_a_readme_offers_to_models_get_builds():
    for readme in READMES:
        line = next(line for line in readme.read_text().splitlines() if "models.get(" in line)
        names = re.findall(r"[A-Z][A-Za-z0-9]+", line.split("#", 1)[1])
        assert len(names) >= 5, line
        for name in names:
            assert sum(p.numel() for p in models.get(name).parameters()) > 0, f"{readme.name}: {name}"
