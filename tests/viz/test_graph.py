"""viz.graph: the autograd graph as DOT (the notes' apple and orange graph is the golden file), rendered by
Graphviz where it is installed; `scratchgrad graph` and `scratchgrad lab graph`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from scratchgrad import lab
from scratchgrad.cli import main
from scratchgrad.lab.graph import apple_orange
from scratchgrad.tensor import Tensor
from scratchgrad.viz import graph
from scratchgrad.viz.graph import INSTALL_HINT

GOLDEN = Path(__file__).with_name("apple_orange.dot")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def test_apple_orange_matches_the_golden_dot():
    price, _ = apple_orange()
    assert graph(price, show_values=True).source == GOLDEN.read_text()


def test_apple_orange_has_the_notes_values_and_gradients():
    price, _ = apple_orange()
    dot = graph(price, show_values=True).source
    assert 'label="price\\n() float32\\n715"' in dot
    # Each input's edge: its forward value above, d price / d input below in red.
    edges = re.findall(r'label="([a-z ]+)\\n\(\) float32\\n[\d.]+"\];\n  t\d+ -> f\d+ \[label=<([\d.]+)<br/>'
                       r'<font color="red">([\d.]+)</font>>\]', dot)
    assert {name: (value, grad) for name, value, grad in edges} == {
        "apple": ("100", "2.2"), "apple count": ("2", "110"), "orange": ("150", "3.3"), "orange count": ("3", "165"),
        "tax": ("1.1", "650")}
    assert dot.count("shape=box") == 4 and dot.count("shape=oval") == 9  # Mul, Mul, Add, Mul; 5 inputs, 4 results


def test_without_values_ovals_hold_name_shape_dtype():
    w = Tensor(np.ones((3, 2), np.float32), requires_grad=True, name="W")
    x = Tensor(np.ones((4, 3), np.float32), name="x")
    dot = graph((x @ w).sum()).source
    assert 'label="W\\n(3, 2) float32"' in dot and 'label="x\\n(4, 3) float32"' in dot
    assert 'label="MatMul"' in dot and 'label="Sum"' in dot and "<br/>" not in dot


def test_graph_after_a_freeing_backward_says_so():
    w = Tensor(np.ones(3), requires_grad=True)
    y = (w * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        graph(y)


def test_render_without_dot_says_how_to_install(monkeypatch, tmp_path):
    price, _ = apple_orange()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(FileNotFoundError, match="apt-get install graphviz"):
        graph(price).render(tmp_path / "g.svg")
    assert graph(price).save(tmp_path / "g.dot").read_text().startswith("digraph {")


@needs_dot
def test_render_svg(tmp_path):
    price, _ = apple_orange()
    svg = graph(price, show_values=True).render(tmp_path / "apple_orange.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert ">715<" in svg and ">650<" in svg and ">2.2<" in svg


@needs_dot
def test_cli_graph_draws_a_zoo_model(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["graph", "--model", "simple_convnet", "--out", str(out)]) == 0
    svg = out.read_text()
    assert "Conv2d" in svg and "conv1.weight" in svg and "fc2.bias" in svg
    assert "simple_convnet's graph for input (1, 1, 28, 28), 7 ops" in capsys.readouterr().out


def test_cli_graph_writes_dot_text(tmp_path, capsys):
    out = tmp_path / "g.dot"
    assert main(["graph", "--model", "resnet8", "--out", str(out)]) == 0
    dot = out.read_text()
    assert dot.count('label="Add\\nstages.') == 3  # one residual Add per stage, named by its block
    assert "stem.0.weight" in dot and dot.count("BatchNorm") >= 7


def test_cli_graph_without_dot_keeps_the_dot_text(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["graph", "--model", "two_layer_net", "--out", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err and (tmp_path / "g.dot").is_file()
    assert INSTALL_HINT.split(":")[0] in err


@needs_dot
def test_lab_graph_draws_the_png(tmp_path):
    result = lab.run("graph", out_dir=tmp_path, quick=True, log=None)
    assert result.numbers["price"] == pytest.approx(715)
    assert result.numbers["gradients"]["apple"] == pytest.approx(2.2)
    assert result.numbers["gradients"]["tax"] == pytest.approx(650)
    assert result.png_path.read_bytes()[:4] == b"\x89PNG" and (tmp_path / "graph.dot").is_file()
