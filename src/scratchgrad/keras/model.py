"""``keras.Model``: what every Keras model shares (compile, fit, evaluate, predict, weights, summary), and
subclassed models (``class M(keras.Model)`` with layers made in ``__init__`` and ``call(inputs, training=None)``).

A model is an ``nn.Module``: each built layer's core module is registered on it (under the layer's name for
Sequential and functional models, under the attribute's name for a subclassed one), so ``model.parameters()``
feeds any core optimizer and ``model.state_dict()`` has keys such as ``conv2d.weight`` (PyTorch's layout).
``keras.Model(inputs, outputs)`` makes a functional model (``functional.py``); ``keras.Sequential`` is in
``sequential.py``.

Data is channels-last (N, H, W, C) at the model's edges; inside, 4-D tensors run as (N, C, H, W).

``compile``, ``fit`` and ``evaluate`` (faces of ``scratchgrad.train.Trainer``) are in ``training.py``; configs and
files (``get_config``, ``save``, ``save_weights``, ``export``) in ``model_files.py``.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .. import backend
from ..autograd import Tensor, no_grad
from ..nn import Module
from . import losses, symbolic
from .base import (
    Layer,
    batch_size_of,
    check_shape,
    show,
    to_internal,
    to_user,
    training_mode,
    unique_name,
)
from .callbacks import History
from .custom_saving import check_dtype, init_arguments
from .model_files import ModelFiles
from .summary import print_summary
from .training import Training


class Model(Training, ModelFiles, Module):
    """A Keras model. ``keras.Model(inputs, outputs, name=...)`` builds a functional model; subclass it to write
    the forward pass yourself::

        class MLP(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = layers.Dense(64, activation="relu")
                self.out = layers.Dense(10)

            def call(self, inputs, training=None):
                return self.out(self.hidden(inputs))

    A subclassed model is built by its first call (``model(x)``, ``fit``, ``predict``).
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        if cls is Model and (args or "inputs" in kwargs):
            from .functional import Functional

            return super().__new__(Functional)
        model = super().__new__(cls)
        if not cls.__module__.startswith(__package__ + "."):  # a user's subclass: its arguments may be its config
            object.__setattr__(model, "_auto_config", init_arguments(cls, args, kwargs))
        return model

    def __init__(self, *args: Any, name: str | None = None, trainable: bool = True, dtype: Any = None,
                 **kwargs: Any):
        super().__init__()
        if args or kwargs:
            raise TypeError(
                f"keras.Model takes (inputs, outputs, name=...) or, in a subclass, name=...; received positional "
                f"arguments {args!r} and keyword arguments {sorted(kwargs)}"
            )
        check_dtype(dtype, f'Model "{name}"')
        self._init_model(name or symbolic.default_name(type(self).__name__))
        self._trainable = bool(trainable)

    def _init_model(self, name: str) -> None:
        object.__setattr__(self, "_tracked", {})
        self.name = name
        self._input: Any = None  # per-sample input shape(s), once known
        self._output: Any = None
        self.optimizer: Any = None
        self.loss: losses.Loss | None = None
        self._metrics: tuple[str, ...] = ()
        self._needs_optimizer = True
        self.stop_training = False
        self.history: History | None = None
        self._inbound_nodes: list[Any] = []
        self._trainable = True

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Layer) or (isinstance(value, Model) and "_tracked" in self.__dict__):
            tracked = self.__dict__.get("_tracked", {})
            unique_name(value, {layer.name for key, layer in tracked.items() if key != name})
            tracked[name] = value
        elif "_tracked" in self.__dict__ and _layer_list(value):  # a list of layers: each tracked, as in Keras
            tracked = self._tracked
            for key in [k for k in tracked if k.startswith(name + ".")]:
                del tracked[key]
            for i, layer in enumerate(value):
                unique_name(layer, {other.name for other in tracked.values()})
                tracked[f"{name}.{i}"] = layer
        if isinstance(value, Layer):
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    # ---- structure -------------------------------------------------------------------------------------
    @property
    def layers(self) -> list[Any]:
        """The model's layers in the order they were set in ``__init__`` (subclassed) or run (others)."""
        return list(self._tracked.values())

    def _keyed_layers(self) -> Iterator[tuple[str, Any]]:
        """(registration key, layer) for each layer whose core module the model holds."""
        yield from self._tracked.items()

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for key, layer in self._keyed_layers():
            module = layer if isinstance(layer, Module) else layer.module
            if module is not None and key not in self._modules:
                self._modules[key] = module  # a layer builds its module lazily: register it once it exists
        yield from super().named_children()

    @property
    def built(self) -> bool:
        return self._output is not None

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self.layers:
            layer.trainable = value

    @property
    def input_shape(self) -> Any:
        self._require_built("input_shape")
        return symbolic.nest(self._input, lambda s: (None, *s))

    @property
    def output_shape(self) -> Any:
        self._require_built("output_shape")
        return symbolic.nest(self._output, lambda s: (None, *s))

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(
                f"This model has not yet been built (needed for {what}). Build the model first by calling `build()` "
                "or by calling the model on a batch of data, or give the first layer an `input_shape`."
            )

    def build(self, input_shape: Sequence[Any] | None = None) -> None:
        """Build the model for inputs of ``input_shape`` (batch axis first: (None, 28, 28, 1))."""
        if input_shape is None:
            raise ValueError(f'build: model "{self.name}" needs input_shape=(None, ...)')
        self._build_for(check_shape("input_shape", tuple(input_shape)[1:]))

    def get_layer(self, name: str | None = None, index: int | None = None) -> Any:
        """The layer called ``name``, or the one at ``index`` of ``model.layers``."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has {len(layers)} "
                                 "layers.")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}.")

    # ---- a model as a layer ----------------------------------------------------------------------------
    def _build_for(self, shapes: Any) -> Any:
        """Build for per-sample input shape(s) and return the output shape(s); a built model checks them."""
        if self._input is not None and self.built:
            if shapes != self._input:
                raise ValueError(
                    f'Input 0 of layer "{self.name}" is incompatible with the layer: expected shape='
                    f"{symbolic.nest(self._input, lambda s: show((None, *s)))}, found shape="
                    f"{symbolic.nest(shapes, lambda s: show((None, *s)))}"
                )
            return self._output
        dummy = symbolic.nest(shapes, lambda s: Tensor(backend.xp.zeros((2, *s), dtype=backend.get_default_dtype())))
        was_training = self.training
        self.eval()
        try:
            with no_grad(), training_mode(False, probing=True):
                out = self._run(dummy)
        finally:
            self.train(was_training)
        self._input = shapes
        self._output = symbolic.nest(out, lambda t: tuple(t.shape[1:]))
        return self._output

    def _forward(self, x: Any, logits: bool = False) -> Any:
        """The model as a layer of another: internal layout in and out."""
        return symbolic.nest(self._run(symbolic.nest(x, to_user), logits), to_internal)

    def _counts(self) -> tuple[int, int]:
        trainable = frozen = 0
        for layer in self.layers:
            t, f = layer._counts()
            trainable, frozen = trainable + t, frozen + f
        return trainable, frozen

    def _last_activation(self) -> str:
        return "linear"

    # ---- running ---------------------------------------------------------------------------------------
    def _run(self, x: Any, logits: bool = False) -> Any:
        """Channels-last in and out; a subclassed model runs its ``call``."""
        call = getattr(self, "call", None)
        if call is None:
            raise NotImplementedError(f"{type(self).__name__} must define call(inputs, training=None)")
        with training_mode(self.training):
            return call(x, training=self.training) if _takes_training(call) else call(x)

    def _as_arrays(self, x: Any) -> Any:
        """``x`` (an array, or a list / dict of them for several inputs) as float arrays of the model's dtype."""
        if x is None:
            raise ValueError("expected input data x; received None")
        dtype = backend.get_default_dtype()

        def array(v: Any) -> np.ndarray:
            a = np.asarray(backend.to_numpy(v.data if isinstance(v, Tensor) else v))
            return a if a.dtype == dtype else a.astype(dtype)

        return symbolic.nest(symbolic.as_lists(x), array)

    def _inputs(self, x: Any) -> Any:
        """``x`` as arrays (not rescaled, as in Keras), checked against the input; builds the model from it."""
        x = self._as_arrays(x)
        self._check_input(symbolic.nest(x, lambda a: a.shape))
        return x

    def _check_input(self, shapes: Any) -> None:
        if not self.built:
            self._build_for(symbolic.nest(shapes, lambda s: check_shape("input data shape", tuple(s[1:]))))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args and symbolic.is_symbolic(args[0]):
            return symbolic.call(self, args[0])
        return super().__call__(*args, **kwargs)

    def forward(self, x: Any, training: bool = False) -> Any:
        """``model(x)``: the outputs for a batch, in inference mode unless ``training`` (as in Keras)."""
        x = symbolic.as_lists(x)
        self._check_input(symbolic.nest(x, lambda v: tuple(np.shape(v.data if isinstance(v, Tensor) else v))))
        dtype = backend.get_default_dtype()
        x = symbolic.nest(x, lambda v: (v if v.dtype == dtype else v.astype(dtype)) if isinstance(v, Tensor)
                          else Tensor(backend.as_array(np.asarray(v, dtype=dtype))))
        was_training = self.training
        self.train(training)
        try:
            return self._run(x)
        finally:
            self.train(was_training)

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = 0) -> Any:
        """Outputs for every sample of ``x`` (probabilities after a softmax), as NumPy arrays, batch by batch.

        Example: ``model.predict(images[:64])`` has shape (64, 10) for a 10-class model; ``images[:0]`` gives an
        empty (0, 10) array. A model with several outputs gives a list (or dict) of arrays.
        """
        x = self._inputs(x)
        batch_size = batch_size_of("predict", batch_size)
        n = len(symbolic.flatten(x)[0])
        if n == 0:  # no batches to stack: the empty result, shaped as any other (PyTorch's answer, too)
            dtype = backend.get_default_dtype()
            # a size unknown until the data arrives (None) is 0 here too: there is no data
            return symbolic.nest(self._output, lambda s: np.zeros((0, *(d or 0 for d in s)), dtype=dtype))
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                batches = [
                    self._run(symbolic.nest(x, lambda a, i=i: Tensor(backend.as_array(a[i : i + batch_size]))))
                    for i in range(0, n, batch_size)
                ]
        finally:
            self.train(was_training)
        leaves = [symbolic.flatten(b) for b in batches]
        joined = [np.concatenate([backend.to_numpy(b[j].data) for b in leaves]) for j in range(len(leaves[0]))]
        return symbolic.pack(batches[0], joined)

    # ---- weights ---------------------------------------------------------------------------------------
    def count_params(self) -> int:
        """Every layer's parameter count added up (BatchNormalization's moving statistics included)."""
        self._require_built("count_params")
        return sum(self._counts())

    def get_weights(self) -> list[np.ndarray]:
        """All layers' weights in Keras's layouts, layer after layer (e.g. [kernel, bias, kernel, bias])."""
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Set every weight from a list as ``get_weights`` returns it."""
        sizes = [len(layer.get_weights()) for layer in self.layers]
        if len(weights) != sum(sizes):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight list of length '
                f"{len(weights)}, but the layer was expecting {sum(sizes)} weights."
            )
        start = 0
        for layer, size in zip(self.layers, sizes):
            layer.set_weights(weights[start : start + size])
            start += size

    # ---- display ---------------------------------------------------------------------------------------
    def summary(
        self,
        line_length: int | None = None,
        positions: Sequence[float] | None = None,
        print_fn: Callable[[str], Any] | None = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Sequence[str] | None = None,
    ) -> None:
        """Print Keras 3's table: each layer's name (type), output shape and parameter count, then the totals.

        Args:
            line_length: the table's width (default 88, at most the terminal's width less 4).
            positions: where each column ends, as fractions of ``line_length``.
            print_fn: called once with the whole text (as Keras 3 does) instead of printing it.
            expand_nested: also list the layers of nested models, marked "└".
            show_trainable: add a "Trainable" column (Y, N, or - for a layer without weights).
            layer_range: two names (or patterns): list only the layers from the first to the second.

        Example: the Keras MNIST convnet ends with " Total params: 34,826 (136.04 KB)". A layer not built yet shows
        "?" and "0 (unbuilt)", as in Keras.
        """
        print_summary(self, print_fn, line_length=line_length, positions=positions, expand_nested=expand_nested,
                      show_trainable=show_trainable, layer_range=layer_range)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, layers={[layer.name for layer in self.layers]}>"


class ListedLayers:
    """Models that keep their layers in a list (Sequential, functional): their modules are keyed by layer name."""

    _layers: list[Any]

    @property
    def layers(self) -> list[Any]:
        return list(self._layers)

    def _keyed_layers(self) -> Iterator[tuple[str, Any]]:
        return ((layer.name, layer) for layer in self._layers)


def _layer_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, (Layer, Model)) for v in value)


def _takes_training(call: Callable) -> bool:
    """Whether a user's ``call`` accepts a ``training`` argument (Keras passes it only then)."""
    import inspect

    try:
        parameters = inspect.signature(call).parameters
    except (TypeError, ValueError):
        return False
    return "training" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
