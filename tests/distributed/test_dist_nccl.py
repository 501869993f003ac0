"""GPU tensors across ranks, checked with a stand-in for CuPy (no GPU where the tests run): all_reduce goes through
host copies without NCCL, and through one NCCL communicator made from rank 0's unique id with it."""

from __future__ import annotations

from mpi_ranks import run_ok

FAKE_CUPY = """
import sys
import types
import numpy as np
from mpi4py import MPI
import scratchgrad.distributed as dist
from scratchgrad import backend
from scratchgrad.distributed import nccl
from scratchgrad.tensor import Tensor

rank = dist.get_rank()
memory = {}  # device pointer -> the stand-in array it points to

class DeviceArray:
    '''A CuPy array's stand-in: its own memory, reached from the host only through get().'''
    def __init__(self, values):
        self._a = np.array(values, dtype=np.float32)
        self.data = types.SimpleNamespace(ptr=id(self))
        memory[id(self)] = self
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    size = property(lambda self: self._a.size)
    flags = property(lambda self: self._a.flags)
    def get(self):
        return self._a.copy()
    def __setitem__(self, key, value):
        self._a[key] = value._a if isinstance(value, DeviceArray) else value
    def __itruediv__(self, n):
        self._a /= n
        return self

cupy = types.ModuleType("cupy")
cupy.__path__ = []
cupy.ndarray = DeviceArray
cupy.asarray = lambda a: DeviceArray(a)
cupy.get_array_module = lambda *a: cupy if any(isinstance(x, DeviceArray) for x in a) else np
sys.modules["cupy"] = cupy
backend._cupy = cupy  # as after the first GPU tensor

# without NCCL (CuPy built without it): host copies into MPI, the result written back to the GPU array
t = Tensor._make(DeviceArray([rank + 1.0, 2.0]))
dist.all_reduce(t)
assert isinstance(t.data, DeviceArray) and t.data.get().tolist() == [3.0, 4.0], t.data.get()

# with NCCL: one communicator of both ranks, from rank 0's unique id; all_reduce on the device pointers
made, calls = [], []

class NcclCommunicator:
    def __init__(self, ndev, unique_id, rank):
        made.append((ndev, unique_id, rank))
    def allReduce(self, send, recv, count, dtype, op, stream):
        calls.append((count, dtype, op, stream))
        MPI.COMM_WORLD.Allreduce(MPI.IN_PLACE, memory[recv]._a, MPI.SUM)  # what NCCL would do on the GPUs

cuda = types.ModuleType("cupy.cuda")
cuda.__path__ = []
cuda.get_current_stream = lambda: types.SimpleNamespace(ptr=77, synchronize=lambda: None)
fake_nccl = types.ModuleType("cupy.cuda.nccl")
fake_nccl.get_unique_id = lambda: ("id of rank", rank)
fake_nccl.NcclCommunicator = NcclCommunicator
for name, value in dict(NCCL_SUM=0, NCCL_PROD=1, NCCL_MAX=2, NCCL_MIN=3, NCCL_FLOAT32=7, NCCL_FLOAT64=8,
                        NCCL_FLOAT16=6, NCCL_INT32=2, NCCL_INT64=4, NCCL_UINT8=1).items():
    setattr(fake_nccl, name, value)
cupy.cuda, cuda.nccl = cuda, fake_nccl
sys.modules.update({"cupy.cuda": cuda, "cupy.cuda.nccl": fake_nccl})

t = Tensor._make(DeviceArray([rank + 1.0, 2.0]))
dist.all_reduce(t, op=dist.ReduceOp.AVG)
dist.all_reduce(t)
assert t.data.get().tolist() == [3.0, 4.0], t.data.get()
assert made == [(2, ("id of rank", 0), rank)], made  # made once, with rank 0's id
assert calls == [(2, 7, 0, 77), (2, 7, 0, 77)], calls
assert not nccl.usable(t.data, dist.ReduceOp.BAND)  # NCCL has no bitwise ops: those take the host path
print(f"rank {rank} ok", flush=True)
"""


def test_gpu_all_reduce_takes_host_copies_without_nccl_and_one_nccl_communicator_with_it(tmp_path):
    assert run_ok(2, FAKE_CUPY, tmp_path).count(" ok") == 2
