"""The gradient averaging behind DistributedDataParallel: buckets of gradients all-reduced while backward runs.

Parameters are grouped, last first (the order backward reaches them), into buckets of one dtype and about
``bucket_cap_mb`` each. A parameter's post-accumulate hook copies its gradient into its bucket's flat buffer;
when a bucket is full its non-blocking all-reduce (``Iallreduce``) starts, so the sums travel while backward goes
on with the layers below. Buckets start strictly in order, the same order on every rank, as MPI requires of
collectives on one communicator. The hook of the last bucket waits for all of them and writes each averaged
gradient back into ``.grad``, so when ``backward()`` returns the gradients are the same on every rank.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ... import backend
from ...distributed import group as _pg


class Bucket:
    """Parameters whose gradients travel in one all-reduce, laid end to end in ``flat`` (one dtype)."""

    def __init__(self, params: list[tuple[str, Any]]):
        self.params = params
        self.offsets = np.cumsum([0] + [p.data.size for _, p in params]).tolist()
        self.flat = np.zeros(self.offsets[-1], dtype=params[0][1].data.dtype)
        self.waiting = len(params)
        self.request: Any = None

    def place(self, index: int, grad: Any) -> None:
        """Copy parameter ``index``'s gradient (zeros for None) into its slice of the flat buffer."""
        part = self.flat[self.offsets[index] : self.offsets[index + 1]]
        if grad is None:
            part[...] = 0
        else:
            part[...] = np.ravel(backend.to_numpy(grad))  # GPU gradients travel through host copies
        self.waiting -= 1


def plan_buckets(named_params: Sequence[tuple[str, Any]], cap_bytes: int) -> list[Bucket]:
    """Group parameters, last first, into buckets of one dtype holding at most ``cap_bytes`` (or one parameter)."""
    buckets: list[Bucket] = []
    current: list[tuple[str, Any]] = []
    size = 0
    for name, p in reversed(list(named_params)):
        nbytes = p.data.size * p.data.dtype.itemsize
        if current and (size + nbytes > cap_bytes or p.data.dtype != current[0][1].data.dtype):
            buckets.append(Bucket(current))
            current, size = [], 0
        current.append((name, p))
        size += nbytes
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
        self.ready: set[int] = set()
        self.handles = [p.register_post_accumulate_grad_hook(self._on_grad) for _, p in self.named]

    def arm(self, output: Any) -> None:
        """Expect one gradient per parameter in the coming backward; with ``find_unused`` those that ``output``
        does not depend on are counted as ready now, with zero gradient."""
        self.check_finished()
        for bucket in self.buckets:
            bucket.waiting, bucket.request = len(bucket.params), None
        self.ready, self.next_launch, self.armed = set(), 0, True
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
            self._mark(param, param.grad)

    def _mark(self, param: Any, grad: Any) -> None:
        bucket, index = self.where[id(param)]
        self.ready.add(id(param))
        bucket.place(index, grad)
        self._launch_ready()
        if self.next_launch == len(self.buckets):
            self._finish()

    def _launch_ready(self) -> None:
        from mpi4py import MPI

        comm = _pg.communicator()
        while self.next_launch < len(self.buckets) and not self.buckets[self.next_launch].waiting:
            bucket = self.buckets[self.next_launch]
            if self.scale != 1.0:
                bucket.flat *= self.scale
            bucket.request = comm.Iallreduce(MPI.IN_PLACE, bucket.flat, MPI.SUM)
            self.next_launch += 1
        for bucket in self.buckets[: self.next_launch]:
            bucket.request.Test()  # MPICH moves non-blocking collectives on inside MPI calls

    def _finish(self) -> None:
        size = _pg.communicator().Get_size()
        for bucket in self.buckets:
            _pg.wait(bucket.request, "DistributedDataParallel's gradient all-reduce")
            bucket.flat /= size
            for i, (_, p) in enumerate(bucket.params):
                part = bucket.flat[bucket.offsets[i] : bucket.offsets[i + 1]].reshape(p.data.shape)
                on_host = isinstance(p.data, np.ndarray)
                # A view saves a copy, but the next synchronised backward writes over it (PyTorch's option too).
                p.grad = part if self.as_views and on_host else backend.get_array_module(p.data).array(part)
        self.armed = False

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


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
