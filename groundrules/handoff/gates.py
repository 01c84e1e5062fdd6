"""The four gates a handed-off module must pass (all four for exit 0).

G1 parses: the module parses and LibCST regenerates it byte for byte.
G2 import does no work: the top level is only the docstring, imports, literal constants, the
   logger, definitions and the ``__main__`` guard.
G3 clean: none of the rules handoff owns is reported, and pyflakes finds no undefined or unused name.
G4 accounted: every statement of every code cell is in the module or in the removed list.
"""

from __future__ import annotations

import ast
import symtable
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

import libcst as cst
from pyflakes import checker as pyflakes_checker  # type: ignore[import-untyped]

from groundrules.rules.framework import Finding

#: The rules whose findings handoff exists to remove (GR601-GR604: the stale-state rules).
OWNED = frozenset({"GR101", "GR102", "GR103", "GR104", "GR105", "GR106", "GR108", "GR115", "GR116", "GR120",
                   "GR201", "GR214", "GR311", "GR901", "GR601", "GR602", "GR603", "GR604"})
#: pyflakes messages about names.
NAME_MESSAGES = ("UndefinedName", "UndefinedLocal", "UndefinedExport", "UnusedImport", "UnusedVariable",
                 "UnusedAnnotation", "ImportStarUsage")


@dataclass(frozen=True)
class Gate:
    passed: bool
    problems: Tuple[str, ...] = ()

    def to_json(self) -> Dict[str, object]:
        return {"passed": self.passed, "problems": list(self.problems)}


def _await_outside_async(tree: ast.AST, inside_async: bool = False) -> Optional[int]:
    """The line of an ``await`` no ``async def`` encloses: it parses, but the compiler refuses it."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.AsyncFunctionDef):
            found = _await_outside_async(child, True)
        elif isinstance(child, (ast.FunctionDef, ast.Lambda)):
            found = _await_outside_async(child, False)
        elif isinstance(child, (ast.Await, ast.AsyncFor, ast.AsyncWith)) and not inside_async:
            return getattr(child, "lineno", 0)
        else:
            found = _await_outside_async(child, inside_async)
        if found is not None:
            return found
    return None


def parses(text: str) -> Gate:
    try:
        tree = ast.parse(text)
        # The scope checks the compiler makes after parsing (`global` after use, ...), without compiling.
        symtable.symtable(text, "<handoff>", "exec")
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return Gate(False, (f"line {line}: {getattr(exc, 'msg', exc)}",))
    awaited = _await_outside_async(tree)
    if awaited is not None:
        return Gate(False, (f"line {awaited}: 'await' outside async function",))
    try:
        regenerated = cst.parse_module(text).code
    except (cst.ParserSyntaxError, RecursionError) as exc:
        return Gate(False, (f"LibCST cannot parse it: {exc}",))
    if regenerated != text:
        return Gate(False, ("LibCST does not regenerate it byte for byte",))
    return Gate(True)


def _simple(node: ast.AST) -> bool:
    """A value that costs nothing to evaluate: a literal, a name or an attribute of one."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Attribute):
        return _simple(node.value)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_simple(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(_simple(p) for p in [*node.keys, *node.values] if p is not None)
    if isinstance(node, ast.UnaryOp):
        return _simple(node.operand)
    return False


def _literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return False
    return True


def _is_logger(node: ast.stmt) -> bool:
    return (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and ast.unparse(node.value) == "logging.getLogger(__name__)")


def _is_main_guard(node: ast.stmt) -> bool:
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
            and ast.unparse(node.test) in ("__name__ == '__main__'", '__name__ == "__main__"'))


def _definition_does_no_work(node: ast.stmt) -> List[str]:
    problems: List[str] = []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
            if not _simple(default):
                problems.append(f"line {default.lineno}: a default of `{node.name}` is computed at import")
    elif isinstance(node, ast.ClassDef):
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                problems.extend(_definition_does_no_work(statement))
            elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                continue
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and (
                statement.value is None or _simple(statement.value) or _dataclass_field(statement.value)
            ):
                continue
            elif not isinstance(statement, ast.Pass):
                problems.append(f"line {statement.lineno}: class `{node.name}` runs code when it is defined")
    return problems


def _dataclass_field(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
            and ast.unparse(node.func) in ("field", "dataclasses.field")
            and all(_simple(k.value) for k in node.keywords) and not node.args)


def _optional_import(node: ast.stmt) -> bool:
    """``try: import x`` / ``except ImportError: x = None``."""
    if not isinstance(node, ast.Try):
        return False
    parts = [*node.body, *(s for h in node.handlers for s in h.body), *node.orelse, *node.finalbody]
    return all(isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass)) or (
        isinstance(s, ast.Assign) and _literal(s.value)) for s in parts)


def import_no_work(text: str) -> Gate:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return Gate(False, ("does not parse",))
    problems: List[str] = []
    for index, node in enumerate(tree.body):
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)) or _is_logger(node) or _is_main_guard(node):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and _literal(node.value):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            problems.extend(_definition_does_no_work(node))
            continue
        if _optional_import(node):
            continue
        problems.append(f"line {node.lineno}: `{ast.unparse(node).splitlines()[0]}` runs at import")
    return Gate(not problems, tuple(problems))


def name_problems(text: str, filename: str) -> List[str]:
    """pyflakes' undefined and unused names."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return ["does not parse"]
    found = pyflakes_checker.Checker(tree, filename=filename)
    out: List[str] = []
    for message in sorted(found.messages, key=lambda m: (m.lineno, m.col)):
        if type(message).__name__ in NAME_MESSAGES:
            out.append(f"line {message.lineno}: {message.message % message.message_args}")
    return out


def clean(findings: Sequence[Finding], text: str, filename: str, allowed: FrozenSet[str] = frozenset()) -> Gate:
    """``allowed``: owned codes the user chose to keep (GR106 under ``--keep-plots``)."""
    problems = [f"line {f.line}: {f.code} {f.message}" for f in findings if f.code in OWNED - allowed]
    problems.extend(name_problems(text, filename))
    return Gate(not problems, tuple(problems))


def accounted(missing: Sequence[str]) -> Gate:
    return Gate(not missing, tuple(missing))
