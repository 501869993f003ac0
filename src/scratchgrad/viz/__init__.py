"""Figures: training curves, convolution filters, confusion matrices, activation histograms (matplotlib)."""

from .plots import plot_confusion, plot_filters, plot_history, save_figure

__all__ = ["plot_confusion", "plot_filters", "plot_history", "save_figure"]
