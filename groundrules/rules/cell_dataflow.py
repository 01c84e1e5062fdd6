"""Which names each notebook cell binds and reads at module level, in execution order.

A pure analysis on Python's ``ast`` over a list of cells whose IPython syntax is already masked
(:func:`groundrules.rules.notebooks.mask_cell`).  It answers the questions a notebook's hidden
state raises: what a cell needs from the cells above it (a step's parameters), what it leaves for
the cells below (its returns), what it reads that only a *later* cell binds (it worked because
cells ran out of order: GR601) and what it reads that no cell binds at all (the cell that bound it
was deleted: GR602).

Scopes follow Python's rules: names bound in a function, lambda, comprehension or class body are
local to it unless declared ``global``; a read inside a function body happens when it is called,
so it is recorded as *deferred* (it cannot be out of order at definition time).  ``df["x"] = v``
and ``df.x = v`` read ``df`` and mutate it; ``x += 1`` reads then binds; ``del x`` reads x and
unbinds it.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

#: Names an IPython kernel (or the module object) provides without any cell binding them.
IPYTHON_NAMES = frozenset(
    {
        "get_ipython", "display", "In", "Out", "exit", "quit", "_", "__", "___", "_i", "_ii", "_iii",
        "_ih", "_oh", "_dh", "__name__", "__file__", "__doc__", "__builtins__", "__spec__",
        "__loader__", "__package__", "__annotations__", "__builtin__",
    }
)
BUILTIN_NAMES = frozenset(dir(builtins))

READ, BIND, DELETE, MUTATE = "read", "bind", "del", "mutate"


@dataclass(frozen=True)
class NameEvent:
    """One module-level use of a name: ``kind`` is read, bind, del or mutate."""

    kind: str
    name: str
    line: int  # 1-based, in the cell
    column: int  # 0-based
    deferred: bool = False  # inside a function or lambda body: happens when it is called


@dataclass(frozen=True)
class CellFlow:
    """What one cell does to the module namespace, events in execution order."""

    cell: int
    events: Tuple[NameEvent, ...]
    star_import: bool = False
    error: Optional[str] = None  # the cell does not parse

    @property
    def bound(self) -> Tuple[str, ...]:
        """Names bound at module level, in first-binding order (deferred binds by ``global`` too)."""
        return _unique(e.name for e in self.events if e.kind == BIND)

    @property
    def read(self) -> Tuple[str, ...]:
        """Names read at module level, in first-read order."""
        return _unique(e.name for e in self.events if e.kind == READ)

    @property
    def incoming(self) -> Tuple[NameEvent, ...]:
        """Reads of names the cell had not bound itself when it read them: what it needs from
        before.  A deferred read is incoming unless the cell binds the name anywhere (a function
        called later in the same cell sees the cell's own binding)."""
        seen: Set[str] = set()
        bound_anywhere = {e.name for e in self.events if e.kind == BIND}
        out: List[NameEvent] = []
        for event in self.events:
            if event.kind == BIND:
                seen.add(event.name)
            elif event.kind == DELETE:
                if event.name not in seen:
                    out.append(event)
                seen.discard(event.name)
            elif event.kind in (READ, MUTATE) and event.name not in seen:
                if event.deferred and event.name in bound_anywhere:
                    continue
                out.append(event)
        return tuple(out)

    @property
    def mutated(self) -> Tuple[str, ...]:
        return _unique(e.name for e in self.events if e.kind == MUTATE)


def merge(flows: Sequence[CellFlow], cell: int) -> CellFlow:
    """Several cells as one unit (a step), events concatenated in order."""
    events = tuple(e for flow in flows for e in flow.events)
    errors = [flow.error for flow in flows if flow.error]
    return CellFlow(cell, events, any(f.star_import for f in flows), errors[0] if errors else None)


@dataclass(frozen=True)
class StaleRead:
    """A read that only works with hidden state (GR601 / GR602)."""

    cell: int
    name: str
    line: int
    column: int
    bound_in: Tuple[int, ...] = ()  # GR601: the later cells that bind it


@dataclass(frozen=True)
class Dataflow:
    """The flows of a notebook's cells (or steps), in file order."""

    flows: Tuple[CellFlow, ...]
    known: FrozenSet[str] = field(default=BUILTIN_NAMES | IPYTHON_NAMES)

    def _index(self, cell: int) -> int:
        for index, flow in enumerate(self.flows):
            if flow.cell == cell:
                return index
        raise KeyError(cell)

    def params(self, cell: int) -> Tuple[str, ...]:
        """Names the cell reads (before binding them itself) that an earlier cell bound."""
        index = self._index(cell)
        earlier = {name for flow in self.flows[:index] for name in flow.bound}
        return _unique(e.name for e in self.flows[index].incoming if e.name in earlier)

    def returns(self, cell: int) -> Tuple[str, ...]:
        """Names the cell binds that a later cell reads before rebinding them, in first-binding
        order: the values the cell hands on."""
        index = self._index(cell)
        flow = self.flows[index]
        out: List[str] = []
        for name in flow.bound:
            for later in self.flows[index + 1 :]:
                if any(e.name == name for e in later.incoming):
                    out.append(name)
                    break
                if name in later.bound:
                    # Rebound unconditionally first?  Only a binding before any read shadows
                    # this one; a later cell that reads it first was handled above.
                    break
        return tuple(out)

    def out_of_order(self) -> Tuple[StaleRead, ...]:
        """GR601: immediate reads of names no earlier cell bound but a later cell does."""
        out: List[StaleRead] = []
        for index, flow in enumerate(self.flows):
            if any(f.star_import for f in self.flows[: index + 1]):
                break
            earlier = {name for f in self.flows[:index] for name in f.bound}
            for event in flow.incoming:
                if event.deferred or event.name in earlier or event.name in self.known:
                    continue
                later = tuple(f.cell for f in self.flows[index + 1 :] if event.name in f.bound)
                if later:
                    out.append(StaleRead(flow.cell, event.name, event.line, event.column, later))
        return tuple(out)

    def never_bound(self) -> Tuple[StaleRead, ...]:
        """GR602: reads of names no cell binds, that are neither builtins nor IPython's."""
        if any(f.star_import for f in self.flows):
            return ()
        everywhere = {name for f in self.flows for name in f.bound}
        out: List[StaleRead] = []
        for flow in self.flows:
            reported: Set[str] = set()
            for event in flow.incoming:
                if event.name in everywhere or event.name in self.known or event.name in reported:
                    continue
                reported.add(event.name)
                out.append(StaleRead(flow.cell, event.name, event.line, event.column))
        return tuple(out)


def analyze(cells: Sequence[Tuple[int, str]]) -> Dataflow:
    """The dataflow of ``(cell number, masked source)`` pairs; a cell that does not parse has no
    events and carries its error."""
    return Dataflow(tuple(analyze_cell(number, source) for number, source in cells))


def analyze_cell(number: int, source: str) -> CellFlow:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return CellFlow(number, (), error=f"{type(exc).__name__}: {exc}")
    return analyze_tree(number, tree)


def analyze_tree(number: int, tree: ast.Module) -> CellFlow:
    walker = _Walker(_Scope(None, "module", frozenset(), frozenset()), deferred=False)
    try:
        for statement in tree.body:
            walker.visit(statement)
    except RecursionError:
        # An expression nested deeper than the walk can follow (`a + a + ... + a`, valid code):
        # the cell is treated as one whose bindings cannot be seen, as a cell that does not parse,
        # so the stale-state rules stay silent rather than guess.
        return CellFlow(number, (), error="RecursionError: nested too deeply to analyse")
    return CellFlow(number, tuple(walker.events), walker.star_import)


def _unique(names: Iterable[str]) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(names))


