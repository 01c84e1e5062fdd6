"""The check of one file: decode, parse once, walk once, dispatch nodes to the rules that asked.

``check_source`` is a pure function of the file's bytes and its resolved standards, so results can
be cached by content hash and computed in worker processes.  It never raises on bad input: an
undecodable or unparsable file becomes a GR901 finding, and an exception inside a rule becomes a
GR900 finding naming the rule while the other rules' findings are kept.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import tokenize
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type

from groundrules.rules import cell_scripts, notebooks
from groundrules.rules.context import SCOPE_NODES, Context, Source
from groundrules.rules.framework import Finding, Rule, spells_any
from groundrules.rules.overlaps import one_per_cause
from groundrules.rules.pandas_types import PandasTypes
from groundrules.rules.suppressions import Suppression, comment_lines, parse_suppressions
from groundrules.standards.model import FileStandards
from groundrules.standards.schema import Category, Severity

Handler = Callable[[ast.AST], None]

UNPARSABLE = ("GR901", "unparsable-source")
CRASHED = ("GR900", "rule-crashed")
SUPPRESSION_CODES = frozenset({"GR902", "GR903"})


@dataclass(frozen=True)
class Decoded:
    text: Optional[str]
    error: Optional[Tuple[int, int, str]] = None  # line, 0-based column, message


def decode(data: bytes) -> Decoded:
    """Decode as Python does: BOM, then a PEP 263 coding cookie, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        return Decoded(None, (1, 0, f"cannot decode: {exc}"))
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line, column = _position_of_offset(data, getattr(exc, "start", 0))
        return Decoded(None, (line, column, f"cannot decode as {encoding}: {exc}"))
    if text.startswith("\ufeff"):
        text = text[1:]
    return Decoded(text)


def _position_of_offset(data: bytes, offset: int) -> Tuple[int, int]:
    before = data[:offset]
    return before.count(b"\n") + 1, offset - (before.rfind(b"\n") + 1)


def parse(text: str, path: str) -> Tuple[Optional[ast.Module], Optional[Tuple[int, int, str]]]:
    try:
        return ast.parse(text, filename=path), None
    except SyntaxError as exc:
        line = exc.lineno or 1
        column = max((exc.offset or 1) - 1, 0)
        return None, (line, column, f"syntax error: {exc.msg}")
    except (ValueError, RecursionError, MemoryError) as exc:
        # Null bytes (ValueError before 3.12) and pathological nesting.
        return None, (1, 0, f"cannot parse: {exc}")


_HANDLER_NAMES: Dict[Type[Rule], Tuple[Tuple[type, str, bool], ...]] = {}


def _handler_names(rule: Type[Rule]) -> Tuple[Tuple[type, str, bool], ...]:
    """(ast node type, method name, is-leave) for every visitor method a rule defines."""
    # Memoised per class: dir() is too slow to run per rule per file.
    known = _HANDLER_NAMES.get(rule)
    if known is not None:
        return known
    found = []
    for attr in dir(rule):
        for prefix, leave in (("visit_", False), ("leave_", True)):
            if attr.startswith(prefix):
                node_type = getattr(ast, attr[len(prefix) :], None)
                if isinstance(node_type, type) and issubclass(node_type, ast.AST):
                    found.append((node_type, attr, leave))
    _HANDLER_NAMES[rule] = tuple(found)
    return _HANDLER_NAMES[rule]


def diagnostic(
    code_name: Tuple[str, str],
    path: str,
    position: Tuple[int, int],
    message: str,
    standards: FileStandards,
) -> Finding:
    line, column = position
    return Finding(
        code=code_name[0],
        name=code_name[1],
        message=message,
        path=path,
        line=line,
        column=column + 1,
        end_line=line,
        end_column=column + 1,
        severity=standards.severity_of(code_name[0], Severity.ERROR),
        category=Category.DIAGNOSTICS,
    )


@dataclass(frozen=True)
class Result:
    """The findings of one file, and the suppressions that silenced some of them."""

    findings: Tuple[Finding, ...]
    suppressed: Tuple[Tuple[Finding, Suppression], ...] = ()
    suppressions: Tuple[Suppression, ...] = ()
    parsed: bool = True


