"""Figures: training curves, convolution filters, confusion matrices, activation histograms (matplotlib)."""

from .curves import describe, metric_words, plot_history
from .plots import plot_confusion, plot_filters, save_figure

__all__ = ["describe", "metric_words", "plot_confusion", "plot_filters", "plot_history", "save_figure"]
