"""perceptron.py: the notes' logic gates, and a perceptron that learns AND / OR / NAND but not XOR."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad.perceptron import AND, NAND, OR, TRUTH_INPUTS, XOR, Perceptron

# Outputs for the inputs (0, 0), (1, 0), (0, 1), (1, 1).
TRUTH_TABLES = {
    "AND": (AND, [0, 0, 0, 1]),
    "NAND": (NAND, [1, 1, 1, 0]),
    "OR": (OR, [0, 1, 1, 1]),
    "XOR": (XOR, [0, 1, 1, 0]),
}


@pytest.mark.parametrize("name", TRUTH_TABLES)
def test_gate_follows_its_truth_table(name):
    gate, outputs = TRUTH_TABLES[name]
    assert [gate(x1, x2) for x1, x2 in [(0, 0), (1, 0), (0, 1), (1, 1)]] == outputs


def test_truth_inputs_are_in_the_notes_order():
    np.testing.assert_array_equal(TRUTH_INPUTS, [[0, 0], [1, 0], [0, 1], [1, 1]])


@pytest.mark.parametrize("name", ["AND", "OR", "NAND"])
def test_perceptron_learns_a_linearly_separable_gate(name):
    outputs = TRUTH_TABLES[name][1]
    p = Perceptron(2).fit(TRUTH_INPUTS, outputs)
    assert p.converged, p.message
    np.testing.assert_array_equal(p.predict(TRUTH_INPUTS), outputs)
    assert "converged" in p.message


def test_perceptron_cannot_learn_xor_and_says_why():
    p = Perceptron(2).fit(TRUTH_INPUTS, TRUTH_TABLES["XOR"][1], max_epochs=50)
    assert not p.converged and p.epochs_run == 50
    assert not np.array_equal(p.predict(TRUTH_INPUTS), TRUTH_TABLES["XOR"][1])
    assert "XOR" in p.message and "two layers" in p.message


def test_perceptron_refuses_inputs_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        Perceptron(2).fit(np.zeros((4, 3)), [0, 0, 0, 1])
