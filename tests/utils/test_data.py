"""scratchgrad.utils.data against torch.utils.data: the same batches, structures and dtypes from the same data."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.data import ArrayDataset
from scratchgrad.utils import data

Pair = namedtuple("Pair", "x y")


class Squares(data.Dataset):
    """A tutorial's map-style dataset: one __getitem__ per sample, nothing else."""

    def __len__(self):
        return 11

    def __getitem__(self, i):
        return np.full((2, 3), i, np.float32), i * i


def _plain(batch):
    """A batch as nested plain Python (dtype names kept), from either library."""
    if isinstance(batch, (list, tuple)):
        return type(batch).__name__, [_plain(b) for b in batch]
    if isinstance(batch, dict):
        return {k: _plain(v) for k, v in batch.items()}
    if hasattr(batch, "numpy"):
        return str(batch.dtype).split(".")[-1], tuple(batch.shape), batch.numpy().tolist()
    return batch


SAMPLES = [
    [(np.arange(3, dtype=np.float32) + i, i) for i in range(4)],
    [{"image": np.ones((2, 2), np.uint8) * i, "label": float(i), "name": f"s{i}"} for i in range(3)],
    [[i, [i, 2.5 * i]] for i in range(3)],
    [np.int32(i) for i in range(5)],
    [True, False, True],
]


@pytest.mark.parametrize("samples", SAMPLES, ids=["tuple", "dict", "nested-list", "np-scalars", "bools"])
def test_default_collate_builds_torchs_structure(torch, samples):
    from torch.utils.data import default_collate

    assert _plain(data.default_collate(samples)) == _plain(default_collate(samples))


def test_collate_of_tensors_and_namedtuples(torch):
    from torch.utils.data import default_collate

    ours = data.default_collate([Pair(sg.tensor([1.0, 2.0]), 3), Pair(sg.tensor([4.0, 5.0]), 6)])
    theirs = default_collate([Pair(torch.tensor([1.0, 2.0]), 3), Pair(torch.tensor([4.0, 5.0]), 6)])
    assert isinstance(ours, Pair) and _plain(list(ours)) == _plain(list(theirs))


def test_collate_of_mismatched_shapes_names_both():
    with pytest.raises(RuntimeError, match=r"sample 0 has shape \(3,\) but sample 2 has shape \(4,\)"):
        data.default_collate([np.zeros(3), np.zeros(3), np.zeros(4)])


def test_collate_of_pil_images_asks_for_a_transform():
    from PIL import Image

    with pytest.raises(TypeError, match="PIL.Image.Image.*ToTensor"):
        data.default_collate([Image.new("L", (2, 2))] * 2)


@pytest.mark.parametrize("kwargs", [{"batch_size": 4}, {"batch_size": 4, "drop_last": True}, {"batch_size": 11}])
def test_a_per_item_dataset_batches_as_in_torch(torch, kwargs):
    from torch.utils.data import DataLoader

    ours = [_plain(b) for b in data.DataLoader(Squares(), **kwargs)]
    theirs = [_plain(b) for b in DataLoader(Squares(), **kwargs)]
    assert ours == theirs and len(ours) == len(DataLoader(Squares(), **kwargs))


def test_tensor_dataset_as_in_torch(torch):
    x, y = np.arange(20, dtype=np.float32).reshape(10, 2), np.arange(10)
    ours = data.DataLoader(data.TensorDataset(sg.tensor(x), sg.tensor(y)), batch_size=3)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=3)
    assert [_plain(b) for b in ours] == [_plain(b) for b in theirs]


def test_shuffle_visits_every_sample_once_in_a_new_order():
    sg.manual_seed(0)
    loader = data.DataLoader(Squares(), batch_size=4, shuffle=True)
    epochs = [np.concatenate([y.numpy() for _, y in loader]) for _ in range(2)]
    for seen in epochs:
        assert sorted(seen.tolist()) == [i * i for i in range(11)]
    assert epochs[0].tolist() != epochs[1].tolist()


def test_workers_yield_the_same_batches_as_the_main_process():
    one = [_plain(b) for b in data.DataLoader(Squares(), batch_size=2)]
    many = [_plain(b) for b in data.DataLoader(Squares(), batch_size=2, num_workers=3)]
    assert many == one and len(many) == 6


def test_shuffled_epochs_with_workers_are_those_without():
    def epochs(workers):
        loader = data.DataLoader(Squares(), batch_size=3, shuffle=True, seed=5, num_workers=workers)
        return [[_plain(b) for b in loader] for _ in range(2)]

    assert epochs(2) == epochs(0)


