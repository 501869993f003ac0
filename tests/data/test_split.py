import numpy as np
import pytest

from scratchgrad.data import one_hot, train_val_split


def _labels(rng, n=1000):
    return rng.choice(10, size=n, p=np.linspace(1, 3, 10) / np.linspace(1, 3, 10).sum())


def test_sizes_disjoint_and_complete(rng):
    x, t = np.arange(1000), _labels(rng)
    (x_train, t_train), (x_val, t_val) = train_val_split(x, t, 0.2)
    assert (len(x_train), len(x_val)) == (800, 200)
    assert sorted(np.concatenate([x_train, x_val]).tolist()) == list(range(1000))
    np.testing.assert_array_equal(t_train, t[x_train])
    np.testing.assert_array_equal(t_val, t[x_val])
    assert np.all(np.diff(x_train) > 0)  # each part keeps the original order


def test_stratified_keeps_each_class_share_within_one_sample(rng):
    t = _labels(rng)
    (_, t_train), (_, t_val) = train_val_split(np.arange(1000), t, 0.3)
    assert len(t_val) == 300
    assert np.abs(np.bincount(t_val, minlength=10) - 0.3 * np.bincount(t)).max() < 1


def test_stratified_on_real_mnist(mnist):
    data, targets = mnist["train"].data, mnist["train"].targets
    (x_train, _), (x_val, t_val) = train_val_split(data, targets, 0.2)
    assert (len(x_train), len(x_val)) == (48000, 12000) and x_val.dtype == np.uint8
    assert np.bincount(t_val)[:2].tolist() == [1185, 1348]  # 20% of 5923 and 6742, rounded


def test_seeded_and_one_hot_labels(rng):
    x, t = np.arange(100), _labels(rng, 100)
    a, b, c = (train_val_split(x, t, seed=s)[1][0] for s in (0, 0, 1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(train_val_split(x, one_hot(t, 10), seed=0)[1][0], a)


def test_unstratified(rng):
    (x_train, _), (x_val, _) = train_val_split(np.arange(10), np.zeros(10, int), 0.25, stratify=False)
    assert (len(x_train), len(x_val)) == (8, 2)  # round(2.5) = 2


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1])
def test_bad_fraction(fraction):
    with pytest.raises(ValueError, match="val_fraction must be between 0 and 1"):
        train_val_split(np.arange(4), np.arange(4), fraction)
