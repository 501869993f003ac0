"""The gradient averaging behind DistributedDataParallel: buckets of gradients all-reduced while backward runs.

Parameters are grouped, last first (the order backward reaches them), into buckets of one dtype: the first
closes once it holds ``FIRST_BUCKET_BYTES`` (1 MB, as PyTorch), the others once they hold ``bucket_cap_mb``, so
the last layers' gradients start travelling while backward is still early. A parameter's post-accumulate hook
writes its gradient, already divided by the world size, into its slot of the bucket's flat buffer (one pass:
the copy and the average together); when a bucket is full its non-blocking all-reduce (``Iallreduce``) starts,
so the sums travel while backward goes on with the layers below: MPICH moves them on only inside MPI calls, so
across machines, or where a core is spare, a progress thread (``distributed.progress``) polls them, else each
hook does. Buckets start strictly in order, the same order on every rank, as MPI requires of collectives on one
communicator. The hook of the last bucket waits for all of them and hands each parameter its average as
``.grad``: a view of the bucket (``gradient_as_bucket_view``, no further pass) or a copy of it.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from ... import backend, parallel
from ...autograd import grad_array
from ...distributed import group as _pg
from ...distributed.progress import Progress

FIRST_BUCKET_BYTES = 2**20
"""The first bucket's cap (PyTorch's default): small, so its all-reduce starts after the last layer's backward."""


class Bucket:
    """Parameters whose gradients travel in one all-reduce, laid end to end in ``flat`` (one dtype).

    ``slots[i]`` is parameter i's part of ``flat`` in the parameter's shape (a view: writing it writes ``flat``).
    """

    def __init__(self, params: list[tuple[str, Any]]):
        self.params = params
        offsets = np.cumsum([0] + [p.data.size for _, p in params]).tolist()
        self.flat = np.zeros(offsets[-1], dtype=params[0][1].data.dtype)
        self.slots = [self.flat[lo:hi].reshape(p.data.shape) for (lo, hi), (_, p) in zip(zip(offsets, offsets[1:]),
                                                                                          params)]
        self.waiting = len(params)
        self.request: Any = None

    def place(self, index: int, grad: Any, factor: float) -> None:
        """Write ``factor`` x parameter ``index``'s gradient (zeros for None) into its slot, in one pass."""
        slot = self.slots[index]
        if grad is None:
            slot[...] = 0
        elif grad is slot:  # the view handed out last step, summed into by nothing since: scale it where it is
            if factor != 1.0:
                slot *= factor
        else:
            np.multiply(backend.to_numpy(grad), factor, out=slot)  # GPU gradients travel through host copies
        self.waiting -= 1


def plan_buckets(named_params: Sequence[tuple[str, Any]], cap_bytes: int,
                 first_cap_bytes: int = FIRST_BUCKET_BYTES) -> list[Bucket]:
    """Group parameters, last first, into buckets of one dtype; a bucket closes once it holds its cap
    (``min(first_cap_bytes, cap_bytes)`` for the first, ``cap_bytes`` after), as PyTorch assigns them."""
    buckets: list[Bucket] = []
    current: list[tuple[str, Any]] = []
    size = 0
    for name, p in reversed(list(named_params)):
        if current and p.data.dtype != current[0][1].data.dtype:
            buckets.append(Bucket(current))
            current, size = [], 0
        current.append((name, p))
        size += p.data.size * p.data.dtype.itemsize
        if size >= (min(first_cap_bytes, cap_bytes) if not buckets else cap_bytes):
            buckets.append(Bucket(current))
            current, size = [], 0
    if current:
        buckets.append(Bucket(current))
    return buckets


