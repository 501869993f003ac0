"""Readers for files in formats that can carry code (pickle), made to build plain data only; PyTorch's file format."""

from .safe_pickle import Buildable, Global, Limits, PickleRefused, check_depth, latin1_encode, safe_loads

__all__ = ["Buildable", "Global", "Limits", "PickleRefused", "check_depth", "latin1_encode", "safe_loads"]
