"""The concept guides point only at code and commands that exist, and state the numbers the code computes, so they
cannot rot unnoticed."""

from __future__ import annotations

import functools
import importlib
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from scratchgrad import lab
from scratchgrad.cli import EXAMPLES, build_parser, main

ROOT = Path(__file__).resolve().parents[2]
GUIDES = [ROOT / "docs" / "concepts.md", ROOT / "docs" / "concepts.zh-CN.md"]
NAME = re.compile(r"`(scratchgrad(?:\.[A-Za-z_]\w*)+)`")
COMMAND = re.compile(r"`scratchgrad ([a-z]+)(?: ([a-z][a-z-]*))?")
# A command in a table row: optional VAR=value prefixes, then scratchgrad, python or make.
ROW_COMMAND = re.compile(r"`((?:[A-Z_]+=\S+ )*(?:scratchgrad|python|make) [^`]+)`")
# "`python -c ...` prints `X`" (English) or "`python -c ...` 输出 `X`" / "输出笔记中的 `X`" (Chinese).
PRINTS = re.compile(r"`(python -c [^`]+)` (?:prints|输出)[^`|]*`([^`]+)`")
RUN_IN_PROCESS = {"summary", "models"}  # fast; the labs run in test_labs.py, train and search are too slow here

# Every idea of the notes the guide must cover, and each correction it makes, as both guides spell it.
IDEAS = ["感知机", "激活函数", "损失函数", "mini-batch", "数值微分", "梯度法", "计算图", "链式法则", "误差反向传播",
         "Affine", "Softmax-with-Loss", "权重初始值", "SGD", "Momentum", "AdaGrad", "Adam", "Batch Normalization",
         "正则化", "权值衰减", "Dropout", "超参数", "卷积层", "填充与步幅", "池化层", "im2col", "LeNet", "AlexNet",
         "VGG", "ResNet", "epoch", "iteration", "fprop", "bprop", "wgrad", "dgrad",
         "Deep Learning from Scratch", "《深度学习入门：基于Python的理论与实现》",
         "MulLayer", "AddLayer", "715", "x Wᵀ + b", "fc1.weight", "gy · colᵀ", "fold(Wᵀ · gy)", "unfold",
         "√(2/(fan_in + fan_out))", "1/√n", "√(2/n)", "2/√n", "AdamW", "inverted dropout", "1/(1−p)", "½Σ(y−t)²",
         "0.0975", "0.0195", "(N, C, H, W)", ".dim()", "⌈N/B⌉", "Trainer", "load_mnist", "255", "binary_cross_entropy",
         "in_channels", "out_channels", "27C²", "49C²", "896", "18,496", "6,422,656", "3×3×32", "273",
         "rows_to_images", "(0, 2, 3, 1)", "LocalResponseNorm", "AvgPool2d", "CuPy", "--optimizer sgd --lr 0.1"]

# The Chinese guide's section titles are the book's chapter titles; the phrasings it replaced must not return.
CHINESE_TITLES = ["感知机（第 2 章）", "神经网络（第 3 章）", "神经网络的学习（第 4 章）", "误差反向传播法（第 5 章）",
                  "与学习相关的技巧（第 6 章）", "卷积神经网络（第 7 章）", "深度学习（第 8 章）"]
CHINESE_LITERALS = ["怎样看到", "笔记里的每个概念在代码的哪里", "ceil(N / B) 次", "反向缩放", "（笔记，"]

# The numbers the guides state for each example, as the example prints them (thousands separators aside).
STATED = {
    "python examples/apple_orange.py": ["715", "2.2", "110", "3.3", "165", "650"],
    "python examples/losses.py": ["0.0975", "0.0195", "0.5108"],
    "python examples/conv_arithmetic.py": ["896", "18,496", "6,422,656", "6,443,338", "(7, 7)", "110,592", "200,704"],
    "python examples/mnist_by_hand.py": ["600"],
}


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


def row_commands(guide: Path) -> list[str]:
    """The commands in the guide's table rows (the prose above the tables only describes them)."""
    rows = [line for line in guide.read_text().splitlines() if line.startswith("|")]
    return [command for row in rows for command in ROW_COMMAND.findall(row)]


def plain_numbers(text: str) -> str:
    """``text`` with thousands separators dropped, so 18,496 in a guide matches 18496 in a summary."""
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


@functools.cache
def run_python(command: str) -> str:
    """Run a guide's ``python ...`` command from the repository root with this interpreter; its output."""
    argv = [sys.executable, *shlex.split(command)[1:]]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command!r} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


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


@pytest.mark.parametrize("command", sorted({c for g in GUIDES for c in row_commands(g)}), ids=lambda c: c[:60])
def test_every_row_command_parses_or_runs(command, capsys):
    words = shlex.split(command)
    while "=" in words[0]:  # an environment setting (the GPU backend): the command itself is still checked
        words.pop(0)
    if words[0] == "make":
        assert re.search(rf"^{words[1]}:", (ROOT / "Makefile").read_text(), re.M), f"no make target {words[1]}"
    elif words[0] == "python":
        run_python(command)
    elif words[1] in RUN_IN_PROCESS and words == shlex.split(command):
        assert main(words[1:]) == 0
        assert capsys.readouterr().out
    else:
        build_parser().parse_args(words[1:])  # a misspelt option is a UsageError


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_what_a_command_is_said_to_print_is_what_it_prints(guide):
    claims = PRINTS.findall(guide.read_text())
    assert len(claims) >= 2
    for command, printed in claims:
        assert printed in run_python(command), f"{guide.name}: {command!r} does not print {printed!r}"


@pytest.mark.parametrize("command", sorted(STATED), ids=lambda c: c.split("/")[-1])
def test_the_numbers_the_guides_state_are_what_the_examples_compute(command):
    output = plain_numbers(run_python(command))
    for number in STATED[command]:
        assert plain_numbers(number) in output, f"{command!r} does not compute {number}"
        for guide in GUIDES:
            assert number in guide.read_text(), f"{guide.name} does not state {number} ({command})"
            assert command in row_commands(guide), f"{guide.name} does not point at {command}"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_idea_of_the_notes_is_covered(guide):
    text = guide.read_text()
    assert not [idea for idea in IDEAS if idea not in text]


def test_the_chinese_guide_uses_the_books_chapter_titles_and_no_literal_phrasings():
    text = GUIDES[1].read_text()
    titles = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert titles == CHINESE_TITLES
    assert not [phrase for phrase in CHINESE_LITERALS if phrase in text]


def test_both_guides_point_at_the_same_code_and_commands():
    english, chinese = (set(NAME.findall(g.read_text())) for g in GUIDES)
    assert english == chinese
    assert set(row_commands(GUIDES[0])) == set(row_commands(GUIDES[1]))


def test_resolve_fails_for_a_name_that_is_gone():
    with pytest.raises(AttributeError):
        resolve("scratchgrad.optim.NoSuchOptimizer")
