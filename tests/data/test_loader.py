import json
import tracemalloc

import numpy as np
import pytest
from datafiles import write_cifar

import scratchgrad as sg
from scratchgrad.data import (
    CIFAR10,
    ArrayDataset,
    Compose,
    DataLoader,
    Normalize,
    OneHot,
    RandomCrop,
    RandomHorizontalFlip,
)


def _labels_seen(loader):
    return np.concatenate([t.data for _, t in loader])


def test_50000_images_at_batch_256_give_196_iterations_and_1960_updates_in_10_epochs():
    loader = DataLoader((np.zeros((50_000, 1), np.uint8), np.zeros(50_000, np.int64)), batch_size=256, shuffle=True)
    assert len(loader) == 196 and loader.num_samples == 50_000
    updates = sum(1 for _ in range(10) for _ in loader)
    assert updates == 1960 and loader.epoch == 10
    assert len(DataLoader((np.zeros((50_000, 1)), np.zeros(50_000)), 256, drop_last=True)) == 195


@pytest.mark.parametrize("n, b, drop_last, sizes", [(10, 4, False, [4, 4, 2]), (10, 4, True, [4, 4]),
                                                    (8, 4, False, [4, 4]), (3, 5, False, [3]), (3, 5, True, [])])
def test_batch_sizes(n, b, drop_last, sizes):
    loader = DataLoader((np.arange(n), np.arange(n)), b, drop_last=drop_last)
    assert [len(x) for x, _ in loader] == sizes and len(loader) == len(sizes)


def test_without_replacement_every_sample_once_per_epoch_in_a_new_order():
    loader = DataLoader((np.arange(1000), np.arange(1000)), 64, shuffle=True, seed=3)
    first, second = _labels_seen(loader), _labels_seen(loader)
    assert sorted(first.tolist()) == sorted(second.tolist()) == list(range(1000))
    assert not np.array_equal(first, second) and not np.array_equal(first, np.arange(1000))
    np.testing.assert_array_equal(_labels_seen(DataLoader((np.arange(1000), np.arange(1000)), 64)), np.arange(1000))


def test_the_notes_sampling_with_replacement():
    loader = DataLoader((np.arange(100), np.arange(100)), 32, sampler="random_with_replacement", seed=0)
    sizes, seen = [len(t) for _, t in loader], _labels_seen(loader)
    assert len(loader) == 4 and sizes == [32] * 4  # every batch is full: np.random.choice(N, B) each time
    assert seen.min() >= 0 and seen.max() < 100 and len(np.unique(seen)) < len(seen)  # repeats happen


def test_same_seed_same_batches_and_manual_seed_fixes_the_default():
    def batches(**kw):
        return [t.data.tolist() for _, t in DataLoader((np.arange(50), np.arange(50)), 8, shuffle=True, **kw)]

    assert batches(seed=1) == batches(seed=1) != batches(seed=2)
    sg.manual_seed(5)
    a = batches()
    sg.manual_seed(5)
    assert batches() == a


def test_uint8_batches_become_float32_in_0_1_and_labels_int64(mnist):
    loader = DataLoader(mnist["test"], batch_size=100)
    x, t = next(iter(loader))
    assert isinstance(x, sg.Tensor) and x.shape == (100, 1, 28, 28) and x.dtype == np.float32
    assert t.dtype == np.int64 and t.data[:3].tolist() == [7, 2, 1]
    np.testing.assert_array_equal(x.data[:, 0] * 255, mnist["test"].data[:100])
    raw, _ = next(iter(DataLoader(mnist["test"], 100, scale=False)))
    assert raw.dtype == np.float32 and raw.data.max() == 255


def test_one_hot_targets_and_float64_arrays_are_converted_per_batch():
    x = np.random.default_rng(0).standard_normal((10, 3))
    loader = DataLoader((x, np.arange(10) % 4), 5, target_transform=OneHot(4))
    xb, tb = next(iter(loader))
    assert xb.dtype == np.float32 and tb.dtype == np.float32 and tb.shape == (5, 4)
    np.testing.assert_allclose(xb.data, x[:5], rtol=1e-6)


def test_a_dataset_without_get_batch_works_sample_by_sample():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.full((2,), i * i, np.float64), i

    x, t = next(iter(DataLoader(Squares(), 3)))
    assert x.shape == (3, 2) and x.data[:, 0].tolist() == [0, 1, 4] and t.data.tolist() == [0, 1, 2]


