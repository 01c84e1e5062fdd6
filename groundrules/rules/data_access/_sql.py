"""SQL text reaching a sink, shared by the data-access rules (GR305, GR306, GR312).

A *sink* is a call that runs SQL (rules.md GR202): ``.execute``, ``.executemany``,
``.executescript``, ``.exec_driver_sql``, ``.sql`` (Spark, Snowpark, DuckDB), ``pd.read_sql*``,
``pd.read_gbq`` and ``sqlalchemy.text``.  The SQL text is the literal, the f-string's constant
parts, a ``text()`` argument or a string bound to a name earlier in the same scope (or at module
level), with the non-literal parts replaced by a placeholder identifier.

The analysis is a scan of the text with comments and quoted strings removed, no SQL parser: the
outermost ``SELECT``'s projection items, the tables after its ``FROM``/``JOIN`` and whether a
``WHERE`` or a row bound (``LIMIT``/``TOP``/``FETCH FIRST``) follows at the outermost level.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from groundrules.rules.context import keyword, literal_string
from groundrules.rules.framework import spells_any

if TYPE_CHECKING:
    from groundrules.rules.context import Context

#: Placeholder identifier standing for a non-literal part of the SQL text.
EXPR = "__expr__"

SINK_METHODS = frozenset({"execute", "executemany", "executescript", "exec_driver_sql", "sql"})
PANDAS_SQL_READERS = frozenset(
    {"pandas.read_sql", "pandas.read_sql_query", "pandas.read_sql_table", "pandas.read_gbq"}
)
TEXT_FUNCTIONS = frozenset(
    {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"}
)
SINK_FUNCTIONS = PANDAS_SQL_READERS | TEXT_FUNCTIONS | frozenset({"pandas_gbq.read_gbq"})
#: Last components of the sink functions, for a cheap first test.
SINK_NAMES = SINK_METHODS | frozenset(n.rsplit(".", 1)[1] for n in SINK_FUNCTIONS)
SQL_KEYWORDS = ("sql", "query", "statement", "sqlQuery", "sql_query")
#: Every sink's spelling contains one of these (`read_sql`, `exec_driver_sql`, `sqlalchemy`,
#: `.executemany`, `pandas_gbq`...): the text gate of the rules that report only at sinks.
SINK_WORDS = frozenset({"sql", "execute", "read_gbq"})


@dataclass(frozen=True)
class Bound:
    """What a name was bound to: its SQL text (or None) and whether it is a ``text()`` clause."""

    text: Optional[str]
    is_text_clause: bool = False


class SqlBindings:
    """Strings bound to names, per scope, recorded by the rule's ``leave_Assign``."""

    def __init__(self, ctx: "Context") -> None:
        self.ctx = ctx
        self._scopes: Dict[int, Dict[str, Bound]] = {}
        #: Bindings are read only at sinks: a file that cannot call one needs none recorded.
        self._needed = spells_any(ctx.source.text, SINK_WORDS)

    def _scope_key(self) -> int:
        scope = self.ctx.enclosing_scope()
        return 0 if scope is None else id(scope)

    def assign(self, node: ast.AST) -> None:
        """Record ``name = value`` (``Assign``/``AnnAssign``) or ``name += value``."""
        if not self._needed:
            return
        scope = self._scopes.setdefault(self._scope_key(), {})
        if isinstance(node, ast.Assign):
            bound = self.bound_value(node.value)
            for target in node.targets:
                self._bind_target(scope, target, bound)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self._bind_target(scope, node.target, self.bound_value(node.value))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            old = self.lookup(node.target.id)
            extra = self.text_of(node.value)
            if isinstance(node.op, ast.Add) and old is not None and old.text is not None:
                scope[node.target.id] = Bound(old.text + (extra if extra is not None else EXPR))
            else:
                scope[node.target.id] = Bound(None)

    def _bind_target(self, scope: Dict[str, Bound], target: ast.expr, bound: Bound) -> None:
        if isinstance(target, ast.Name):
            scope[target.id] = bound
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._bind_target(scope, elt, Bound(None))
        elif isinstance(target, ast.Starred):
            self._bind_target(scope, target.value, Bound(None))

    def bound_value(self, value: ast.expr) -> Bound:
        if isinstance(value, ast.Call) and self.is_text_call(value):
            arg = sql_argument(value)
            return Bound(self.text_of(arg) if arg is not None else None, True)
        return Bound(self.text_of(value))

    def lookup(self, name: str) -> Optional[Bound]:
        local = self._scopes.get(self._scope_key(), {})
        if name in local:
            return local[name]
        function = self.ctx.enclosing_function()
        if function is not None:
            args = function.args
            params = args.posonlyargs + args.args + args.kwonlyargs
            if any(a.arg == name for a in params):
                return None
        return self._scopes.get(0, {}).get(name)

    def is_text_call(self, call: ast.Call) -> bool:
        return self.ctx.qualname(call.func) in TEXT_FUNCTIONS

    def text_of(self, node: Optional[ast.AST], depth: int = 0) -> Optional[str]:
        """The SQL text ``node`` spells, with non-literal parts as ``EXPR``; None if no literal."""
        text = self._text(node, depth)
        if text is None or not text.replace(EXPR, "").strip():
            return None
        return text

    def _text(self, node: Optional[ast.AST], depth: int) -> Optional[str]:
        if node is None or depth > 20:
            return None
        value = literal_string(node)
        if value is not None:
            return value
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                lit = literal_string(part)
                parts.append(f" {EXPR} " if lit is None else lit)
            return "".join(parts)
        if isinstance(node, ast.Name):
            bound = self.lookup(node.id)
            return bound.text if bound is not None else None
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                left = self._text(node.left, depth + 1)
                right = self._text(node.right, depth + 1)
                if left is None and right is None:
                    return None
                return (left if left is not None else f" {EXPR} ") + (
                    right if right is not None else f" {EXPR} "
                )
            if isinstance(node.op, ast.Mod):
                left = self._text(node.left, depth + 1)
                if left is None:
                    return None
                return re.sub(r"%(\([^)]*\))?[-#0 +]*\d*(\.\d+)?[sdifr]", f" {EXPR} ", left)
            return None
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "format":
                template = self._text(func.value, depth + 1)
                if template is None:
                    return None
                return re.sub(r"\{[^{}]*\}", f" {EXPR} ", template)
            if self.is_text_call(node):
                return self._text(sql_argument(node), depth + 1)
        return None


