"""Hand off one prototype: plan, write the module, apply the fix tier, check the gates, report.

A pure function of the prototype's bytes, the standards and the options: the same input gives
the same module and report, byte for byte.  Nothing here writes a file or runs the prototype.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Set, Tuple, cast

from groundrules.codemods.framework import fix_source
from groundrules.handoff import gates
from groundrules.handoff.generate import dropped_imports, render
from groundrules.handoff.imports import Imported, imported_names
from groundrules.handoff.items import Blocking, Change, Removed
from groundrules.handoff.naming import snake_case
from groundrules.handoff.plan import Options, Plan, build_plan
from groundrules.handoff.secrets import Masker
from groundrules.handoff.source import Prototype, PrototypeError, read_prototype
from groundrules.rules.engine import check_source
from groundrules.rules.framework import Finding
from groundrules.rules.registry import all_rules
from groundrules.standards.model import FileStandards
from groundrules.standards.schema import FixClass

import libcst as cst


@dataclass(frozen=True)
class Request:
    source: Path
    dest: Path
    report: Path
    standards: FileStandards
    options: Options = Options()
    unsafe_fixes: bool = False
    source_rel: str = ""
    dest_rel: str = ""
    #: The prototype's bytes, read once by the caller (bounded, regular files only); ``None``:
    #: read here.
    data: Optional[bytes] = None


@dataclass(frozen=True)
class Outcome:
    """The module's text, the report's data (JSON-ready) and the exit code."""

    module: str
    data: Dict[str, object]
    exit: int
    masker: Masker = field(default_factory=lambda: Masker(()))
    gate_problems: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)

    def mask(self, value: Mapping[str, object]) -> Dict[str, object]:
        return mask_all(value, self.masker)


def module_name_for(path: Path) -> str:
    """The snake_case module name of a prototype's file."""
    name = snake_case(path.stem, max_words=12) or "handoff"
    return f"m_{name}" if name[0].isdigit() else name


