"""GR207: ``eval``/``exec``, ``pd.eval``/``df.query`` on built strings, dynamic imports."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, Optional

from groundrules.rules.context import keyword, literal_string
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_NAMES = frozenset({"eval", "exec", "compile", "__import__", "import_module", "query"})
_IMPORTERS = frozenset({"__import__", "importlib.import_module"})
#: Methods that call a function on each value: ``df[c].apply(eval)`` parses stored strings.
_ELEMENTWISE = frozenset({"apply", "map", "applymap"})


class DynamicCodeExecution(Rule):
    code = "GR207"
    name = "dynamic-code-execution"
    category = Category.SECURITY
    severity = Severity.ERROR
    #: Each call it reports spells one of these names (`pd.eval`, `importlib.import_module`).
    text_gate = _NAMES
    message = "`{call}` runs code from a string: {advice}"
    what = """
Finds code built and run at run time: the builtins `eval` and `exec`, `compile(..., "exec")`;
`pd.eval`, `df.eval` and `df.query` with an expression that is not a literal (on receivers known
to be pandas objects); `__import__` and `importlib.import_module` with a non-literal module name.

A literal expression (a string constant, an f-string without fields, or a module-level constant
bound to one) passed to the pandas functions or the importers is not reported.
"""
    why = """
Whatever reaches the string runs with the job's permissions: a column value, a file name or a
request parameter becomes code. `df.query` and `pd.eval` evaluate Python expressions too, and a
dynamic import loads whatever module a string names.
"""
    use_instead = """\
import ast

import pandas as pd


