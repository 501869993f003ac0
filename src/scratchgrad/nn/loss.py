"""Loss modules with PyTorch's names, arguments and ``reduction``: ``criterion = nn.CrossEntropyLoss()``.

Each holds its options and calls the function of the same name in ``nn.functional``; ``reduction`` is "mean"
(the default), "sum" or "none" (one loss per sample or element). PyTorch's long-deprecated ``size_average`` and
``reduce`` arguments are refused with the ``reduction`` that replaces them.
"""

from __future__ import annotations

from typing import Any

from ..autograd import Tensor
from ..ops import cross_entropy as ce
from ..ops import loss
from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    fn: Any = None  # the elementwise losses' function of (input, target, reduction)

    def __init__(self, reduction: str = "mean", size_average: Any = None, reduce: Any = None):
        super().__init__()
        name = type(self).__name__
        if size_average is not None or reduce is not None:
            raise ValueError(
                f"{name}: size_average and reduce were replaced by reduction ('mean', 'sum' or 'none'); received "
                f"size_average={size_average!r}, reduce={reduce!r}"
            )
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, but got reduction={reduction!r}")
        self.reduction = reduction

    def forward(self, input: Any, target: Any) -> Tensor:
        return type(self).fn(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    def __init__(self, weight: Any = None, reduction: str = "mean", **deprecated: Any):
        super().__init__(reduction, **deprecated)
        if weight is not None and not (isinstance(weight, Tensor) or hasattr(weight, "shape")):
            raise TypeError(f"{type(self).__name__}: weight must be a Tensor or None; received {type(weight).__name__}")
        # A buffer, as in PyTorch: it moves with .to(device) and is not learned.
        self.register_buffer("weight", weight, persistent=False)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax and negative log-likelihood in one stable step, on raw scores: the classification loss.

    Args:
        weight: (C,) rescaling of each class's loss (for unbalanced classes); None weighs all alike.
        ignore_index: samples with this label add nothing to the loss or its gradient (-100 by default).
        reduction: "mean" (divided by the summed weights of the samples kept), "sum" or "none".
        label_smoothing: s in [0, 1]: the target becomes (1 - s) one-hot + s / C everywhere.

    Shape: input (N, C) scores, or (N, C, d1, ...); target (N,) / (N, d1, ...) int64 labels in [0, C), or
    probabilities of the input's shape. Output a scalar, or (N,) / (N, d1, ...) with reduction="none".
    Example: nn.CrossEntropyLoss()(model(x), labels) with scores (100, 10) and labels (100,) is a scalar.
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ):
        super().__init__(weight, reduction, size_average=size_average, reduce=reduce)
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
            raise TypeError(f"CrossEntropyLoss: ignore_index must be an int, but got ignore_index={ignore_index!r}")
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(
                f"CrossEntropyLoss: label_smoothing must be in [0, 1], but got label_smoothing={label_smoothing!r}"
            )
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Any, target: Any) -> Tensor:
        return ce.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities: loss_i = -weight[t_i] * input[i, t_i].

    Args:
        weight: (C,) rescaling of each class's loss; None weighs all alike.
        ignore_index: samples with this label add nothing (-100 by default).
        reduction: "mean" (divided by the summed weights of the samples kept), "sum" or "none".

    Shape: input (N, C) log-probabilities (after LogSoftmax), or (N, C, d1, ...); target (N,) / (N, d1, ...)
    int64 labels. Output a scalar, or the target's shape with reduction="none".
    Example: nn.NLLLoss()(F.log_softmax(scores, dim=1), labels) equals nn.CrossEntropyLoss()(scores, labels).
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
    ):
        super().__init__(weight, reduction, size_average=size_average, reduce=reduce)
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
            raise TypeError(f"NLLLoss: ignore_index must be an int, but got ignore_index={ignore_index!r}")
        self.ignore_index = ignore_index

    def forward(self, input: Any, target: Any) -> Tensor:
        return ce.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class MSELoss(_Loss):
    """Mean squared error, (y - t)^2 per element: the regression loss.

    Args:
        reduction: "mean" over every element (the default), "sum" or "none".

    Shape: input and target of the same shape; output a scalar, or that shape with reduction="none".
    Example: nn.MSELoss()(Tensor([1.0, 2.0]), Tensor([1.0, 4.0])) is 2.0.
    """

    fn = loss.mse_loss


class L1Loss(_Loss):
    """Mean absolute error, |y - t| per element: less swayed by outliers than MSELoss.

    Args:
        reduction: "mean" over every element (the default), "sum" or "none".

    Shape: input and target of the same shape; output a scalar, or that shape with reduction="none".
    Example: nn.L1Loss()(Tensor([1.0, 2.0]), Tensor([1.0, 4.0])) is 1.0.
    """

    fn = loss.l1_loss


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above it: 0.5 d^2 / beta if |d| < beta else |d| - beta / 2.

    Args:
        reduction: "mean" over every element (the default), "sum" or "none".
        beta: where the two pieces meet, >= 0 (0 gives L1Loss).

    Shape: input and target of the same shape; output a scalar, or that shape with reduction="none".
    Example: nn.SmoothL1Loss()(Tensor([0.0, 0.0]), Tensor([0.5, 3.0])) is (0.125 + 2.5) / 2 = 1.3125.
    """

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction, size_average, reduce)
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not beta >= 0:
            raise ValueError(f"SmoothL1Loss: beta must be a number >= 0, but got beta={beta!r}")
        self.beta = float(beta)

    def forward(self, input: Any, target: Any) -> Tensor:
        return loss.smooth_l1_loss(input, target, self.reduction, self.beta)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities: -(t log p + (1 - t) log(1 - p)), each log clamped at -100.

    Args:
        weight: rescaling of each element's loss, broadcast against the input.
        reduction: "mean" over every element (the default), "sum" or "none".

    Shape: input p in [0, 1] (after Sigmoid) and target t of the same shape; output a scalar, or that shape.
    Example: nn.BCELoss()(torch.sigmoid(scores), labels.float()); prefer BCEWithLogitsLoss on the scores.
    """

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None, reduction: str = "mean"):
        super().__init__(weight, reduction, size_average=size_average, reduce=reduce)

    def forward(self, input: Any, target: Any) -> Tensor:
        return loss.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid and binary cross-entropy in one stable step, on raw scores.

    Args:
        weight: rescaling of each element's loss, broadcast against the input.
        reduction: "mean" over every element (the default), "sum" or "none".
        pos_weight: weight of the positive targets, one per class (broadcast over the last axis).

    Shape: input scores and target t in [0, 1] of the same shape; output a scalar, or that shape.
    Example: nn.BCEWithLogitsLoss(pos_weight=Tensor([3.0]))(scores, labels) weighs positives 3 to 1.
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        pos_weight: Any = None,
    ):
        super().__init__(weight, reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("pos_weight", pos_weight, persistent=False)

    def forward(self, input: Any, target: Any) -> Tensor:
        return loss.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)
