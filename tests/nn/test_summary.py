"""summary(): output shapes traced through a real forward, parameter counts, and the notes' 433,890."""

import pytest

import scratchgrad.nn as nn
from scratchgrad import models
from scratchgrad.nn.summary import summary


def test_simple_convnet_summary_rows_and_total():
    text = summary(models.get("simple_convnet"), (1, 28, 28), print_fn=None)
    assert "conv1 (Conv2d)     [N, 30, 24, 24]           780" in text
    assert "pool (MaxPool2d)   [N, 30, 12, 12]             0" in text
    assert "fc1 (Linear)       [N, 100]              432,100" in text
    assert text.splitlines()[-3:] == ["Total params: 433,890", "Trainable params: 433,890", "Non-trainable params: 0"]


def test_frozen_parameters_count_as_non_trainable():
    model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    model[0].weight.requires_grad = False
    text = summary(model, (4,), print_fn=None)
    assert "Trainable params: 11" in text and "Non-trainable params: 12" in text


def test_a_shape_that_does_not_fit_is_a_clear_error():
    with pytest.raises(ValueError, match=r"summary: input shape \(3, 28, 28\) does not fit SimpleConvNet"):
        summary(models.get("simple_convnet"), (3, 28, 28), print_fn=None)
