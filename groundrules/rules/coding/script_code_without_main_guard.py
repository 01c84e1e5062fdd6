"""GR102: a module that runs code at import and has no ``if __name__ == "__main__":`` guard."""

from __future__ import annotations

import ast
import re
from typing import FrozenSet, List, Optional, Sequence, Set

from groundrules.rules.context import CONFIG_MODULES, ENTRY_POINTS
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, FixClass, Severity

_CONSTANT_NAME = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
_DUNDER = re.compile(r"^__\w+__$")
_LOGGER_FACTORIES = frozenset(
    {"logging.getLogger", "structlog.get_logger", "structlog.getLogger", "loguru.logger.bind"}
)
_PATH_CALLS = frozenset(
    {
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "pathlib.WindowsPath",
        "pathlib.PurePosixPath",
        "pathlib.PureWindowsPath",
        "pathlib.Path.home",
        "pathlib.Path.cwd",
    }
)
_PURE_CALL_PREFIXES = (
    "os.path.",
    "typing.",
    "collections.",
    "datetime.",
    "decimal.",
    "fractions.",
    "enum.",
    "string.",
    "operator.",
    "math.",
)
#: Builtins and stdlib constructors that build a value from their arguments and touch nothing.
_PURE_CALLS = frozenset(
    {
        "frozenset",
        "set",
        "tuple",
        "list",
        "dict",
        "sorted",
        "range",
        "int",
        "float",
        "str",
        "bytes",
        "bool",
        "complex",
        "object",
        "len",
        "dir",
        "getattr",
        "hasattr",
        "isinstance",
        "issubclass",
        "repr",
        "abs",
        "round",
        "any",
        "all",
        "chr",
        "ord",
        "type",
        "slice",
        "divmod",
        "pow",
        "min",
        "max",
        "sum",
        "enumerate",
        "zip",
        "map",
        "filter",
        "reversed",
        "re.compile",
        "functools.partial",
        "dataclasses.field",
        "types.MappingProxyType",
        "struct.Struct",
    }
)
#: Methods of paths and strings that compute a value and touch nothing.
_PURE_METHODS = frozenset(
    {
        "resolve",
        "absolute",
        "expanduser",
        "joinpath",
        "with_suffix",
        "with_name",
        "with_stem",
        "relative_to",
        "as_posix",
        "format",
        "upper",
        "lower",
        "strip",
        "replace",
        "split",
        "join",
        "encode",
        "decode",
        "items",
        "keys",
        "values",
        "copy",
        "get",
    }
)
_ENV_READS = frozenset({"os.getenv", "os.environ.get"})
_TYPING_MODULES = ("typing.", "typing_extensions.", "collections.abc.")
_TYPE_FACTORIES = frozenset(
    {"TypeVar", "NewType", "ParamSpec", "TypeVarTuple", "NamedTuple", "TypedDict"}
)
_BUILTIN_GENERICS = frozenset(
    {"list", "dict", "tuple", "set", "frozenset", "type", "int", "str", "float", "bool", "bytes"}
)
_EXEMPT_FILES = ("__main__.py", "setup.py", "conftest.py")
#: Calls that read or write the namespace by name: moving code into a function changes them.
_DYNAMIC = frozenset({"globals", "locals", "vars", "exec", "eval", "dir", "__import__"})