def sql_argument(call: ast.Call) -> Optional[ast.expr]:
    """The SQL argument of a sink: first positional or ``sql=``/``query=``/``statement=``."""
    if call.args:
        first = call.args[0]
        return None if isinstance(first, ast.Starred) else first
    for name in SQL_KEYWORDS:
        kw = keyword(call, name)
        if kw is not None:
            return kw.value
    return None


def sink_name(ctx: "Context", call: ast.Call) -> Optional[str]:
    """The sink ``call`` is (``execute``, ``pandas.read_sql``, ``sqlalchemy.text`` ...), or None."""
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr not in SINK_NAMES:
            return None
        qualname = ctx.qualname(func)
        if qualname in SINK_FUNCTIONS:
            return qualname
        # Any object's ``.execute``/``.sql`` method: cursors, connections, sessions, Spark.
        return func.attr if func.attr in SINK_METHODS else None
    if isinstance(func, ast.Name):
        # ``from pandas import read_sql as rs`` resolves too.
        qualname = ctx.qualname(func)
        return qualname if qualname in SINK_FUNCTIONS else None
    return None


class SinkText:
    """The SQL text reaching a sink call, without reporting the same text twice.

    ``text("...")`` is a sink of its own, so a sink whose argument is a ``text()`` clause (direct
    or bound to a name) is left to the ``text()`` call, and a ``text()`` call passed straight to
    another sink is left to that sink (which may know more, e.g. ``chunksize=``).
    """

    def __init__(self, ctx: "Context", bindings: SqlBindings) -> None:
        self.ctx = ctx
        self.bindings = bindings

    def of(self, call: ast.Call) -> Optional[Tuple[str, str]]:
        """(sink name, SQL text) for a sink call, or None."""
        sink = sink_name(self.ctx, call)
        if sink is None:
            return None
        arg = sql_argument(call)
        if arg is None:
            return None
        if sink in TEXT_FUNCTIONS:
            parent = self.ctx.parent
            if isinstance(parent, ast.Call) and sql_argument(parent) is call:
                if sink_name(self.ctx, parent) is not None:
                    return None
        elif isinstance(arg, ast.Name):
            bound = self.bindings.lookup(arg.id)
            if bound is not None and bound.is_text_clause:
                return None
        text = self.bindings.text_of(arg)
        if text is None:
            return None
        return sink, text


