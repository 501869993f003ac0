"""SyncBatchNorm: N ranks x B with synchronised statistics train as one process x N*B with BatchNorm; plain
BatchNorm under DistributedDataParallel does not (its statistics stay per rank)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from mpi_ranks import run_ok

import scratchgrad as sg
import scratchgrad.nn as nn

SCRIPT = """
import numpy as np
import scratchgrad as sg
import scratchgrad.distributed as dist
import scratchgrad.nn as nn
import scratchgrad.nn.functional as F

rank, size = dist.get_rank(), dist.get_world_size()
B, STEPS = 4, 20

def convnet():
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 6 * 6, 8),
                         nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 3))

def train(ranks, my_rank, sync, wrap, dtype):
    sg.manual_seed(0)
    model = convnet()
    model = model.double() if dtype == np.float64 else model
    if sync:
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    if wrap:
        model = nn.parallel.DistributedDataParallel(model)
    optimizer = sg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    data = np.random.default_rng(3)
    for _ in range(STEPS):
        x = data.standard_normal((size * B, 1, 8, 8)).astype(dtype)
        t = data.integers(0, 3, size * B)
        lo, hi = my_rank * len(x) // ranks, (my_rank + 1) * len(x) // ranks
        optimizer.zero_grad()
        F.cross_entropy(model(sg.tensor(x[lo:hi])), sg.tensor(t[lo:hi])).backward()
        optimizer.step()
    state = (model.module if wrap else model).state_dict()
    return np.concatenate([np.ravel(v.numpy() if hasattr(v, "numpy") else v).astype(np.float64)
                           for k, v in state.items() if "num_batches" not in k])

for dtype, tol in ((np.float64, 1e-10), (np.float32, 1e-5)):
    synced = train(size, rank, sync=True, wrap=True, dtype=dtype)
    per_rank = train(size, rank, sync=False, wrap=True, dtype=dtype)
    if rank == 0:
        alone = train(1, 0, sync=False, wrap=False, dtype=dtype)
        print(f"{np.dtype(dtype).name} synced {np.max(np.abs(synced - alone)):.1e} "
              f"per-rank {np.max(np.abs(per_rank - alone)):.1e}", flush=True)
"""


@pytest.mark.parametrize("ranks", [2, 3])
def test_synchronised_statistics_train_as_one_process(ranks, tmp_path):
    out = run_ok(ranks, SCRIPT, tmp_path, timeout=240)
    gaps = {m[0]: (float(m[1]), float(m[2])) for m in re.findall(r"(\w+) synced (\S+) per-rank (\S+)", out)}
    assert set(gaps) == {"float64", "float32"}, out
    assert gaps["float64"][0] < 1e-10 and gaps["float32"][0] < 1e-5, gaps
    assert gaps["float64"][1] > 1e-4, gaps  # per-rank statistics: a different training, as documented


def test_convert_keeps_parameters_and_buffers_and_is_plain_batchnorm_alone():
    sg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Sequential(nn.BatchNorm1d(3)))
    weight, running = model[1].weight, model[1].running_mean
    x = sg.tensor(np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32))
    expected = model(x).detach().numpy()
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert isinstance(converted[1], nn.SyncBatchNorm) and isinstance(converted[2][0], nn.SyncBatchNorm)
    assert converted[1].weight is weight and converted[1].running_mean is running
    np.testing.assert_allclose(converted(x).detach().numpy(), expected, rtol=1e-6)  # no process group: plain BatchNorm