# -- scopes ------------------------------------------------------------------------------------


@dataclass
class _Scope:
    parent: Optional["_Scope"]
    kind: str  # module, function, class, comprehension
    local: FrozenSet[str]
    declared_global: FrozenSet[str]
    #: A class body's names bound so far: before its own binding, a read finds the module's.
    bound_so_far: Set[str] = field(default_factory=set)

    def resolves_to_module(self, name: str, store: bool = False) -> bool:
        """Whether ``name`` used (read, or bound when ``store``) in this scope is the module's."""
        scope: Optional[_Scope] = self
        first = True
        while scope is not None:
            if scope.kind == "module" or name in scope.declared_global:
                return True
            if scope.kind == "class":
                # A class body's names are invisible to the functions nested in it.
                if first and name in scope.local and (store or name in scope.bound_so_far):
                    return False
            elif name in scope.local:
                return False
            first = False
            scope = scope.parent
        return True


def _target_names(node: ast.AST) -> Iterable[str]:
    """Names a target binds (``a``, ``a, *b``, not ``a.x`` or ``a[0]``)."""
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from _target_names(element)
    elif isinstance(node, ast.Starred):
        yield from _target_names(node.value)


def _import_names(node: ast.AST) -> Iterable[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            if alias.name == "*":
                continue
            yield alias.asname or alias.name.split(".")[0]


class _LocalsFinder(ast.NodeVisitor):
    """The names a function/class body binds (not entering nested scopes) and its ``global``s."""

    def __init__(self) -> None:
        self.local: Set[str] = set()
        self.declared_global: Set[str] = set()
        self.nonlocal_: Set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.local.add(node.id)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.local.add(node.name)
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit(node.args)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_arguments(self, node: ast.arguments) -> None:
        for default in node.defaults + [d for d in node.kw_defaults if d is not None]:
            self.visit(default)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.local.add(node.name)
        for child in node.bases + [k.value for k in node.keywords] + node.decorator_list:
            self.visit(child)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.args)

    def _comprehension(self, node: ast.AST) -> None:
        # Only a walrus inside binds in the enclosing scope.
        for child in ast.walk(node):
            if isinstance(child, ast.NamedExpr) and isinstance(child.target, ast.Name):
                self.local.add(child.target.id)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_Import(self, node: ast.Import) -> None:
        self.local.update(_import_names(node))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.local.update(_import_names(node))

    def visit_Global(self, node: ast.Global) -> None:
        self.declared_global.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.nonlocal_.update(node.names)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.local.add(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.local.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.local.add(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.local.add(node.rest)
        self.generic_visit(node)


def _function_scope(parent: _Scope, args: ast.arguments, body: Sequence[ast.AST], kind: str) -> _Scope:
    finder = _LocalsFinder()
    for statement in body:
        finder.visit(statement)
    params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    params.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    local = (finder.local | params | finder.nonlocal_) - finder.declared_global
    return _Scope(parent, kind, frozenset(local), frozenset(finder.declared_global))


# -- the walk ----------------------------------------------------------------------------------


class _Walker(ast.NodeVisitor):
    """Visits in evaluation order and records the uses that resolve to the module namespace."""

    def __init__(self, scope: _Scope, deferred: bool, events: Optional[List[NameEvent]] = None) -> None:
        self.scope = scope
        self.deferred = deferred
        self.events: List[NameEvent] = events if events is not None else []
        self.star_import = False

    def _record(self, kind: str, name: str, node: ast.AST) -> None:
        if self.scope.resolves_to_module(name, store=kind in (BIND, DELETE)):
            line = getattr(node, "lineno", 1)
            column = getattr(node, "col_offset", 0)
            self.events.append(NameEvent(kind, name, line, column, self.deferred))

    def _child(self, scope: _Scope, deferred: bool) -> "_Walker":
        child = _Walker(scope, deferred, self.events)
        return child

    # names
    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._record(READ, node.id, node)
        elif isinstance(node.ctx, ast.Store):
            self._record(BIND, node.id, node)
        else:
            self._record(DELETE, node.id, node)

    def _store_target(self, target: ast.AST) -> None:
        """A target being assigned: names bind; ``a.x``/``a[i]`` read ``a`` (and the index) and
        mutate it."""
        if isinstance(target, ast.Name):
            self._record(BIND, target.id, target)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._store_target(element)
        elif isinstance(target, ast.Starred):
            self._store_target(target.value)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            self.visit(target.value)
            if isinstance(target, ast.Subscript):
                self.visit(target.slice)
            root = target.value
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if isinstance(root, ast.Name):
                self._record(MUTATE, root.id, root)
        else:
            self.visit(target)

    # statements in evaluation order
    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._store_target(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        if self.scope.kind != "function":
            self.visit(node.annotation)
        if node.value is not None or not isinstance(node.target, ast.Name):
            self._store_target(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        target = node.target
        if isinstance(target, ast.Name):
            self._record(READ, target.id, target)
            self._record(BIND, target.id, target)
        else:
            self._store_target(target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent  # a walrus binds in the enclosing scope
        saved, self.scope = self.scope, scope
        self._store_target(node.target)
        self.scope = saved

    def visit_For(self, node: ast.For) -> None:
        self.visit(node.iter)
        self._store_target(node.target)
        for statement in node.body + node.orelse:
            self.visit(statement)

    visit_AsyncFor = visit_For  # type: ignore[assignment]

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._store_target(item.optional_vars)
        for statement in node.body:
            self.visit(statement)

    visit_AsyncWith = visit_With  # type: ignore[assignment]

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._record(BIND, node.name, node)
        for statement in node.body:
            self.visit(statement)

    def visit_Import(self, node: ast.Import) -> None:
        for name in _import_names(node):
            self._record(BIND, name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if any(alias.name == "*" for alias in node.names):
            self.star_import = True
        for name in _import_names(node):
            self._record(BIND, name, node)

    def visit_Global(self, node: ast.Global) -> None:
        return None

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        return None

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self._record(BIND, node.name, node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._record(BIND, node.name, node)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        for key in node.keys:
            self.visit(key)
        for pattern in node.patterns:
            self.visit(pattern)
        if node.rest:
            self._record(BIND, node.rest, node)

    # definitions: what runs at definition time is immediate, the body is deferred
    def _definition_header(self, node: ast.AST, args: Optional[ast.arguments], decorators: Sequence[ast.expr]) -> None:
        for decorator in decorators:
            self.visit(decorator)
        if args is not None:
            for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
                self.visit(default)
            for arg in args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]:
                if arg.annotation is not None:
                    self.visit(arg.annotation)
        returns = getattr(node, "returns", None)
        if returns is not None:
            self.visit(returns)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._definition_header(node, node.args, node.decorator_list)
        self._record(BIND, node.name, node)
        scope = _function_scope(self.scope, node.args, node.body, "function")
        body = self._child(scope, deferred=True)
        for statement in node.body:
            body.visit(statement)
        self.star_import = self.star_import or body.star_import

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._definition_header(node, node.args, ())
        scope = _function_scope(self.scope, node.args, [], "function")
        self._child(scope, deferred=True).visit(node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for child in node.bases + [k.value for k in node.keywords] + node.decorator_list:
            self.visit(child)
        finder = _LocalsFinder()
        for statement in node.body:
            finder.visit(statement)
        scope = _Scope(self.scope, "class", frozenset(finder.local - finder.declared_global),
                       frozenset(finder.declared_global))
        body = self._child(scope, self.deferred)
        for statement in node.body:
            body.visit(statement)
            bound = _LocalsFinder()
            bound.visit(statement)
            scope.bound_so_far.update(bound.local)
        self._record(BIND, node.name, node)

    def _comprehension(self, node: ast.AST, elements: Sequence[ast.expr], generators: Sequence[ast.comprehension]) -> None:
        targets = {name for g in generators for name in _target_names(g.target)}
        scope = _Scope(self.scope, "comprehension", frozenset(targets), frozenset())
        # The first iterable is evaluated in the enclosing scope.
        self.visit(generators[0].iter)
        inner = self._child(scope, self.deferred)
        for index, generator in enumerate(generators):
            if index:
                inner.visit(generator.iter)
            for condition in generator.ifs:
                inner.visit(condition)
        for element in elements:
            inner.visit(element)

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, [node.elt], node.generators)

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._comprehension(node, [node.elt], node.generators)

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._comprehension(node, [node.elt], node.generators)

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value], node.generators)