def check_source(
    data: bytes,
    source_path: str,
    rel_path: str,
    standards: FileStandards,
    rules: Sequence[Type[Rule]],
    module: Optional[str] = None,
    apply_suppressions: bool = True,
    as_reported: bool = True,
    script_cells: bool = True,
) -> Result:
    """The findings of one file.  Notebooks and scripts exported from notebooks are exploration
    code (see ``FileStandards.in_context``) and report ``cell N:line:col``; findings that overlap
    on a line are merged (``overlaps``).  ``as_reported=False`` gives what the fixes need: an
    exported script's findings at lines of the file, and every finding, merged or not;
    ``script_cells=False`` only the lines of the file (for an editor showing the script)."""
    result = _check_source(data, source_path, rel_path, standards, rules, module, apply_suppressions,
                           as_reported and script_cells)
    if not as_reported:
        return result
    return dataclasses.replace(result, findings=tuple(one_per_cause(result.findings)))


def _check_source(
    data: bytes,
    source_path: str,
    rel_path: str,
    standards: FileStandards,
    rules: Sequence[Type[Rule]],
    module: Optional[str],
    apply_suppressions: bool,
    as_reported: bool,
) -> Result:
    kind = file_kind(source_path)
    if kind == "notebook":
        return check_notebook(data, source_path, rel_path, standards.in_context(True), rules, apply_suppressions)
    if kind != "python":
        return _check_file(data, source_path, rel_path, standards, rules, kind)
    decoded = decode(data)
    if decoded.text is None:
        return _unparsable(source_path, decoded.error, standards)
    script = cell_scripts.split(decoded.text)
    standards = standards.in_context(script is not None)
    tree, error = parse(decoded.text, source_path)
    if script is not None:
        return _check_script(script, tree, source_path, rel_path, standards, rules, module,
                             apply_suppressions, as_reported)
    if tree is None:
        return _unparsable(source_path, error, standards)
    source = Source(source_path, rel_path, decoded.text, decoded.text.splitlines(), module)
    return check_tree(tree, source, standards, rules, apply_suppressions)


def _check_script(
    code: notebooks.NotebookCode,
    tree: Optional[ast.Module],
    path: str,
    rel_path: str,
    standards: FileStandards,
    rules: Sequence[Type[Rule]],
    module: Optional[str],
    apply_suppressions: bool,
    as_reported: bool,
) -> Result:
    """A script exported from a notebook, checked as the file it is, reported by cell."""
    errors: List[Tuple[int, int, int, str]] = []
    if tree is None:
        # IPython syntax left in a cell (`%matplotlib inline`): masked as in a notebook, and a
        # cell that still does not parse is left out and reported.
        tree, code, errors = notebooks.parse_code(cell_scripts.masked(code))
    findings: List[Finding] = []
    if UNPARSABLE[0] in standards.enabled:
        for cell, line, column, message in errors:
            broken = diagnostic(UNPARSABLE, path, (line, column), message, standards)
            findings.append(
                dataclasses.replace(broken, cell=cell) if as_reported
                else dataclasses.replace(broken, line=cell_scripts.file_line(code, cell, line))
            )
    if tree is None:
        return Result(tuple(sorted(findings, key=_cell_order)), parsed=False)
    inner = check_tree(tree, Source(path, rel_path, code.text, code.lines, module), standards, rules,
                       apply_suppressions)
    if not as_reported:
        return Result(tuple(sorted(findings + list(inner.findings), key=Finding.sort_key)), inner.suppressed,
                      inner.suppressions, not errors)
    findings.extend(code.to_cell(f) for f in inner.findings)
    suppressed = tuple((code.to_cell(f), s) for f, s in inner.suppressed)
    return Result(tuple(sorted(findings, key=_cell_order)), suppressed, inner.suppressions, not errors)


def file_kind(path: str) -> str:
    if path.endswith((".py", ".pyi")):
        return "python"
    return "notebook" if path.endswith(".ipynb") else "artifact"


def _check_file(
    data: bytes,
    path: str,
    rel_path: str,
    standards: FileStandards,
    rules: Sequence[Type[Rule]],
    kind: str,
) -> Result:
    """Notebook and artifact rules judge the file's bytes (no ast walk)."""
    ctx = Context(Source(path, rel_path, "", ()), ast.Module(body=[], type_ignores=[]), standards)
    findings: List[Finding] = []
    for rule in rules:
        if rule.file_kind != kind or rule.code not in standards.enabled:
            continue
        instance = rule(ctx)
        try:
            instance.check_file(data)
        except Exception as exc:
            findings.append(
                diagnostic(CRASHED, path, (1, 0), f"rule {rule.code} ({rule.name}) crashed on this "
                           f"file: {type(exc).__name__}: {exc}", standards)
            )
        findings.extend(instance.findings)
    findings.sort(key=Finding.sort_key)
    return Result(tuple(findings))


