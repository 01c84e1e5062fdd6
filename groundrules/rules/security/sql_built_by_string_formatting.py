"""GR202: SQL text built by f-string, ``%``, ``+`` or ``.format()`` and sent to a database."""

from __future__ import annotations

import ast
import re
import string
from typing import TYPE_CHECKING, Dict, Iterable, Iterator, List, Optional, Tuple, Union

from groundrules.rules.context import keyword
from groundrules.rules.data_access._sql import SINK_WORDS
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, FixClass, Severity, choice_option

if TYPE_CHECKING:
    from groundrules.rules.context import Context

PARAMSTYLE = choice_option(
    "security",
    "paramstyle",
    "pyformat",
    ("pyformat", "qmark", "named"),
    "Placeholder style the team's database drivers use: `%(id)s` (pyformat), `?` (qmark) or "
    "`:id` (named).",
)

#: Methods that run SQL text on whatever object they are called on (DB-API cursors and
#: connections, SQLAlchemy connections, Spark and Snowpark sessions, DuckDB).
_METHOD_SINKS = frozenset({"execute", "executemany", "executescript", "exec_driver_sql", "sql"})
#: Functions that take SQL text, by qualified name.
_FUNCTION_SINKS = frozenset(
    {
        "pandas.read_sql",
        "pandas.read_sql_query",
        "pandas.read_sql_table",
        "pandas.read_gbq",
        "pandas.io.sql.read_sql",
        "pandas.io.sql.read_sql_query",
        "pandas.io.sql.read_sql_table",
        "sqlalchemy.text",
        "sqlalchemy.sql.text",
        "sqlalchemy.sql.expression.text",
    }
)
_FUNCTION_NAMES = frozenset(q.rsplit(".", 1)[1] for q in _FUNCTION_SINKS)
_SQL_KEYWORDS = ("sql", "query", "statement")

#: How a string was made: a safe literal, or built by one of the formatting kinds below.
LITERAL = "literal"
F_STRING = "an f-string"
PERCENT = "`%` formatting"
CONCAT = "`+` with a non-literal operand"
FORMAT = "`str.format()`"

_HINTS = {
    "pyformat": '`"... WHERE id = %(id)s"` with `{"id": id}`',
    "qmark": '`"... WHERE id = ?"` with `(id,)`',
    "named": '`"... WHERE id = :id"` with `{"id": id}`',
}

#: The marker each paramstyle gives a special meaning in query text sent with parameters.
MARKERS = {"pyformat": "%", "qmark": "?", "named": ":"}
#: A field right after a comparison operator is a value: it can be bound.
_VALUE_POSITION = re.compile(r"(=|<>|!=|<|>|<=|>=)\s*$")
#: Functions whose bound parameters go in ``params=``.
_PARAMS_KEYWORD_SINKS = frozenset(
    {"pandas.read_sql", "pandas.read_sql_query", "pandas.io.sql.read_sql", "pandas.io.sql.read_sql_query"}
)

Scope = Optional[ast.AST]

#: The placeholder style of each DB-API driver, by top-level module name.
DRIVER_PARAMSTYLES = {
    "sqlite3": "qmark",
    "duckdb": "qmark",
    "pyodbc": "qmark",
    "psycopg": "pyformat",
    "psycopg2": "pyformat",
    "pymysql": "pyformat",
    "MySQLdb": "pyformat",
    "oracledb": "named",
    "cx_Oracle": "named",
}
#: Styles a driver accepts besides its own (sqlite3 binds ``:name`` from a dict too).
_ALSO_ACCEPTED = {"sqlite3": ("named",)}


def bind_style(tree: ast.AST, configured: Optional[object]) -> Optional[str]:
    """The placeholder style bound parameters must use in this module: the style of the one
    driver it imports, else the ``paramstyle`` the standards set explicitly; None (not fixable)
    when no driver is evident and none is configured, when drivers disagree, or when the
    configured style is one the imported driver does not accept."""
    drivers: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            drivers.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            drivers.add(node.module)
    return bind_style_of(drivers, configured)


def bind_style_of(imported: Iterable[str], configured: Optional[object]) -> Optional[str]:
    """``bind_style`` from the names of the modules imported (absolutely) in the module."""
    drivers = {name.partition(".")[0] for name in imported} & DRIVER_PARAMSTYLES.keys()
    styles = {DRIVER_PARAMSTYLES[d] for d in drivers}
    if len(styles) > 1:
        return None
    if not styles:
        return configured if isinstance(configured, str) and configured in MARKERS else None
    style = styles.pop()
    if configured is None or configured == style:
        return style
    accepted = all(configured in _ALSO_ACCEPTED.get(d, ()) for d in drivers)
    return configured if isinstance(configured, str) and accepted else None


