"""Where ``load`` puts each storage: ``map_location`` in every form ``torch.load`` takes.

A file records a location tag for each storage ('cpu', 'cuda:0', ...). As in PyTorch, ``map_location``
decides where the storage goes, once per storage:

- None: where it was saved (a 'cuda:0' storage on a machine without CUDA is an error that says how to load it
  on the CPU);
- a string, bytes or a ``scratchgrad.device``: every storage to that device;
- a dict: location tags remapped (``{'cuda:0': 'cpu'}``); a tag it does not name stays as saved;
- a callable ``(storage, location) -> storage or None``: its storage is used, None falls back to the tag.

The storage handed to a callable is on the CPU and has ``.cpu()``, ``.cuda(index)``, ``.to(device)``, ``.nbytes()`` and
``.device``, the part of PyTorch's storage that map_location functions use.
"""

from __future__ import annotations

from typing import Any, Callable

from ..device import device

Restorer = Callable[[Any, str], Any]
FORMS = (
    "None, a device ('cpu', 'cuda:0', scratchgrad.device('cpu')), a dict remapping location tags "
    "({'cuda:0': 'cpu'}) or a callable (storage, location) -> storage or None"
)


def restorer(map_location: Any, where: str) -> Restorer:
    """A function placing a storage saved at ``location`` where ``map_location`` sends it (see the module)."""
    if map_location is None:
        return lambda storage, location: restore(storage, location, location, where)
    if isinstance(map_location, dict):
        table = {_tag(k, "a key of the dict"): _tag(v, "a value of the dict") for k, v in map_location.items()}
        return lambda storage, location: restore(storage, location, table.get(location, location), where)
    if isinstance(map_location, (str, bytes, device)):
        target = _tag(map_location, "it")
        device(target)  # an unknown name is refused before anything is read
        return lambda storage, location: restore(storage, location, target, where)
    if callable(map_location):
        return _calling(map_location, where)
    raise TypeError(f"load: map_location must be {FORMS}; received {type(map_location).__name__} {map_location!r}")


def _tag(value: Any, what: str) -> str:
    """A location tag as text; a dict's keys and values must be tags too."""
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    if isinstance(value, (str, device)):
        return str(value)
    raise TypeError(
        f"load: map_location's location tags are strings ('cpu', 'cuda:0') or devices; {what} is "
        f"{type(value).__name__} {value!r}"
    )


def _calling(function: Callable[[Any, str], Any], where: str) -> Restorer:
    def call(storage: Any, location: str) -> Any:
        result = function(storage, location)
        if result is None:  # PyTorch's rule: None means "where it was saved"
            return restore(storage, location, location, where)
        if not isinstance(result, type(storage)):
            raise TypeError(
                f"load({where}): map_location returned a {type(result).__name__} for the storage saved at "
                f"{location!r}; it must return the storage it was given (or storage.cpu(), storage.cuda(i), "
                "storage.to(device)) or None"
            )
        return result

    return call


def restore(storage: Any, saved: str, target: str, where: str) -> Any:
    """``storage`` (saved at ``saved``) on device ``target``; an error says how to load it elsewhere."""
    try:
        place = device(target)
    except RuntimeError:
        raise RuntimeError(
            f"load({where}): storage {storage.key!r} is to go to {target!r}, a location scratchgrad does not know "
            f"(it knows 'cpu', 'cuda' and 'cuda:N'); map it with map_location={{{target!r}: 'cpu'}}"
        ) from None
    try:
        return storage.to(place)
    except RuntimeError as exc:
        raise RuntimeError(
            f"load({where}): storage {storage.key!r} (saved on {saved!r}) is to go to {target!r}, which is not "
            f"available here: {exc}. Load it on the CPU with map_location='cpu' (or {{{saved!r}: 'cpu'}})."
        ) from None

