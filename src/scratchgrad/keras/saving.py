"""``.keras`` files in Keras 3's format: ``model.save("m.keras")`` and ``keras.models.load_model("m.keras")``.

A ``.keras`` file is a zip of ``config.json`` (the model's class, its layers' configs and, for a functional model,
how they connect; for a subclassed model its class and ``get_config()``), ``metadata.json`` and
``model.weights.h5``. In the HDF5 file each layer's weights sit at ``layers/<class in snake case, numbered in
model.layers order>/vars/<i>`` in Keras's layouts (a Dense kernel (in, out), a Conv2D kernel (kh, kw, in, out)); a
nested model is a group with its own ``layers``; a subclassed model's layers sit under its attributes' names
(``custom_saving``). The same layout alone is a ``.weights.h5`` file (``save_weights`` / ``load_weights``).

Loading makes Keras's layers only of the classes we know (``serialization.LAYERS``), and models and layers of the
user's classes only from classes registered with ``register_keras_serializable`` or given in ``custom_objects``;
nothing in a file is executed.

    from scratchgrad.keras.saving import (register_keras_serializable, get_custom_objects, custom_object_scope,
                                          get_registered_name, get_registered_object)
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .. import io as sgio
from .base import snake_case
from .custom_saving import custom_entry, custom_from_entry, saveables
from .inputs import Input, InputLayer
from .registry import *  # noqa: F403  (keras.saving's names for the registry)
from .serialization import from_config, is_builtin, layer_config
from .symbolic import KerasTensor, flatten, nest

FORMAT_VERSION = "3.15.1"  # the Keras release whose file layout this follows


def _h5py() -> Any:
    try:
        import h5py
    except ImportError as error:
        raise ImportError("Keras's .keras and .weights.h5 files need h5py: pip install 'scratchgrad[keras]'") from error
    return h5py


# ---- writing ---------------------------------------------------------------------------------------------
def save_model(model: Any, filepath: str | Path) -> None:
    """Write ``model`` to ``filepath`` (a ``.keras`` zip), atomically."""
    filepath = Path(filepath)
    if filepath.suffix != ".keras":
        raise ValueError(f"save: the filepath must end in .keras (Keras 3's format); received {str(filepath)!r}")
    model._require_built("save")
    config = {**model_entry(model), "compile_config": None}
    metadata = {"keras_version": FORMAT_VERSION, "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("metadata.json", json.dumps(metadata))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", _weights_bytes(model))
    sgio.atomic_write_bytes(filepath, buffer.getvalue())


def save_weights(model: Any, filepath: str | Path) -> None:
    """Write the weights alone to ``filepath`` (``.weights.h5``), atomically."""
    if not str(filepath).endswith(".weights.h5"):
        raise ValueError(f"save_weights: the filepath must end in .weights.h5; received {str(filepath)!r}")
    sgio.atomic_write_bytes(filepath, _weights_bytes(model))


def _weights_bytes(model: Any) -> bytes:
    h5py = _h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        for path, obj in saveables(model):
            group = h5.require_group(path) if path else h5
            group.create_group("vars").attrs["name"] = obj.name
            for i, array in enumerate(_own_weights(obj)):
                group["vars"].create_dataset(str(i), data=array)
    return buffer.getvalue()


def _own_weights(obj: Any) -> list[np.ndarray]:
    """A layer's own weights in Keras's layouts (a custom layer's sublayers have their own groups); a model's sit
    in its layers."""
    return [] if hasattr(obj, "layers") else obj._read(obj._slots(own=True))


def model_entry(model: Any) -> dict[str, Any]:
    """The config.json entry of a Sequential or functional model (also as a layer of another model)."""
    from .functional import Functional
    from .sequential import Sequential

    if isinstance(model, Sequential):
        shape = [None, *model._input]
        entries = [{"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
                    "config": {"batch_shape": shape, "dtype": "float32", "name": f"{model.name}_input"}}]
        entries += [_layer_entry(layer, None) for layer in model.layers]
        return {"module": "keras", "class_name": "Sequential", "registered_name": None,
                "config": {"name": model.name, "trainable": model.trainable, "dtype": "float32", "layers": entries,
                           "build_input_shape": shape}, "build_config": {"input_shape": shape}}
    if isinstance(model, Functional):
        index = _node_indices(model)
        entries = [_layer_entry(layer, [n for n in model._nodes if n.layer is layer], index) for layer in model.layers]
        ref = lambda t: [t._keras_history[0].name, index[id(_node_of(t))], t._keras_history[2]]  # noqa: E731
        return {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
                "config": {"name": model.name, "trainable": model.trainable, "layers": entries,
                           "input_layers": nest(model._inputs_struct, ref),
                           "output_layers": nest(model._outputs_struct, ref)},
                "build_config": {"input_shape": None}}
    return custom_entry(model)


def _node_of(t: KerasTensor) -> Any:
    layer, index, _ = t._keras_history
    return layer._inbound_nodes[index]


def _node_indices(model: Any) -> dict[int, int]:
    """Each node's index among its layer's nodes in this model (Keras numbers them per model)."""
    index: dict[int, int] = {}
    for layer in model.layers:
        mine = [node for node in layer._inbound_nodes if node in model._nodes or isinstance(layer, InputLayer)]
        index.update({id(node): i for i, node in enumerate(mine)})
    return index


def _layer_entry(layer: Any, nodes: list[Any] | None, index: dict[int, int] | None = None) -> dict[str, Any]:
    if hasattr(layer, "layers"):
        entry = model_entry(layer)
    elif isinstance(layer, InputLayer):
        entry = {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
                 "config": layer.get_config()}
    elif not is_builtin(layer):  # a user's layer class: its class and get_config(), as for a subclassed model
        entry = custom_entry(layer)
    else:
        entry = {"module": "keras.layers", "class_name": type(layer).__name__, "registered_name": None,
                 "config": layer_config(layer), "build_config": {"input_shape": layer.input_shape}}
    if nodes is None:
        return entry

    def tensor(t: KerasTensor) -> dict[str, Any]:
        history = [t._keras_history[0].name, index[id(_node_of(t))], t._keras_history[2]]  # type: ignore[index]
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(t.shape), "dtype": "float32", "keras_history": history}}

    return {**entry, "name": layer.name, "inbound_nodes": [{"args": [nest(n.args, tensor)], "kwargs": {}}
                                                           for n in nodes]}


# ---- reading ---------------------------------------------------------------------------------------------
def load_model(filepath: str | Path, custom_objects: Any = None, compile: bool = True, safe_mode: bool = True) -> Any:
    """The model saved in a ``.keras`` file (by Keras 3 or by ``model.save``), with its weights.

    Only layer classes that scratchgrad.keras has are made; a Lambda layer (Python code in the file) is refused
    whatever ``safe_mode`` says. A subclassed model is made by its class, found by the name it was registered under
    (``register_keras_serializable``, ``custom_object_scope``) or in ``custom_objects`` ({"demo>MLP": MLP}, or
    {"MLP": MLP}). A model Keras 3 saved compiled comes back compiled alike (``compile=True``),
    its optimizer's moments starting afresh.
    """
    filepath = Path(filepath)
    try:
        with zipfile.ZipFile(filepath) as archive:
            config = json.loads(archive.read("config.json"))
            weights = archive.read("model.weights.h5")
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, EOFError) as error:
        raise ValueError(
            f"load_model: {filepath} is not a .keras file (a zip of config.json, metadata.json and "
            f"model.weights.h5): {error}. It may be truncated or of another format."
        ) from None
    except KeyError as error:
        raise ValueError(f"load_model: {filepath} lacks {error.args[0]}; a .keras file has config.json and "
                         "model.weights.h5") from None
    model = model_from_entry(config, custom_objects)
    _read_weights(model, io.BytesIO(weights), str(filepath))
    if compile and config.get("compile_config"):
        _compile_from(model, config["compile_config"], str(filepath))
    return model


def _compile_from(model: Any, config: dict[str, Any], name: str) -> None:
    """Compile ``model`` as Keras 3 saved it compiled: the optimizer (by class, with its settings), the loss and
    the metrics by name. The optimizer's moments start afresh."""
    from . import losses, optimizers

    spec = config.get("optimizer") or "rmsprop"
    if isinstance(spec, dict):
        cls = optimizers.OPTIMIZERS.get(str(spec.get("class_name", "")).lower())
        if cls is None:
            raise ValueError(f"load_model: {name} was compiled with the optimizer {spec.get('class_name')!r}, which "
                             f"scratchgrad.keras does not have; load with compile=False and compile it yourself")
        import inspect

        accepted = set(inspect.signature(cls.__init__).parameters) | {"weight_decay", "clipnorm", "clipvalue",
                                                                      "global_clipnorm"}
        settings = spec.get("config", {})
        spec = cls(**{k: v for k, v in settings.items() if k in accepted and v is not None})

    def named(value: Any) -> Any:
        if isinstance(value, dict) and "class_name" in value:  # a loss or metric object saved by its class
            loss = getattr(losses, value["class_name"], None)
            return loss(**{k: v for k, v in value.get("config", {}).items() if k == "from_logits"}) if loss else \
                snake_case(value["class_name"])
        return value

    loss = config.get("loss")
    if isinstance(loss, dict) and "class_name" not in loss:  # one loss per output, by name
        loss = {k: named(v) for k, v in loss.items()}
    else:
        loss = [named(v) for v in loss] if isinstance(loss, list) else named(loss)
    model.compile(optimizer=spec, loss=loss, metrics=config.get("metrics"), loss_weights=config.get("loss_weights"),
                  weighted_metrics=config.get("weighted_metrics"))


def load_weights(model: Any, filepath: str | Path) -> None:
    """Set ``model``'s weights from a ``.weights.h5`` file written by Keras 3 or by ``save_weights``."""
    _read_weights(model, filepath, str(filepath))


def _read_weights(model: Any, source: Any, name: str) -> None:
    h5py = _h5py()
    try:
        with h5py.File(source, "r") as h5:
            _read_group(h5, model, name)
    except OSError as error:
        raise ValueError(f"load: {name} holds no readable HDF5 weights ({error})") from None


def _read_group(h5: Any, model: Any, name: str) -> None:
    for path, obj in saveables(model):
        if not path or hasattr(obj, "layers"):
            continue  # a model's weights are in its layers' groups
        if path not in h5:
            raise ValueError(f"load: {name} has no weights for layer {obj.name!r} (group {path})")
        group = h5[path]
        arrays = [np.asarray(group["vars"][str(i)]) for i in range(len(group["vars"]))] if "vars" in group else []
        slots = obj._slots(own=True)
        if len(arrays) != len(slots):
            raise ValueError(
                f"load: layer {obj.name!r} expects {len(slots)} weights; {name} holds {len(arrays)} at {group.name}"
            )
        if arrays:
            obj._write(slots, arrays)


def model_from_entry(entry: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
    """A model made from its config.json entry: Sequential and functional ones here, any other by its registered
    class (``custom_saving``); a class found nowhere is refused by name."""
    from .functional import Functional
    from .sequential import Sequential

    kind, config = entry.get("class_name"), entry.get("config", {})
    if kind == "Sequential":
        model = Sequential(name=config.get("name"))
        for layer in config["layers"]:
            model.add(_make(layer, custom_objects))
        if model._input is None and config.get("build_input_shape"):
            model.build(config["build_input_shape"])
        return model
    if kind == "Functional" or (kind == "Model" and "layers" in config):
        return _functional(config, Functional, custom_objects)
    return custom_from_entry(entry, custom_objects)


def _make(entry: dict[str, Any], custom_objects: dict[str, Any] | None) -> Any:
    module = entry.get("module", "keras") or ""  # None: a class from a script (__main__)
    if entry.get("class_name") in ("Sequential", "Functional", "Model") or not module.startswith("keras"):
        return model_from_entry(entry, custom_objects)  # a user's class is made by custom_saving
    if entry.get("class_name") == "InputLayer":
        config = entry["config"]
        shape = config.get("batch_shape") or [None, *config.get("input_shape", config.get("shape", []))]
        return Input(batch_shape=shape, name=config.get("name"))
    return from_config(entry.get("class_name", "?"), entry.get("config", {}))


def _functional(config: dict[str, Any], cls: type, custom_objects: dict[str, Any] | None) -> Any:
    made = {entry["name"]: (entry, _make(entry, custom_objects)) for entry in config["layers"]}
    tensors: dict[tuple, KerasTensor] = {}
    for name, (_, obj) in made.items():
        if isinstance(obj, KerasTensor):
            tensors[(name, 0, 0)] = obj
    pending = [(name, i, node) for name, (entry, obj) in made.items() if not isinstance(obj, KerasTensor)
               for i, node in enumerate(entry.get("inbound_nodes", []))]
    while pending:
        ready = [p for p in pending if all(tuple(h) in tensors for h in _histories(p[2]))]
        if not ready:
            raise ValueError(f"load_model: the layers {[p[0] for p in pending]} take inputs that no layer makes")
        for name, i, node in ready:
            args = node["args"][0] if len(node["args"]) == 1 else node["args"]
            out = made[name][1](nest(_plain(args), lambda h: tensors[tuple(h)]))
            for j, t in enumerate(flatten(out) if isinstance(out, (list, dict)) else [out]):
                tensors[(name, i, j)] = t
        pending = [p for p in pending if p not in ready]
    ref = lambda h: tensors[tuple(h)]  # noqa: E731
    inputs, outputs = _refs(config["input_layers"]), _refs(config["output_layers"])
    return cls(nest(inputs, ref), nest(outputs, ref), name=config.get("name"))


def _plain(args: Any) -> Any:
    """Node arguments with each ``__keras_tensor__`` replaced by a (layer, node, tensor) tuple."""
    if isinstance(args, dict) and args.get("class_name") == "__keras_tensor__":
        return tuple(args["config"]["keras_history"])
    if isinstance(args, dict):
        return {k: _plain(v) for k, v in args.items()}
    if isinstance(args, list):
        if len(args) == 3 and isinstance(args[0], str) and all(isinstance(a, int) for a in args[1:]):
            return tuple(args)  # Keras 2's [name, node, tensor] form
        return [_plain(a) for a in args]
    return args


def _histories(node: dict[str, Any]) -> list[tuple]:
    return [leaf for leaf in flatten(_plain(node["args"])) if isinstance(leaf, tuple)]


def _refs(value: Any) -> Any:
    """input_layers / output_layers: one [name, node, tensor] triple, a list of them or a dict of them."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return tuple(value)
    if isinstance(value, dict):
        return {k: _refs(v) for k, v in value.items()}
    return [_refs(v) for v in value]
