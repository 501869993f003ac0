"""vision.utils.make_grid and save_image."""

from __future__ import annotations

import numpy as np
from PIL import Image

import scratchgrad as sg
from scratchgrad.vision.utils import make_grid, save_image


def test_make_grid_lays_images_out_in_rows_with_padding():
    images = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 1, 2, 3)
    grid = make_grid(sg.tensor(images), nrow=2, padding=1, pad_value=-1).numpy()
    assert grid.shape == (3, 3 * (2 + 1) + 1, 2 * (3 + 1) + 1)  # 3 rows of 2, grayscale as 3 channels
    np.testing.assert_array_equal(grid[0, 1:3, 1:4], images[0, 0])
    np.testing.assert_array_equal(grid[2, 4:6, 5:8], images[3, 0])  # row 1, column 1
    assert grid[0, 0].tolist() == [-1] * 9 and (grid[:, 7:9, 5:8] == -1).all()  # the empty sixth cell


def test_make_grid_normalizes_and_returns_a_lone_image_as_it_is():
    lone = make_grid(sg.tensor(np.array([[[2.0, 4.0]]], np.float32)), normalize=True).numpy()
    assert lone.shape == (3, 1, 2) and lone[0].tolist() == [[0.0, 1.0]]
    each = make_grid([sg.tensor(np.full((1, 2, 2), v, np.float32)) + sg.tensor([[0.0, 1.0]]) for v in (0, 10)],
                     normalize=True, scale_each=True, padding=0).numpy()
    assert each[0, 0].tolist() == [0.0, 1.0, 0.0, 1.0]


def test_save_image_writes_the_grid_as_a_png(tmp_path):
    x = sg.tensor(np.stack([np.zeros((3, 4, 4)), np.ones((3, 4, 4))]).astype(np.float32))
    save_image(x, tmp_path / "grid.png", nrow=2, padding=0)
    pixels = np.asarray(Image.open(tmp_path / "grid.png"))
    assert pixels.shape == (4, 8, 3) and pixels[:, :4].max() == 0 and pixels[:, 4:].min() == 255
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]  # no temporary left behind
