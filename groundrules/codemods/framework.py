"""How a fix is declared and applied: one LibCST transformer per fix, all on one parse per file.

The ``ast`` rules decide *what* is wrong; a fix only rewrites the nodes its rule flagged (matched by
position), after proving its own preconditions with LibCST metadata.  ``fix_source`` runs every
selected fix on one parse, re-checks the result with the rules, and drops a fix whose output does
not parse, still has the findings it claimed to fix, or has new ones.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import inspect
import pkgutil
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, ClassVar, Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple, Type, TypeVar, Union, cast

import libcst as cst
from libcst.codemod import CodemodContext, ContextAwareTransformer
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from groundrules.rules.engine import check_source
from groundrules.rules.framework import Finding, Rule
from groundrules.standards.model import FileStandards
from groundrules.standards.schema import FixClass, Option

T = TypeVar("T")


class Fix(ContextAwareTransformer):
    """Base of every fix.  Subclasses set ``codes`` and ``fix_class`` and rewrite flagged nodes."""

    codes: ClassVar[Tuple[str, ...]]
    fix_class: ClassVar[FixClass]
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self,
        context: CodemodContext,
        targets: FrozenSet[Tuple[int, int]],
        standards: Optional[FileStandards] = None,
        positions: Optional[Mapping[cst.CSTNode, CodeRange]] = None,
        allowed: FrozenSet[FixClass] = frozenset({FixClass.SAFE}),
    ) -> None:
        super().__init__(context)
        #: The fix classes this run may apply: a SAFE rewrite may add its POLICY extra when
        #: ``--unsafe-fixes`` is on (GR208: ``shlex.split`` always, ``check=True`` on opt-in).
        self.allowed = allowed
        #: (line, 0-based character column) of the findings this fix may rewrite.
        self.targets = targets
        self.standards = standards
        # Positions in the text the findings were computed on.  Fixes run one after another
        # on one parse; a node an earlier fix left alone keeps its identity, so it is found
        # here even if lines above it were deleted, and a node an earlier fix rebuilt is not
        # (the next pass sees it).
        self.positions = positions
        self.applied = 0

    def option(self, option: Option[T]) -> T:
        """An option of the file's standards (its default when fixing without standards)."""
        return self.standards.get(option) if self.standards is not None else option.default

    def position(self, node: cst.CSTNode) -> Optional[CodeRange]:
        """Where ``node`` was in the text the findings were computed on (``None``: rebuilt)."""
        if self.positions is not None:
            return self.positions.get(node)
        try:
            return self.get_metadata(PositionProvider, node)
        except KeyError:
            return None

    def flagged(self, node: cst.CSTNode) -> bool:
        """True when a finding of this fix's codes starts at ``node``."""
        where = self.position(node)
        return where is not None and (where.start.line, where.start.column) in self.targets


@functools.lru_cache(maxsize=None)
def all_fixes() -> Tuple[Type[Fix], ...]:
    package = importlib.import_module("groundrules.codemods.fixes")
    found: List[Type[Fix]] = []
    for info in pkgutil.iter_modules(package.__path__):
        name = f"{package.__name__}.{info.name}"
        module = importlib.import_module(name)  # noqa: GR207 -- our own fix modules
        for _, obj in inspect.getmembers(module, inspect.isclass):
            # A shared base (no codes of its own) is not a fix.
            if issubclass(obj, Fix) and obj.__module__ == module.__name__ and "codes" in vars(obj):
                found.append(obj)
    return tuple(sorted(found, key=lambda f: f.codes))


def fixes_by_code() -> Dict[str, Type[Fix]]:
    return {code: fix for fix in all_fixes() for code in fix.codes}


@dataclass(frozen=True)
class FixOutcome:
    text: str
    fixed: Tuple[str, ...]  # codes fixed, one entry per finding
    dropped: Tuple[Tuple[str, str], ...] = ()  # (fix codes, why) for fixes that failed checks
    #: The findings of ``text`` when the fix computed them (its last check), else ``None``.
    findings: Optional[Tuple[Finding, ...]] = None


def _char_column(line_text: str, byte_column: int) -> int:
    """``ast`` columns count UTF-8 bytes; LibCST's count characters."""
    return len(line_text.encode("utf-8")[:byte_column].decode("utf-8", "ignore"))


