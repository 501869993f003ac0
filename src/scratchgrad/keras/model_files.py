"""The files half of ``keras.Model``: its config (``get_config`` / ``from_config``), ``.keras`` and weights files,
and ONNX export. A mixin: the model supplies ``_require_built``, ``input_shape`` and ``output_shape``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from .. import io as sgio
from .custom_saving import model_config, model_from_config


class ModelFiles:
    """``get_config``, ``from_config``, ``save``, ``save_weights``, ``load_weights`` and ``export``."""

    def get_config(self) -> dict[str, Any]:
        """The arguments that make this model again (``type(model).from_config(config)``): ``name``, ``trainable``
        and ``dtype``; a subclass adds its own in its ``get_config`` (or, without one, the plain values its
        ``__init__`` was called with are used, as in Keras)."""
        return model_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
        """The model ``get_config`` describes: ``cls(**config)`` for a subclass."""
        return model_from_config(cls, config, custom_objects)

    def save(self, filepath: str) -> None:
        """Save the model to a ``.keras`` file in Keras 3's format (config and weights; Keras 3 loads it)."""
        from .saving import save_model

        save_model(self, filepath)

    def save_weights(self, filepath: str) -> None:
        """Save the weights, atomically: Keras 3's HDF5 layout for a ``.weights.h5`` path, else a safetensors file
        keyed by layer name in PyTorch's layouts."""
        self._require_built("save_weights")
        if str(filepath).endswith(".weights.h5"):
            from .saving import save_weights

            save_weights(self, filepath)
        else:
            sgio.save_weights(self, filepath)

    def load_weights(self, filepath: str) -> None:
        """Load weights saved by ``save_weights`` (or by Keras 3, for ``.weights.h5``) from a model with the same
        layers."""
        self._require_built("load_weights")
        if str(filepath).endswith(".weights.h5"):
            from .saving import load_weights

            load_weights(self, filepath)
        else:
            sgio.load_into(self, filepath)

    def export(self, filepath: str, format: str = "onnx") -> None:  # noqa: A002  (Keras's argument name)
        """Write the model for inference elsewhere, batch size left open: format="onnx" (ONNX Runtime and
        other engines; needs the ``onnx`` extra). Input and output stay channels-last, as the model takes them."""
        from .. import onnx as sg_onnx

        if format != "onnx":
            raise ValueError(f"export: format must be 'onnx' (the only one here); received format={format!r}")
        self._require_built("export")
        shapes = self.input_shape if isinstance(self.input_shape, list) else [self.input_shape]
        examples = tuple(np.zeros((1, *s[1:]), dtype=backend.get_default_dtype()) for s in shapes)
        outputs = len(self.output_shape) if isinstance(self.output_shape, list) else 1
        sg_onnx.export(self, examples, filepath, dynamic_axes=sg_onnx.dynamic_batch(len(examples), outputs))
