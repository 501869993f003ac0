"""The Keras ``Layer`` on our engine: shape bookkeeping in channels-last, a core ``nn`` module doing the work.

A Keras layer knows its sizes only once its input shape is known. Then ``build`` checks the input against what
the layer takes, computes the output shape (as Keras reports it: channels-last, batch axis ``None``) and builds
the core module (``nn.Conv2d``, ``nn.Linear``, ...). Inside a model, 4-D tensors run channels-first (N, C, H, W),
the layout of our convolution and pooling ops; only shapes shown to the user are channels-last.

Weights move in and out in Keras's layouts (``get_weights`` / ``set_weights``): a Conv2D kernel is (kh, kw, in,
out) where the core holds (out, in, kh, kw); a Dense kernel is (in, out) where the core holds (out, in).
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..nn import Module
from . import activations, layer_calls, symbolic
from .subclassing import Subclassing

Shape = tuple[int, ...]
_TRAINING = [False]  # the mode of the model whose ``call`` is running: its layers' default ``training``
_PROBING = [False]  # True while a model runs a dummy batch to learn its shapes (not a batch summary should show)


@contextmanager
def training_mode(mode: bool, probing: bool | None = None) -> Iterator[None]:
    """Layers called without ``training=`` inside this block run in ``mode`` (a subclassed model's call);
    ``probing``: the batch is a dummy one, run only to learn the shapes (None: as the enclosing block)."""
    _TRAINING.append(bool(mode))
    _PROBING.append(_PROBING[-1] if probing is None else probing)
    try:
        yield
    finally:
        _TRAINING.pop()
        _PROBING.pop()


def snake_case(name: str) -> str:
    """Keras's default layer names: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, ReLU -> re_lu."""
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(layer: Any, taken: set[str]) -> None:
    """Give an unnamed layer Keras's default name, made unique against ``taken`` (dense, dense_1, ...)."""
    if getattr(layer, "_name", "") is None:
        base, i = layer.name, 0
        while (f"{base}_{i}" if i else base) in taken:
            i += 1
        layer._name = f"{base}_{i}" if i else base
    taken.add(layer.name)


def show(shape: Sequence[Any]) -> str:
    """A shape as Keras prints it: (None, 30, 30, 32), and (None, 128) for one axis after the batch."""
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def to_internal(x: Tensor) -> Tensor:
    """(N, H, W, C) -> (N, C, H, W), the layout the core ops run in; other ranks are left as they are."""
    return x.transpose(0, 3, 1, 2) if x.ndim == 4 else x


def to_user(x: Tensor) -> Tensor:
    """The inverse of ``to_internal``: (N, C, H, W) -> (N, H, W, C)."""
    return x.transpose(0, 2, 3, 1) if x.ndim == 4 else x


def sample_shape(x: Tensor) -> Shape:
    """One sample's shape, channels-last, of a batch in the internal layout: (N, C, H, W) -> (H, W, C)."""
    return (x.shape[2], x.shape[3], x.shape[1]) if x.ndim == 4 else tuple(x.shape[1:])


def check_shape(argument: str, shape: Any, unknown: bool = False) -> Shape:
    """A Keras shape argument (``input_shape=(28, 28, 1)``) as a tuple of positive ints; with ``unknown``, None
    stands for a size known only when the data arrives (``keras.Input(shape=(None, None, 3))``)."""
    if isinstance(shape, int):
        shape = (shape,)

    def size(s: Any) -> bool:
        return (s is None and unknown) or (isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0)

    if not isinstance(shape, (tuple, list)) or not all(size(s) for s in shape):
        allowed = "positive ints or None" if unknown else "positive ints"
        raise ValueError(
            f"argument `{argument}` must be a tuple of {allowed} without the batch axis, e.g. (28, 28, 1); "
            f"received {shape!r}"
        )
    return tuple(None if s is None else int(s) for s in shape)


def fits(shape: Sequence[Any], expected: Sequence[Any]) -> bool:
    """Whether a per-sample ``shape`` is one that ``expected`` admits: the same rank, each size equal or None."""
    return len(shape) == len(expected) and all(e is None or s == e for s, e in zip(shape, expected))


def fully_defined(layer: Any, variable: str, shape: Sequence[Any], input_shape: Sequence[Any]) -> None:
    """Refuse to make a weight of ``shape`` when a size in it is unknown (None), in Keras's words, naming the
    layer and the input shape that left the size unknown."""
    if None in shape:
        raise ValueError(
            f"Shapes used to initialize variables must be fully-defined (no `None` dimensions). Received: "
            f"shape={show(tuple(shape))} for variable path='{layer.name}/{variable}'. Layer \"{layer.name}\" "
            f"({type(layer).__name__}) received input shape {show((None, *input_shape))}, whose size on that axis "
            "is known only when the data arrives; give it a fixed size (keras.Input(shape=...)) or pool it away "
            "first (e.g. GlobalAveragePooling2D instead of Flatten)."
        )


def check_int(owner: str, argument: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``, else a ValueError naming the owner, the argument and the value."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{owner}: argument `{argument}` must be {expected}; received {argument}={value!r}")
    return int(value)


def check_number(owner: str, argument: str, value: Any, accept: Callable[[float], bool], expected: str) -> float:
    """``value`` as a float that is finite and that ``accept`` takes, else a ValueError naming the argument."""
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not (number and math.isfinite(value) and accept(value)):
        raise ValueError(f"{owner}: argument `{argument}` must be a finite number {expected}; received "
                         f"{argument}={value!r}")
    return float(value)


def batch_size_of(action: str, batch_size: Any) -> int:
    """``batch_size`` as given to fit, evaluate or predict, or Keras's default of 32 when None.

    Zero used to pass as "not given" (``batch_size or 32``); anything but a positive int is refused.
    """
    return 32 if batch_size is None else check_int(action, "batch_size", batch_size)


def split_for_validation(n: int, validation_split: float) -> int:
    """How many of ``n`` samples train when the last ``validation_split`` of them validate, as Keras splits:
    refused when either part would be empty, naming the sizes."""
    check_number("fit", "validation_split", validation_split, lambda v: 0 <= v < 1, "in [0, 1)")
    n_train = int(n * (1.0 - validation_split))
    for part, size in (("training", n_train), ("validation", n - n_train)):
        if size == 0:
            raise ValueError(
                f"fit: validation_split={validation_split} leaves {size} of the {n} samples for {part}; give more "
                "data or another validation_split"
            )
    return n_train


class Layer(Subclassing):
    """Base class of the Keras layers: a name, shapes, weights in Keras layouts, a core module once built.

    Args (every layer):
        name: unique within a model; by default Keras's (conv2d, conv2d_1, dense, ...), given at ``add`` time.
        input_shape: the shape of one sample, without the batch axis, on the first layer of a model.
        input_dim: ``input_shape=(input_dim,)``, for Dense as first layer.
        trainable: False freezes the layer's weights (they count as non-trainable in ``summary``).

    Subclasses define ``_output_shape(shape)`` (which also validates the input), ``_make_module(shape)`` and
    ``_call(x)`` on the internal layout; ``_weight_slots`` lists the core attributes that are the Keras weights,
    with the axis order that turns each into Keras's layout.
    """

    ndim: int | None = None  # the input rank, batch axis included, that the layer requires (Keras's InputSpec)
    open_sizes = False  # True: it may be built with sizes unknown (None) until the data arrives
    _open = False  # built with such sizes: size-dependent work (padding) is worked out on each call
    min_ndim: int | None = None
    rank_hint = ""
    # (core attribute, axes that make the Keras layout or None, trainable)
    _weight_slots: tuple[tuple[str, tuple[int, ...] | None, bool], ...] = ()

    def __init__(
        self,
        *,
        name: str | None = None,
        input_shape: Sequence[int] | None = None,
        input_dim: int | None = None,
        trainable: bool = True,
    ):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: argument `name` must be a string; received {name!r}")
        self._name = name
        if input_dim is not None:
            input_shape = (input_dim,)
        self._declared_input_shape = None if input_shape is None else check_shape("input_shape", input_shape,
                                                                                  unknown=True)
        self._trainable = bool(trainable)
        self._activation_name, self._activation = activations.get(None)
        self.module: Module | None = None
        self._in: Shape | None = None
        self._out: Shape | None = None
        self._inbound_nodes: list[Any] = []  # symbolic.Node, one per call on KerasTensors
        self._first_batch: int | None = None  # the batch size of the first call on data, which summary shows

    # ---- names and shapes ------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name or snake_case(type(self).__name__)

    @property
    def built(self) -> bool:
        return self._out is not None

    @built.setter
    def built(self, value: bool) -> None:
        pass  # a custom layer's build may say ``self.built = True``; being built is having an output shape

    @property
    def input_shape(self) -> tuple:
        """The input's shape with a ``None`` batch axis, e.g. (None, 32, 32, 3)."""
        if self._in is None:
            raise AttributeError(f'The layer "{self.name}" has never been called and thus has no defined input shape.')
        return (None, *self._in)

    @property
    def output_shape(self) -> tuple:
        """The output's shape with a ``None`` batch axis, e.g. (None, 30, 30, 32)."""
        if self._out is None:
            raise AttributeError(f'The layer "{self.name}" has never been called and thus has no defined output shape.')
        return (None, *self._out)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        self._apply_trainable()

    def _apply_trainable(self) -> None:
        if self.module is not None:
            for param in self.module.parameters():
                param.requires_grad = self._trainable

    @property
    def activation_name(self) -> str:
        """The name of the activation applied last ("linear" when none), which the losses look at."""
        return self._activation_name

    def _set_activation(self, activation: Any) -> None:
        self._activation_name, self._activation = activations.get(activation, self.name)

    # ---- building --------------------------------------------------------------------------------------
    def build(self, input_shape: Sequence[Any]) -> None:
        """Create the weights for inputs of ``input_shape``, batch axis first: (None, 28, 28, 1) as in Keras."""
        if self._custom:  # a custom layer's own build makes its weights; this one is reached by super().build
            return
        self._build(check_shape("input_shape", tuple(input_shape)[1:], unknown=True))

    def compute_output_shape(self, input_shape: Sequence[Any]) -> tuple:
        """The output shape for ``input_shape`` (batch axis first), without building anything."""
        shape = check_shape("input_shape", tuple(input_shape)[1:], unknown=True)
        self._check_rank(shape)
        return (input_shape[0], *self._shape_out(shape))

    def _shape_out(self, shape: Shape) -> Shape:
        """``_output_shape`` for a shape that may hold None: worked out at two stand-in sizes (one even, one odd,
        so that padding that depends on the size shows), an output size that differs between them being None."""
        if None not in shape:
            return self._output_shape(shape)
        if not self.open_sizes:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) needs every input size known when it is built; '
                f"received input shape {show((None, *shape))}. Give the sizes in keras.Input(shape=...)."
            )
        outs = [self._output_shape(tuple(stand_in if s is None else s for s in shape)) for stand_in in (64, 81)]
        return tuple(a if a == b else None for a, b in zip(*outs))

    def _build_for(self, shapes: Any) -> Any:
        """Build for the per-sample shapes of the inputs as called (one shape, or a list for merge layers)."""
        if isinstance(shapes, list):
            if len(shapes) != 1:
                raise ValueError(
                    f'Layer "{self.name}" expects 1 input, but it received {len(shapes)} input tensors. Inputs '
                    f"received: {[show((None, *s)) for s in shapes]}"
                )
            shapes = shapes[0]
        if isinstance(shapes, dict):
            raise ValueError(f'Layer "{self.name}" expects 1 input, but it received a dict of {len(shapes)}')
        return self._build(shapes)

    def _build(self, shape: Shape) -> Shape:
        """Build for one sample of ``shape`` (no batch axis) and return the output shape; a second call checks."""
        if self.built:
            if not fits(shape, self._in):  # type: ignore[arg-type]
                raise ValueError(
                    f'Input 0 of layer "{self.name}" is incompatible with the layer: expected shape='
                    f"{show((None, *self._in))}, found shape={show((None, *shape))}"  # type: ignore[misc]
                )
            return self._out  # type: ignore[return-value]
        if self._custom:
            return self._build_custom(shape)
        self._check_rank(shape)
        out = self._shape_out(shape)
        self._open = None in shape
        self.module = self._make_module(shape)
        self._apply_trainable()
        self._in, self._out = shape, out
        return out

    def _check_rank(self, shape: Shape) -> None:
        rank = len(shape) + 1
        if self.ndim is not None and rank != self.ndim:
            expected = f"ndim={self.ndim}"
        elif self.min_ndim is not None and rank < self.min_ndim:
            expected = f"min_ndim={self.min_ndim}"
        else:
            return
        raise ValueError(
            f'Input 0 of layer "{self.name}" is incompatible with the layer: expected {expected}, found '
            f"ndim={rank}. Full shape received: {show((None, *shape))}"
            + (f". {self.rank_hint}" if self.rank_hint else "")
        )

    def _output_shape(self, shape: Shape) -> Shape:
        return shape

    def _make_module(self, shape: Shape) -> Module | None:
        return None

    # ---- running ---------------------------------------------------------------------------------------
    def _call(self, x: Tensor) -> Tensor:
        """The layer's work before its activation, on the internal layout."""
        return x

    def _forward(self, x: Tensor, logits: bool = False) -> Tensor:
        """The layer on the internal layout; ``logits`` skips the final activation (for a fused loss)."""
        if self._custom:
            return symbolic.nest(self._call_user(symbolic.nest(x, to_user)), to_internal)
        y = self._call(x)
        return y if logits else self.activate(y)

    def activate(self, y: Tensor) -> Tensor:
        """The layer's activation alone, on the internal layout."""
        return self._activation(y, activations.channel_axis(y))

    @property
    def activates_by_relu(self) -> bool:
        """Whether the activation is Keras's "relu" (which max pooling may run before: see Sequential._run)."""
        return self._activation is activations.ACTIVATIONS["relu"]

    def __call__(self, inputs: Any, training: bool | None = None, **kwargs: Any) -> Any:
        """Apply the layer to channels-last data (a Tensor, an array, or a list of them for merge layers),
        building it if needed; on ``keras.Input`` tensors, record the call for a functional model instead.

        ``training`` selects dropout and batch statistics, as in Keras: by default that of the model running
        the layer (a subclassed model's ``call``), else off.
        """
        if symbolic.is_symbolic(inputs):
            return symbolic.call(self, inputs)
        inputs = symbolic.nest(symbolic.as_lists(inputs), lambda x: as_input(self, x))
        self._build_for(symbolic.nest(inputs, lambda x: tuple(x.shape[1:])))
        if getattr(self, "_first_batch", 0) is None and not _PROBING[-1]:
            self._first_batch = int(symbolic.flatten(inputs)[0].shape[0])
        if self.module is not None:
            self.module.train(_TRAINING[-1] if training is None else bool(training))
        return to_user(layer_calls.run(self, symbolic.nest(inputs, to_internal)))

    # ---- weights ---------------------------------------------------------------------------------------
    def _slots(self, own: bool = False) -> list[tuple[str, tuple[int, ...] | None, bool, Any]]:
        """(attribute, Keras-layout axes, trainable, value) of each weight, in Keras's order; ``own``: without
        the weights of the layers a custom layer holds (a file keeps those at their own paths)."""
        if self.module is None:
            return []
        if self.__dict__.get("_added") is not None or self._custom:  # weights made by add_weight, Keras's layout
            return self._custom_slots(own)  # type: ignore[return-value]
        slots = []
        for attr, axes, trainable in self._weight_slots:
            value = getattr(self.module, attr, None)
            if value is not None:
                slots.append((attr, axes, trainable, value))
        return slots

    def get_weights(self) -> list[np.ndarray]:
        """The weights as NumPy copies in Keras's layouts and order (e.g. [kernel, bias]); [] before building."""
        return self._read(self._slots())

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Replace the weights with arrays in Keras's layouts, as ``get_weights`` returns them."""
        self._write(self._slots(), weights)

    @staticmethod
    def _read(slots: list[tuple[str, Any, bool, Any]]) -> list[np.ndarray]:
        weights = []
        for _, axes, _, value in slots:
            array = backend.to_numpy(value.data if isinstance(value, Tensor) else value)
            weights.append(np.array(array.transpose(axes) if axes else array))
        return weights

    def _write(self, slots: list[tuple[str, Any, bool, Any]], weights: Sequence[Any]) -> None:
        if len(weights) != len(slots):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight list of length '
                f"{len(weights)}, but the layer was expecting {len(slots)} weights."
            )
        arrays = [np.asarray(w) for w in weights]
        for (_, axes, _, value), array in zip(slots, arrays):
            expected = tuple(value.shape[a] for a in axes) if axes else tuple(value.shape)
            if array.shape != expected:
                raise ValueError(
                    f"Layer {self.name} weight shape {expected} is not compatible with provided weight shape "
                    f"{array.shape}."
                )
        for (attr, axes, _, value), array in zip(slots, arrays):
            core = np.ascontiguousarray(array.transpose(np.argsort(axes)) if axes else array)
            if isinstance(value, Tensor):  # keep the Parameter object: an optimizer holds it
                value.data = backend.as_array(core.astype(value.dtype))
            else:
                setattr(self.module, attr, backend.as_array(core.astype(value.dtype)))

    def _counts(self) -> tuple[int, int]:
        """(trainable, non-trainable) weight counts."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer {self.name}, but the layer isn't built. You can build "
                f"it manually via: `{self.name}.build(batch_input_shape)`."
            )
        trainable = frozen = 0
        for _, _, is_trainable, value in self._slots():
            size = int(np.prod(value.shape))
            if is_trainable and self._trainable:
                trainable += size
            else:
                frozen += size
        return trainable, frozen

    def count_params(self) -> int:
        """How many numbers the layer's weights hold (moving statistics included, as Keras counts them)."""
        return sum(self._counts())

    def __repr__(self) -> str:
        shape = f", output_shape={show(self.output_shape)}" if self.built else ""
        return f"<{type(self).__name__} name={self.name}{shape}>"


def as_input(layer: Any, x: Any) -> Tensor:
    """``x`` as a float Tensor for ``layer``, or a Keras-worded error naming the layer and what it received."""
    if isinstance(x, Tensor):
        return x
    try:
        array = np.asarray(x, dtype=backend.get_default_dtype())
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim == 0:
        raise ValueError(
            f'Layer "{layer.name}" expects its input to be a tensor, an array or keras.Input(...); received: '
            f"{x!r} of type {type(x).__name__}"
        )
    return Tensor(backend.as_array(array))
