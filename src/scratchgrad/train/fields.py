"""The checks on a run's settings, shared by the command line's flags and by what a run folder records.

A value typed on the command line and the same value read back from ``config.json`` or a checkpoint pass the
same ``Rule``, so a run folder cannot hold what ``scratchgrad train`` would have refused. A rule's ``check``
takes text (from the command line) or a JSON value (from a file) and returns the number, or raises
``ValueError("must be ..., received ...")``; the caller puts the setting's name in front (argparse does it for
flags, ``train.runs`` for files).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class Rule:
    """A number of type ``convert`` (int or float) that ``accept`` holds for; ``expected`` says it in words."""

    convert: type
    accept: Callable[[Any], bool]
    expected: str

    def check(self, value: Any) -> Any:
        kind = "a whole number" if self.convert is int else "a number"
        if isinstance(value, str):
            try:
                value, shown = self.convert(value), value
            except ValueError:
                raise ValueError(f"must be {kind} {self.expected}, received {value!r}") from None
        else:
            shown = value
            # From a file: an int setting must be an int (not 2.5, not true); a float setting takes either.
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not numeric or (self.convert is int and not isinstance(value, int)):
                raise ValueError(f"must be {kind} {self.expected}, received {value!r}")
            value = self.convert(value)
        # nan fails every comparison and inf passes some: only finite values go on to the range check.
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"must be a finite number {self.expected}, received {shown}")
        if not self.accept(value):
            raise ValueError(f"must be {self.expected}, received {shown}")
        return value


POSITIVE_INT = Rule(int, lambda v: v >= 1, ">= 1")
NON_NEGATIVE_INT = Rule(int, lambda v: v >= 0, ">= 0")
POSITIVE = Rule(float, lambda v: v > 0, "> 0")
NON_NEGATIVE = Rule(float, lambda v: v >= 0, ">= 0")
# A share in [0, 1): a validation split of 0 holds nothing out, 1 would leave nothing to train on.
FRACTION = Rule(float, lambda v: 0 <= v < 1, ">= 0 and < 1")
OPEN_FRACTION = Rule(float, lambda v: 0 < v < 1, "> 0 and < 1")
# A momentum of 1 or more lets the velocity grow without bound.
MOMENTUM = FRACTION
# NumPy's legacy seeding and most others take 32-bit seeds; a negative one is always a mistake.
SEED = Rule(int, lambda v: 0 <= v <= MAX_SEED, f"from 0 to {MAX_SEED}")


def checked(rule: Rule, value: Any, name: str) -> Any:
    """A value read from a file (or built in code) checked by ``rule``, ``name`` (``config.json: lr``) in front.

    Unlike a flag's text, a number stored as a string ("0.01") is refused: scratchgrad never writes one.
    """
    try:
        if isinstance(value, str):
            kind = "a whole number" if rule.convert is int else "a number"
            raise ValueError(f"must be {kind} {rule.expected}, received {value!r}")
        return rule.check(value)
    except ValueError as exc:
        raise ValueError(f"{name} {exc}") from None


def text(value: Any, name: str, choices: tuple[str, ...] | None = None) -> str:
    """A string setting (a model or optimizer name), one of ``choices`` when given (any case, - or _)."""
    if not isinstance(value, str) or (choices is not None and value.lower().replace("-", "_") not in choices):
        expected = "one of " + ", ".join(choices) if choices is not None else "a string"
        raise ValueError(f"{name} must be {expected}, received {value!r}")
    return value
