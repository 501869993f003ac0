"""Containers that register what they hold: ModuleList, ModuleDict and ParameterList (Sequential is in ``module``).

A plain Python list or dict of layers hides them from ``parameters()``, ``state_dict()`` and ``train()``; these
register each entry under its index or key, so the state-dict keys are PyTorch's (``blocks.0.weight``,
``heads.cls.bias``, ``scales.1``).
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from ..autograd import Tensor
from .module import Module, Parameter, _check_module


class ModuleList(Module):
    """A list of modules whose parameters are registered (children named 0, 1, 2, ...).

    Args:
        modules: the modules to start with.

    Shape: no forward of its own; iterate over it in the parent's forward.
    Example: ``self.blocks = nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])`` gives keys ``blocks.0.weight``,
    ..., ``blocks.2.bias``.
    """

    def __init__(self, modules: Iterable[Module] = ()):
        super().__init__()
        self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), _check_module(module, str(len(self._modules))))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleDict(Module):
    """A dict of modules, registered under their keys (kept in insertion order).

    Args:
        modules: a mapping (or pairs) of name -> Module; names are strings without '.'.

    Shape: no forward of its own; pick entries by name in the parent's forward.
    Example: ``self.heads = nn.ModuleDict({"cls": nn.Linear(64, 10), "box": nn.Linear(64, 4)})`` gives keys
    ``heads.cls.weight``, ``heads.box.bias``, ...; ``self.heads["cls"](h)`` runs one.
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ModuleDict: keys must be non-empty strings without '.'; received {key!r}")
        self.add_module(key, _check_module(module, key))

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        for key, module in modules.items() if isinstance(modules, Mapping) else modules:
            self[key] = module

    def pop(self, key: str) -> Module:
        return self._modules.pop(key)


class ParameterList(Module):
    """A list of Parameters, registered under 0, 1, 2, ... (a plain Tensor or array becomes a Parameter).

    Args:
        values: the parameters to start with.

    Shape: no forward of its own.
    Example: ``self.scales = nn.ParameterList([nn.Parameter(np.ones(4)) for _ in range(3)])`` gives keys
    ``scales.0``, ``scales.1``, ``scales.2``, and all three are in ``parameters()``.
    """

    def __init__(self, values: Iterable[Any] = ()):
        super().__init__()
        self.extend(values)

    def append(self, value: Any) -> ParameterList:
        index = str(len(self._parameters))
        if not isinstance(value, (Parameter, Tensor)) and not hasattr(value, "shape"):
            kind = type(value).__name__
            raise TypeError(f"ParameterList: entry {index} must be a Parameter or Tensor; received {kind}")
        self._parameters[index] = value if isinstance(value, Parameter) else Parameter(value)
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for value in values:
            self.append(value)
        return self

    def __getitem__(self, index: int) -> Parameter:
        return list(self._parameters.values())[index]

    def __setitem__(self, index: int, value: Any) -> None:
        key = list(self._parameters)[index]
        self._parameters[key] = value if isinstance(value, Parameter) else Parameter(value)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def extra_repr(self) -> str:
        return ", ".join(f"({i}): Parameter of shape {tuple(p.shape)}" for i, p in enumerate(self))
