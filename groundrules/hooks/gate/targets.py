"""Which files each gate tool runs on, with the standards that decide how."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from groundrules.hooks.runner import StandardsCache
from groundrules.rules.framework import Finding
from groundrules.rules.registry import catalog
from groundrules.standards.loader import GATE_TOOLS
from groundrules.standards.model import FileStandards, Layer, Standards

PRODUCTION_PACK = "groundrules:production"


@dataclass(frozen=True)
class Target:
    """One checked Python file and what the gate needs to know about it."""

    path: Path
    shown: str  # as the runner shows it: relative to cwd, POSIX
    rel_path: str  # relative to its configuration, for the standards' globs
    standards: FileStandards  # with the command line's --select/--ignore
    tools: Tuple[str, ...]
    #: The standards' and the command line's ``ignore`` (plus the command line's ``select``):
    #: bandit and mypy codes are chosen by ``--with``/``gate.tools``, not by the standards' select.
    ignore: Tuple[str, ...]
    select: Optional[Tuple[str, ...]]
    profile: Optional[str]
    #: The file's standards without the command line's layer: what the team rates each rule,
    #: even when ``--select B`` turned our rules off (a bandit finding takes its peer's rating).
    rated: Optional[FileStandards] = None
    #: The production pack applies to the file (through its profile or the whole configuration):
    #: mypy checks it with ``--strict``.
    production: bool = False


@dataclass(frozen=True)
class ToolRun:
    """What one tool reported: findings, one-line errors when it failed (``FILE: what`` or
    ``TOOL: what``), warnings, and the files it could not check (shown paths)."""

    findings: List[Finding] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    unchecked: List[str] = field(default_factory=list)


def parse_tools(text: Optional[str]) -> Tuple[Tuple[str, ...], Optional[str]]:
    """``--with bandit,mypy`` as a tuple of tool names, or an error message."""
    if text is None:
        return (), None
    tools = tuple(t.strip().lower() for t in text.split(",") if t.strip())
    unknown = [t for t in tools if t not in GATE_TOOLS]
    if unknown:
        return (), f"--with: unknown tool '{unknown[0]}' (the gate runs: {', '.join(GATE_TOOLS)})"
    return tools, None


def plan(
    files: Sequence[Path], cache: StandardsCache, overrides: Tuple[Layer, ...], requested: Tuple[str, ...]
) -> List[Target]:
    """The Python files that at least one tool runs on (``--with`` plus each file's ``gate.tools``)."""
    targets: List[Target] = []
    for path in files:
        if path.suffix not in (".py", ".pyi"):
            continue  # notebooks and artifacts: neither tool reads them
        standards = cache.standards_for(path)
        if standards is None or standards.is_excluded(path):
            continue
        tools = tuple(t for t in GATE_TOOLS if t in requested or t in standards.gate_tools)
        if not tools:
            continue
        targets.append(_target(path, standards, cache.cwd, overrides, tools))
    return targets


def _target(
    path: Path, standards: Standards, cwd: Path, overrides: Tuple[Layer, ...], tools: Tuple[str, ...]
) -> Target:
    from groundrules.hooks.runner import _shown

    rel_path = standards.relative(path)
    profile = standards.profile_for(rel_path)
    layers = standards.layers + (profile.layers if profile else ()) + overrides
    select: Optional[Tuple[str, ...]] = None
    for layer in overrides:
        if layer.select is not None:
            select = layer.select
    return Target(
        path=path,
        shown=_shown(path, cwd),
        rel_path=rel_path,
        standards=standards.resolve(path, catalog(), overrides),
        tools=tools,
        ignore=tuple(p for layer in layers for p in layer.ignore),
        select=select,
        profile=profile.name if profile else None,
        rated=standards.resolve(path, catalog()),
        production=any(layer.origin == PRODUCTION_PACK for layer in layers),
    )


def wanted(code: str, target: Target) -> bool:
    """Whether ``--select``/``--ignore`` and the standards' ``ignore`` keep an external code
    (compared without case: ``--select`` arrives upper-cased, mypy codes are lower case)."""
    folded = code.lower()
    if target.select is not None and not any(folded.startswith(p.lower()) for p in target.select):
        return False
    return not any(folded.startswith(p.lower()) for p in target.ignore)
