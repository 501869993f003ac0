"""``keras.Sequential``: a stack of Keras layers that is also an ``nn.Module``, trained by the Trainer.

The model builds each layer as soon as the shape reaching it is known: at ``add`` time when the first layer has
``input_shape`` (or after ``keras.Input``), else on the first batch of data. Each layer's core module is
registered under the layer's name, so ``model.parameters()`` feeds any core optimizer and ``model.state_dict()``
has keys such as ``conv2d.weight`` (in PyTorch's layout).

Data is channels-last (N, H, W, C) at the model's edges; the model turns 4-D input into (N, C, H, W) once, runs
the core ops on that, and turns a 4-D output back.

``fit`` and ``evaluate`` are faces of ``scratchgrad.train.Trainer``: they turn arrays into DataLoaders, the
compiled loss into an ``Objective`` and Keras callbacks into Trainer callbacks; there is no second loop here.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import backend, optim
from .. import io as sgio
from ..autograd import Tensor, no_grad
from ..data import DataLoader
from ..nn import Module
from ..train import Trainer
from ..train import callbacks as core_callbacks
from . import losses, optimizers
from .base import (
    Layer,
    Shape,
    batch_size_of,
    check_int,
    check_shape,
    show,
    split_for_validation,
    to_internal,
    to_user,
)
from .callbacks import Adapter, Callback, History, ProgressLogger, keras_logs
from .layers import InputLayer
from .pooling import MaxPooling2D
from .summary import summary_lines

METRICS = {"accuracy": "accuracy", "acc": "acc"}


class Sequential(Module):
    """A linear stack of layers, Keras's way.

    Args:
        layers: layers to add, in order (the first may be ``keras.Input(shape=...)``).
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

    def __init__(self, layers: Sequence[Layer | InputLayer] | None = None, name: str | None = None):
        super().__init__()
        self.name = name or "sequential"
        self._layers: list[Layer] = []
        self._input: Shape | None = None
        self.optimizer: Any = None
        self.loss: losses.Loss | None = None
        self._metrics: tuple[str, ...] = ()
        self._needs_optimizer = True
        self.stop_training = False
        self.history: History | None = None
        for layer in layers or ():
            self.add(layer)

    # ---- structure -------------------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    @property
    def built(self) -> bool:
        return self._input is not None and bool(self._layers) and all(layer.built for layer in self._layers)

    @property
    def input_shape(self) -> tuple:
        self._require_built("input_shape")
        return (None, *self._input)  # type: ignore[misc]

    @property
    def output_shape(self) -> tuple:
        self._require_built("output_shape")
        return self._layers[-1].output_shape

    def add(self, layer: Layer | InputLayer) -> None:
        """Append a layer; it is built now if the shape reaching it is known."""
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("keras.Input must be the first entry of a Sequential model, before any layer")
            self._input = layer.shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"The added layer must be an instance of class Layer. Received: layer={layer!r} of type "
                f"{type(layer).__name__}."
            )
        self._name(layer)
        if not self._layers and self._input is None:
            self._input = layer._declared_input_shape
        self._layers.append(layer)
        if self._input is not None:
            try:
                self._build_layers()
            except Exception:
                self._layers.pop()  # a layer that does not fit leaves the model as it was
                raise

    def _name(self, layer: Layer) -> None:
        taken = {other.name for other in self._layers}
        if layer._name is None:  # Keras's default names: dense, dense_1, dense_2, ...
            base, i = layer.name, 0
            while (f"{base}_{i}" if i else base) in taken:
                i += 1
            layer._name = f"{base}_{i}" if i else base
        elif layer.name in taken:
            raise ValueError(
                f'All layers added to a Sequential model should have unique names. Name "{layer.name}" is already '
                "the name of a layer in this model. Update the `name` argument to pass a unique name."
            )

    def build(self, input_shape: Sequence[Any] | None = None) -> None:
        """Build every layer for inputs of ``input_shape`` (batch axis first: (None, 28, 28, 1))."""
        if input_shape is not None:
            self._input = check_shape("input_shape", tuple(input_shape)[1:])
        if self._input is None:
            raise ValueError("build: the input shape is unknown; pass input_shape=(None, ...) or call fit first")
        self._build_layers()

    def _build_layers(self) -> None:
        shape = self._input
        for layer in self._layers:
            shape = layer._build(shape)  # type: ignore[arg-type]
            if layer.module is not None and layer.name not in self._modules:
                self.add_module(layer.name, layer.module)

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(
                f"This model has not yet been built (needed for {what}). Build the model first by calling `build()` "
                "or by calling the model on a batch of data, or give the first layer an `input_shape`."
            )

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if index is not None:
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in self._layers]}.")

    # ---- running ---------------------------------------------------------------------------------------
    def _inputs(self, x: Any) -> np.ndarray:
        """``x`` as a float array of the model's dtype (not rescaled, as in Keras), checked against the input."""
        if x is None:
            raise ValueError("expected input data x; received None")
        array = np.asarray(backend.to_numpy(x.data if isinstance(x, Tensor) else x))
        dtype = backend.get_default_dtype()
        self._check_input(array.shape)
        return array if array.dtype == dtype else array.astype(dtype)

    def _check_input(self, shape: tuple) -> None:
        if not self._layers:
            raise ValueError(f'The model "{self.name}" has no layers; add some with model.add(...)')
        sample = tuple(shape[1:])
        if self._input is None:
            self._input = check_shape("input data shape", sample)
        elif sample != self._input:
            hint = ""
            if sample + (1,) == self._input:
                hint = ". Add the channel axis: x = np.expand_dims(x, -1)"
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected shape='
                f"{show((None, *self._input))}, found shape={show(shape)}{hint}"
            )
        if not self.built:
            self._build_layers()

    def _run(self, x: Tensor, logits: bool = False) -> Tensor:
        """Channels-last in, channels-last out; ``logits`` skips the last layer's activation."""
        h = to_internal(x)
        layers, last = self._layers, len(self._layers) - 1
        i = 0
        while i <= last:
            layer = layers[i]
            if i < last and layer.activates_by_relu and isinstance(layers[i + 1], MaxPooling2D):
                # Max pooling before the ReLU: exact, forward and gradient (see nn.module.chain), and the ReLU
                # then touches a quarter of the elements.
                h = layer.activate(layers[i + 1]._forward(layer._call(h)))
                i += 2
            else:
                h = layer._forward(h, logits=logits and i == last)
                i += 1
        return to_user(h)

    def forward(self, x: Any, training: bool = False) -> Tensor:
        """``model(x)``: the outputs for a batch, in inference mode unless ``training`` (as in Keras)."""
        if isinstance(x, Tensor):
            self._check_input(x.shape)
            if x.dtype != backend.get_default_dtype():
                x = x.astype(backend.get_default_dtype())
        else:
            x = Tensor(self._inputs(x))
        was_training = self.training
        self.train(training)
        try:
            return self._run(x)
        finally:
            self.train(was_training)

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = 0) -> np.ndarray:
        """Outputs for every sample of ``x`` (probabilities after a softmax), as a NumPy array, batch by batch.

        Example: ``model.predict(images[:64])`` has shape (64, 10) for a 10-class model; ``images[:0]`` gives an
        empty (0, 10) array.
        """
        x = self._inputs(x)
        batch_size = batch_size_of("predict", batch_size)
        if len(x) == 0:  # no batches to stack: the empty result, shaped as any other (PyTorch's answer, too)
            return np.zeros((0, *self.output_shape[1:]), dtype=backend.get_default_dtype())
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                outputs = [
                    backend.to_numpy(self._run(Tensor(backend.as_array(x[i : i + batch_size]))).data)
                    for i in range(0, len(x), batch_size)
                ]
        finally:
            self.train(was_training)
        return np.concatenate(outputs)

    # ---- training --------------------------------------------------------------------------------------
    def compile(
        self,
        optimizer: str | optimizers.Optimizer | optim.Optimizer = "rmsprop",
        loss: str | losses.Loss | Callable | None = None,
        metrics: Sequence[str] | None = None,
    ) -> None:
        """Choose the optimizer, the loss and the metrics that ``fit`` and ``evaluate`` use.

        Args:
            optimizer: "adam", "sgd", "rmsprop", "adagrad" (Keras's defaults), a ``keras.optimizers`` object
                or a core optimizer over ``model.parameters()``.
            loss: "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy", "mse",
                a ``keras.losses`` object or a function(y_true, y_pred).
            metrics: ["accuracy"] (or ["acc"]): categorical, sparse or binary accuracy, whichever fits the
                targets and the output, as Keras chooses.
        """
        self.optimizer = optimizers.get(optimizer)
        if loss is None:
            raise ValueError("compile: argument `loss` is required, e.g. loss='categorical_crossentropy'")
        self.loss = losses.get(loss)
        unknown = [m for m in metrics or () if m not in METRICS]
        if unknown:
            raise ValueError(
                f"Unknown metric function: {unknown[0]!r} (argument `metrics` of compile). Supported: 'accuracy' "
                "(or 'acc')."
            )
        self._metrics = tuple(METRICS[m] for m in metrics or ())
        self._needs_optimizer = True

    @property
    def _renames(self) -> dict[str, str]:
        return {"accuracy": "acc", "val_accuracy": "val_acc"} if "acc" in self._metrics else {}

    def _prepare(self, action: str, x: Any) -> tuple[losses.Objective, np.ndarray]:
        """The compiled objective and ``x`` as an array; the model is built from ``x`` if it was not yet."""
        if self.loss is None:
            raise RuntimeError(f"You must compile your model before {action}. Call `model.compile(optimizer, loss)`.")
        x = self._inputs(x)
        last = self._layers[-1].activation_name
        return losses.Objective(self.loss, last, self.output_shape, bool(self._metrics)), x

    def _core_optimizer(self) -> optim.Optimizer:
        if isinstance(self.optimizer, optim.Optimizer):
            return self.optimizer
        if self._needs_optimizer or self.optimizer.optimizer is None:
            self.optimizer.build(self.parameters())
            self._needs_optimizer = False
        return self.optimizer.optimizer

    def _trainer(self, objective: losses.Objective, loader: DataLoader, optimizer: Any = None, **kwargs: Any) -> Any:
        return Trainer(
            _Scores(self, objective),
            optimizer,
            loader,
            loss_fn=objective,
            metrics=("accuracy",) if self._metrics else (),
            log=None,
            **kwargs,
        )

    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int | str = "auto",
        callbacks: Sequence[Any] | None = None,
        validation_split: float = 0.0,
        validation_data: tuple | None = None,
        shuffle: bool = True,
        initial_epoch: int = 0,
    ) -> History:
        """Train for ``epochs`` epochs of mini-batches; returns a ``History`` (``.history["val_accuracy"]`` ...).

        Args:
            x, y: inputs (batch, ...) channels-last, and targets in the form the loss takes.
            batch_size: samples per step (32 by default); an epoch is ceil(N / batch_size) steps.
            verbose: 1 (or "auto") a progress bar and a line per epoch, 2 the line only, 0 silent.
            callbacks: ``keras.callbacks`` objects (EarlyStopping, your own Callback) or Trainer callbacks.
            validation_split: the fraction of x and y held out for validation: the last samples, taken before
                shuffling, as in Keras.
            validation_data: (x_val, y_val), used instead of validation_split.
            shuffle: a new order of the training samples every epoch.
            initial_epoch: the epoch to start from (to continue an earlier fit).
        """
        epochs, initial_epoch = check_int("fit", "epochs", epochs), check_int("fit", "initial_epoch", initial_epoch, 0)
        objective, x = self._prepare("training", x)
        if y is None or len(x) != len(y):
            raise ValueError(
                f"Data cardinality is ambiguous: x sizes: {len(x)}, y sizes: {None if y is None else len(y)}. "
                "Make sure all arrays contain the same number of samples."
            )
        t = objective.targets(y)
        val = None
        if validation_data is not None:
            val = self._inputs(validation_data[0]), objective.targets(validation_data[1])
        elif validation_split:
            split = split_for_validation(len(x), validation_split)
            x, t, val = x[:split], t[:split], (x[split:], t[split:])
        batch_size = batch_size_of("fit", batch_size)
        loader = DataLoader((x, t), batch_size, shuffle=shuffle, scale=False)
        evals = {"val": DataLoader(val, batch_size, scale=False)} if val is not None else {}
        verbose = 1 if verbose == "auto" else int(verbose)
        history = History()
        trainer_callbacks = [ProgressLogger(epochs, len(loader), verbose, self._renames)]
        for cb in [history, *(callbacks or ())]:
            if hasattr(cb, "set_model"):
                cb.set_model(self)
            if isinstance(cb, Callback):
                cb.set_params({"epochs": epochs, "steps": len(loader), "verbose": verbose})
                trainer_callbacks.append(Adapter(cb, self._renames))
            elif isinstance(cb, core_callbacks.Callback):
                trainer_callbacks.append(cb)
            else:
                raise TypeError(f"fit: callbacks must be keras.callbacks.Callback objects; received {cb!r}")
        trainer = self._trainer(
            objective,
            loader,
            self._core_optimizer(),
            eval_loaders=evals,
            callbacks=trainer_callbacks,
            progress=verbose == 1,
        )
        trainer.epoch = initial_epoch
        self.stop_training = False
        try:
            trainer.fit(epochs)
        finally:
            self.eval()
        self.history = history
        return history

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        return_dict: bool = False,
    ) -> Any:
        """The loss (and accuracy) over ``x``, ``y`` in inference mode: ``[loss, accuracy]``, or the loss alone
        when compiled without metrics, or a dict with ``return_dict``.
        """
        objective, x = self._prepare("evaluating", x)
        loader = DataLoader((x, objective.targets(y)), batch_size_of("evaluate", batch_size), scale=False)
        logs = keras_logs(self._trainer(objective, loader).evaluate(loader), self._renames)
        if verbose:
            print(f"{len(loader)}/{len(loader)} - " + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()), flush=True)
        if return_dict:
            return logs
        values = list(logs.values())
        return values if len(values) > 1 else values[0]

    # ---- weights ---------------------------------------------------------------------------------------
    def count_params(self) -> int:
        """Every layer's parameter count added up (BatchNormalization's moving statistics included)."""
        self._require_built("count_params")
        return sum(layer.count_params() for layer in self._layers)

    def get_weights(self) -> list[np.ndarray]:
        """All layers' weights in Keras's layouts, layer after layer (e.g. [kernel, bias, kernel, bias])."""
        return [w for layer in self._layers for w in layer.get_weights()]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Set every weight from a list as ``get_weights`` returns it."""
        sizes = [len(layer._slots()) for layer in self._layers]
        if len(weights) != sum(sizes):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight list of length '
                f"{len(weights)}, but the layer was expecting {sum(sizes)} weights."
            )
        start = 0
        for layer, size in zip(self._layers, sizes):
            layer.set_weights(weights[start : start + size])
            start += size

    def save_weights(self, filepath: str) -> None:
        """Save the weights to a safetensors file (atomically), keyed by layer name in PyTorch's layouts."""
        self._require_built("save_weights")
        sgio.save_weights(self, filepath)

    def load_weights(self, filepath: str) -> None:
        """Load weights saved by ``save_weights`` from a model with the same layers."""
        self._require_built("load_weights")
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

    # ---- display ---------------------------------------------------------------------------------------
    def summary(
        self,
        line_length: int | None = None,
        positions: Sequence[float] | None = None,
        print_fn: Callable[[str], Any] | None = None,
    ) -> None:
        """Print Keras's table: each layer's name (type), output shape and parameter count, then the totals.

        Example: the Keras MNIST convnet ends with "Total params: 34,826".
        """
        if not self.built:
            raise ValueError(
                "This model has not yet been built. Build the model first by calling `build()` or by calling the "
                "model on a batch of data."
            )
        for line in summary_lines(self, line_length or 65, positions or (0.45, 0.85, 1.0)):
            (print_fn or print)(line)

    def __repr__(self) -> str:
        return f"<Sequential name={self.name}, layers={[layer.name for layer in self._layers]}>"


class _Scores(Module):
    """The model as the Trainer sees it: the objective's scores (before a softmax the loss fuses with)."""

    def __init__(self, model: Sequential, objective: losses.Objective):
        super().__init__()
        self.model = model
        self.objective = objective

    def forward(self, x: Tensor) -> Tensor:
        return self.objective.scores(self.model._run(x, logits=self.objective.skip_activation))
