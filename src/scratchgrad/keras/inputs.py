"""``keras.Input`` and the ``InputLayer`` behind it: where a functional model's graph starts."""

from __future__ import annotations

from typing import Any, Sequence

from .base import Layer, check_int, check_shape, show
from .symbolic import KerasTensor, Node


class InputLayer(Layer):
    """The model's input: the layer behind ``keras.Input(shape=(28, 28, 1))``.

    It holds the shape of one sample (no batch axis) and has no weights; its ``output`` is the KerasTensor that
    ``keras.Input`` returns. Sequential models do not list it in ``model.layers``; functional models do, as Keras.
    """

    def __init__(
        self,
        shape: Sequence[int] | None = None,
        batch_size: int | None = None,
        dtype: Any = None,
        batch_shape: Sequence[Any] | None = None,
        name: str | None = None,
        input_shape: Sequence[int] | None = None,
        **kwargs: Any,
    ):
        super().__init__(name=name)
        given = shape if shape is not None else input_shape
        if given is None and batch_shape is not None:
            batch_size, given = batch_shape[0], tuple(batch_shape)[1:]
        if given is None:
            raise ValueError("Input: argument `shape` is required, e.g. keras.Input(shape=(28, 28, 1))")
        self.shape = check_shape("shape", given, unknown=True)
        self.batch_size = None if batch_size is None else check_int("Input", "batch_size", batch_size)
        self.dtype = "float32" if dtype is None else str(getattr(dtype, "name", dtype))
        self._in = self._out = self.shape
        self.output = KerasTensor((self.batch_size, *self.shape), self.dtype, (self, 0, 0))
        self._inbound_nodes.append(Node(self, [], [self.output]))

    @property
    def name(self) -> str:
        return self._name or "input_layer"

    def get_config(self) -> dict[str, Any]:
        return {"batch_shape": [self.batch_size, *self.shape], "dtype": self.dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": False}

    def __repr__(self) -> str:
        return f"<InputLayer name={self.name} shape={show((self.batch_size, *self.shape))}>"


def Input(  # noqa: N802
    shape: Sequence[int] | None = None,
    batch_size: int | None = None,
    dtype: Any = None,
    name: str | None = None,
    batch_shape: Sequence[Any] | None = None,
) -> KerasTensor:
    """A symbolic input: ``keras.Input(shape=(28, 28, 1))``, where ``shape`` excludes the batch axis.

    Call layers on it to build a functional model (``keras.Model(inputs, outputs)``), or put it first in a
    Sequential. Example: ``keras.Input(shape=(784,), name="img")`` has shape (None, 784).
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name).output