def active(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    return frame.query("score > @limit")


tags = ast.literal_eval("['a', 'b']")
"""
    fix_safety = """
COND, flagged for review (so only with `--unsafe-fixes`): the builtin `eval` passed to
`.apply`/`.map`/`.applymap` or `map(eval, ...)` to parse stored values (e.g. `df[c].apply(eval)` on
stringified lists) becomes `ast.literal_eval`, which gives the same result for literal data and
raises on anything else; not applied when `ast` names something else in the module. Direct
`eval(...)`/`exec(...)` calls and everything else are SUGGEST: pass values to `df.query` through
`@name`, import from an explicit allow-list.
"""
    fix = FixClass.UNSAFE
    bad = (
        "def parse(text):\n    return eval(text)\n",
        "exec(open('script.py').read())\n",
        "code = compile(src, '<string>', 'exec')\n",
        "import pandas as pd\n\ndef pick(path, cond):\n"
        "    df = pd.read_csv(path)\n    return df.query(f'score > {cond}')\n",
        "import pandas as pd\n\ndef total(expr):\n    return pd.eval(expr)\n",
        "import importlib\n\ndef plugin(name):\n    return importlib.import_module(name)\n",
        "import pandas as pd\ndf = pd.read_csv('x.csv')\ndf['tags'] = df['tags'].apply(eval)\n",
    )
    good = (
        "import ast\nvalue = ast.literal_eval('[1, 2]')\n",
        # Literal expressions, values passed by @name.
        "import pandas as pd\nCOND = 'score > 0'\n\ndef pick(path, limit):\n"
        "    df = pd.read_csv(path)\n    a = df.query('score > @limit')\n"
        "    return a.query(COND), pd.eval('1 + 2')\n",
        # query/eval on something that is not a DataFrame (a SQLAlchemy session, a local object).
        "def rows(session, model, expr):\n    return session.query(model), model.eval(expr)\n",
        # Literal imports, compile in eval mode, a local function named eval.
        "import importlib\nmod = importlib.import_module('json')\nm2 = __import__('os')\n"
        "tree = compile('1 + 1', '<s>', 'eval')\n",
        "def eval(x):\n    return x\n\neval('1')\n",
        "class Model:\n    def exec(self, q):\n        return q\n\nModel().exec('x')\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._constants: Optional[Dict[str, str]] = None

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr not in _NAMES:
                return
            if func.attr in ("eval", "query") and self.ctx.pandas.is_pandas(func.value):
                self._check_expression(node, f"df.{func.attr}()", "expr")
                return
        call = self.ctx.qualname(func)
        if call in ("builtins.eval", "builtins.exec"):
            call = call[len("builtins.") :]
        if call in ("eval", "exec"):
            self.report(node, call=f"{call}()", advice=_advice(call), fixable=False)
        elif call == "compile":
            mode = node.args[2] if len(node.args) >= 3 else None
            mode_kw = keyword(node, "mode")
            if mode_kw is not None:
                mode = mode_kw.value
            if literal_string(mode) == "exec":
                self.report(node, call='compile(..., "exec")', advice=_advice("exec"), fixable=False)
        elif call == "pandas.eval":
            self._check_expression(node, "pd.eval()", "expr")
        elif call in _IMPORTERS:
            self._check_expression(node, f"{call}()", "name")

    def visit_Name(self, node: ast.Name) -> None:
        """The builtin passed as a function (``series.apply(eval)``, ``map(eval, xs)``)."""
        if node.id not in ("eval", "exec") or not isinstance(node.ctx, ast.Load):
            return
        parent = self.ctx.parent
        if isinstance(parent, ast.Call) and parent.func is node:
            return  # a direct call, reported by visit_Call
        if self.ctx.qualname(node) == node.id:
            self.report(node, call=node.id, advice=_advice(node.id), fixable=self._parses_values(node))

    def _parses_values(self, node: ast.Name) -> bool:
        """``eval`` handed to an element-wise call, in a module where ``ast`` is free."""
        parent = self.ctx.parent
        if node.id != "eval" or not isinstance(parent, ast.Call) or node not in parent.args:
            return False
        func = parent.func
        if isinstance(func, ast.Attribute):
            if func.attr not in _ELEMENTWISE:
                return False
        elif not (self.ctx.qualname(func) in ("map", "builtins.map") and parent.args[0] is node):
            return False
        for sub in ast.walk(self.ctx.tree):
            if isinstance(sub, ast.Name) and sub.id == "ast" and not isinstance(sub.ctx, ast.Load):
                return False
            if isinstance(sub, ast.arg) and sub.arg == "ast":
                return False
            if isinstance(sub, ast.alias) and (sub.asname or sub.name) == "ast" and sub.name != "ast":
                return False
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub.name == "ast":
                return False
        return True

    def _check_expression(self, node: ast.Call, call: str, name: str) -> None:
        expr: Optional[ast.expr] = None
        if node.args:
            expr = node.args[0]
        else:
            kw = keyword(node, name)
            expr = kw.value if kw is not None else None
        if expr is None or isinstance(expr, ast.Starred) or self._is_literal(expr):
            return
        if call.endswith("import_module()") or call.startswith("__import__"):
            advice = "import from an explicit allow-list of module names instead"
        else:
            advice = "write a literal expression and pass values as `@name` instead"
        self.report(node, call=call, advice=advice, fixable=False)

    def _is_literal(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.JoinedStr):
            return not any(isinstance(v, ast.FormattedValue) for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._is_literal(node.left) and self._is_literal(node.right)
        if isinstance(node, ast.Name):
            return node.id in self._module_constants()
        return False

    def _module_constants(self) -> Dict[str, str]:
        """Module-level ``NAME = "literal"`` assignments (direct statements of the module)."""
        if self._constants is None:
            self._constants = {}
            for stmt in self.ctx.tree.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target, value = stmt.targets[0], stmt.value
                elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                    target, value = stmt.target, stmt.value
                else:
                    continue
                text = literal_string(value)
                if isinstance(target, ast.Name) and text is not None and target.id.isupper():
                    self._constants[target.id] = text
        return self._constants


def _advice(call: str) -> str:
    if call == "eval":
        return "parse literal data with `ast.literal_eval`, or avoid building code at run time"
    return "call the code directly instead of building it at run time"
