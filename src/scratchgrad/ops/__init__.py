"""Differentiable functions: each op's forward and backward side by side, one file per family."""