def value_fields(sql: ast.JoinedStr, paramstyle: str) -> Optional[List[Tuple[str, bool]]]:
    """``(name, quoted)`` for each field of an f-string whose every field is a plain name in a
    value position (after a comparison operator, bare or between single quotes); None otherwise.
    """
    fields: List[Tuple[str, bool]] = []
    before = ""
    closing = False  # the text after a quoted field starts with its closing quote
    values = sql.values
    for index, part in enumerate(values):
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            if any(c in part.value for c in "{}") or MARKERS[paramstyle] in part.value:
                return None
            before += part.value[1:] if closing else part.value
            closing = False
            continue
        if not (
            isinstance(part, ast.FormattedValue)
            and isinstance(part.value, ast.Name)
            and part.conversion == -1
            and part.format_spec is None
        ):
            return None
        after = values[index + 1] if index + 1 < len(values) else None
        after_text = after.value if isinstance(after, ast.Constant) and isinstance(after.value, str) else ""
        quoted = before.endswith("'") and after_text.startswith("'")
        head = before[:-1] if quoted else before
        if head.count("'") % 2 or not _VALUE_POSITION.search(head):
            return None
        fields.append((part.value.id, quoted))
        before = ""
        closing = quoted
    if before.count("'") % 2:
        return None
    return fields or None


_PERCENT_FIELD = re.compile(r"%s")


def _field(name: str) -> ast.FormattedValue:
    return ast.FormattedValue(value=ast.Name(id=name, ctx=ast.Load()), conversion=-1, format_spec=None)


def _concatenated(node: ast.expr) -> Optional[List[ast.expr]]:
    """The operands of a chain of ``+``, left to right."""
    operands: List[ast.expr] = []
    pending = [node]  # a worklist: chains of thousands of terms are valid code
    while pending:
        item = pending.pop()
        if isinstance(item, ast.BinOp):
            if not isinstance(item.op, ast.Add):
                return None
            pending.extend((item.right, item.left))
        else:
            operands.append(item)
    return operands


def _added(left: Optional[str], right: Optional[str]) -> Optional[str]:
    """The kind of ``left + right``: a formatting kind on either side wins, the left first."""
    for side in (left, right):
        if side is not None and side != LITERAL:
            return side
    if left == LITERAL and right == LITERAL:
        return LITERAL
    if LITERAL in (left, right):
        return CONCAT
    return None


def bindable_fields(sql: ast.expr, paramstyle: str) -> Optional[Tuple[ast.JoinedStr, List[Tuple[str, bool]]]]:
    """The f-string reading of ``sql`` and its ``(name, quoted)`` fields when every field can be
    bound.  A name concatenated with ``+`` must be between single quotes: ``+`` makes it a
    ``str``, whose text unquoted was SQL (a number), and would become a string parameter."""
    joined = as_fstring(sql)
    fields = value_fields(joined, paramstyle) if joined is not None else None
    if joined is None or fields is None:
        return None
    if isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Add) and not all(q for _, q in fields):
        return None
    return joined, fields


