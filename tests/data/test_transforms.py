import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.data import (
    Compose,
    Flatten,
    Normalize,
    OneHot,
    RandomCrop,
    RandomHorizontalFlip,
    ToChannelsFirst,
    ToChannelsLast,
    ToFloat,
    channel_stats,
    one_hot,
    to_float,
)


@pytest.fixture
def batch(rng):
    return rng.integers(0, 256, size=(6, 3, 5, 7), dtype=np.uint8)


def test_to_float_scales_uint8_like_the_notes(batch):
    out = ToFloat()(batch)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, batch.astype(np.float32) / 255.0)
    np.testing.assert_array_equal(to_float(np.array([0.5, 2.0])), np.array([0.5, 2.0], np.float32))  # floats: cast


def test_one_hot():
    np.testing.assert_array_equal(one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    assert OneHot(10)(np.array([3, 9])).dtype == np.float32
    with pytest.raises(ValueError, match=r"labels must be integers in 0..2; received int64 values from 0 to 3"):
        one_hot(np.array([0, 3]), 3)


def test_flatten_and_channel_layouts_round_trip(batch):
    assert Flatten()(batch).shape == (6, 105)
    last = ToChannelsLast()(batch)
    assert last.shape == (6, 5, 7, 3) and last[2, 4, 6, 1] == batch[2, 1, 4, 6]
    np.testing.assert_array_equal(ToChannelsFirst()(last), batch)


def test_normalize_standardises_each_channel(batch):
    x = to_float(batch)
    mean, std = x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3))
    out = Normalize(mean, std)(x)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, atol=1e-5)
    assert out.dtype == np.float32
    np.testing.assert_allclose(Normalize(mean, std, channel_axis=-1)(ToChannelsLast()(x)), ToChannelsLast()(out))
    with pytest.raises(ValueError, match="std > 0"):
        Normalize([0.5], [0.0])


def test_channel_stats_match_numpy_without_a_float_copy(batch, mnist):
    mean, std = channel_stats(batch, channel_axis=1, chunk=4)
    np.testing.assert_allclose(mean, (batch / 255).mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(std, (batch / 255).std(axis=(0, 2, 3)))
    mean, std = channel_stats(mnist["test"].data, channel_axis=None)
    assert mean.round(4).tolist() == [0.1325] and std.round(4).tolist() == [0.3105]  # MNIST test set


def test_random_crop_cuts_a_window_of_the_padded_image(batch):
    crop = RandomCrop(5, padding=2, seed=0)
    out = crop(batch)
    assert out.shape == (6, 3, 5, 5) and out.dtype == np.uint8
    padded = np.pad(batch, ((0, 0), (0, 0), (2, 2), (2, 2)))
    replay = np.random.default_rng(0)
    top, left = replay.integers(0, 5, size=6), replay.integers(0, 7, size=6)
    for i in range(6):
        np.testing.assert_array_equal(out[i], padded[i, :, top[i] : top[i] + 5, left[i] : left[i] + 5])
    np.testing.assert_array_equal(RandomCrop(5)(batch[:, :, :, :5]), batch[:, :, :, :5])  # full size: identity
    with pytest.raises(ValueError, match="a 9 x 9 crop does not fit images of 5 x 7 padded by 1"):
        RandomCrop(9, padding=1)(batch)


def test_random_horizontal_flip(batch):
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(batch), batch[..., ::-1])
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(batch), batch)
    out = RandomHorizontalFlip(seed=1)(batch)
    flipped = [bool((out[i] == batch[i, ..., ::-1]).all()) for i in range(6)]
    kept = [bool((out[i] == batch[i]).all()) for i in range(6)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)


def test_random_transforms_follow_manual_seed_and_restore_their_state(batch):
    sg.manual_seed(3)
    a = Compose([RandomCrop(4, padding=1), RandomHorizontalFlip()])
    sg.manual_seed(3)
    b = Compose([RandomCrop(4, padding=1), RandomHorizontalFlip()])
    np.testing.assert_array_equal(a(batch), b(batch))
    state = a.state_dict()
    expected = a(batch)
    b.load_state_dict(state)
    np.testing.assert_array_equal(b(batch), expected)


def test_compose_applies_in_order(batch):
    out = Compose([ToFloat(), ToChannelsLast(), Flatten()])(batch)
    assert out.shape == (6, 105) and out.dtype == np.float32
    assert Compose([Flatten()]).state_dict() == {"transforms": [None]}
