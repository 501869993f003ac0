"""Subclassed models in ``.keras`` files, and where every model's weights sit in the HDF5 file, as Keras 3 does it.

config.json holds a subclassed model as its class and its ``get_config()``::

    {"module": "my_models", "class_name": "MLP", "config": {"name": "mlp", "trainable": true, "dtype": {...},
     "hidden": 64}, "registered_name": "demo>MLP", "build_config": {"input_shape": [null, 784]}}

and it is made again as ``MLP.from_config(config)`` (which is ``MLP(**config)``) once the class is found among the
registered or custom objects (``registry.locate``), then built for ``build_config``'s input shape.

The weights: Keras walks a model's attributes in sorted order (public ones first, then those starting with "_"),
with ``layers`` (every layer the model tracks) among them, and writes each layer once, at the first path that
reaches it: ``dense1/vars/0``, a list attribute's layers at ``blocks/dense``, ``blocks/dense_1`` (class in snake
case, numbered within the list), ``layers/dense_1`` for a layer first reached through ``layers``. Sequential and
functional models hold their layers in ``layers`` only. ``saveables`` repeats that walk on our model.
"""

from __future__ import annotations

import inspect
from typing import Any, Iterator

from .base import Layer, snake_case
from .registry import get_registered_name, locate

DTYPE_POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def base_config(obj: Any) -> dict[str, Any]:
    """What every Keras model's and layer's config starts with: name, trainable and the dtype policy."""
    return {"name": obj.name, "trainable": obj.trainable, "dtype": dict(DTYPE_POLICY)}


def check_dtype(dtype: Any, where: str) -> None:
    """Accept the dtypes this face computes in: None, "float32" or Keras's float32 policy (as a file holds it)."""
    name = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
    if name not in (None, "float32"):
        raise ValueError(f"{where}: dtype must be 'float32' (or None); received dtype={dtype!r}. Models here compute "
                         "in the backend's default dtype.")


def init_arguments(cls: type, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The arguments ``cls(*args, **kwargs)`` binds to ``__init__`` (defaults filled in, ``**kwargs`` spread,
    ``name`` left to the config), when all are plain values (str, int, float, bool, None, lists and dicts of them):
    Keras's automatic config for a class without ``get_config``. None otherwise."""
    try:
        signature = inspect.signature(cls.__init__)
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    for i, (key, parameter) in enumerate(signature.parameters.items()):
        value = arguments.pop(key, None)
        if parameter.kind is parameter.VAR_KEYWORD:
            arguments.update(value or {})
        elif parameter.kind is parameter.VAR_POSITIONAL and value:
            return None  # positional extras cannot go back through cls(**config)
        elif i > 0 and parameter.kind is not parameter.VAR_POSITIONAL:
            arguments[key] = value
    arguments.pop("name", None)
    return arguments if _plain(arguments) else None


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


def model_config(model: Any) -> dict[str, Any]:
    """``Model.get_config``: a Sequential or functional model's layers and wiring; a subclass's base config, plus
    the arguments it was made with when the subclass has no ``get_config`` of its own."""
    from .model import ListedLayers, Model

    if isinstance(model, ListedLayers):
        from .saving import model_entry

        return model_entry(model)["config"]
    config = base_config(model)
    if type(model).get_config is Model.get_config:
        auto = model.__dict__.get("_auto_config")
        if auto is None:
            raise NotImplementedError(
                f"{type(model).__name__}.get_config: the model was made with arguments that are not plain values "
                "(str, int, float, bool, None, lists and dicts of them), so they cannot be its config. Define "
                "get_config() returning {**super().get_config(), <your __init__ arguments>}."
            )
        config.update(auto)
        parameters = inspect.signature(type(model).__init__).parameters
        if "name" not in parameters and not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            del config["name"]  # __init__ could not take it back
    return config


def model_from_config(cls: type, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
    """``Model.from_config``: a Sequential or functional config is rebuilt layer by layer; a subclass is
    ``cls(**config)``."""
    from .model import ListedLayers, Model

    if "layers" in config and (cls is Model or issubclass(cls, ListedLayers)):
        from .saving import model_from_entry
        from .sequential import Sequential

        kind = "Sequential" if issubclass(cls, Sequential) else "Functional"
        return model_from_entry({"class_name": kind, "config": config}, custom_objects)
    try:
        return cls(**config)
    except TypeError as error:
        raise TypeError(
            f"{cls.__name__}.from_config: {cls.__name__}(**config) failed: {error}. get_config() must return every "
            f"argument __init__ needs; the config holds {sorted(config)}."
        ) from error


def custom_entry(model: Any) -> dict[str, Any]:
    """The config.json entry of a subclassed model (or of a layer of the user's own class): its class,
    ``get_config()`` and the input shape it was built for."""
    cls = type(model)
    config = model.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"save: {cls.__name__}.get_config() must return a dict; received {type(config).__name__}")
    shape = _batch_shapes(model._input if hasattr(model, "layers") else model._in)
    return {"module": None if cls.__module__ == "__main__" else cls.__module__, "class_name": cls.__name__,
            "config": config, "registered_name": get_registered_name(cls), "build_config": {"input_shape": shape}}


def custom_from_entry(entry: dict[str, Any], custom_objects: dict[str, Any] | None) -> Any:
    """A subclassed model (or layer) made by its registered class from its entry, built for its input shape."""
    from .model import Model

    cls = locate(entry, custom_objects)
    if not (isinstance(cls, type) and issubclass(cls, (Model, Layer))):
        raise TypeError(f"load_model: {entry.get('registered_name')!r} is registered as {cls!r}, which is not a "
                        "keras.Model or keras.layers.Layer class")
    obj = cls.from_config(entry.get("config", {}))
    shape = (entry.get("build_config") or {}).get("input_shape")
    if shape is not None and isinstance(obj, Model):
        obj._build_for(_sample_shapes(shape))
    return obj


def _batch_shapes(shapes: Any) -> Any:
    """Per-sample input shape(s) as Keras's build input shape(s): (28, 28, 1) -> [None, 28, 28, 1]."""
    if isinstance(shapes, dict):
        return {k: _batch_shapes(v) for k, v in shapes.items()}
    if isinstance(shapes, list):
        return [_batch_shapes(s) for s in shapes]
    return [None, *shapes]


def _sample_shapes(shapes: Any) -> Any:
    """Keras's build input shape(s) (batch axis first; a shape is a list of ints) as per-sample shapes."""
    if isinstance(shapes, dict):
        return {k: _sample_shapes(v) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)) and shapes and all(isinstance(s, (list, tuple)) for s in shapes):
        return [_sample_shapes(s) for s in shapes]
    return tuple(int(s) for s in list(shapes)[1:])