def check_notebook(
    data: bytes,
    path: str,
    rel_path: str,
    standards: FileStandards,
    rules: Sequence[Type[Rule]],
    apply_suppressions: bool = True,
) -> Result:
    """The notebook rules on the file, and the Python rules on its code cells joined into one
    module (see ``notebooks``); findings point at ``cell N:line:col``."""
    outer = _check_file(data, path, rel_path, standards, rules, "notebook")
    try:
        _, cells = notebooks.read_notebook(data)
    except notebooks.NotebookError as exc:
        broken = _unparsable(path, (exc.line, exc.column, exc.message), standards)
        return Result(tuple(sorted(outer.findings + broken.findings, key=Finding.sort_key)), parsed=False)
    tree, code, errors = notebooks.parse_code(notebooks.code_of(cells))
    findings: List[Finding] = list(outer.findings)
    if UNPARSABLE[0] in standards.enabled:
        findings.extend(
            dataclasses.replace(diagnostic(UNPARSABLE, path, (line, column), message, standards), cell=cell)
            for cell, line, column, message in errors
        )
    if tree is None:
        return Result(tuple(sorted(findings, key=_cell_order)), parsed=False)
    source = Source(path, rel_path, code.text, code.lines, locate=code.locate)
    inner = check_tree(tree, source, standards, rules, apply_suppressions)
    findings.extend(code.to_cell(f) for f in inner.findings)
    suppressed = tuple((code.to_cell(f), s) for f, s in inner.suppressed)
    return Result(tuple(sorted(findings, key=_cell_order)), suppressed, inner.suppressions, not errors)


def _cell_order(finding: Finding) -> Tuple[int, int, int, str]:
    return (finding.cell or 0, finding.line, finding.column, finding.code)


def _unparsable(
    path: str, error: Optional[Tuple[int, int, str]], standards: FileStandards
) -> Result:
    line, column, message = error or (1, 0, "cannot parse")
    if UNPARSABLE[0] not in standards.enabled:
        return Result((), parsed=False)
    return Result((diagnostic(UNPARSABLE, path, (line, column), message, standards),), parsed=False)


def check_tree(
    tree: ast.Module,
    source: Source,
    standards: FileStandards,
    rules: Sequence[Type[Rule]],
    apply_suppressions: bool = True,
) -> Result:
    ctx = Context(source, tree, standards)
    active = [
        rule(ctx)
        for rule in rules
        if rule.file_kind == "python"
        and (standards.banned_api if rule.carries_team_rules else rule.code in standards.enabled)
        and (not rule.requires or ctx.imports.imports_any(rule.requires))
        and (not rule.text_gate or spells_any(source.text, rule.text_gate))
    ]
    crashes: Dict[str, Finding] = {}
    enter: Dict[type, List[Tuple[Rule, Handler]]] = {}
    leave: Dict[type, List[Tuple[Rule, Handler]]] = {}
    for instance in active:
        for node_type, attr, is_leave in _handler_names(type(instance)):
            table = leave if is_leave else enter
            table.setdefault(node_type, []).append((instance, getattr(instance, attr)))

    def crashed(instance: Rule, node: Optional[ast.AST], exc: BaseException) -> None:
        if instance.code not in crashes:
            position = (getattr(node, "lineno", 1), getattr(node, "col_offset", 0))
            crashes[instance.code] = diagnostic(
                CRASHED,
                source.path,
                position,
                f"rule {instance.code} ({instance.name}) crashed on this file: "
                f"{type(exc).__name__}: {exc}",
                standards,
            )

    _walk(tree, ctx, enter, leave, crashed)
    for instance in active:
        try:
            instance.end()
        except Exception as exc:
            crashed(instance, None, exc)
    findings = [f for instance in active for f in instance.findings]
    # One search of the text spares most files a look at each line.
    suppressions = parse_suppressions(source.lines) if "noqa" in source.text.lower() else {}
    judged = findings + list(crashes.values())
    real = comment_lines(source.text) if suppressions else frozenset()
    comments = {line: s for line, s in suppressions.items() if line in real}
    for instance in active:
        if type(instance).review is not Rule.review:
            try:
                instance.review(judged, comments)
            except Exception as exc:
                crashed(instance, None, exc)
            findings = [f for f in findings if f.code != instance.code] + instance.findings
    findings.extend(crashes.values())
    kept: List[Finding] = []
    silenced: List[Tuple[Finding, Suppression]] = []
    for finding in findings:
        suppression = suppressions.get(finding.line)
        # Findings about suppressions cannot be silenced by the comment they judge.
        if (
            apply_suppressions
            and suppression is not None
            and suppression.covers(finding.code)
            and finding.code not in SUPPRESSION_CODES
        ):
            silenced.append((finding, suppression))
        else:
            kept.append(finding)
    kept.sort(key=Finding.sort_key)
    return Result(tuple(kept), tuple(silenced), tuple(suppressions.values()))


