"""The concept guides point only at code and commands that exist, so they cannot rot unnoticed."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from scratchgrad import lab
from scratchgrad.cli import EXAMPLES

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDES = [DOCS / "concepts.md", DOCS / "concepts.zh-CN.md"]
NAME = re.compile(r"`(scratchgrad(?:\.[A-Za-z_]\w*)+)`")
COMMAND = re.compile(r"`scratchgrad ([a-z]+)(?: ([a-z][a-z-]*))?")

# Every idea of the notes the guide must cover (the list), as each guide spells it.
IDEAS = ["感知机", "激活函数", "损失函数", "mini-batch", "数值微分", "梯度法", "计算图", "链式法则", "误差反向传播",
         "Affine", "Softmax-with-Loss", "权重初始值", "SGD", "Momentum", "AdaGrad", "Adam", "Batch Normalization",
         "正则化", "权值衰减", "Dropout", "超参数", "卷积层", "填充与步幅", "池化层", "im2col", "LeNet", "AlexNet",
         "VGG", "ResNet", "epoch", "iteration", "fprop", "bprop", "wgrad", "dgrad"]


def resolve(dotted: str):
    """Import the longest importable module prefix of ``dotted``, then walk the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_referenced_name_imports(guide):
    names = sorted(set(NAME.findall(guide.read_text())))
    assert len(names) > 60
    missing = []
    for name in names:
        try:
            resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert not missing, f"{guide.name} names code that does not exist: {missing}"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_command_exists(guide):
    commands = COMMAND.findall(guide.read_text())
    assert {c for c, _ in commands} <= set(EXAMPLES)
    labs = {name for command, name in commands if command == "lab" and name}
    assert labs == set(lab.available()), "each lab appears in the guide, and only real ones"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_idea_of_the_notes_is_covered(guide):
    text = guide.read_text()
    assert not [idea for idea in IDEAS if idea not in text]


def test_both_guides_point_at_the_same_code():
    english, chinese = (set(NAME.findall(g.read_text())) for g in GUIDES)
    assert english == chinese


def test_resolve_fails_for_a_name_that_is_gone():
    with pytest.raises(AttributeError):
        resolve("scratchgrad.optim.NoSuchOptimizer")