def hand_off(request: Request) -> Outcome:
    """Raises :class:`groundrules.handoff.source.PrototypeError` when SRC cannot be read."""
    source_bytes = request.data
    if source_bytes is None:
        try:
            source_bytes = request.source.read_bytes()
        except OSError as exc:
            raise PrototypeError(f"{request.source}: cannot read: {exc.strerror or exc}") from exc
    prototype = read_prototype(request.source, source_bytes)
    rules = all_rules()
    source_rel = request.source_rel or request.source.name
    dest_rel = request.dest_rel or request.dest.name
    before = check_source(source_bytes, str(request.source), source_rel, request.standards, rules).findings
    allowed = frozenset({FixClass.SAFE, FixClass.UNSAFE} if request.unsafe_fixes else {FixClass.SAFE})
    plan: Optional[Plan] = None
    if not prototype.is_notebook and gates.import_no_work(prototype.cells[0].source).passed and len(prototype.cells) == 1:
        # Already a module (a handed-off one, say): nothing left to move.
        text = prototype.cells[0].source
        secrets: List[str] = []
        changes: List[Change] = []
        removed: List[Removed] = []
        blocking: List[Blocking] = []
        dependencies: List[str] = []
    else:
        plan = build_plan(prototype, request.options, module_name_for(request.dest), request.standards)
        text = render(plan, request.source, request.report)
        secrets = plan.secrets
        changes = list(plan.changes)
        removed = list(plan.removed)
        blocking = list(plan.blocking)
        dependencies = list(plan.dependencies)
        removed.extend(_unused_imports(plan, text, request.source))
    masker = Masker(secrets)
    if masker(text) != text:
        # A secret the plan could not move (a function's default, say) never reaches the module.
        text = masker(text)
        blocking.append(Blocking(0, 0, "", "a secret inside a function was replaced by a mask: pass it from Settings",
                                 "GR201"))
    fixed = fix_source(text, str(request.dest), dest_rel, request.standards, rules, allowed)
    if fixed.fixed and gates.parses(fixed.text).passed:
        for code in sorted(set(fixed.fixed)):
            count = fixed.fixed.count(code)
            tier = "safe" if FixClass.UNSAFE not in allowed else "safe/unsafe"
            changes.append(Change(code, 0, 0, f"{tier} fix applied to the module ({count}x)"))
        text = fixed.text
    after = check_source(text.encode("utf-8"), str(request.dest), dest_rel, request.standards, rules).findings
    g1 = gates.parses(text)
    g2 = gates.import_no_work(text)
    # --keep-plots asked for the plotting code: GR106 then stays a finding to review, not a gate.
    g3 = gates.clean(after, text, str(request.dest), frozenset({"GR106"}) if request.options.keep_plots else frozenset())
    g4 = gates.accounted(_unaccounted(plan, text, removed) if plan is not None else [])
    passed = g1.passed and g2.passed and g3.passed and g4.passed
    exit_code = 0 if passed and not blocking else 1
    data: Dict[str, object] = {
        "source": request.source.as_posix(),
        "module": request.dest.as_posix(),
        "exit": exit_code,
        "gates": {"parses": g1.passed, "import_no_work": g2.passed, "clean": g3.passed, "accounted": g4.passed},
        "settings": [s.to_json() for s in (plan.settings if plan else [])],
        "steps": [{"name": s.name, "cells": list(s.cells), "params": list(s.params), "returns": list(s.returns)}
                  for s in (plan.steps if plan else [])],
        "changes": [c.to_json() for c in changes],
        "removed": [masker_json(r.to_json(), masker) for r in removed],
        "dependencies": dependencies,
        "blocking": [masker_json(b.to_json(), masker) for b in blocking],
        "checklist": [],
        "findings_before": [_finding_json(f, masker) for f in before],
        "findings_after": [_finding_json(f, masker) for f in after],
        "cell_map": {str(k): v for k, v in sorted((plan.cell_map if plan else {}).items())},
        "verify": None,
    }
    warnings = []
    if prototype.out_of_order():
        warnings.append("Warning GR603: the notebook's execution counts are not in file order, so its saved "
                        "outputs may not come from this code; the module runs the cells top to bottom.")
    problems = {"G1 parses": g1.problems, "G2 import does no work": g2.problems, "G3 clean": g3.problems,
                "G4 accounted": g4.problems}
    data["checklist"] = checklist(data, problems) + warnings
    return Outcome(text, mask_all(data, masker), exit_code, masker, problems)


def masker_json(item: Dict[str, object], masker: Masker) -> Dict[str, object]:
    return {k: masker(v) if isinstance(v, str) else v for k, v in item.items()}