def as_fstring(sql: ast.expr) -> Optional[ast.JoinedStr]:
    """The f-string equivalent to ``"... {} ...".format(a)`` / ``"... %s ..." % a`` (or
    ``% (a, b)``) / ``"..." + a + "..."`` when the literal's only fields are plain ``{}``/``{0}``/``{name}`` or ``%s``
    and every value is a plain name; the f-string itself; None otherwise."""
    if isinstance(sql, ast.JoinedStr):
        return sql
    parts: List[ast.expr] = []
    if isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Add):
        operands = _concatenated(sql)
        if operands is None:
            return None
        for operand in operands:
            if isinstance(operand, ast.Name):
                parts.append(_field(operand.id))
            elif isinstance(operand, ast.Constant) and isinstance(operand.value, str):
                if operand.value:
                    parts.append(ast.Constant(operand.value))
            else:
                return None
        return ast.JoinedStr(values=parts)
    if isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Mod):
        left, right = sql.left, sql.right
        if not (isinstance(left, ast.Constant) and isinstance(left.value, str)):
            return None
        operands = right.elts if isinstance(right, ast.Tuple) else [right]
        if not all(isinstance(o, ast.Name) for o in operands):
            return None
        names = [o.id for o in operands if isinstance(o, ast.Name)]
        pieces = _PERCENT_FIELD.split(left.value)
        if len(pieces) != len(names) + 1 or any("%" in piece for piece in pieces):
            return None
        for piece, name in zip(pieces, names):
            parts += [ast.Constant(piece), _field(name)]
        parts.append(ast.Constant(pieces[-1]))
        return ast.JoinedStr(values=[p for p in parts if not (isinstance(p, ast.Constant) and p.value == "")])
    if not (
        isinstance(sql, ast.Call)
        and isinstance(sql.func, ast.Attribute)
        and sql.func.attr == "format"
        and isinstance(sql.func.value, ast.Constant)
        and isinstance(sql.func.value.value, str)
    ):
        return None
    if not all(isinstance(a, ast.Name) for a in sql.args):
        return None
    positional = [a.id for a in sql.args if isinstance(a, ast.Name)]
    named: Dict[str, str] = {}
    for kw in sql.keywords:
        if kw.arg is None or not isinstance(kw.value, ast.Name):
            return None
        named[kw.arg] = kw.value.id
    auto = 0
    styles = set()
    try:
        parsed = list(string.Formatter().parse(sql.func.value.value))
    except ValueError:
        return None
    for literal, field, spec, conversion in parsed:
        if literal:
            parts.append(ast.Constant(literal))
        if field is None:
            continue
        if spec or conversion is not None:
            return None
        if field == "":
            styles.add("auto")
            index: Optional[int] = auto
            auto += 1
        elif field.isdigit():
            styles.add("manual")
            index = int(field)
        elif field.isidentifier():
            index = None
        else:
            return None  # attribute or item access
        if index is not None:
            if index >= len(positional):
                return None
            parts.append(_field(positional[index]))
        elif field in named:
            parts.append(_field(named[field]))
        else:
            return None
    if len(styles) > 1:
        return None
    return ast.JoinedStr(values=parts)


