"""keras.distribution in one process: Keras 3's names, a group of one, and the refusals that name the fix."""

from __future__ import annotations

import pytest

from scratchgrad import keras


@pytest.fixture(autouse=True)
def no_distribution():
    yield
    keras.distribution.set_distribution(None)


def test_one_process_is_one_device_and_fit_trains_alone():
    assert keras.distribution.list_devices() == ["cpu:0"]
    data_parallel = keras.distribution.DataParallel()
    keras.distribution.set_distribution(data_parallel)
    assert keras.distribution.distribution() is data_parallel
    assert (data_parallel.num_processes, data_parallel.data_shard_id, data_parallel.devices) == (1, 0, ["cpu:0"])
    assert not keras.distribution.data_parallel() and keras.distribution.is_writer()


def test_devices_must_count_the_ranks():
    with pytest.raises(ValueError, match="2 devices were given but this job has 1 ranks"):
        keras.distribution.DataParallel(devices=["cpu:0", "cpu:1"])


def test_only_data_parallel_is_a_distribution():
    with pytest.raises(TypeError, match="only DataParallel is supported here; received str"):
        keras.distribution.set_distribution("mirrored")
