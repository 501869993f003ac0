"""``keras.Sequential``: a linear stack of layers, a ``keras.Model`` like the others.

The model builds each layer as soon as the shape reaching it is known: at ``add`` time when the first layer has
``input_shape`` (or after ``keras.Input``), else on the first batch of data. Each layer's core module is
registered under the layer's name, so ``model.state_dict()`` has keys such as ``conv2d.weight``.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..autograd import Tensor
from . import layer_calls
from .base import Layer, check_shape, fits, show, to_internal, to_user, unique_name
from .inputs import InputLayer
from .model import ListedLayers, Model
from .pooling import MaxPooling2D
from .symbolic import KerasTensor


class Sequential(ListedLayers, Model):
    """A linear stack of layers, Keras's way.

    Args:
        layers: layers to add, in order (the first may be ``keras.Input(shape=...)``); a model may be one.
        name: the model's name in ``summary`` ("sequential" by default).

    Input and output shapes are channels-last with a batch axis, e.g. (batch, 28, 28, 1) -> (batch, 10).

    Example::

        model = keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        history = model.fit(x_train, y_train, batch_size=128, epochs=15, validation_split=0.1)
        loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    """

    def __init__(self, layers: Sequence[Any] | None = None, name: str | None = None, trainable: bool = True):
        super().__init__(name=name or "sequential", trainable=trainable)
        self._layers: list[Any] = []
        for layer in layers or ():
            self.add(layer)

    # ---- structure -------------------------------------------------------------------------------------
    @property
    def built(self) -> bool:
        return self._input is not None and bool(self._layers) and all(layer.built for layer in self._layers)

    @property
    def output_shape(self) -> Any:
        self._require_built("output_shape")
        return self._layers[-1].output_shape

    def add(self, layer: Any) -> None:
        """Append a layer (or a model); it is built now if the shape reaching it is known."""
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("keras.Input must be the first entry of a Sequential model, before any layer")
            self._input = layer.shape
            return
        if not isinstance(layer, (Layer, Model)):
            raise TypeError(
                f"The added layer must be an instance of class Layer. Received: layer={layer!r} of type "
                f"{type(layer).__name__}."
            )
        self._name(layer)
        if not self._layers and self._input is None:
            self._input = getattr(layer, "_declared_input_shape", None)
        self._layers.append(layer)
        if self._input is not None:
            try:
                self._build_layers()
            except Exception:
                self._layers.pop()  # a layer that does not fit leaves the model as it was
                raise

    def _name(self, layer: Any) -> None:
        taken = {other.name for other in self._layers}
        if getattr(layer, "_name", "") is None:
            unique_name(layer, taken)
        elif layer.name in taken:
            raise ValueError(
                f'All layers added to a Sequential model should have unique names. Name "{layer.name}" is already '
                "the name of a layer in this model. Update the `name` argument to pass a unique name."
            )

    def build(self, input_shape: Sequence[Any] | None = None) -> None:
        """Build every layer for inputs of ``input_shape`` (batch axis first: (None, 28, 28, 1))."""
        if input_shape is not None:
            self._input = check_shape("input_shape", tuple(input_shape)[1:], unknown=True)
        if self._input is None:
            raise ValueError("build: the input shape is unknown; pass input_shape=(None, ...) or call fit first")
        self._build_layers()

    def _build_layers(self) -> None:
        shape = self._input
        for layer in self._layers:
            shape = layer._build_for(shape)
        self._output = shape

    def _build_for(self, shapes: Any) -> Any:
        self._check_input((None, *shapes))
        return self._output

    # ---- running ---------------------------------------------------------------------------------------
    def _check_input(self, shape: Any) -> None:
        if not self._layers:
            raise ValueError(f'The model "{self.name}" has no layers; add some with model.add(...)')
        sample = tuple(shape[1:])
        if self._input is None:
            self._input = check_shape("input data shape", sample)
        elif not fits(sample, self._input):
            hint = ""
            if sample + (1,) == self._input:
                hint = ". Add the channel axis: x = np.expand_dims(x, -1)"
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected shape='
                f"{show((None, *self._input))}, found shape={show(shape)}{hint}"
            )
        if not self.built:
            self._build_layers()

    def _last_activation(self) -> str:
        return getattr(self._layers[-1], "activation_name", "linear")

    def _run(self, x: Tensor, logits: bool = False) -> Tensor:
        """Channels-last in, channels-last out; ``logits`` skips the last layer's activation."""
        h = to_internal(x)
        layers, last = self._layers, len(self._layers) - 1
        i = 0
        while i <= last:
            layer = layers[i]
            if (i < last and getattr(layer, "activates_by_relu", False) and isinstance(layers[i + 1], MaxPooling2D)
                    and not layer_calls.RECORDS):  # a recorded pass keeps each layer's work inside its own call
                # Max pooling before the ReLU: exact, forward and gradient (see nn.module.chain), and the ReLU
                # then touches a quarter of the elements.
                h = layer.activate(layers[i + 1]._forward(layer._call(h)))
                i += 2
            else:
                h = layer_calls.run(layer, h, logits=logits and i == last)
                i += 1
        return to_user(h)
