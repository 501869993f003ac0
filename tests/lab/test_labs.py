"""Each lab in quick mode: it writes a valid PNG, and its numbers say what the notes say they should."""

from __future__ import annotations

import math

import pytest
from lab_helpers import assert_valid_png

from scratchgrad import lab


def run_quick(name, tmp_path):
    result = lab.run(name, out_dir=tmp_path, quick=True, log=None)
    assert result.png_path == tmp_path / f"{name}.png"
    assert_valid_png(result.png_path)
    return result.numbers


def test_available_lists_every_lab_with_a_description():
    names = list(lab.available())
    assert names == ["activations", "gates", "gradient-descent", "optimizers", "weight-init", "batchnorm",
                     "overfitting", "gradient-check", "filters", "graph"]
    assert all(len(d) > 20 for d in lab.available().values())


def test_unknown_lab_names_the_available_ones(tmp_path):
    with pytest.raises(ValueError, match="unknown lab 'weights'; available: activations, gates"):
        lab.run("weights", out_dir=tmp_path)


def test_run_prints_the_table_and_where_the_png_went(tmp_path):
    lines = []
    result = lab.run("activations", out_dir=tmp_path / "figs", quick=True, log=lines.append)
    assert result.name == "activations" and result.seconds > 0
    assert any("sigmoid" in line and "0.25" in line for line in lines)
    assert lines[-1].startswith(f"wrote {tmp_path / 'figs' / 'activations.png'}")


def test_activations_derivatives_from_backward_match_the_notes(tmp_path):
    numbers = run_quick("activations", tmp_path)
    assert numbers["step"]["max_derivative"] == 0.0  # nothing to learn from
    assert numbers["sigmoid"]["max_derivative"] == pytest.approx(0.25)
    assert numbers["sigmoid"]["derivative_at"][5.0] < 0.01  # saturated
    assert numbers["tanh"]["max_derivative"] == pytest.approx(1.0)
    assert numbers["relu"]["derivative_at"][1.0] == 1.0 and numbers["relu"]["derivative_at"][-1.0] == 0.0
    assert numbers["identity"]["derivative_at"] == {p: 1.0 for p in (-5.0, -1.0, 0.0, 1.0, 5.0)}
    p0 = numbers["softmax"]["value_at"][0.0]  # e^0 / (e^0 + e^0 + e^1)
    assert p0 == pytest.approx(1 / (2 + math.e))
    assert numbers["softmax"]["derivative_at"][0.0] == pytest.approx(p0 * (1 - p0))


def test_gates_truth_tables_and_xor_needs_two_layers(tmp_path):
    numbers = run_quick("gates", tmp_path)
    assert numbers["truth_tables"] == {"AND": [0, 0, 0, 1], "NAND": [1, 1, 1, 0], "OR": [0, 1, 1, 1],
                                       "XOR": [0, 1, 1, 0]}
    assert numbers["converged"] == {"AND": True, "NAND": True, "OR": True, "XOR": False}
    assert numbers["xor_two_layer"] == [0, 1, 1, 0]


def test_gradient_descent_too_large_diverges_too_small_stalls(tmp_path):
    numbers = run_quick("gradient-descent", tmp_path)
    assert numbers["10"]["f_end"] > 1e20 and numbers["1.05"]["f_end"] > numbers["1.05"]["f_start"]
    assert 0 < numbers["1e-10"]["moved"] < 1e-6  # moved, by almost nothing
    assert numbers["0.1"]["f_end"] < 1e-3 * numbers["0.1"]["f_start"]
    assert numbers["0.01"]["f_end"] > numbers["0.1"]["f_end"]  # small steps, slow progress


def test_optimizers_all_approach_the_minimum_and_learn_mnist(tmp_path):
    numbers = run_quick("optimizers", tmp_path)
    assert set(numbers["valley"]) == {"SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"}
    for name, result in numbers["valley"].items():
        assert result["distance_end"] < 0.5 * result["distance_start"], name
    for name, result in numbers["mnist"].items():
        assert result["final_loss"] < result["first_loss"], name


def test_weight_init_histograms_saturate_collapse_or_spread_as_the_notes_show(tmp_path):
    numbers = run_quick("weight-init", tmp_path)
    hist = numbers["histograms"]
    last = {init: hist[f"sigmoid/{init}"][-1] for init in ("std 1", "std 0.01", "Xavier")}
    assert last["std 1"]["saturated"] > 0.5  # piled up near 0 and 1
    assert last["std 0.01"]["near_middle"] > 0.99 and last["std 0.01"]["std"] < 0.03  # all ~0.5
    assert last["Xavier"]["saturated"] < 0.05 and last["Xavier"]["near_middle"] < 0.5  # spread
    assert last["Xavier"]["std"] > 4 * last["std 0.01"]["std"]
    # ReLU: std 0.01 and Xavier shrink layer by layer, He keeps the spread.
    relu_std = {init: [layer["std"] for layer in hist[f"relu/{init}"]] for init in ("std 0.01", "Xavier", "He")}
    assert relu_std["std 0.01"][-1] < 1e-4 and relu_std["Xavier"][-1] < 0.5 * relu_std["Xavier"][0]
    assert 0.7 < relu_std["He"][-1] / relu_std["He"][0] < 1.4
    # MNIST: std 0.01 does not learn in a few iterations; He does.
    mnist = numbers["mnist"]
    assert mnist["std 0.01"]["final_loss"] > 2.25 and mnist["He"]["final_loss"] < mnist["std 0.01"]["final_loss"] - 0.3


def test_batchnorm_trains_from_a_bad_initial_scale(tmp_path):
    numbers = run_quick("batchnorm", tmp_path)
    bad = [r for r in numbers.values() if 1e-3 < r["scale"] < 0.1]
    assert bad, numbers
    for result in bad:  # without batch norm the signal vanishes and accuracy stays at chance
        assert result["with_batchnorm"] > result["without"] + 0.3, result


def test_overfitting_plain_run_has_the_largest_gap(tmp_path):
    numbers = run_quick("overfitting", tmp_path)
    plain = numbers["no regularisation"]
    assert plain["train_accuracy"] > 0.95
    assert plain["gap"] > numbers["weight decay 0.1"]["gap"]
    assert plain["gap"] > numbers["dropout 0.2"]["gap"]


def test_gradient_check_backprop_agrees_with_numerical_in_float64(tmp_path):
    numbers = run_quick("gradient-check", tmp_path)
    assert set(numbers["TwoLayerNet"]) == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
    assert "conv1.weight" in numbers["SimpleConvNet"] and "conv1.bias" in numbers["SimpleConvNet"]
    for model, params in numbers.items():
        for name, diff in params.items():
            assert diff < 1e-6, (model, name, diff)


def test_filters_become_smooth_patterns(tmp_path):
    numbers = run_quick("filters", tmp_path)
    assert abs(numbers["neighbour_correlation_before"]) < 0.15  # noise
    assert numbers["neighbour_correlation_after"] > numbers["neighbour_correlation_before"] + 0.15
    assert numbers["test_accuracy"] > 0.5