def mask_all(value: object, masker: Masker) -> Dict[str, object]:
    """Every string in the report's data with secrets masked (belt and braces)."""
    def walk(item: object) -> object:
        if isinstance(item, str):
            return masker(item)
        if isinstance(item, dict):
            return {k: walk(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [walk(v) for v in item]
        return item

    return {key: walk(item) for key, item in value.items()} if isinstance(value, dict) else {}


def _finding_json(finding: Finding, masker: Masker) -> Dict[str, object]:
    return {"code": finding.code, "name": finding.name, "message": masker(finding.message),
            "cell": finding.cell, "line": finding.line, "column": finding.column,
            "severity": finding.severity.name.lower(), "category": finding.category.value,
            "fix": finding.fix.name.lower() if finding.fix is not None else None}


def _unused_imports(plan: Plan, text: str, source: Path) -> List[Removed]:
    dropped: Set[Imported] = set(dropped_imports(plan, text, source))
    out: List[Removed] = []
    for statement in plan.statements:
        if statement.kind != "import" or not isinstance(statement.node, cst.SimpleStatementLine):
            continue
        small = statement.node.body[0]
        if not isinstance(small, (cst.Import, cst.ImportFrom)):
            continue
        names = [i for i in imported_names(small) if i in dropped]
        if names:
            what = ", ".join(i.bound for i in names)
            out.append(Removed(statement.cell, statement.line, statement.text,
                               f"unused: nothing in the module reads {what}", "F401"))
    return out


def _top_level(tree: ast.Module) -> Tuple[Set[str], Set[str], Set[str]]:
    """(names defined or assigned at top level, imported names, Settings fields)."""
    defined: Set[str] = set()
    imported: Set[str] = set()
    fields: Set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
            if isinstance(node, ast.ClassDef) and node.name == "Settings":
                fields.update(s.target.id for s in node.body
                              if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update(a.asname or a.name.split(".")[0] for a in node.names)
    return defined, imported, fields


def _unaccounted(plan: Plan, text: str, removed: Sequence[Removed]) -> List[str]:
    """G4: the statements found neither in the module nor in the removed list."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return ["the module does not parse"]
    defined, imported, fields = _top_level(tree)
    removed_at = {(r.cell, r.line) for r in removed}
    setting_names = {s.field for s in plan.settings}
    missing: List[str] = []
    for statement in plan.statements:
        where = (statement.cell, statement.line)
        kind = statement.kind
        if kind == "removed" or where in removed_at and kind == "import":
            ok = where in removed_at
        elif kind == "import":
            bound = {a.asname or a.name.split(".")[0] for a in getattr(statement.tree, "names", [])}
            ok = bound <= imported or "*" in bound
        elif kind == "definition":
            ok = getattr(statement.tree, "name", "") in defined
        elif kind == "constant":
            ok = all(n.id in defined for n in ast.walk(statement.tree) if isinstance(n, ast.Name)
                     and isinstance(n.ctx, ast.Store))
        elif kind == "setting":
            ok = bool(fields & setting_names) or not setting_names
        else:
            ok = bool(statement.destination) and statement.destination in defined
        if not ok:
            missing.append(f"cell {statement.cell}:{statement.line}: `{statement.text.splitlines()[0]}` ({kind})")
    for cell in plan.unparsed:
        if f"cell {cell} does not parse" not in text:
            missing.append(f"cell {cell}: its code is neither in the module nor removed")
    return missing


def checklist(data: Dict[str, object], problems: Mapping[str, Sequence[str]]) -> List[str]:
    """What the engineer must still do, most urgent first."""
    items: List[str] = []
    settings = cast(List[Dict[str, object]], data.get("settings") or [])
    ordered = sorted(settings, key=lambda s: {"secret": 0, "path": 1, "parameter": 2}[str(s["kind"])])
    for setting in ordered:
        env, kind = setting["env"], setting["kind"]
        if kind == "secret":
            items.append(f"Provision secret `{env}` (required; rotate the value the notebook held).")
        elif kind == "path" and setting["required"]:
            items.append(f"Configure data path `{env}` (required; the prototype's path was {setting['original']}).")
        elif kind == "path":
            items.append(f"Check data path `{env}` (default {setting['original']}).")
        else:
            items.append(f"Confirm parameter `{env}` (default {setting['original']}).")
    for dependency in data.get("dependencies") or []:  # type: ignore[attr-defined]
        items.append(f"Add dependency `{dependency}` to the project (the notebook installed it at run time).")
    for item in data.get("blocking") or []:  # type: ignore[attr-defined]
        items.append(f"Resolve blocking item at cell {item['cell']}:{item['line']}: {item['why']}.")
    for gate, found in problems.items():
        for problem in found:
            items.append(f"Gate {gate} failed: {problem}")
    after = list(data.get("findings_after") or [])  # type: ignore[call-overload]
    for finding in after:
        if finding["fix"] != "unsafe":
            items.append(f"Review finding {finding['code']} at line {finding['line']}: {finding['message']}")
    for finding in after:
        if finding["fix"] == "unsafe":
            items.append(f"Recommended POLICY fix: {finding['code']} at line {finding['line']}: {finding['message']} "
                         "(apply with `handoff --unsafe-fixes` or `groundrules fix --unsafe-fixes`).")
    return items
