"""What handoff did and found, as plain values the report and the JSON are written from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple, Union

Json = Union[None, bool, int, float, str, Tuple["Json", ...], Dict[str, "Json"]]


@dataclass(frozen=True)
class Change:
    """A transformation applied: ``rule`` is the groundrules code it answers (``explain`` it)."""

    rule: str
    cell: int
    line: int
    what: str

    def to_json(self) -> Dict[str, object]:
        return {"rule": self.rule, "cell": self.cell, "line": self.line, "what": self.what}


@dataclass(frozen=True)
class Removed:
    """A statement (or line) left out of the module, with its original text."""

    cell: int
    line: int
    text: str
    reason: str
    rule: str = ""

    def to_json(self) -> Dict[str, object]:
        return {"cell": self.cell, "line": self.line, "text": self.text, "reason": self.reason, "rule": self.rule}


@dataclass(frozen=True)
class Blocking:
    """Something a person must resolve before the module is trusted (exit 1)."""

    cell: int
    line: int
    text: str
    why: str
    rule: str = ""

    def to_json(self) -> Dict[str, object]:
        return {"cell": self.cell, "line": self.line, "text": self.text, "why": self.why, "rule": self.rule}


PATH, SECRET, PARAMETER = "path", "secret", "parameter"


@dataclass(frozen=True)
class SettingField:
    field: str
    env: str
    kind: str  # path | secret | parameter
    required: bool
    default: Optional[object]  # None for a secret, always
    original: str  # the prototype's literal, as source text (masked for a secret)
    cells: Tuple[int, ...]
    annotation: str  # str | int | float | bool

    def to_json(self) -> Dict[str, object]:
        return {
            "field": self.field,
            "env": self.env,
            "kind": self.kind,
            "required": self.required,
            "default": self.default,
            "original": self.original,
            "cells": list(self.cells),
        }


@dataclass(frozen=True)
class Step:
    name: str
    cells: Tuple[int, ...]
    params: Tuple[str, ...]
    returns: Tuple[str, ...]
    uses_settings: bool = False

    def to_json(self) -> Dict[str, object]:
        return {"name": self.name, "cells": list(self.cells), "params": list(self.params),
                "returns": list(self.returns)}
