"""SyncBatchNorm: batch normalisation whose batch statistics cover every rank's samples.

Plain BatchNorm under DistributedDataParallel normalises each rank's B samples by their own mean and variance, so
N ranks x B train differently from one process x N*B. SyncBatchNorm all-reduces the per-channel sums (forward:
the mean, then the squared deviations; backward: the two sums its input gradient needs), which makes the two equal.
``nn.SyncBatchNorm.convert_sync_batchnorm(model)`` swaps every BatchNorm of a model for one, keeping its weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import backend
from ...distributed import group as _pg
from ...distributed.collectives import all_reduce
from ...ops.norm import BatchNorm
from ...tensor import Tensor
from ..checks import check_input
from ..module import Module
from ..normalization import _BatchNorm


def _summed(*arrays: Any) -> list[Any]:
    """Per-channel arrays summed over all ranks (one all-reduce for all of them), in float64."""
    host = [backend.to_numpy(a).astype(np.float64) for a in arrays]
    flat = Tensor._make(np.concatenate([h.ravel() for h in host]))
    all_reduce(flat)
    sizes = np.cumsum([0] + [h.size for h in host])
    xp = backend.get_array_module(arrays[0])
    return [xp.asarray(flat.data[a:b].reshape(h.shape)) for a, b, h in zip(sizes, sizes[1:], host)]


class SyncBatchNormFunction(BatchNorm):
    """BatchNorm in training mode with the statistics, and their gradients, of the batch of all ranks together."""

    def forward(self, x, weight=None, bias=None):
        c = x.shape[1]
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, c) + (1,) * (x.ndim - 2)
        total, count = _summed(x.sum(axis=axes), np.array([x.size // c], dtype=np.float64))
        self.count = float(count[0])
        mean = (total / self.count).astype(x.dtype)
        (squares,) = _summed(((x - mean.reshape(shape)) ** 2).sum(axis=axes))
        var = (squares / self.count).astype(x.dtype)
        self._update_running(mean, var, self.count)
        # The parent's eval path normalises by given statistics: hand it the global ones for this one call.
        buffers, self.training = (self.running_mean, self.running_var), False
        self.running_mean, self.running_var = mean, var
        try:
            return super().forward(x, weight, bias)
        finally:
            (self.running_mean, self.running_var), self.training = buffers, True

    def backward(self, gy):
        xhat, inv_std, weight = self.saved
        needs = self.needs_input_grad
        gw = (gy * xhat).sum(axis=self.axes) if len(needs) > 1 and needs[1] else None
        gb = gy.sum(axis=self.axes) if len(needs) > 2 and needs[2] else None
        g = gy if weight is None else gy * weight.reshape(self.shape)
        # Every rank's loss moves with this rank's x through the shared mean and variance: sum over ranks.
        g_sum, gxhat_sum = _summed(g.sum(axis=self.axes), (g * xhat).sum(axis=self.axes))
        m = self.count
        gx = (g - (g_sum / m).reshape(self.shape) - xhat * (gxhat_sum / m).reshape(self.shape)) * inv_std
        return gx.astype(gy.dtype, copy=False), gw, gb


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over (N, C), (N, C, L) or (N, C, H, W) whose training statistics span all ranks' batches.

    Outside a process group of several ranks, and in eval mode, it is plain BatchNorm.

    Args:
        num_features: C, the channels (or features) normalised.
        eps, momentum, affine: as BatchNorm2d.
        track_running_stats, process_group: accepted for PyTorch's code (statistics are always tracked; the
            group is the whole world).

    Shape: input (N, C), (N, C, L) or (N, C, H, W) -> output of the same shape.

    Example::

        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)   # every BatchNorm*d becomes a SyncBatchNorm
    """

    expected_ndim = (2, 3, 4)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group: Any = None):
        super().__init__(num_features, eps, momentum, affine)

    def forward(self, x: Any) -> Tensor:
        if not (self.training and _pg.is_initialized() and _pg.get_world_size() > 1):
            return super().forward(x)
        if check_input(self, x).ndim not in self.expected_ndim or x.shape[1] != self.num_features:
            return super().forward(x)  # which raises BatchNorm's error naming the shapes
        self.num_batches_tracked += 1
        fn = SyncBatchNormFunction(self.running_mean, self.running_var, True, self.momentum, self.eps)
        return fn(x, self.weight, self.bias)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every BatchNorm1d/2d replaced by a SyncBatchNorm sharing its parameters and buffers."""
        if isinstance(module, _BatchNorm) and not isinstance(module, cls):
            affine = module.weight is not None
            synced = cls(module.num_features, module.eps, module.momentum, affine)
            if affine:
                synced.weight, synced.bias = module.weight, module.bias
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                synced._buffers[name] = module._buffers[name]
            synced.train(module.training)
            return synced
        for name, child in list(module._modules.items()):
            if child is not None:
                module._modules[name] = cls.convert_sync_batchnorm(child, process_group)
        return module
