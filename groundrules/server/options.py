"""The server's settings: the client's initialization options, checked like a configuration file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional, Tuple

from groundrules.standards.model import Layer

ORIGIN = "initializationOptions"
KNOWN = ("select", "ignore", "config")


@dataclass(frozen=True)
class ServerOptions:
    """``select``/``ignore`` act as on the command line; ``config`` replaces the search for the
    nearest ``pyproject.toml``/``groundrules.toml`` (relative paths are from the first workspace
    folder)."""

    select: Optional[Tuple[str, ...]] = None
    ignore: Tuple[str, ...] = ()
    config: Optional[Path] = None

    def overrides(self) -> Tuple[Layer, ...]:
        if self.select is None and not self.ignore:
            return ()
        return (Layer(f"editor {ORIGIN}", select=self.select, ignore=self.ignore),)


def _codes(value: object, key: str, problems: List[str]) -> Optional[Tuple[str, ...]]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{ORIGIN}: `{key}` must be a list of rule codes or prefixes, e.g. [\"GR2\"]")
        return None
    return tuple(v.strip().upper() for v in value)


def read_options(raw: object, root: Optional[Path]) -> Tuple[ServerOptions, List[str]]:
    """The options and one line per problem (the server logs them and ignores that key)."""
    problems: List[str] = []
    if raw is None:
        return ServerOptions(), problems
    if not isinstance(raw, Mapping):
        return ServerOptions(), [f"{ORIGIN}: expected an object with {', '.join(KNOWN)}"]
    for key in raw:
        if key not in KNOWN:
            problems.append(f"{ORIGIN}: unknown key `{key}` (known: {', '.join(KNOWN)})")
    select = _codes(raw["select"], "select", problems) if raw.get("select") is not None else None
    ignore = _codes(raw["ignore"], "ignore", problems) if raw.get("ignore") is not None else None
    config: Optional[Path] = None
    value = raw.get("config")
    if value is not None:
        if not isinstance(value, str) or not value:
            problems.append(f"{ORIGIN}: `config` must be the path of a pyproject.toml or groundrules.toml")
        else:
            path = Path(value).expanduser()
            if not path.is_absolute() and root is not None:
                path = root / path
            if path.is_file():
                config = path
            else:
                problems.append(f"{ORIGIN}: `config`: {value}: configuration file not found")
    return ServerOptions(select, ignore or (), config), problems