# ---- where the weights sit -------------------------------------------------------------------------------
def saveables(model: Any) -> list[tuple[str, Any]]:
    """(HDF5 path, model or layer) for ``model`` ("") and each layer under it, each once, in Keras's walk."""
    found: list[tuple[str, Any]] = []
    seen: set[int] = set()

    def visit(obj: Any, path: str) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        found.append((path, obj))
        for attr, child in _children(obj):
            where = f"{path}/{attr}" if path else attr
            if isinstance(child, (list, tuple, dict)):
                container(child, where)
            else:
                visit(child, where)

    def container(items: Any, path: str) -> None:
        used: dict[str, int] = {}
        for item in items.values() if isinstance(items, dict) else items:
            nested = isinstance(item, (list, tuple, dict))
            base = "container" if nested else snake_case(type(item).__name__)
            used[base] = used.get(base, -1) + 1
            where = f"{path}/{base}" if not used[base] else f"{path}/{base}_{used[base]}"
            container(item, where) if nested else visit(item, where)

    visit(model, "")
    return found


def _children(obj: Any) -> Iterator[tuple[str, Any]]:
    """The attributes Keras walks on ``obj`` that hold layers (or lists and dicts of them), in its order."""
    from .model import ListedLayers, Model

    if isinstance(obj, ListedLayers):
        yield "layers", obj.layers
        return
    if isinstance(obj, Model):
        # "blocks.0" tracks an item of the list attribute "blocks", which comes below with the other containers.
        attributes = {**{k: v for k, v in obj._tracked.items() if "." not in k}, "layers": obj.layers}
    elif getattr(obj, "_custom", False):  # a user's layer: the layers it keeps as attributes
        attributes = {k: v for k, v in vars(obj).items() if isinstance(v, (Layer, Model))}
    else:
        return
    attributes.update({k: v for k, v in vars(obj).items() if _holds_layers(v)})
    for name in sorted(attributes, key=lambda n: "~" + n if n.startswith("_") else n):
        yield name, attributes[name]


def _holds_layers(value: Any) -> bool:
    """A non-empty list, tuple or dict of layers (Keras walks such containers too)."""
    from .model import Model

    items = list(value.values()) if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else []
    return bool(items) and all(isinstance(v, (Layer, Model)) or _holds_layers(v) for v in items)
