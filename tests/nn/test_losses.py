"""nn.functional's losses and nn's loss modules against PyTorch (values and gradients, float64 and float32) and
numerical gradients: cross_entropy and nll_loss with weight, ignore_index, label smoothing and extra axes; l1,
smooth_l1, binary cross-entropy with weight and pos_weight; every loss module's arguments."""

from __future__ import annotations

import re

import numpy as np
import pytest
from core_helpers import assert_gradients_match_numerical, assert_matches_torch

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad import Tensor

N, C = 6, 4
WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])
LABELS = np.array([0, 3, 1, 1, 2, 3])
LABELS_IGNORED = np.array([0, -100, 1, 3, -100, 2])

CE_CASES = [
    {},
    {"weight": WEIGHT},
    {"ignore_index": -100, "labels": LABELS_IGNORED},
    {"ignore_index": 1},
    {"label_smoothing": 0.2},
    {"weight": WEIGHT, "label_smoothing": 0.1, "labels": LABELS_IGNORED},
    {"weight": WEIGHT, "reduction": "sum", "label_smoothing": 0.3},
    {"weight": WEIGHT, "reduction": "none", "labels": LABELS_IGNORED},
]


def _split(case):
    case = dict(case)
    labels = case.pop("labels", LABELS)
    weight = case.pop("weight", None)
    return labels, weight, case


def _torch_weight(torch, weight, like):
    return None if weight is None else torch.tensor(weight, dtype=like.dtype)


@pytest.mark.parametrize("case", CE_CASES, ids=[str(sorted(c)) for c in CE_CASES])
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_class_losses_match_torch(torch, rng, name, case):
    labels, weight, kwargs = _split(case)
    if name == "nll_loss":
        kwargs.pop("label_smoothing", None)
    x = rng.standard_normal((N, C))
    ours = getattr(F, name)
    theirs = getattr(torch.nn.functional, name)
    assert_matches_torch(
        torch,
        lambda a, t: ours(a, t, weight=None if weight is None else Tensor(weight.astype(a.dtype)), **kwargs),
        lambda a, t: theirs(a, t, weight=_torch_weight(torch, weight, a), **kwargs),
        x, labels,
    )


@pytest.mark.parametrize("case", CE_CASES[:6], ids=[str(sorted(c)) for c in CE_CASES[:6]])
def test_cross_entropy_gradient_matches_numerical(rng, case):
    labels, weight, kwargs = _split(case)
    x = rng.standard_normal((N, C))
    assert_gradients_match_numerical(lambda a: F.cross_entropy(a, labels, weight=weight, **kwargs), x)
    assert_gradients_match_numerical(
        lambda a: F.nll_loss(a, labels, weight=weight, **{k: v for k, v in kwargs.items() if k != "label_smoothing"}),
        x,
    )


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_cross_entropy_over_extra_axes_matches_torch(torch, rng, reduction):
    # Segmentation's shape: scores (N, C, H, W), labels (N, H, W).
    x = rng.standard_normal((2, C, 3, 5))
    labels = rng.integers(0, C, size=(2, 3, 5))
    labels[0, 1, 2] = -100
    kwargs = {"reduction": reduction, "label_smoothing": 0.1}
    assert_matches_torch(
        torch,
        lambda a, t: F.cross_entropy(a, t, weight=Tensor(WEIGHT.astype(a.dtype)), **kwargs),
        lambda a, t: torch.nn.functional.cross_entropy(a, t, weight=torch.tensor(WEIGHT, dtype=a.dtype), **kwargs),
        x, labels,
    )
    assert_gradients_match_numerical(lambda a: F.cross_entropy(a, labels, **kwargs), x)


def test_probability_targets_with_weight_and_smoothing_match_torch(torch, rng):
    x = rng.standard_normal((N, C))
    target = rng.dirichlet(np.ones(C), size=N)
    kwargs = {"label_smoothing": 0.2}
    assert_matches_torch(
        torch,
        lambda a, t: F.cross_entropy(a, t, weight=WEIGHT.astype(a.dtype), **kwargs),
        lambda a, t: torch.nn.functional.cross_entropy(a, t, weight=torch.tensor(WEIGHT, dtype=a.dtype), **kwargs),
        x, target,
    )


def test_every_label_ignored_gives_nan_as_torch(torch):
    x = np.zeros((2, 3))
    labels = np.array([-100, -100])
    ours = F.cross_entropy(Tensor(x), labels).item()
    theirs = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(labels)).item()
    assert np.isnan(ours) and np.isnan(theirs)


def test_bad_labels_and_weights_are_named():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\] for 3 classes .*received values from 0 to 5"):
        F.cross_entropy(x, np.array([0, 5]))
    with pytest.raises(ValueError, match=r"weight must have one entry per class, shape \(3,\); received \(2,\)"):
        F.nll_loss(x, np.array([0, 1]), weight=np.ones(2))
    with pytest.raises(ValueError, match=r"integer labels must have shape \(2,\) for input of shape \(2, 3\)"):
        F.cross_entropy(x, np.array([[0, 1]]))


# ---- regression and binary losses ---------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("name", "kwargs"), [("l1_loss", {}), ("smooth_l1_loss", {}),
                                              ("smooth_l1_loss", {"beta": 0.5}), ("smooth_l1_loss", {"beta": 0.0})])
