"""DistributedDataParallel: N ranks with batch B train as one process with batch N*B, and its refusals."""

from __future__ import annotations

import pytest
from mpi_ranks import run_ok, run_ranks

EQUIVALENCE = """
import numpy as np
import scratchgrad as sg
import scratchgrad.distributed as dist
import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad.models import SimpleConvNet

rank, size = dist.get_rank(), dist.get_world_size()
B, STEPS = 4, 20

def mlp():
    return nn.Sequential(nn.Linear(12, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))

def convnet():
    return SimpleConvNet(input_shape=(1, 8, 8), filter_num=3, filter_size=3, hidden_size=10, num_classes=3)

def train(build, dtype, ranks, my_rank, wrap, **ddp):
    sg.manual_seed(1 + my_rank)  # different initial values on each rank: DDP must start them from rank 0's
    model = build()
    model = model.double() if dtype == np.float64 else model
    if wrap:
        model = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0.001, **ddp)  # several buckets
    optimizer = sg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    shape = (12,) if build is mlp else (1, 8, 8)
    data = np.random.default_rng(7)
    for step in range(STEPS):
        x = data.standard_normal((size * B, *shape)).astype(dtype)
        t = data.integers(0, 3, size * B)
        lo, hi = my_rank * len(x) // ranks, (my_rank + 1) * len(x) // ranks
        optimizer.zero_grad()
        F.cross_entropy(model(sg.tensor(x[lo:hi])), sg.tensor(t[lo:hi])).backward()
        optimizer.step()
    inner = model.module if wrap else model
    return np.concatenate([p.data.ravel().astype(np.float64) for p in inner.parameters()])

for build in (mlp, convnet):
    for dtype, tol in ((np.float64, 1e-10), (np.float32, 1e-5)):
        ours = train(build, dtype, size, rank, wrap=True)
        everyone = dist.get_world_size() and [np.empty_like(ours) for _ in range(size)]
        gathered = [sg.tensor(e) for e in everyone]
        dist.all_gather(gathered, sg.tensor(ours))
        assert all(np.array_equal(g.numpy(), ours) for g in gathered), "replicas differ across ranks"
        if rank == 0:
            sg.manual_seed(1)
            alone = train(build, dtype, 1, 0, wrap=False)
            gap = np.max(np.abs(ours - alone))
            assert gap < tol, (build.__name__, dtype, gap)
            print(f"{build.__name__} {np.dtype(dtype).name} gap {gap:.1e}", flush=True)
"""


@pytest.mark.parametrize("ranks", [2, 3])
def test_n_ranks_with_batch_b_match_one_process_with_batch_nb(ranks, tmp_path):
    out = run_ok(ranks, EQUIVALENCE, tmp_path, timeout=240)
    assert sorted(line.split(" gap")[0] for line in out.splitlines() if " gap " in line) == [
        "convnet float32", "convnet float64", "mlp float32", "mlp float64"
    ]


def test_parameters_whose_shapes_differ_fail_at_wrap_naming_them(tmp_path):
    script = """
    import scratchgrad.distributed as dist
    import scratchgrad.nn as nn
    width = 5 if dist.get_rank() == 2 else 4
    nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(3, 4), nn.Linear(4, width)))
    """
    done = run_ranks(3, script, tmp_path, timeout=60)
    assert done.returncode != 0
    assert "parameter '1.weight' is float32 of shape (4, 4) on rank 0 but '1.weight' is float32 of shape (5, 4) " \
        "on rank 2" in done.stderr


