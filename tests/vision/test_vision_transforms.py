"""vision.transforms: each on a PIL image and a Tensor, with torchvision's documented results worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import scratchgrad as sg
from scratchgrad.vision import transforms as T

GRID = np.arange(20, dtype=np.uint8).reshape(4, 5) * 10  # 4 x 5, every pixel different


def test_to_tensor_scales_uint8_and_moves_channels_first(torch):
    rgb = np.random.default_rng(0).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    out = T.ToTensor()(Image.fromarray(rgb))
    assert out.shape == (3, 4, 5) and out.dtype == sg.float32
    theirs = torch.from_numpy(rgb).permute(2, 0, 1).float().div(255)  # what torchvision's to_tensor computes
    np.testing.assert_allclose(out.numpy(), theirs.numpy(), rtol=0, atol=1e-7)
    assert T.ToTensor()(GRID).shape == (1, 4, 5)


def test_normalize_matches_torch(torch):
    x = np.random.default_rng(1).random((3, 4, 5), dtype=np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    ours = T.Normalize(mean, std)(sg.tensor(x)).numpy()
    theirs = (torch.tensor(x) - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("transform, wrong, kind", [
    (T.ToTensor(), sg.zeros(1, 4, 4), "scratchgrad.tensor.Tensor"),
    (T.Normalize((0.5,), (0.5,)), Image.fromarray(GRID), "PIL.Image.Image"),
    (T.RandomCrop(2), [[1, 2], [3, 4]], "builtins.list"),
    (T.Resize(2), np.zeros((4, 4)), "numpy.ndarray"),
])
def test_a_transform_given_the_wrong_type_names_it(transform, wrong, kind):
    with pytest.raises(TypeError, match=kind.replace(".", r"\.")):
        transform(wrong)


def test_pad_center_crop_and_flip_on_both_kinds():
    image, tensor = Image.fromarray(GRID), sg.tensor(GRID[None])
    for x, as_array in ((image, np.asarray), (tensor, lambda t: t.numpy()[0])):
        padded = as_array(T.Pad((1, 2))(x))  # 1 left/right, 2 top/bottom
        assert padded.shape == (8, 7) and padded[2, 1] == GRID[0, 0] and padded[0].sum() == 0
        assert as_array(T.Pad(1, padding_mode="edge")(x))[0, 0] == GRID[0, 0]
        np.testing.assert_array_equal(as_array(T.CenterCrop(2)(x)), GRID[1:3, 2:4])  # round((4-2)/2), round((5-2)/2)
        assert as_array(T.CenterCrop((6, 5))(x)).shape == (6, 5)
        np.testing.assert_array_equal(as_array(T.RandomHorizontalFlip(p=1.0)(x)), GRID[:, ::-1])
        np.testing.assert_array_equal(as_array(T.RandomHorizontalFlip(p=0.0)(x)), GRID)


def test_random_crop_cuts_a_window_of_the_padded_image():
    sg.manual_seed(0)
    padded = np.pad(GRID, 2)
    for _ in range(5):
        out = np.asarray(T.RandomCrop(4, padding=2)(Image.fromarray(GRID)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, (4, 4)).reshape(-1, 4, 4)
        assert any(np.array_equal(out, w) for w in windows)
    assert T.RandomCrop((6, 7), pad_if_needed=True)(sg.tensor(GRID[None])).shape == (1, 6, 7)
    with pytest.raises(ValueError, match="crop of 6 x 6 does not fit an image of 4 x 5"):
        T.RandomCrop(6)(Image.fromarray(GRID))


def test_resize_uses_pillow_and_keeps_the_aspect_ratio():
    image = Image.fromarray(np.zeros((20, 40), np.uint8))
    assert T.Resize(10)(image).size == (20, 10) and T.Resize((8, 6))(image).size == (6, 8)
    out = T.Resize((2, 2))(sg.tensor(np.ones((3, 4, 4), np.float32)))
    assert out.shape == (3, 2, 2) and np.allclose(out.numpy(), 1.0)


def test_compose_and_lambda():
    pipeline = T.Compose([T.ToTensor(), T.Lambda(lambda x: x * 2)])
    assert float(pipeline(Image.fromarray(GRID)).numpy().max()) == pytest.approx(2 * 190 / 255)
    assert "ToTensor()" in repr(pipeline)
    with pytest.raises(TypeError, match="Lambda: expected a callable; received builtins.int"):
        T.Lambda(3)