def test_an_epoch_over_mnist_never_holds_a_float_copy_of_the_set(mnist):
    loader = DataLoader(mnist["train"], batch_size=256, shuffle=True, seed=0)
    tracemalloc.start()
    try:
        for _ in loader:
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert mnist["train"].data.dtype == np.uint8 and mnist["train"].data.nbytes == 47_040_000
    assert peak < 5_000_000  # a few batches of 256 x 784 float32 (0.8 MB each), not the set (188 MB as float32)


def _run(loader, epochs):
    return [(x.data.copy(), t.data.copy()) for _ in range(epochs) for x, t in loader]


def _cifar_like_loader(seed=0):
    images = np.random.default_rng(1).integers(0, 256, size=(23, 3, 8, 8), dtype=np.uint8)
    transform = Compose([RandomCrop(8, padding=2, seed=seed + 1), RandomHorizontalFlip(seed=seed + 2)])
    return DataLoader(ArrayDataset(images, np.arange(23)), 5, shuffle=True, seed=seed, transform=transform)


def test_resume_mid_epoch_is_bit_for_bit():
    reference = _run(_cifar_like_loader(), 3)  # 3 epochs of 5 batches
    loader = _cifar_like_loader()
    done = []
    for x, t in loader:  # stop inside the second epoch, after its 2nd batch
        done.append((x.data.copy(), t.data.copy()))
    for i, (x, t) in enumerate(loader):
        done.append((x.data.copy(), t.data.copy()))
        if i == 1:
            state = json.loads(json.dumps(loader.state_dict()))  # must survive a JSON checkpoint
            break
    resumed = _cifar_like_loader(seed=99)  # a different seed: everything must come from the state
    resumed.load_state_dict(state)
    done += _run(resumed, 2)[: 15 - len(done)]
    assert len(done) == len(reference) == 15
    for (x, t), (rx, rt) in zip(done, reference):
        np.testing.assert_array_equal(x, rx)
        np.testing.assert_array_equal(t, rt)


def test_resume_between_epochs():
    reference = _run(_cifar_like_loader(), 2)
    loader = _cifar_like_loader()
    first = _run(loader, 1)
    resumed = _cifar_like_loader(seed=7)
    resumed.load_state_dict(loader.state_dict())
    assert resumed.epoch == 1
    for (x, _), (rx, _) in zip(first + _run(resumed, 1), reference):
        np.testing.assert_array_equal(x, rx)


def test_state_of_another_loader_is_refused():
    state = DataLoader((np.arange(10), np.arange(10)), 5).state_dict()
    with pytest.raises(ValueError, match="over 10 samples in batches of 5; this one has 10 in batches of 2"):
        DataLoader((np.arange(10), np.arange(10)), 2).load_state_dict(state)


@pytest.mark.parametrize("kwargs, message", [({"batch_size": 0}, "batch_size must be a positive integer"),
                                             ({"batch_size": 2.5}, "batch_size must be a positive integer"),
                                             ({"batch_size": 4, "sampler": "bootstrap"}, "sampler must be one of")])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader((np.arange(10), np.arange(10)), **kwargs)


def test_arrays_of_different_lengths():
    with pytest.raises(ValueError, match=r"x of shape \(10,\) and t of shape \(9,\)"):
        DataLoader((np.arange(10), np.arange(9)), 2)


def test_the_cifar_training_pipeline(tmp_path):
    write_cifar(tmp_path, "python", n=6)
    augment = Compose([
        RandomCrop(32, padding=4, seed=0), RandomHorizontalFlip(seed=1),
        Normalize([0.5] * 3, [0.25] * 3),
    ])
    loader = DataLoader(CIFAR10(root=tmp_path), 8, shuffle=True, seed=0, transform=augment)
    batches = list(loader)
    assert len(batches) == 4 and [len(x) for x, _ in batches] == [8, 8, 8, 6]
    x, t = batches[0]
    assert x.shape == (8, 3, 32, 32) and x.dtype == np.float32 and t.dtype == np.int64
    assert -2.0 <= x.data.min() and x.data.max() <= 2.0  # (0..1 - 0.5) / 0.25; padding zeros give -2
