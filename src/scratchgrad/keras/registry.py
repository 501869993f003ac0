"""Your own classes in ``.keras`` files: ``keras.saving.register_keras_serializable`` and the custom objects.

    @keras.saving.register_keras_serializable(package="demo")
    class MLP(keras.Model):
        def __init__(self, hidden=64, **kwargs):
            super().__init__(**kwargs)
            self.hidden = hidden
            self.dense = keras.layers.Dense(hidden, activation="relu")
            self.out = keras.layers.Dense(10)

        def call(self, inputs):
            return self.out(self.dense(inputs))

        def get_config(self):
            return {**super().get_config(), "hidden": self.hidden}

A file names such a class by its registered name, ``"demo>MLP"`` (package ``>`` class). Loading looks that name
up in a ``custom_object_scope``, in the registry, then in ``load_model(custom_objects=...)`` (where the class name
alone, ``"MLP"``, is accepted too) and makes the object with the class's ``from_config``. A class that is found
nowhere is refused by name: the module a file names is never imported and nothing from a file is run.
"""

from __future__ import annotations

from typing import Any, Callable

# keras.saving's and keras.utils's names for these (both modules re-export them)
__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
           "get_registered_object", "register_keras_serializable"]

_REGISTERED: dict[str, Any] = {}  # "package>Name" -> class or function
_NAMES: dict[Any, str] = {}  # class or function -> "package>Name"
_SCOPES: list[dict[str, Any]] = []  # the custom_object_scope dicts now open, innermost last


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable[[Any], Any]:
    """A decorator that registers a class (which needs ``get_config``) or a function under ``"package>name"``
    (``name`` defaults to its ``__name__``), so files that name it load without ``custom_objects``."""

    def register(obj: Any) -> Any:
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"register_keras_serializable: class {obj.__name__} has no get_config() method; a "
                             "class is saved as its config and made again from it")
        key = f"{package}>{name if name is not None else obj.__name__}"
        _REGISTERED[key] = obj
        _NAMES[obj] = key
        return obj

    return register


def get_custom_objects() -> dict[str, Any]:
    """The registry itself, {registered name: class}; adding to it registers (``get_custom_objects()["MLP"] =
    MLP``). Objects of an open ``custom_object_scope`` are not in it."""
    return _REGISTERED


def get_registered_name(obj: Any) -> str:
    """The name ``obj`` is registered under (``"demo>MLP"``), or its ``__name__`` when it is not registered."""
    return _NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name: str, custom_objects: dict[str, Any] | None = None,
                          module_objects: dict[str, Any] | None = None) -> Any:
    """The object registered as ``name``: from the innermost open scope, the registry, ``custom_objects`` then
    ``module_objects``; None when none has it."""
    for table in [*reversed(_SCOPES), _REGISTERED, custom_objects or {}, module_objects or {}]:
        if name in table:
            return table[name]
    return None


class CustomObjectScope:
    """``with custom_object_scope({"demo>MLP": MLP}): load_model(...)``: the objects count as registered inside
    the block only."""

    def __init__(self, *custom_objects: dict[str, Any] | None):
        self.custom_objects = {k: v for table in custom_objects for k, v in (table or {}).items()}

    def __enter__(self) -> CustomObjectScope:
        _SCOPES.append(self.custom_objects)
        return self

    def __exit__(self, *exc: Any) -> None:
        _SCOPES.remove(self.custom_objects)


custom_object_scope = CustomObjectScope


def locate(entry: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
    """The class an entry of a file's config.json names by ``registered_name`` (or ``class_name``), found only
    among registered and custom objects; TypeError naming the class otherwise."""
    class_name = entry.get("class_name")
    registered = entry.get("registered_name") or class_name
    found = get_registered_object(registered, custom_objects)
    if found is None and custom_objects and class_name in custom_objects:
        found = custom_objects[class_name]
    if found is None:
        raise TypeError(
            f"Could not locate class {class_name!r}. It is saved as {registered!r}: decorate the class with "
            f"`@keras.saving.register_keras_serializable()` (and import it before loading), or pass it in "
            f"load_model(..., custom_objects={{{registered!r}: {class_name}}}). Full object config: {entry}"
        )
    return found
