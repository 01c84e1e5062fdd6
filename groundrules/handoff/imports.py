"""Imports hoisted out of the cells: deduplicated, grouped stdlib / third-party / local, sorted
as isort sorts them, and those the module never uses dropped."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

import libcst as cst

STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"__future__"}


@dataclass(frozen=True)
class Imported:
    """One name an import binds: ``import a.b as c`` / ``from m import x as y``."""

    module: str  # "" for `import x` (then `name` is the dotted module)
    name: str
    asname: Optional[str]
    level: int = 0  # relative import dots

    @property
    def bound(self) -> str:
        if self.asname:
            return self.asname
        return self.name.split(".")[0] if not self.module and not self.level else self.name

    @property
    def top(self) -> str:
        return (self.module or self.name).split(".")[0]


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def imported_names(statement: cst.BaseSmallStatement) -> List[Imported]:
    out: List[Imported] = []
    if isinstance(statement, cst.Import):
        for alias in statement.names:
            asname = alias.asname.name if alias.asname else None
            out.append(Imported("", _dotted(alias.name), asname.value if isinstance(asname, cst.Name) else None))
    elif isinstance(statement, cst.ImportFrom) and not isinstance(statement.names, cst.ImportStar):
        module = _dotted(statement.module) if statement.module is not None else ""
        for alias in statement.names:
            asname = alias.asname.name if alias.asname else None
            out.append(Imported(module, _dotted(alias.name), asname.value if isinstance(asname, cst.Name) else None,
                                len(statement.relative)))
    return out


def group_of(item: Imported, local: Set[str]) -> int:
    """0 stdlib (``__future__`` first of all), 1 third-party, 2 local."""
    if item.level or item.top in local:
        return 2
    return 0 if item.top in STDLIB else 1


def local_modules(directory: Path) -> Set[str]:
    """Modules and packages beside the prototype: its own code."""
    names: Set[str] = set()
    try:
        for entry in directory.iterdir():
            if entry.suffix == ".py":
                names.add(entry.stem)
            elif (entry / "__init__.py").is_file():
                names.add(entry.name)
    except OSError:
        return names
    return names


def render(items: Iterable[Imported], used: Set[str], local: Set[str], star: Iterable[str] = ()) -> Tuple[str, List[Imported]]:
    """The import block and the imports dropped as unused (first binding of a name wins, as the
    module keeps one)."""
    chosen: Dict[str, Imported] = {}
    dropped: List[Imported] = []
    for item in items:
        if item.module == "__future__":
            chosen[f"__future__.{item.name}"] = item
            continue
        if item.bound not in used:
            if item not in dropped:
                dropped.append(item)
            continue
        chosen.setdefault(item.bound, item)
    groups: Dict[int, List[str]] = {0: [], 1: [], 2: []}
    plain: Dict[int, Set[str]] = {0: set(), 1: set(), 2: set()}
    froms: Dict[int, Dict[Tuple[int, str], Set[str]]] = {0: {}, 1: {}, 2: {}}
    future: Set[str] = set()
    for item in chosen.values():
        group = group_of(item, local)
        alias = f"{item.name} as {item.asname}" if item.asname else item.name
        if item.module == "__future__":
            future.add(item.name)
        elif not item.module and not item.level:
            plain[group].add(f"import {alias}")
        else:
            froms[group].setdefault((item.level, item.module), set()).add(alias)
    for module in sorted(set(star)):
        froms[1].setdefault((0, module), set()).add("*")
    for group in (0, 1, 2):
        lines = sorted(plain[group], key=lambda line: line[len("import "):].lower())
        for (level, module), names in sorted(froms[group].items(), key=lambda kv: ("." * kv[0][0] + kv[0][1]).lower()):
            # isort's order: CONSTANTS, Classes, functions.
            ordered = sorted(names, key=lambda n: (0 if n.isupper() and len(n) > 1 else 1 if n[:1].isupper() else 2,
                                                   n.lower()))
            lines.append(f"from {'.' * level}{module} import {', '.join(ordered)}")
        groups[group] = lines
    blocks = [["from __future__ import " + ", ".join(sorted(future))]] if future else []
    blocks.extend(groups[g] for g in (0, 1, 2) if groups[g])
    return "\n\n".join("\n".join(block) for block in blocks), dropped