# -- analysis -------------------------------------------------------------------------------------

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?(\*/|$)", re.S)
_QUOTED = re.compile(r"'(?:[^']|'')*'?")
_TOKEN = re.compile(
    r"[A-Za-z_][\w$]*(?:\s*\.\s*(?:[A-Za-z_][\w$]*|\*))*|\d+(?:\.\d+)?|\S"
)
_CLAUSE_END = frozenset(
    {"where", "group", "order", "having", "limit", "union", "intersect", "except", "window",
     "qualify", "fetch", "offset", "on", "using", "lateral", "for", "into"}
)
_JOINS = frozenset({"join"})


def clean(sql: str) -> str:
    """Comments and quoted strings removed, identifier quotes dropped, lower case."""
    text = _COMMENTS.sub(" ", sql)
    text = _QUOTED.sub(" '' ", text)
    text = text.replace('"', "").replace("`", "")
    return text.lower()


def tokens(sql: str) -> List[str]:
    return [re.sub(r"\s+", "", t) for t in _TOKEN.findall(clean(sql))]


@dataclass
class Select:
    """The outermost SELECT of a statement."""

    items: List[str] = field(default_factory=list)
    tables: List[str] = field(default_factory=list)
    has_where: bool = False
    has_limit: bool = False


def outer_select(sql: str) -> Optional[Select]:
    """The outermost SELECT of ``sql`` (after any WITH clause), or None if not a SELECT."""
    toks = tokens(sql)
    i = 0
    depth = 0
    n = len(toks)
    while i < n and toks[i] == "(":
        i += 1
        depth += 1
    if i >= n or toks[i] not in ("select", "with"):
        return None
    base = depth
    if toks[i] == "with":
        # Skip the CTE definitions: the first `select` back at the base depth is the outer one.
        i += 1
        while i < n:
            tok = toks[i]
            if tok == "(":
                depth += 1
            elif tok == ")":
                depth -= 1
            elif tok == "select" and depth == base:
                break
            i += 1
        if i >= n:
            return None
    result = Select()
    i += 1  # past `select`
    while i < n and toks[i] in ("distinct", "all"):
        i += 1
    if i < n and toks[i] == "top":
        result.has_limit = True
        i += 2
    # Projection items up to FROM at the base depth.
    item: List[str] = []
    while i < n:
        tok = toks[i]
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
            if depth < base:
                break
        if depth == base and tok in ("from", ";") or depth == base and tok in _CLAUSE_END:
            break
        if depth == base and tok == ",":
            result.items.append(" ".join(item))
            item = []
        else:
            item.append(tok)
        i += 1
    if item:
        result.items.append(" ".join(item))
    in_from = False
    expect_table = False
    while i < n:
        tok = toks[i]
        if tok == "(":
            depth += 1
            expect_table = False
        elif tok == ")":
            depth -= 1
            if depth < base:
                break
        elif depth == base:
            if tok == ";":
                break
            if tok == "from" or tok in _JOINS:
                in_from = True
                expect_table = True
            elif tok == "where":
                result.has_where = True
                in_from = False
            elif tok in ("limit", "top"):
                result.has_limit = True
            elif tok == "fetch" and i + 1 < n and toks[i + 1] in ("first", "next"):
                result.has_limit = True
            elif tok in _CLAUSE_END:
                if tok not in ("on", "using"):
                    in_from = False
                expect_table = False
            elif tok == "," and in_from:
                expect_table = True
            elif expect_table:
                if re.match(r"[a-z_]", tok):
                    result.tables.append(tok)
                expect_table = False
        i += 1
    return result


def item_column(item: str) -> Optional[str]:
    """The column a projection item reads when it is a bare (maybe qualified or aliased) column."""
    parts = item.split()
    if len(parts) == 3 and parts[1] == "as":
        parts = parts[:1]
    elif len(parts) == 2 and re.fullmatch(r"[a-z_][\w$]*", parts[1]):
        parts = parts[:1]
    if len(parts) != 1 or not re.fullmatch(r"[a-z_][\w$]*(\.[a-z_][\w$]*)*", parts[0]):
        return None
    return parts[0].rsplit(".", 1)[-1]


def is_star(item: str) -> bool:
    return re.fullmatch(r"([a-z_][\w$]*\.)*\*", item.strip()) is not None