class Reducer:
    """Runs one backward's averaging: armed by each synchronised forward, finished by the last bucket's hook."""

    def __init__(
        self, named_params: Sequence[tuple[str, Any]], cap_bytes: int, find_unused: bool, as_views: bool = False
    ):
        self.named = list(named_params)
        self.buckets = plan_buckets(self.named, cap_bytes)
        self.where = {id(p): (b, i) for b in self.buckets for i, (_, p) in enumerate(b.params)}
        self.find_unused, self.as_views, self.armed, self.next_launch = find_unused, as_views, False, 0
        self.scale = 1.0
        """This rank's weight in the average (the Trainer's share of an uneven batch): size * n_rank / n_all."""
        self.factor = 1.0
        self.ready: set[int] = set()
        self.progress = Progress() if Progress.available() and poll_from_thread() else None
        """Moves the all-reduces on while backward computes; without it each hook pokes them (``_progress``)."""
        self.handles = [p.register_post_accumulate_grad_hook(self._on_grad) for _, p in self.named]

    def arm(self, output: Any) -> None:
        """Expect one gradient per parameter in the coming backward; with ``find_unused`` those that ``output``
        does not depend on are counted as ready now, with zero gradient."""
        self.check_finished()
        if self.progress is not None:
            self.progress.stop()  # left over from a backward that raised
        for bucket in self.buckets:
            bucket.waiting, bucket.request = len(bucket.params), None
        self.ready, self.next_launch, self.armed = set(), 0, True
        self.factor = self.scale / _pg.communicator().Get_size()
        if self.find_unused:
            used = reached_leaves(output)
            for bucket in self.buckets:
                for _, p in bucket.params:
                    if id(p) not in used:
                        self._mark(p, None)

    def check_finished(self) -> None:
        """Refuse a new iteration while the last one's averaging is unfinished (a parameter got no gradient)."""
        if not self.armed:
            return
        missing = [name for name, p in self.named if id(p) not in self.ready]
        self.armed = False
        raise RuntimeError(
            "DistributedDataParallel: the previous backward did not give every parameter a gradient, so their "
            f"average across ranks never finished. Parameters without one: {', '.join(missing)}. Wrap the model "
            "with find_unused_parameters=True if some parameters take no part in a forward, or make sure every "
            "forward's output takes part in the loss."
        )

    def _on_grad(self, param: Any) -> None:
        if self.armed and id(param) not in self.ready:
            self._mark(param, grad_array(param))

    def _mark(self, param: Any, grad: Any) -> None:
        bucket, index = self.where[id(param)]
        self.ready.add(id(param))
        bucket.place(index, grad, self.factor)
        if not bucket.waiting:
            self._launch_ready()
        elif self.next_launch and self.progress is None:
            self._progress()
        if self.next_launch == len(self.buckets):
            self._finish()

    def _launch_ready(self) -> None:
        """Start every full bucket's all-reduce whose turn it is (in order: a later bucket may fill first)."""
        from mpi4py import MPI

        comm, first = _pg.communicator(), self.next_launch
        while self.next_launch < len(self.buckets) and not self.buckets[self.next_launch].waiting:
            bucket = self.buckets[self.next_launch]
            bucket.request = comm.Iallreduce(MPI.IN_PLACE, bucket.flat, MPI.SUM)
            self.next_launch += 1
        if self.progress is not None and self.next_launch < len(self.buckets):  # backward goes on: poll meanwhile
            for bucket in self.buckets[first : self.next_launch]:
                self.progress.add(bucket.request)

    def _progress(self) -> None:
        """Let MPI move the all-reduces in flight on: MPICH advances them only inside MPI calls."""
        for bucket in self.buckets[: self.next_launch]:
            if not bucket.request.Test():  # one call drives the whole progress engine; finished ones are skipped
                return

    def _finish(self) -> None:
        if self.progress is not None:
            self.progress.stop()
        for bucket in self.buckets:
            _pg.wait(bucket.request, "DistributedDataParallel's gradient all-reduce")
            for slot, (_, p) in zip(bucket.slots, bucket.params):
                # A view saves a copy, but the next synchronised backward writes over it (PyTorch's option too).
                on_host = isinstance(p.data, np.ndarray)
                averaged = slot if self.as_views and on_host else backend.get_array_module(p.data).array(slot)
                if p.grad is None:
                    p.grad = averaged
                else:  # the same .grad Tensor, as backward keeps it
                    p.grad.data = averaged
        self.armed = False

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def poll_from_thread() -> bool:
    """True when a progress thread can move the all-reduces on without slowing backward: the ranks span several
    machines (the network card moves the data; polling only answers it), or this machine's ranks and their
    threads leave a core free. Between ranks of one busy machine the transfer is copying by the same cores that
    run backward, so a polling thread would only compete with backward for them."""
    size = _pg.get_world_size()
    local = int(os.environ.get("MPI_LOCALNRANKS", size))
    return local < size or local * parallel.num_threads() < (os.cpu_count() or 1)


def reached_leaves(output: Any) -> set[int]:
    """Ids of the leaves that the Tensors in ``output`` (a Tensor, or nested tuples, lists, dicts) depend on."""
    stack, seen, leaves = list(_tensors_in(output)), set(), set()
    while stack:
        t = stack.pop()
        if t.creator is None:
            leaves.add(id(t))
            continue
        if id(t.creator) in seen:
            continue
        seen.add(id(t.creator))
        stack.extend(x for x in t.creator.inputs or () if hasattr(x, "creator") and x.requires_grad)
    return leaves


def _tensors_in(value: Any) -> list[Any]:
    if hasattr(value, "creator") and hasattr(value, "requires_grad"):
        return [value] if value.requires_grad else []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors_in(v)]
    return []