class SqlBuiltByStringFormatting(Rule):
    code = "GR202"
    name = "sql-built-by-string-formatting"
    category = Category.SECURITY
    severity = Severity.ERROR
    text_gate = SINK_WORDS
    message = "SQL for `{sink}` is built with {how}: bind parameters instead, {hint}"
    what = """
Finds SQL sinks whose SQL text is built by string formatting: an f-string with fields, `%`
formatting, `+` with a non-literal operand or `"...".format(...)`, written directly as the first
positional argument (or `sql=`, `query=`, `statement=`) or bound to a name earlier in the same
scope. Sinks: `.execute`, `.executemany`, `.executescript`, `.exec_driver_sql`, `.sql` (Spark,
Snowpark, DuckDB sessions), `pd.read_sql`, `pd.read_sql_query`, `pd.read_sql_table`,
`pd.read_gbq` and `sqlalchemy.text`.

Concatenating literals, or names bound to literals in the same scope, is not reported.
"""
    why = """
Values pasted into SQL text are SQL injection: a quote in the value rewrites the query. Bound
parameters are sent separately, so the driver quotes them, and the database can cache one query
plan for every value.
"""
    use_instead = """\
import pandas as pd


def orders_of(conn, customer_id):
    query = "SELECT * FROM orders WHERE customer_id = %(customer_id)s"
    return pd.read_sql(query, conn, params={"customer_id": customer_id})
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): the database now receives typed parameters instead of text
spliced into the SQL: a value containing a quote that broke (or injected into) the query now works,
and a number formatted into a quoted literal becomes a parameter of its own type, so results and
exceptions can differ. With `--unsafe-fixes`:
when the SQL is an f-string written in the call (or a string literal formatted with `%` or
`.format()` whose fields are plain `%s` / `{}` / `{0}` / `{name}` and whose values are plain
names, or literals and names joined by `+` with every name between single quotes, read as the
same f-string) and every field is a plain name in a value
position (right after a comparison operator, bare or between single quotes), the query becomes a
bound one in the placeholder style of the module's driver, taken from its imports (`sqlite3`,
`duckdb`, `pyodbc`: qmark `?` with a tuple; `psycopg`, `psycopg2`, `pymysql`, `MySQLdb`: pyformat;
`oracledb`, `cx_Oracle`: named), or else the `paramstyle` the standards set explicitly (a set
`paramstyle` the imported driver does not accept, drivers of different styles, or no driver and
no configured `paramstyle`: SUGGEST, since a wrong style fails at run time), e.g. `cur.execute("... WHERE id = %(id)s", {"id": id})`
for a one-argument `.execute`, `pd.read_sql("...", con, params={"id": id})` for
`read_sql`/`read_sql_query` without `params`. Not applied when the text already holds the
paramstyle's marker (`%`, `?` or `:`) or braces. Names in identifier positions (table, column),
SQL built over several statements, `+` of a name not between single quotes (`+` makes it a
`str`: bound, a number would become a string parameter), `%`/`.format()` with other fields (`%d`, `{x!r}`,
`{0.attr}`) or computed values, a `%` with a dict, and other sinks are SUGGEST:
validate identifiers against an allow-list, bind values by hand. SQLAlchemy `text(f"...")` written
as the one argument of a one-argument `.execute(...)` is bound the same way, always with `:name`
placeholders (what `text()` understands, whatever `paramstyle` says):
`conn.execute(text("... WHERE id = :id"), {"id": id})`; not when the text holds a `:` already.
"""
    fix = FixClass.UNSAFE
    options = (PARAMSTYLE,)
    bad = (
        'def load(cur, user_id):\n    cur.execute(f"SELECT * FROM users WHERE id = {user_id}")\n',
        "import pandas as pd\n\ndef load(conn, day):\n"
        '    q = "SELECT * FROM sales WHERE day = \'%s\'" % day\n'
        "    return pd.read_sql(q, conn)\n",
        "from sqlalchemy import text\n\ndef load(conn, name):\n"
        '    return conn.execute(text("SELECT * FROM t WHERE name = \'" + name + "\'"))\n',
        'def run(spark, table):\n    return spark.sql("SELECT * FROM {}".format(table))\n',
        # Built up over several statements in one scope.
        'def load(cur, ids):\n    sql = "SELECT * FROM t"\n'
        '    sql += f" WHERE id IN ({ids})"\n    cur.execute(sql)\n',
        "import pandas as pd\n\ndef load(conn, t):\n"
        '    return pd.read_sql_query(sql=f"SELECT * FROM {t}", con=conn)\n',
        "from pandas import read_sql as rs\n\ndef load(conn, t):\n"
        '    return rs("SELECT * FROM " + t, conn)\n',
    )
    good = (
        'def load(cur, user_id):\n    cur.execute("SELECT * FROM users WHERE id = %s", (user_id,))\n',
        # Literals joined with literals, or with names bound to literals in the same scope.
        'BASE = "SELECT * FROM t"\n\ndef load(cur):\n'
        '    where = " WHERE active"\n    sql = "SELECT a, b " + "FROM t"\n'
        "    cur.execute(sql + where)\n",
        # The f-string is bound in another scope: a parameter of the same name is not it.
        'q = f"SELECT {1}"\n\ndef run(cur, q):\n    cur.execute(q)\n',
        # Rebinding the name to a literal replaces the formatted value.
        'def run(cur, t):\n    q = f"SELECT * FROM {t}"\n    q = "SELECT 1"\n    cur.execute(q)\n',
        # Formatting that is not SQL text handed to a sink.
        'def log(logger, n):\n    logger.info(f"loaded {n} rows")\n    return "%d rows" % n\n',
        # A local function named like a sink, and a plain string argument.
        "def read_sql(q):\n    return q\n\nread_sql(f'SELECT {1}')\n",
        Example(
            "import pandas as pd\n\ndef load(conn, day):\n"
            '    return pd.read_sql("SELECT * FROM s WHERE day = ?", conn, params=(day,))\n',
            options={"security.paramstyle": "qmark"},
        ),
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        #: Per scope (None is the module): name -> how the string bound to it was made.
        self._bindings: Dict[Scope, Dict[str, str]] = {}
        self._hint = _HINTS[self.option(PARAMSTYLE)]
        #: The placeholder style of the module's driver (None: unknown, not fixable).
        self._style: Optional[str] = None

    def visit_Module(self, node: ast.Module) -> None:
        self._style = bind_style_of(self.ctx.imports.absolute, self.ctx.standards.options.get(PARAMSTYLE.key))
        if self._style is not None:
            self._hint = _HINTS[self._style]

    # -- bindings ----------------------------------------------------------------------
    def _scope(self) -> Dict[str, str]:
        return self._bindings.setdefault(self.ctx.enclosing_scope(), {})

    def _bind(self, target: ast.AST, how: Optional[str]) -> None:
        if isinstance(target, ast.Name) and how is not None:
            self._scope()[target.id] = how
        else:
            self._forget(target)

    # Assignments bind after their value is evaluated, so the value is classified with the
    # bindings made before it (``sql = sql + " ..."`` sees the old ``sql``).
    def leave_Assign(self, node: ast.Assign) -> None:
        how = self.classify(node.value)
        for target in node.targets:
            self._bind(target, how)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, self.classify(node.value))

    def leave_AugAssign(self, node: ast.AugAssign) -> None:
        combined = ast.BinOp(left=node.target, op=node.op, right=node.value)
        self._bind(node.target, self.classify(combined))

    def leave_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._bind(node.target, self.classify(node.value))

    # Loop and ``with`` targets rebind names to values nothing is known about.
    def visit_For(self, node: ast.For) -> None:
        self._forget(node.target)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._forget(node.target)

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._forget(node.optional_vars)

    def _forget(self, target: ast.AST) -> None:
        scope = self._scope()
        for name in _names(target):
            scope.pop(name, None)

    def _classify_chain(self, node: ast.BinOp) -> Optional[str]:
        """``classify`` of a ``+``/``%`` chain, folded left to right along its left spine by a
        loop: ``"..." + a + a + ... + a`` of thousands of terms is valid code."""
        spine: List[ast.BinOp] = []
        bottom: ast.expr = node
        while isinstance(bottom, ast.BinOp) and isinstance(bottom.op, (ast.Add, ast.Mod)):
            spine.append(bottom)
            bottom = bottom.left
        kind = None if isinstance(bottom, ast.BinOp) else self.classify(bottom)
        for link in reversed(spine):
            if isinstance(link.op, ast.Mod):
                kind = None if kind is None else (PERCENT if kind == LITERAL else kind)
            else:
                kind = _added(kind, self.classify(link.right))
        return kind

    def classify(self, node: ast.AST) -> Optional[str]:
        """LITERAL, a formatting kind, or None when nothing is known about the string."""
        if isinstance(node, ast.Constant):
            return LITERAL if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            has_fields = any(isinstance(v, ast.FormattedValue) for v in node.values)
            return F_STRING if has_fields else LITERAL
        if isinstance(node, ast.Name):
            return self._scope().get(node.id)
        if isinstance(node, ast.BinOp):
            return self._classify_chain(node)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "format":
                if self.classify(func.value) is not None:
                    return FORMAT
        return None

    # -- sinks -------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        sink: Optional[str] = None
        if isinstance(func, ast.Name) or (
            isinstance(func, ast.Attribute) and func.attr in _FUNCTION_NAMES
        ):
            # Bare names are resolved too: ``from pandas import read_sql as rs``.
            qualname = self.ctx.qualname(func)
            if qualname in _FUNCTION_SINKS:
                sink = f"{qualname}()"
        if sink is None and isinstance(func, ast.Attribute) and func.attr in _METHOD_SINKS:
            sink = f".{func.attr}()"
        if sink is None:
            return
        sql = _sql_argument(node)
        if sql is None:
            return
        how = self.classify(sql)
        if how is None or how == LITERAL:
            return
        hint = _HINTS["named"] if sink.endswith("text()") else self._hint
        self.report(node, sink=sink, how=how, hint=hint, fixable=self._bindable(node, sql, sink))

    def _bindable(self, node: ast.Call, sql: ast.expr, sink: str) -> bool:
        """An f-string written in a one-argument ``.execute`` or in ``read_sql(_query)``
        without ``params``, whose fields are all plain names in value positions."""
        if sink.endswith("text()"):
            return self._bindable_text(node, sql)
        if self._style is None or bindable_fields(sql, self._style) is None:
            return False
        if sink == ".execute()":
            return len(node.args) == 1 and not node.keywords
        if sink[:-2] in _PARAMS_KEYWORD_SINKS:
            return (
                len(node.args) <= 2
                and not any(isinstance(a, ast.Starred) for a in node.args)
                and all(kw.arg is not None and kw.arg != "params" for kw in node.keywords)
            )
        return False


    def _bindable_text(self, node: ast.Call, sql: ast.expr) -> bool:
        """``x.execute(text(f"..."))``, each call with that one argument, the f-string's fields
        plain names in value positions: ``text()`` binds ``:name`` parameters, which the
        enclosing ``execute`` receives as its second argument."""
        parent = self.ctx.parent
        return (
            isinstance(sql, ast.JoinedStr)
            and value_fields(sql, "named") is not None
            and len(node.args) == 1
            and node.args[0] is sql
            and not node.keywords
            and isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Attribute)
            and parent.func.attr == "execute"
            and len(parent.args) == 1
            and parent.args[0] is node
            and not parent.keywords
        )


def _sql_argument(node: ast.Call) -> Optional[ast.expr]:
    if node.args:
        first = node.args[0]
        return None if isinstance(first, ast.Starred) else first
    for name in _SQL_KEYWORDS:
        kw = keyword(node, name)
        if kw is not None:
            return kw.value
    return None


def _names(target: Union[ast.AST, None]) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _names(elt)
    elif isinstance(target, ast.Starred):
        yield from _names(target.value)
