"""Figures: training curves, convolution filters, confusion matrices (matplotlib); computational graphs (DOT)."""

from .curves import describe, metric_words, plot_history
from .graph import Graph, graph, model_graph
from .plots import plot_confusion, plot_filters, save_figure

__all__ = [
    "Graph", "describe", "graph", "metric_words", "model_graph", "plot_confusion", "plot_filters", "plot_history",
    "save_figure",
]