def _targets(findings: Sequence[Finding], lines: Sequence[str], codes: Tuple[str, ...]) -> FrozenSet[Tuple[int, int]]:
    out: Set[Tuple[int, int]] = set()
    for f in findings:
        if f.code in codes and f.fix is not None:
            text = lines[f.line - 1] if 0 < f.line <= len(lines) else ""
            out.add((f.line, _char_column(text, f.column - 1)))
    return frozenset(out)


class _Together(cst.CSTTransformer):
    """Every fix in one traversal, so each sees the nodes of the tree the findings were
    computed on: ``original_node`` is the parsed node, ``updated_node`` what the fixes before it
    in the chain made of it.  (Running fixes one after another would hand later ones rebuilt
    nodes, whose positions no longer match the findings.)"""

    def __init__(self, fixes: Sequence[Fix]) -> None:
        super().__init__()
        self.fixes = fixes
        # Dispatch by node type, as the ast engine does: asking every fix about every node
        # (LibCST's generic on_visit looks methods up by name and checks matchers each time)
        # cost more than the rewrites.  A fix that overrides on_visit/on_leave sees every node.
        self._visit: Dict[type, Tuple[Tuple[Fix, ...], bool]] = {}
        self._leave: Dict[type, Tuple[Fix, ...]] = {}
        self._attribute_fixes = tuple(f for f in fixes if _generic(f) or _has_attribute_hooks(f))

    def on_visit(self, node: cst.CSTNode) -> bool:
        entry = self._visit.get(type(node))
        if entry is None:
            name = f"visit_{type(node).__name__}"
            chosen = tuple(f for f in self.fixes if _generic(f) or _overrides(f, name))
            # A fix without a visit method would have answered True: visit the children.
            entry = self._visit[type(node)] = (chosen, len(chosen) < len(self.fixes))
        fixes, wanted = entry
        for fix in fixes:
            wanted = fix.on_visit(node) or wanted
        return wanted

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel[cst.CSTNode]]:
        fixes = self._leave.get(type(original_node))
        if fixes is None:
            name = f"leave_{type(original_node).__name__}"
            fixes = self._leave[type(original_node)] = tuple(
                f for f in self.fixes if _generic(f) or _overrides(f, name)
            )
        result: Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel[cst.CSTNode]] = updated_node
        for fix in fixes:
            if not isinstance(result, type(original_node)):
                break  # an earlier fix removed or replaced the node: the rest do not apply
            result = fix.on_leave(original_node, result)
        return result

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        for fix in self._attribute_fixes:
            fix.on_visit_attribute(node, attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        for fix in self._attribute_fixes:
            fix.on_leave_attribute(original_node, attribute)


def _generic(fix: Fix) -> bool:
    """Whether the fix overrides the per-node hooks themselves (then it must see every node)."""
    kind = type(fix)
    return kind.on_visit is not Fix.on_visit or kind.on_leave is not Fix.on_leave


_ATTRIBUTE_HOOK = re.compile(r"^(visit|leave)_[A-Z]\w*?_[a-z]\w*$")


def _overrides(fix: Fix, name: str) -> bool:
    """Whether the fix defines ``name`` itself: LibCST's base classes define a no-op for every
    ``visit_X``/``leave_X``, so merely having the attribute says nothing."""
    return getattr(type(fix), name, None) is not getattr(Fix, name, None)


def _has_attribute_hooks(fix: Fix) -> bool:
    return any(_ATTRIBUTE_HOOK.match(name) and _overrides(fix, name) for name in dir(type(fix)))


def _apply(
    module: cst.Module,
    fixes: Sequence[Type[Fix]],
    findings: Sequence[Finding],
    lines: Sequence[str],
    standards: FileStandards,
    allowed: FrozenSet[FixClass],
) -> Tuple[cst.Module, Counter[str]]:
    context = CodemodContext()
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    dependencies = {dep for fix in fixes for dep in fix.get_inherited_dependencies()}
    metadata = wrapper.resolve_many(dependencies)
    positions = cast(Mapping[cst.CSTNode, CodeRange], metadata[PositionProvider])
    instances = []
    for fix in fixes:
        targets = _targets(findings, lines, fix.codes)
        instance = fix(dataclasses.replace(context, wrapper=wrapper), targets, standards, positions, allowed)
        instance.metadata = metadata
        instances.append(instance)
    module = wrapper.module.visit(_Together(instances))
    applied: Counter[str] = Counter()
    for instance in instances:
        if instance.applied:
            applied[instance.codes[0]] += instance.applied
    # Imports are added and removed once, after every fix has run; a plain standard-library
    # `import x` goes where isort would put it (codemods/imports.py), the others after the
    # module's last import (LibCST's adder).
    from groundrules.codemods.imports import with_import  # it is imported by fixes, after this module

    requested = list(context.scratch.get(AddImportsVisitor.CONTEXT_KEY) or [])
    # `with_import` hands back to the adder (through the context) what it cannot place.
    context.scratch[AddImportsVisitor.CONTEXT_KEY] = []
    rest = []
    for item in requested:
        if item.obj_name is None and item.alias is None and not item.relative and "." not in item.module_name:
            module = module.with_changes(body=with_import(list(module.body), item.module_name, context))
        else:
            rest.append(item)
    context.scratch[AddImportsVisitor.CONTEXT_KEY] = [*context.scratch[AddImportsVisitor.CONTEXT_KEY], *rest]
    for visitor in (AddImportsVisitor, RemoveImportsVisitor):
        if context.scratch.get(visitor.CONTEXT_KEY):
            after = MetadataWrapper(module, unsafe_skip_copy=True)
            # The import visitors read the module's metadata through their context's wrapper.
            module = after.visit(visitor(dataclasses.replace(context, wrapper=after)))
    return module, applied


def _counts(findings: Sequence[Finding]) -> Counter[str]:
    return Counter(f.code for f in findings)


#: Passes over one file at most.  Two fixes on the same node (GR405 then GR414 on
#: ``df.fillna(method="pad", inplace=True)``) need a second pass, because a fix finds its targets
#: by their position in the text it was given; a third is a safety margin.
MAX_PASSES = 3


def fix_source(
    text: str,
    path: str,
    rel_path: str,
    standards: FileStandards,
    rules: Sequence[Type[Rule]],
    allowed: FrozenSet[FixClass],
    module_name: Optional[str] = None,
    skip: FrozenSet[str] = frozenset(),
    skip_at: FrozenSet[Tuple[str, str]] = frozenset(),
    findings: Optional[Sequence[Finding]] = None,
    only: Optional[Callable[[Finding], bool]] = None,
) -> FixOutcome:
    """Apply every allowed fix (but those for the codes in ``skip``) for the findings in ``text``, pass after pass until nothing more
    changes, so that a second ``fix`` run has nothing left to do; never raises on bad input.
    ``skip_at`` holds single findings to leave alone, as (code, stripped text of the finding's
    line): the text, not the line number, names them in every pass (lines move as fixes apply).
    ``findings``, when given, are the check's findings on ``text`` (not computed again); each pass
    starts from the findings the previous one verified its output with, so a pass costs one check.
    ``only`` narrows the fixes to the findings it accepts (an editor's quick fix for one finding)."""
    if path.endswith(".ipynb"):
        from groundrules.codemods.notebooks import fix_notebook  # it imports this module

        return fix_notebook(text, path, rel_path, standards, rules, allowed, only, skip_at)
    fixed: List[str] = []
    dropped: List[Tuple[str, str]] = []
    current = text
    known = tuple(findings) if findings is not None else None
    # The tree a pass made is the next pass's input: a file is parsed by LibCST once, however
    # many passes it takes (the rewritten tree is exactly the new text).  It is cloned because a
    # fix may put one node in two places, and positions are looked up by node.
    tree: Optional[cst.Module] = None
    for _ in range(MAX_PASSES):
        outcome, tree = _fix_pass(current, path, rel_path, standards, rules, allowed, module_name, skip, skip_at,
                                  known, tree.deep_clone() if tree is not None else None, only)
        dropped.extend(d for d in outcome.dropped if d not in dropped)
        if not outcome.fixed or outcome.text == current:
            known = outcome.findings if outcome.text == current else None
            break
        fixed.extend(outcome.fixed)
        current = outcome.text
        known = outcome.findings
    return FixOutcome(current, tuple(sorted(fixed)), tuple(dropped), known)


def _fix_pass(
    text: str,
    path: str,
    rel_path: str,
    standards: FileStandards,
    rules: Sequence[Type[Rule]],
    allowed: FrozenSet[FixClass],
    module_name: Optional[str],
    skip: FrozenSet[str] = frozenset(),
    skip_at: FrozenSet[Tuple[str, str]] = frozenset(),
    known: Optional[Tuple[Finding, ...]] = None,
    tree: Optional[cst.Module] = None,
    only: Optional[Callable[[Finding], bool]] = None,
) -> Tuple[FixOutcome, Optional[cst.Module]]:
    """One pass: (outcome, the LibCST tree of the outcome's text when there is one)."""
    data = text.encode("utf-8", "surrogatepass")
    before = known if known is not None else check_source(data, path, rel_path, standards, rules, module_name,
                                                          as_reported=False).findings
    registry = fixes_by_code()
    lines = text.splitlines()
    wanted = [f for f in before if f.fix in allowed and f.code in registry and f.code not in skip
              and not (skip_at and (f.code, _line_at(lines, f.line).strip()) in skip_at)
              and (only is None or only(f))]
    if not wanted:
        return FixOutcome(text, (), (), before), tree
    if tree is None:
        try:
            tree = cst.parse_module(text)
        except (cst.ParserSyntaxError, RecursionError) as exc:
            return FixOutcome(text, (), (("*", f"LibCST cannot parse this file: {exc}"),)), None
        if tree.code != text:
            return FixOutcome(text, (), (("*", "LibCST does not round-trip this file exactly; not rewritten"),)), None
    fixes = [fix for fix in all_fixes() if any(f.code in fix.codes for f in wanted)]
    dropped: List[Tuple[str, str]] = []
    while fixes:
        try:
            new_tree, applied = _apply(tree, fixes, wanted, lines, standards, allowed)
            new_text = new_tree.code
        except Exception as exc:  # a fix bug must leave the file as it was
            bad = fixes.pop()
            dropped.append((",".join(bad.codes), f"fix crashed: {type(exc).__name__}: {exc}"))
            continue
        after: List[Finding] = []
        problem = _verify(new_text, path, rel_path, standards, rules, module_name, before, applied, fixes, after)
        if problem is None:
            fixed = tuple(code for code, n in sorted(applied.items()) for _ in range(n))
            if not fixed:
                return FixOutcome(text, (), tuple(dropped), before), tree
            return FixOutcome(new_text, fixed, tuple(dropped), tuple(after)), new_tree
        culprit, why = problem
        if why.startswith("the fix introduced") and len(fixes) > 1:
            culprit = _isolate(tree, fixes, culprit, wanted, lines, standards, allowed, path, rel_path, rules,
                               module_name, before)
        dropped.append((",".join(culprit.codes), why))
        fixes.remove(culprit)
    return FixOutcome(text, (), tuple(dropped)), tree


def _line_at(lines: Sequence[str], line: int) -> str:
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _isolate(
    tree: cst.Module,
    fixes: Sequence[Type[Fix]],
    suspect: Type[Fix],
    wanted: Sequence[Finding],
    lines: Sequence[str],
    standards: FileStandards,
    allowed: FrozenSet[FixClass],
    path: str,
    rel_path: str,
    rules: Sequence[Type[Rule]],
    module_name: Optional[str],
    before: Sequence[Finding],
) -> Type[Fix]:
    """The fix that introduced a new finding: the first that fails verification on its own (a
    fix that works must not be dropped for another's fault); ``suspect`` when none does alone."""
    for fix in reversed(fixes):
        try:
            new_tree, applied = _apply(tree, [fix], wanted, lines, standards, allowed)
            new_text = new_tree.code
        except Exception:  # noqa: GR112 -- a crash alone marks this fix as the one to drop
            return fix
        if applied and _verify(new_text, path, rel_path, standards, rules, module_name, before, applied, [fix]):
            return fix
    return suspect


def _verify(
    new_text: str,
    path: str,
    rel_path: str,
    standards: FileStandards,
    rules: Sequence[Type[Rule]],
    module_name: Optional[str],
    before: Sequence[Finding],
    applied: Counter[str],
    fixes: Sequence[Type[Fix]],
    after_out: Optional[List[Finding]] = None,
) -> Optional[Tuple[Type[Fix], str]]:
    """The fix to drop and why, or ``None`` when the new text is acceptable (then ``after_out``
    receives the new text's findings)."""
    try:
        ast.parse(new_text)
    except SyntaxError as exc:
        return fixes[-1], f"output does not parse: {exc.msg}"
    after = check_source(new_text.encode("utf-8", "surrogatepass"), path, rel_path, standards, rules, module_name,
                         as_reported=False).findings
    if after_out is not None:
        after_out[:] = after
    old, new = _counts(before), _counts(after)
    by_code = fixes_by_code()
    for code in sorted(set(new) | set(applied)):
        if new[code] > old[code] - applied[code]:
            if code in applied:
                return by_code[code], f"{code} still reported after its fix"
            used = [f for f in fixes if applied[f.codes[0]]]
            return (used or list(fixes))[-1], f"the fix introduced a new {code} finding"
    return None
