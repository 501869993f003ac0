"""keras.distribution.DataParallel: fit under mpiexec -n N trains as one process with the same global batch."""

from __future__ import annotations

from mpi_ranks import run_ok

KERAS_FIT = """
import os
import sys
import numpy as np
import scratchgrad as sg
import scratchgrad.distributed as dist
from scratchgrad import keras
from scratchgrad.keras import layers

rank, size = dist.get_rank(), dist.get_world_size()
B, out = 8, sys.argv[1]
data = np.random.default_rng(3)
x = data.standard_normal((100, 6)).astype(np.float32)  # 100 = 6 batches of 2B and one of 4: an uneven share
y = data.integers(0, 3, 100)

def fit(verbose, callbacks=()):
    model = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(16, activation="tanh"),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=size * B, epochs=3, shuffle=True, verbose=verbose, callbacks=list(callbacks))
    evaluated = model.evaluate(x, y, batch_size=30, verbose=0)
    return np.concatenate([w.ravel() for w in model.get_weights()]), history.history, evaluated

keras.distribution.set_distribution(keras.distribution.DataParallel())
assert keras.distribution.list_devices() == [f"cpu:{r}" for r in range(size)]
sg.manual_seed(10 + rank)  # each rank its own weights and shuffling: fit must take rank 0's
ours, history, evaluated = fit(2, [keras.callbacks.CSVLogger(os.path.join(out, f"log_{rank}.csv"))])
from scratchgrad import grad_hooks
assert not grad_hooks.has_hooks(), "fit and evaluate left DistributedDataParallel's gradient hooks behind"
gathered = [sg.tensor(np.empty_like(ours)) for _ in range(size)]
dist.all_gather(gathered, sg.tensor(ours))
assert all(np.array_equal(g.numpy(), ours) for g in gathered), "replicas differ across ranks"
if rank == 0:
    keras.distribution.set_distribution(None)
    sg.manual_seed(10)
    alone, alone_history, alone_evaluated = fit(0)
    gap = np.max(np.abs(ours - alone))
    assert gap < 1e-5, gap
    assert np.allclose(history["loss"], alone_history["loss"], atol=1e-5), (history, alone_history)
    assert np.allclose(evaluated, alone_evaluated, atol=1e-5), (evaluated, alone_evaluated)
    print(f"gap {gap:.1e}", flush=True)
"""


def test_data_parallel_fit_on_two_ranks_matches_one_process_with_the_global_batch(tmp_path):
    out = run_ok(2, KERAS_FIT, tmp_path, timeout=240, args=(str(tmp_path),))
    assert "gap " in out
    assert out.count("Epoch 3/3") == 1, out  # rank 0 alone prints progress
    assert (tmp_path / "log_0.csv").exists() and not (tmp_path / "log_1.csv").exists()  # and writes files
