"""Your own Keras layers: subclass ``keras.layers.Layer`` and write ``build``, ``call`` and ``get_config``.

    class Linear(keras.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros")

        def call(self, inputs):
            return inputs @ self.w + self.b

``call`` sees channels-last Tensors, as in Keras, and may use any Tensor method or ``scratchgrad`` op; the weights
``add_weight`` makes are Parameters of a core module the model registers, so ``fit`` trains them. The output
shape is that of ``call`` on one sample of zeros unless the layer defines ``compute_output_shape``.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Sequence

import numpy as np

from .. import backend
from ..autograd import Tensor, no_grad
from ..nn import Module, Parameter, init

Shape = tuple[int, ...]


def _keras_init(fn: Callable[..., Tensor], **kwargs: Any) -> Callable[[Shape], np.ndarray]:
    """An initializer on a Keras-layout shape through a core one: fans are counted on the core layout, (out, in,
    kh, kw) for a (kh, kw, in, out) kernel, so Glorot and He see Keras's fans."""

    def make(shape: Shape) -> np.ndarray:
        axes = (3, 2, 0, 1) if len(shape) == 4 else tuple(reversed(range(len(shape))))
        core = Tensor(np.zeros(tuple(shape[a] for a in axes), dtype=backend.get_default_dtype()))
        fn(core, **kwargs)
        return backend.to_numpy(core.data).transpose(np.argsort(axes))

    return make


WEIGHT_INITIALIZERS: dict[str, Callable[[Shape], np.ndarray]] = {
    "zeros": _keras_init(init.zeros_),
    "ones": _keras_init(init.ones_),
    "random_normal": _keras_init(init.normal_, std=0.05),  # Keras's RandomNormal defaults
    "random_uniform": _keras_init(init.uniform_, a=-0.05, b=0.05),
    "glorot_uniform": _keras_init(init.xavier_uniform_),
    "glorot_normal": _keras_init(init.xavier_normal_),
    "he_normal": _keras_init(init.he_normal_),
    "he_uniform": _keras_init(init.he_uniform_),
}


class Subclassing:
    """The parts of ``Layer`` that a user's subclass uses: ``add_weight``, ``build``/``call`` and ``get_config``.

    A layer is "custom" when its class defines ``call``; the built-in layers define ``_call`` on the internal
    layout instead. Mixed into ``base.Layer``, whose state (``module``, ``_in``, ``_out``, ``name``) it uses.
    """

    module: Module | None
    _in: Any
    _out: Any
    name: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__ and getattr(cls, "call", None) is not None:
            cls.build = _once(cls.__dict__["build"])  # type: ignore[method-assign]

    @property
    def _custom(self) -> bool:
        return getattr(type(self), "call", None) is not None

    def add_weight(
        self,
        shape: Sequence[int] | None = None,
        initializer: str | Callable = "glorot_uniform",
        dtype: Any = None,
        trainable: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> Parameter:
        """A new weight of ``shape`` (Keras's layout), initialised by name ("zeros", "random_normal", ...) or by a
        callable(shape, dtype) -> array; ``trainable=False`` keeps ``fit`` from changing it."""
        shape = tuple(int(s) for s in (shape or ()))
        if callable(initializer):
            values = np.asarray(initializer(shape, dtype=backend.get_default_dtype()))
        elif initializer in WEIGHT_INITIALIZERS:
            # Fans need two axes: a vector is drawn as a (1, n) matrix.
            values = WEIGHT_INITIALIZERS[initializer](shape if len(shape) >= 2 else (1, *shape)).reshape(shape)
        else:
            raise ValueError(
                f'Layer "{self.name}": unknown initializer {initializer!r} in add_weight; expected one of '
                f"{', '.join(repr(n) for n in WEIGHT_INITIALIZERS)} or a callable(shape, dtype)"
            )
        if self.module is None:
            self.module = Module()
        added = self.__dict__.setdefault("_added", [])
        key = name if name and name.isidentifier() and not hasattr(self.module, name) else f"w{len(added)}"
        param = Parameter(backend.as_array(values.astype(backend.get_default_dtype())), requires_grad=trainable)
        setattr(self.module, key, param)
        added.append((key, trainable))
        return param

    def _build_custom(self, shape: Shape) -> Shape:
        """Run the user's ``build`` once, then find the output shape (``compute_output_shape`` or a trial call)."""
        if self.module is None:
            self.module = Module()
        self.build((None, *shape))  # type: ignore[attr-defined]
        self._in = shape
        owner = next(c for c in type(self).__mro__ if "compute_output_shape" in c.__dict__)
        if not owner.__module__.startswith(__package__ + "."):  # the user's own compute_output_shape
            out = tuple(self.compute_output_shape((None, *shape)))[1:]
        else:
            with no_grad():
                out = tuple(self._call_user(Tensor(np.zeros((1, *shape), dtype=backend.get_default_dtype()))).shape[1:])
        self._out = out
        return out

    def _call_user(self, x: Any) -> Tensor:
        call = type(self).call  # type: ignore[attr-defined]
        training = bool(self.module is not None and self.module.training)
        takes = "training" in inspect.signature(call).parameters
        out = call(self, x, training=training) if takes else call(self, x)
        for value in vars(self).values():  # layers used inside call: their modules train with this one
            sub = getattr(value, "module", None) if isinstance(value, Subclassing) else None
            if sub is not None and self.module is not None and sub not in self.module._modules.values():
                self.module.add_module(value.name, sub)
        return out

    def _custom_slots(self, own: bool = False) -> list[tuple[str, Any, bool, Any]]:
        """Keras's order: the layer's trainable weights, its other weights, then (unless ``own``) those of the
        layers it holds as attributes, in the order they were set."""
        mine = [(key, None, trainable, getattr(self.module, key)) for key, trainable in self.__dict__.get("_added", [])]
        mine = [s for s in mine if s[2]] + [s for s in mine if not s[2]]
        if own:
            return mine
        held = [v for v in vars(self).values() if isinstance(v, Subclassing)]
        return mine + [slot for layer in held for slot in layer._slots()]  # type: ignore[attr-defined]

    def get_config(self) -> dict[str, Any]:
        """The arguments that rebuild the layer, as Keras names them: ``name``, ``trainable`` and ``dtype`` for
        every layer, then a built-in layer's own (``units``, ``activation``, ...); a subclass adds its own."""
        from .serialization import layer_config

        return layer_config(self)  # type: ignore[arg-type]

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """The layer ``get_config`` describes: ``cls(**config)``, the dtype (float32 here) left out."""
        from .custom_saving import check_dtype

        check_dtype(config.get("dtype"), f"{cls.__name__}.from_config")
        return cls(**{k: v for k, v in config.items() if k != "dtype"})


def _once(build: Callable) -> Callable:
    """A user's ``build`` that runs once however it is reached (``super().build`` inside it, a second call)."""

    @functools.wraps(build)
    def wrapper(self: Any, input_shape: Any) -> None:
        if self.__dict__.get("_weights_built"):
            return
        self._weights_built = True
        build(self, input_shape)

    return wrapper