class Noisy(data.Dataset):
    """A per-sample random transform, drawn from scratchgrad's generator as the vision transforms draw."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        return float(sg.rand(1).item())


def test_random_draws_in_workers_differ_between_workers_and_repeat_between_runs():
    runs = [np.concatenate([b.numpy() for b in data.DataLoader(Noisy(), batch_size=2, seed=0, num_workers=3)])
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert len(set(runs[0].tolist())) == 12  # no two workers repeat each other's draws


class Failing(Squares):
    def __getitem__(self, i):
        if i == 5:
            raise KeyError(f"no sample {i}")
        return super().__getitem__(i)


class Dying(Squares):
    def __getitem__(self, i):
        import os

        os._exit(3)


def test_a_failing_or_dying_worker_is_named():
    with pytest.raises(RuntimeError, match=r"(?s)worker 0 failed on batch 2:.*KeyError: 'no sample 5'"):
        list(data.DataLoader(Failing(), batch_size=2, num_workers=2))
    with pytest.raises(RuntimeError, match=r"worker \d exited unexpectedly \(exit code 3\)"):
        list(data.DataLoader(Dying(), batch_size=2, num_workers=2))


class WhoMadeIt(data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = data.get_worker_info()
        return -1 if info is None else info.id


def test_workers_are_separate_processes_each_knowing_its_id():
    made_by = np.concatenate([b.numpy() for b in data.DataLoader(WhoMadeIt(), batch_size=1, num_workers=2)])
    assert set(made_by.tolist()) <= {0, 1} and data.get_worker_info() is None
    assert next(iter(data.DataLoader(WhoMadeIt(), batch_size=2))).numpy().tolist() == [-1, -1]


def test_leaving_a_worker_epoch_early_then_iterating_again():
    loader = data.DataLoader(Squares(), batch_size=2, num_workers=2)
    for _ in loader:
        break
    assert len(list(loader)) == 6


def test_samplers_and_batch_samplers():
    loader = data.DataLoader(Squares(), batch_size=5, sampler=data.SubsetRandomSampler([1, 3, 5]))
    (x, y), = list(loader)
    assert sorted(y.numpy().tolist()) == [1, 9, 25] and len(loader) == 1
    batches = data.BatchSampler(data.SequentialSampler(range(5)), 2, drop_last=False)
    assert list(batches) == [[0, 1], [2, 3], [4]]
    loader = data.DataLoader(Squares(), batch_sampler=[[10, 0], [2]])
    assert [y.numpy().tolist() for _, y in loader] == [[100, 0], [4]] and len(loader) == 2
    sg.manual_seed(1)
    drawn = list(data.RandomSampler(range(4), replacement=True, num_samples=9))
    assert len(drawn) == 9 and set(drawn) <= set(range(4))


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler is mutually exclusive"),
    ({"sampler": [0, 1], "shuffle": True}, "sampler is mutually exclusive with shuffle"),
    ({"num_workers": -1}, "num_workers must be 0 or more"),
    ({"transform": abs}, "transform= and target_transform= act on whole batches"),
])
def test_bad_arguments_name_what_was_received(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.DataLoader(Squares(), **kwargs)


def test_subset_concat_and_random_split(torch):
    parts = data.random_split(Squares(), [0.3, 0.3, 0.4])
    theirs = torch.utils.data.random_split(Squares(), [0.3, 0.3, 0.4])
    assert [len(p) for p in parts] == [len(p) for p in theirs]
    assert sorted(i for p in parts for i in p.indices) == list(range(11))
    both = data.ConcatDataset([data.Subset(Squares(), [4, 2]), Squares()])
    assert len(both) == 13 and both[1][1] == 4 and both[2][1] == 0 and both[-1][1] == 100
    with pytest.raises(ValueError, match=r"summing to the dataset's length 11.*\[3, 3\]"):
        data.random_split(Squares(), [3, 3])


def test_a_subset_of_an_array_dataset_keeps_whole_batch_gathering():
    subset = data.Subset(ArrayDataset(np.arange(10) * 10, np.arange(10)), [7, 1, 4])
    x, t = next(iter(data.DataLoader(subset, batch_size=3)))
    assert x.numpy().tolist() == [70, 10, 40] and t.numpy().tolist() == [7, 1, 4]


class Counting(data.IterableDataset):
    def __iter__(self):
        return iter([(np.float32(i), i) for i in range(7)])


def test_an_iterable_dataset_batches_as_in_torch(torch):
    class TheirCounting(torch.utils.data.IterableDataset):
        __iter__ = Counting.__iter__

    for drop_last in (False, True):
        ours = [_plain(b) for b in data.DataLoader(Counting(), batch_size=3, drop_last=drop_last)]
        theirs = [_plain(b) for b in torch.utils.data.DataLoader(TheirCounting(), batch_size=3, drop_last=drop_last)]
        assert ours == theirs


def test_the_package_has_one_dataloader():
    import scratchgrad.data

    assert data.DataLoader is scratchgrad.data.DataLoader
