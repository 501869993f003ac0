"""DistributedSampler's shares: PyTorch's indices without shuffle, a partition of one order with it."""

from __future__ import annotations

import pytest

from scratchgrad.utils.data.distributed import DistributedSampler


@pytest.mark.parametrize("n, replicas", [(10, 3), (2, 3), (9, 3), (1, 4), (7, 2)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_shares_match_pytorch(torch, n, replicas, drop_last):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs), (n, replicas, rank)


def test_the_docstring_example():
    shares = [list(DistributedSampler(range(10), 3, r, shuffle=False)) for r in range(3)]
    assert shares == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]


def test_shuffled_shares_partition_one_order_that_changes_with_the_epoch():
    samplers = [DistributedSampler(range(12), 4, r, seed=5) for r in range(4)]
    first = [list(s) for s in samplers]
    assert sorted(sum(first, [])) == list(range(12))
    assert first != [list(range(r, 12, 4)) for r in range(4)]
    for s in samplers:
        s.set_epoch(1)
    second = [list(s) for s in samplers]
    assert sorted(sum(second, [])) == list(range(12)) and second != first
    assert [list(DistributedSampler(range(12), 4, r, seed=5)) for r in range(4)] == first  # seed + epoch decide


def test_a_rank_outside_the_replicas_is_refused():
    with pytest.raises(ValueError, match="received rank=3, num_replicas=3"):
        DistributedSampler(range(5), num_replicas=3, rank=3)


def test_a_dataloader_takes_it_as_its_sampler():
    import numpy as np

    from scratchgrad.utils.data import DataLoader, TensorDataset

    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    sampler = DistributedSampler(range(10), num_replicas=2, rank=1, shuffle=False)
    loader = DataLoader(TensorDataset(x, np.arange(10)), batch_size=3, sampler=sampler)
    assert [t.tolist() for _, t in loader] == [[1, 3, 5], [7, 9]]