FEATURES = """
import numpy as np
import scratchgrad as sg
import scratchgrad.distributed as dist
import scratchgrad.nn as nn

rank, size = dist.get_rank(), dist.get_world_size()

# no_sync: two local backwards, then one that averages everything accumulated
sg.manual_seed(rank)
model = nn.parallel.DistributedDataParallel(nn.Linear(2, 1, bias=False))
w0 = model.module.weight.data.copy()
x = sg.tensor(np.array([[rank + 1.0, 1.0]], dtype=np.float32))
with model.no_sync():
    model(x).sum().backward()
    assert np.allclose(model.module.weight.grad, [[rank + 1.0, 1.0]])  # local only
model(x).sum().backward()
mean = np.mean([r + 1.0 for r in range(size)])
assert np.allclose(model.module.weight.grad, [[2 * mean, 2.0]]), model.module.weight.grad

# overlap: the buckets of the last layers are on the wire before backward has finished the first layer
deep = nn.Sequential(*[nn.Linear(64, 64) for _ in range(4)])
ddp = nn.parallel.DistributedDataParallel(deep, bucket_cap_mb=0.01)  # 4 buckets of a layer each
launched = []
deep[0].weight.register_post_accumulate_grad_hook(lambda p: launched.append(ddp.reducer.next_launch))
ddp(sg.ones((2, 64))).sum().backward()
assert len(ddp.reducer.buckets) >= 4 and launched[0] >= 2, launched

# gradient_as_bucket_view: the same average, left in the bucket's memory
viewed = nn.parallel.DistributedDataParallel(nn.Linear(2, 1, bias=False), gradient_as_bucket_view=True)
viewed(x).sum().backward()
assert np.allclose(viewed.module.weight.grad, [[mean, 1.0]])
assert viewed.module.weight.grad.data.base is viewed.reducer.buckets[0].flat

# a parameter that a forward skips: refused next iteration unless find_unused_parameters
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.used, self.spare = nn.Linear(2, 1), nn.Linear(2, 1)
    def forward(self, x):
        return self.used(x)

model = nn.parallel.DistributedDataParallel(Branchy())
model(x).sum().backward()
try:
    model(x)
    raise SystemExit("an unfinished average was not refused")
except RuntimeError as error:
    assert "spare.weight, spare.bias" in str(error), error
model = nn.parallel.DistributedDataParallel(Branchy(), find_unused_parameters=True)
for _ in range(2):
    model.zero_grad()
    model(x).sum().backward()
assert np.allclose(model.module.used.weight.grad, [[mean, 1.0]])
assert np.allclose(model.module.spare.weight.grad, 0.0)

# buffers: rank 0's running statistics everywhere after a forward
bn = nn.BatchNorm1d(2)
bn.running_mean[...] = rank
model = nn.parallel.DistributedDataParallel(bn)
assert np.all(model.module.running_mean == 0.0)

# the progress thread (used where a core is spare) polls the all-reduces: the same average as the hooks alone
from scratchgrad.distributed.progress import Progress

deep = nn.Sequential(*[nn.Linear(64, 64) for _ in range(4)])
polled = nn.parallel.DistributedDataParallel(deep, bucket_cap_mb=0.01)
xs = sg.tensor(np.full((2, 64), rank + 1.0, dtype=np.float32))
grads = []
for progress in (Progress(), None):
    polled.reducer.progress = progress
    deep.zero_grad()
    polled(xs).sum().backward()
    grads.append([p.grad.data.copy() for p in deep.parameters()])
assert all(np.array_equal(a, b) for a, b in zip(*grads))
print(f"rank {rank} ok", flush=True)
"""


def test_no_sync_unused_parameters_and_buffers(tmp_path):
    out = run_ok(2, FEATURES, tmp_path)
    assert out.count(" ok") == 2


def test_buckets_hold_one_dtype_last_parameters_first_and_close_at_their_cap():
    import numpy as np

    import scratchgrad.nn as nn
    from scratchgrad.nn.parallel.reducer import plan_buckets

    model = nn.Sequential(nn.Linear(100, 10), nn.Linear(10, 10), nn.Linear(10, 2))
    model[0].double()
    # bytes, last first: 2.bias 8, 2.weight 80 | 1.bias 40, 1.weight 400 | float64: 0.bias 80, 0.weight 8000
    buckets = plan_buckets(list(model.named_parameters()), cap_bytes=450, first_cap_bytes=50)
    names = [[n for n, _ in b.params] for b in buckets]
    assert names == [["2.bias", "2.weight"], ["1.bias", "1.weight"], ["0.bias", "0.weight"]]
    assert [b.flat.dtype for b in buckets] == [np.float32, np.float32, np.float64]
    # without a small first cap the first bucket fills to the cap like the others
    names = [[n for n, _ in b.params] for b in plan_buckets(list(model.named_parameters()), cap_bytes=100)]
    assert names == [["2.bias", "2.weight", "1.bias"], ["1.weight"], ["0.bias", "0.weight"]]


def test_the_progress_thread_polls_across_machines_or_where_a_core_is_spare(monkeypatch):
    from scratchgrad.nn.parallel import reducer

    monkeypatch.setattr(reducer._pg, "get_world_size", lambda: 4)
    monkeypatch.setattr(reducer.os, "cpu_count", lambda: 8)
    monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", "4")
    monkeypatch.setenv("MPI_LOCALNRANKS", "2")  # two machines of 2 ranks: the network moves the data
    assert reducer.poll_from_thread()
    monkeypatch.setenv("MPI_LOCALNRANKS", "4")  # one machine, 4 ranks x 4 threads on 8 cores: none spare
    assert not reducer.poll_from_thread()
    monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", "1")  # 4 ranks x 1 thread on 8 cores
    assert reducer.poll_from_thread()