def test_regression_losses_match_torch_and_numerical(torch, rng, name, kwargs, reduction):
    y = rng.uniform(-2, 2, (5, 3))
    t = y + rng.choice([-1, 1], size=y.shape) * rng.uniform(0.05, 2, y.shape)  # |y - t| away from the kinks
    t[np.abs(np.abs(y - t) - kwargs.get("beta", 1.0)) < 0.05] += 0.2
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    assert_matches_torch(torch, lambda a, b: ours(a, b, reduction=reduction, **kwargs),
                         lambda a, b: theirs(a, b, reduction=reduction, **kwargs), y, t)
    assert_gradients_match_numerical(lambda a, b: ours(a, b, reduction=reduction, **kwargs), y, t)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_losses_with_weight_and_pos_weight_match_torch(torch, rng, reduction):
    x = rng.standard_normal((5, 3))
    t = rng.uniform(0, 1, (5, 3))
    weight, pos_weight = rng.uniform(0.5, 2, (3,)), np.array([1.0, 3.0, 0.5])

    def ours(a, b):
        return F.binary_cross_entropy_with_logits(
            a, b, weight=weight.astype(a.dtype), reduction=reduction, pos_weight=pos_weight.astype(a.dtype)
        )

    def theirs(a, b):
        return torch.nn.functional.binary_cross_entropy_with_logits(
            a, b, weight=torch.tensor(weight, dtype=a.dtype), reduction=reduction,
            pos_weight=torch.tensor(pos_weight, dtype=a.dtype),
        )

    assert_matches_torch(torch, ours, theirs, x, t)
    assert_gradients_match_numerical(ours, x, t)
    p = 1 / (1 + np.exp(-x))
    assert_matches_torch(
        torch,
        lambda a, b: F.binary_cross_entropy(a, b, weight=weight.astype(a.dtype), reduction=reduction),
        lambda a, b: torch.nn.functional.binary_cross_entropy(
            a, b, weight=torch.tensor(weight, dtype=a.dtype), reduction=reduction),
        p, t,
    )


# ---- the modules --------------------------------------------------------------------------------------------
MODULES = [
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "ignore_index": 2}, "labels"),
    ("CrossEntropyLoss", {"reduction": "sum"}, "labels"),
    ("NLLLoss", {"reduction": "none"}, "labels"),
    ("MSELoss", {}, "values"),
    ("L1Loss", {"reduction": "sum"}, "values"),
    ("SmoothL1Loss", {"beta": 0.5}, "values"),
    ("BCELoss", {}, "probabilities"),
    ("BCEWithLogitsLoss", {"reduction": "none"}, "probabilities"),
]


@pytest.mark.parametrize(("name", "kwargs", "target"), MODULES, ids=[m[0] for m in MODULES])
def test_loss_modules_match_torchs(torch, rng, name, kwargs, target):
    x = rng.uniform(0.05, 0.95, (N, C)) if name == "BCELoss" else rng.standard_normal((N, C))
    t = {"labels": LABELS, "values": rng.standard_normal((N, C)), "probabilities": rng.uniform(0, 1, (N, C))}[target]
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert_matches_torch(torch, ours, theirs, x, t)


def test_weighted_modules_match_torchs(torch, rng):
    x = rng.standard_normal((N, C))
    ours = nn.CrossEntropyLoss(weight=Tensor(WEIGHT), ignore_index=3)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor(WEIGHT), ignore_index=3)
    assert_matches_torch(torch, ours, theirs, x, LABELS, dtypes=(np.float64,))
    ours = nn.BCEWithLogitsLoss(weight=Tensor(WEIGHT), pos_weight=Tensor(WEIGHT[::-1].copy()))
    theirs = torch.nn.BCEWithLogitsLoss(weight=torch.tensor(WEIGHT), pos_weight=torch.tensor(WEIGHT[::-1].copy()))
    assert_matches_torch(torch, ours, theirs, x, rng.uniform(0, 1, (N, C)), dtypes=(np.float64,))


def test_a_loss_weight_moves_with_the_module_and_stays_out_of_state_dicts():
    criterion = nn.CrossEntropyLoss(weight=Tensor(WEIGHT))
    assert list(criterion.state_dict()) == [] and list(criterion.parameters()) == []
    np.testing.assert_array_equal(criterion.weight, WEIGHT)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.MSELoss(reduction="avg"), "MSELoss: reduction must be one of ('mean', 'sum', 'none'), but got "
                                              "reduction='avg'"),
        (lambda: nn.CrossEntropyLoss(label_smoothing=1.5), "label_smoothing must be in [0, 1], but got "
                                                           "label_smoothing=1.5"),
        (lambda: nn.NLLLoss(ignore_index=1.5), "NLLLoss: ignore_index must be an int, but got ignore_index=1.5"),
        (lambda: nn.SmoothL1Loss(beta=-1), "SmoothL1Loss: beta must be a number >= 0, but got beta=-1"),
        (lambda: nn.L1Loss(size_average=True), "size_average and reduce were replaced by reduction"),
        (lambda: nn.BCELoss(weight=[1.0, 2.0]), "BCELoss: weight must be a Tensor or None; received list"),
    ],
)
def test_loss_modules_check_their_arguments(make, message):
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        make()
