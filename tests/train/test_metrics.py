"""train/metrics.py on hand-made cases: the confusion matrix's orientation, recall per class, accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad.train import confusion_matrix, per_class_accuracy
from scratchgrad.train.metrics import accuracy, correct_count

# Seven samples, (true, predicted): (0,0) (0,1) (1,1) (1,2) (2,2) (2,2) (2,0).
ACTUAL = np.array([0, 0, 1, 1, 2, 2, 2])
PREDICTED = np.array([0, 1, 1, 2, 2, 2, 0])


def test_confusion_matrix_has_a_row_per_true_class_and_a_column_per_prediction():
    expected = np.array([
        [1, 1, 0, 0],  # true 0: once right, once taken for 1
        [0, 1, 1, 0],  # true 1: once right, once taken for 2
        [1, 0, 2, 0],  # true 2: twice right, once taken for 0
        [0, 0, 0, 0],  # class 3 never occurs
    ])
    matrix = confusion_matrix(PREDICTED, ACTUAL, 4)
    np.testing.assert_array_equal(matrix, expected)
    assert matrix.dtype == np.int64


def test_per_class_accuracy_is_each_true_class_recall_and_nan_for_an_absent_class():
    recall = per_class_accuracy(confusion_matrix(PREDICTED, ACTUAL, 4))
    np.testing.assert_array_equal(recall[:3], [1 / 2, 1 / 2, 2 / 3])
    assert np.isnan(recall[3])


def test_accuracy_counts_top_scores_against_labels_or_one_hot_rows():
    scores = np.eye(3)[PREDICTED] * 2.0 - 0.5  # the top score sits at the predicted class
    assert correct_count(scores, ACTUAL) == 4
    assert accuracy(scores, ACTUAL) == pytest.approx(4 / 7)
    assert accuracy(scores, np.eye(3)[ACTUAL]) == pytest.approx(4 / 7)
    assert accuracy(np.zeros((0, 3)), np.zeros(0, dtype=np.int64)) == 0.0
