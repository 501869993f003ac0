"""The tensor lessons of a PyTorch course, written as PyTorch programs, print the same with scratchgrad.

Each program in ``lessons/`` runs twice: as written, on PyTorch, and with only its import lines changed
(``import torch`` -> ``import scratchgrad as torch``). Their printed output must be the same, but for the
module's name where PyTorch prints it (``torch.Size``, ``torch.float32``, ``torch.return_types``).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

LESSONS = sorted((Path(__file__).parent / "lessons").glob("*.py"))
_IMPORT = re.compile(r"^(\s*)(import|from) torch(vision)?\b(.*)$")


def on_scratchgrad(source: str) -> str:
    """The program with its import lines changed from torch to scratchgrad, and nothing else."""
    lines = []
    for line in source.splitlines():
        m = _IMPORT.match(line)
        if m:
            indent, keyword, vision, rest = m.groups()
            module = "scratchgrad.vision" if vision else "scratchgrad"
            if keyword == "import" and not rest.startswith((".", " as")):
                rest = " as torchvision" if vision else " as torch"
            line = f"{indent}{keyword} {module}{rest}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _printed(source: str, name: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, name, "exec"), {"__name__": "__main__"})
    return out.getvalue()


def test_only_import_lines_change():
    source = "import torch\nimport torch.nn as nn\nfrom torch import optim\nimport torchvision\nx = torch.zeros(2)\n"
    assert on_scratchgrad(source) == (
        "import scratchgrad as torch\nimport scratchgrad.nn as nn\nfrom scratchgrad import optim\n"
        "import scratchgrad.vision as torchvision\nx = torch.zeros(2)\n"
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_prints_the_same_on_both(torch, lesson):
    source = lesson.read_text()
    theirs = _printed(source, str(lesson))
    ours = _printed(on_scratchgrad(source), str(lesson))
    assert theirs.count("\n") >= 10  # the lesson really ran and printed
    assert ours.replace("scratchgrad.", "torch.") == theirs