class ScriptCodeWithoutMainGuard(Rule):
    code = "GR102"
    name = "script-code-without-main-guard"
    category = Category.CODING
    severity = Severity.WARNING
    message = (
        "module runs code at import (`{first}`{more}) and has no `if __name__ == \"__main__\":` "
        "guard: move it into `def main() -> None:` called from the guard"
    )
    what = """
Finds modules without an `if __name__ == "__main__":` guard whose top-level statements do more than
declare things. Declarations are: the docstring, imports, `def` and `class`, constants bound to a
literal or to an expression that runs nothing (names, attributes, literals, a `Path(...)`
expression, `os.path.*`/`os.getenv`, `re.compile`, `frozenset(...)` and similar pure builtins, or a
helper from the module's own package), `logger = logging.getLogger(...)`, `__all__` and other dunder
assignments, type aliases (`Vector = List[float]`, `T = TypeVar("T")`, `type X = ...`), bare
annotations, and `if`/`try` blocks holding only declarations (`if TYPE_CHECKING:`, optional imports).

Exempt: `config-modules` (package `__init__.py` and config modules legitimately run setup at import),
test modules (`test-paths`), `__main__.py`, `setup.py` and `conftest.py`.
"""
    why = """
Importing the module runs the pipeline: a test, a notebook or another module cannot import one of
its functions without training the model, reading the data or writing files. Code in `main()`
behind a guard runs only when the file is executed.
"""
    use_instead = """\
import logging

import pandas as pd

logger = logging.getLogger(__name__)
DATA = "data/train.csv"


def main() -> None:
    df = pd.read_csv(DATA)
    logger.info("%s rows", len(df))


if __name__ == "__main__":
    main()
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes` or in `handoff`): the trailing executable statements
(from the first statement that runs code to the end of the module) move into `def main() -> None:`
plus a `__main__` guard calling it, only when no `def`/`class` reads a name those statements bind
(scope analysis), no statement left at module level binds one of them, there is no `global`,
`globals()`/`eval`/`exec`, no import, `def` or `class` among them and `main` is not already a name,
and only in modules matching `entry-points` (another module may import what the statements bind;
an entry point is declared to be run, not imported). Otherwise the finding is only reported. Importing the module then no longer runs them, which is the
point but changes behaviour.
"""
    fix = FixClass.UNSAFE
    options = (CONFIG_MODULES,)
    bad = (
        Example(
            "import pandas as pd\n\ndf = pd.read_csv('train.csv')\ndf.to_parquet('t.parquet')\n",
            path="src/prep.py",
        ),
        Example("def main():\n    return 1\n\nmain()\n", path="src/job.py"),
        Example(
            "import logging\nlogging.basicConfig(level=logging.INFO)\n", path="src/app.py"
        ),
        Example("import sys\nsys.modules['x'] = None\n", path="src/hack.py"),
        Example("from sklearn.ensemble import RandomForestClassifier\n"
                "model = RandomForestClassifier(n_estimators=100)\n", path="src/train.py"),
        Example(
            "import sys\nfor arg in sys.argv:\n    x = arg\n", path="scripts/run.py"
        ),
        Example("MODEL = train()\n", path="src/m.py"),
    )
    good = (
        Example(
            '"""Docs."""\nfrom __future__ import annotations\n\nimport logging\n'
            "from pathlib import Path\nfrom typing import Dict, List, TypeVar\n\n"
            "logger = logging.getLogger(__name__)\n__all__ = ['f']\n__version__ = '1.0'\n"
            "ROOT = Path(__file__).resolve().parent\nDATA = ROOT / 'data'\n"
            "TIMEOUT = 60 * 60\nCOLUMNS = ('a', 'b')\nNEG = -1\nT = TypeVar('T')\n"
            "Vector = List[float]\nTable = Dict[str, 'Vector']\nlimit: int\n\n"
            "def f() -> None:\n    pass\n\nclass C:\n    x = compute()\n",
            path="src/lib.py",
        ),
        Example(
            "import pandas as pd\n\ndef main():\n    pd.read_csv('a.csv')\n\n"
            "if __name__ == '__main__':\n    main()\n",
            path="src/job.py",
        ),
        Example("from dotenv import load_dotenv\nload_dotenv()\n", path="src/pkg/__init__.py"),
        Example("import os\nos.makedirs('logs', exist_ok=True)\n", path="src/pkg/config.py"),
        Example(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pandas as pd\n"
            "try:\n    import ujson as json\nexcept ImportError:\n    import json\n"
            "    HAS_UJSON = False\n",
            path="src/compat.py",
        ),
        Example("import pytest\npytestmark = pytest.mark.slow\n", path="tests/test_x.py"),
        Example("import os\nDEBUG = os.getenv('DEBUG', '')\nHOME = os.path.expanduser('~')\n",
                path="src/settings_x.py"),
    )

    def visit_Module(self, node: ast.Module) -> None:
        if self.ctx.has_main_guard or self.ctx.is_config_module() or self.ctx.is_test_module():
            return
        if self.ctx.source.rel_path.rsplit("/", 1)[-1] in _EXEMPT_FILES:
            return
        offending = [s for s in node.body if not self._declaration(s, nested=False)]
        if not offending:
            return
        first = offending[0]
        more = f" and {len(offending) - 1} more" if len(offending) > 1 else ""
        self.report(
            first,
            fixable=self._movable(node, first),
            first=_first_line(self.ctx.source.lines, first),
            more=more,
        )

    def _movable(self, node: ast.Module, first: ast.stmt) -> bool:
        """Can the statements from ``first`` to the end move into ``main()`` unchanged in meaning?"""
        if not self.ctx.path_matches(ENTRY_POINTS):
            # Other modules may import what the moved statements bind (`from prep import df`):
            # only a declared entry point is known to be run, not imported.
            return False
        if first.col_offset != 0:
            return False  # not the first statement on its line (`a = 1; run()`)
        index = node.body.index(first)
        kept, moved = node.body[:index], node.body[index:]
        if any(
            isinstance(s, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            for s in moved
        ):
            return False  # only trailing executable statements move
        bound: Set[str] = set()
        for stmt in moved:
            for sub in ast.walk(stmt):
                if isinstance(sub, (ast.Global, ast.Nonlocal, ast.Await)):
                    return False
                if isinstance(sub, (ast.Yield, ast.YieldFrom, ast.Return)):
                    return False
                if isinstance(sub, ast.ImportFrom) and any(a.name == "*" for a in sub.names):
                    return False
                if isinstance(sub, ast.Name):
                    bound.add(sub.id)  # every name, read or bound: a superset of the bindings
                elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    bound.add(sub.name)
                elif isinstance(sub, ast.alias):
                    bound.add((sub.asname or sub.name).partition(".")[0])
                elif isinstance(sub, ast.ExceptHandler) and sub.name:
                    bound.add(sub.name)
                elif isinstance(sub, (ast.MatchAs, ast.MatchStar)) and sub.name:
                    bound.add(sub.name)
                elif isinstance(sub, ast.MatchMapping) and sub.rest:
                    bound.add(sub.rest)
        if "main" in bound or "__name__" in bound:
            return False
        kept_names = self._kept_bindings(kept)
        if "main" in kept_names or any(isinstance(sub, (ast.Global, ast.Nonlocal)) for sub in ast.walk(node)):
            return False
        if any(
            isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in _DYNAMIC
            for sub in ast.walk(node)
        ):
            return False
        # Nothing left at module level may read a name the moved code binds (a function reading a
        # moved global), nor bind one (a module global the function would shadow as a local).
        assigned = self._assigned(moved)
        return not (kept_names & assigned) and not (self._kept_reads(kept) & assigned)

    @staticmethod
    def _assigned(body: Sequence[ast.stmt]) -> Set[str]:
        """Names the moved statements bind (which would become locals of ``main``)."""
        out: Set[str] = set()
        for stmt in body:
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
                    out.add(sub.id)
                elif isinstance(sub, ast.alias):
                    out.add((sub.asname or sub.name).partition(".")[0])
                elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    out.add(sub.name)
                elif isinstance(sub, ast.ExceptHandler) and sub.name:
                    out.add(sub.name)
                elif isinstance(sub, (ast.MatchAs, ast.MatchStar)) and sub.name:
                    out.add(sub.name)
                elif isinstance(sub, ast.MatchMapping) and sub.rest:
                    out.add(sub.rest)
        return out

    @staticmethod
    def _kept_bindings(kept: Sequence[ast.stmt]) -> Set[str]:
        out: Set[str] = set()
        for stmt in kept:
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Name):
                    out.add(sub.id)
                elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    out.add(sub.name)
                elif isinstance(sub, ast.alias):
                    out.add((sub.asname or sub.name).partition(".")[0])
                elif isinstance(sub, ast.arg):
                    out.add(sub.arg)
        return out

    @staticmethod
    def _kept_reads(kept: Sequence[ast.stmt]) -> Set[str]:
        """Names read inside the functions and classes that stay at module level."""
        out: Set[str] = set()
        for stmt in kept:
            for sub in ast.walk(stmt):
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                    out.update(n.id for n in ast.walk(sub) if isinstance(n, ast.Name))
        return out

    # -- what counts as a declaration ---------------------------------------------------------
    def _declarations(self, body: Sequence[ast.stmt], nested: bool) -> bool:
        return all(self._declaration(s, nested) for s in body)

    def _declaration(self, stmt: ast.stmt, nested: bool) -> bool:
        if isinstance(
            stmt,
            (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef),
        ):
            return True
        if isinstance(stmt, ast.Pass):
            return True
        if isinstance(stmt, ast.Expr):
            value = stmt.value
            return isinstance(value, ast.Constant) and (
                isinstance(value.value, str) or value.value is Ellipsis
            )
        type_alias = getattr(ast, "TypeAlias", None)
        if type_alias is not None and isinstance(stmt, type_alias):
            return True
        if isinstance(stmt, ast.Assign):
            return all(self._declared_target(t, stmt.value, nested) for t in stmt.targets)
        if isinstance(stmt, ast.AnnAssign):
            if stmt.value is None:
                return True
            if self.ctx.qualname(stmt.annotation) in (
                "typing.TypeAlias",
                "typing_extensions.TypeAlias",
            ):
                return True
            return self._declared_target(stmt.target, stmt.value, nested)
        if isinstance(stmt, ast.AugAssign):
            return isinstance(stmt.target, ast.Name) and stmt.target.id == "__all__"
        if isinstance(stmt, ast.If):
            return self._declarations(stmt.body, True) and self._declarations(stmt.orelse, True)
        if isinstance(stmt, ast.Try):
            return (
                self._declarations(stmt.body, True)
                and all(self._declarations(h.body, True) for h in stmt.handlers)
                and self._declarations(stmt.orelse, True)
                and self._declarations(stmt.finalbody, True)
            )
        if isinstance(stmt, ast.With) and all(
            isinstance(item.context_expr, ast.Call)
            and self.ctx.qualname(item.context_expr.func) == "contextlib.suppress"
            for item in stmt.items
        ):
            return self._declarations(stmt.body, True)  # `with suppress(ImportError): import x`
        if isinstance(stmt, ast.Delete):
            return True  # tidying the namespace
        if nested and isinstance(stmt, ast.Raise):
            return True
        return False

    def _declared_target(self, target: ast.expr, value: ast.expr, nested: bool) -> bool:
        if isinstance(target, (ast.Tuple, ast.List)):
            plain = all(isinstance(e, ast.Name) for e in target.elts)
            return plain and self._constant_expression(value)
        if not isinstance(target, ast.Name):
            return False  # `sys.modules[k] = m`, `obj.attr = v`: mutating state at import
        if _DUNDER.match(target.id):
            return True  # `__all__`, `__version__`, `__path__ = extend_path(...)`
        if self._is_call_to(value, _LOGGER_FACTORIES):
            return True
        if self._type_alias(value):
            return True
        # Constants and data tables: a value built from literals, names and pure calls runs
        # nothing, whatever the case of the name (`labels = {...}`, `_ = gettext`).
        return self._constant_expression(value)

    def _is_call_to(self, value: ast.expr, names: FrozenSet[str]) -> bool:
        return isinstance(value, ast.Call) and self.ctx.qualname(value.func) in names

    def _literal(self, node: ast.expr) -> bool:
        # Worklists, not recursion, here and below: `x = a + a + ... + a` of thousands of terms
        # is valid code and must be judged, not crash the rule.
        pending: List[Optional[ast.expr]] = [node]
        while pending:
            item = pending.pop()
            if item is None or isinstance(item, ast.Constant):
                continue  # None: a `**` entry's missing key
            if isinstance(item, (ast.Tuple, ast.List, ast.Set)):
                pending.extend(item.elts)
            elif isinstance(item, ast.Dict):
                pending.extend(item.keys)
                pending.extend(item.values)
            elif isinstance(item, ast.UnaryOp):
                pending.append(item.operand)
            elif isinstance(item, ast.BinOp):
                pending.extend((item.right, item.left))
            else:
                return False
        return True

    def _constant_expression(self, node: ast.expr) -> bool:
        """Literals, other constants, `Path(...)` expressions, `os.path.*` and env reads."""
        pending: List[Optional[ast.expr]] = [node]
        while pending:
            item = pending.pop()
            # Reading a name or attribute runs nothing (`Category.CODING`, `logging.INFO`).
            if item is None or isinstance(item, (ast.Constant, ast.Name, ast.Attribute)):
                continue
            if isinstance(item, (ast.Tuple, ast.List, ast.Set)):
                pending.extend(item.elts)
            elif isinstance(item, ast.Dict):
                pending.extend(item.keys)
                pending.extend(item.values)
            elif isinstance(item, ast.UnaryOp):
                pending.append(item.operand)
            elif isinstance(item, ast.BinOp):
                pending.extend((item.right, item.left))
            elif isinstance(item, ast.Starred):
                pending.append(item.value)
            elif isinstance(item, ast.JoinedStr):
                pending.extend(v.value for v in item.values if isinstance(v, ast.FormattedValue))
            elif isinstance(item, ast.Subscript):
                pending.extend((item.slice, item.value))
            elif isinstance(item, ast.Call):
                if not self._pure_call(item):
                    return False
            elif isinstance(item, ast.IfExp):
                pending.extend((item.orelse, item.body, item.test))
            elif isinstance(item, ast.BoolOp):
                pending.extend(item.values)
            elif isinstance(item, ast.Compare):
                pending.extend(item.comparators)
                pending.append(item.left)
            elif isinstance(item, (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
                # `frozenset(n.lower() for n in NAMES)`: built from constants only.
                pending.extend(g.iter for g in item.generators)
            else:
                return False
        return True

    def _pure_call(self, node: ast.Call) -> bool:
        func = node.func
        arguments = [a.value if isinstance(a, ast.Starred) else a for a in node.args]
        arguments += [k.value for k in node.keywords]
        if not all(self._constant_expression(a) for a in arguments):
            return False
        name: Optional[str] = self.ctx.qualname(func)
        if name is not None:
            return (
                name in _PATH_CALLS
                or name in _ENV_READS
                or name in _PURE_CALLS
                or name.startswith(_PURE_CALL_PREFIXES)
                or self._project_call(name)
            )
        # Path and str methods on a constant: `Path(__file__).resolve()`, `ROOT.joinpath("x")`.
        return (
            isinstance(func, ast.Attribute)
            and func.attr in _PURE_METHODS
            and self._constant_expression(func.value)
        )

    def _project_call(self, name: str) -> bool:
        """A call into the module's own package (an option or schema declaration helper)."""
        module = self.ctx.source.module
        if module is None or "." not in module:
            return False
        return name.startswith(module.partition(".")[0] + ".")

    def _type_alias(self, value: ast.expr) -> bool:
        if isinstance(value, ast.Call):
            name = self.ctx.qualname(value.func)
            return (
                name is not None
                and name.startswith(_TYPING_MODULES)
                and name.rsplit(".", 1)[1] in _TYPE_FACTORIES
            )
        return self._type_expression(value)

    def _type_expression(self, node: ast.expr) -> bool:
        pending = [node]
        while pending:
            item = pending.pop()
            if isinstance(item, ast.Subscript):
                pending.append(item.value)
            elif isinstance(item, ast.BinOp) and isinstance(item.op, ast.BitOr):
                pending.extend((item.right, item.left))
            elif isinstance(item, (ast.Name, ast.Attribute)):
                name = self.ctx.qualname(item)
                if name is None or not (name.startswith(_TYPING_MODULES) or name in _BUILTIN_GENERICS):
                    return False
            else:
                return False
        return True


#: A quoted string (or one running past the line's end); its text is left out of the message as it may be a secret.
_STRING = re.compile(r"""(?P<q>["'])(?:\\.|(?!(?P=q)).)*(?:(?P=q)|$)""")


def _first_line(lines: Sequence[str], stmt: ast.stmt) -> str:
    line = lines[stmt.lineno - 1].strip() if 0 < stmt.lineno <= len(lines) else ""
    line = _STRING.sub(lambda m: f"{m['q']}…{m['q']}", line)
    return line if len(line) <= 40 else line[:37] + "..."