#: Fields holding only leaf marker nodes (`Load()`, `Add()`, `Eq()`...): no rule visits them and
#: they are a third of all nodes, so the walk skips them.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops"})
#: List fields whose items may be something other than a node (`None` keys of `{**d}`, absent
#: keyword-only defaults, the attribute names of a class pattern).
_MIXED_LISTS = frozenset({("Dict", "keys"), ("arguments", "kw_defaults"), ("MatchClass", "kwd_attrs")})
#: Nodes with no child node: visited and left in one step, without the bookkeeping of a parent.
_LEAF_TYPES = frozenset({ast.Name, ast.Constant, ast.alias, ast.Global, ast.Nonlocal, ast.Pass, ast.Break,
                         ast.Continue, ast.MatchSingleton, ast.MatchStar})
_CHILD_FIELDS: Dict[type, Tuple[Tuple[str, bool], ...]] = {}
#: Pushed above a node's children: when it pops, the node below it is left.
_LEAVE = object()

# Assignments bind after their value is evaluated; loop and `with` targets before their body.
_BIND_ON_LEAVE = (ast.Assign, ast.AnnAssign, ast.NamedExpr)
_BIND_ON_ENTER = (ast.For, ast.AsyncFor, ast.withitem)


def _child_fields(node_type: type, fields: Sequence[str]) -> Tuple[Tuple[str, bool], ...]:
    """(field, may hold non-nodes) of each field that can hold child nodes."""
    known = _CHILD_FIELDS[node_type] = tuple(
        (name, (node_type.__name__, name) in _MIXED_LISTS) for name in fields if name not in _LEAF_FIELDS
    )
    return known


def _walk(
    tree: ast.Module,
    ctx: Context,
    enter: Dict[type, List[Tuple[Rule, Handler]]],
    leave: Dict[type, List[Tuple[Rule, Handler]]],
    crashed: Callable[[Rule, Optional[ast.AST], BaseException], None],
) -> None:
    """Depth-first, in source order, without recursion (deep expressions exist in real code)."""
    ancestors = ctx.ancestors
    scopes = ctx.scopes
    pandas = ctx.pandas
    # Nodes to enter, each entered node kept under a _LEAVE marker pushed above its children
    # (no tuple per node: the walk visits a million nodes on the standard library).
    stack: List[Any] = [tree]  # nodes and _LEAVE markers
    pop = stack.pop
    push = stack.append
    extend = stack.extend
    while stack:
        item = pop()
        if item is _LEAVE:
            node = pop()
            node_type = type(node)
            ancestors.pop()
            if node_type in SCOPE_NODES:
                scopes.pop()
                pandas.leave_scope()
            elif node_type in _BIND_ON_LEAVE:
                _bind(pandas, node)
            # The handlers run inline: a call per visited node was a tenth of the walk.
            for instance, handler in leave.get(node_type, ()):
                try:
                    handler(node)
                except Exception as exc:
                    crashed(instance, node, exc)
            continue
        node = item
        node_type = type(node)
        for instance, handler in enter.get(node_type, ()):
            try:
                handler(node)
            except Exception as exc:
                crashed(instance, node, exc)
        if node_type in _LEAF_TYPES:
            for instance, handler in leave.get(node_type, ()):
                try:
                    handler(node)
                except Exception as exc:
                    crashed(instance, node, exc)
            continue
        if node_type in SCOPE_NODES:
            scopes.append(node)
            pandas.enter_scope(node)
        elif node_type in _BIND_ON_ENTER:
            _bind(pandas, node)
        ancestors.append(node)
        push(node)
        push(_LEAVE)
        fields = _CHILD_FIELDS.get(node_type)
        if fields is None:
            fields = _child_fields(node_type, node._fields)
        # Pushed last child first, so they pop in source order.
        for name, mixed in reversed(fields):
            value = getattr(node, name, None)
            if value.__class__ is list:
                if mixed:
                    extend([child for child in reversed(value) if isinstance(child, ast.AST)])
                else:
                    extend(reversed(value))
            elif isinstance(value, ast.AST):
                push(value)


def _bind(pandas: PandasTypes, node: ast.AST) -> None:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            pandas.bind(target, node.value)
    elif isinstance(node, ast.AnnAssign):
        pandas.bind(node.target, node.value, node.annotation)
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        pandas.bind(node.target, None)
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        pandas.bind(node.optional_vars, None)
    elif isinstance(node, ast.NamedExpr):
        pandas.bind(node.target, node.value)

