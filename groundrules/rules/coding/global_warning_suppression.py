"""GR107: ``warnings.filterwarnings("ignore")`` for every warning, at module level or in ``main``."""

from __future__ import annotations

import ast
from typing import Optional

from groundrules.rules.context import FUNCTION_NODES, has_kwargs_splat, keyword, literal_string
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

_FILTERS = frozenset({"warnings.filterwarnings", "warnings.simplefilter"})
_NAMES = frozenset({"filterwarnings", "simplefilter"})
#: Positional index of each narrowing parameter, per function.
_NARROWING = {
    "warnings.filterwarnings": (("message", 1), ("category", 2), ("module", 3)),
    "warnings.simplefilter": (("category", 1),),
}
#: Categories as broad as no category at all.
_BROAD_CATEGORIES = frozenset({"Warning", "Exception", "BaseException"})


class GlobalWarningSuppression(Rule):
    code = "GR107"
    name = "global-warning-suppression"
    category = Category.CODING
    severity = Severity.WARNING
    #: `warnings.filterwarnings` and `simplefilter` are spelled out wherever they are called.
    text_gate = _NAMES
    message = (
        '`{call}("ignore")` silences every warning process-wide: narrow it with `category=` '
        "(or `module=`), or wrap the noisy call in `warnings.catch_warnings()`"
    )
    what = """
Finds `warnings.filterwarnings("ignore")` and `warnings.simplefilter("ignore")` that name no
`category=` (or only `Warning` itself), no `module=` and no `message=` pattern, when they run at
module level or in a function called `main`.

Filters set inside a `with warnings.catch_warnings():` block are scoped and not reported.
"""
    why = """
A blanket ignore hides the warnings that matter in data pipelines: pandas' SettingWithCopyWarning
(a silent wrong result), FutureWarning/DeprecationWarning for APIs about to be removed, and
scikit-learn's ConvergenceWarning (a model that did not fit).
"""
    use_instead = """\
import warnings

from sklearn.exceptions import ConvergenceWarning

warnings.filterwarnings("ignore", category=ConvergenceWarning)
"""
    fix_safety = """
No automatic fix: the message suggests narrowing with `category=` or scoping the filter with
`warnings.catch_warnings()` around the noisy call, which only a human can pick.
"""
    options = ()
    bad = (
        "import warnings\nwarnings.filterwarnings('ignore')\n",
        "import warnings\n\ndef main():\n    warnings.simplefilter('ignore')\n",
        "from warnings import filterwarnings as fw\nfw(action='ignore')\n",
        "import warnings\nwarnings.filterwarnings('ignore', category=Warning)\n",
        "import warnings\nif __name__ == '__main__':\n    warnings.simplefilter(action='ignore')\n",
    )
    good = (
        "import warnings\nwarnings.filterwarnings('ignore', category=FutureWarning)\n",
        "import warnings\nwarnings.filterwarnings('ignore', '', DeprecationWarning)\n",
        "import warnings\nwarnings.filterwarnings('ignore', module='sklearn')\n",
        "import warnings\nwarnings.simplefilter('error')\n",
        "import warnings\nwith warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n"
        "    x = 1\n",
        # Inside a helper function, not at import or in main.
        "import warnings\n\ndef quiet():\n    warnings.simplefilter('ignore')\n",
        # A local function named like the API.
        "def filterwarnings(action):\n    return action\n\nfilterwarnings('ignore')\n",
    )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr not in _NAMES:
                return
        elif not isinstance(func, ast.Name):
            return
        name = self.ctx.qualname(func)
        if name is None or name not in _FILTERS or has_kwargs_splat(node):
            return
        if literal_string(self._argument(node, "action", 0)) != "ignore":
            return
        for param, index in _NARROWING[name]:
            value = self._argument(node, param, index)
            if value is None:
                continue
            if param == "category":
                qual = self.ctx.qualname(value)
                if qual not in _BROAD_CATEGORIES:
                    return
            elif literal_string(value) not in ("", ".*"):
                return
        if not self._global_place():
            return
        self.report(node, call=name)

    @staticmethod
    def _argument(node: ast.Call, name: str, index: int) -> Optional[ast.expr]:
        if any(isinstance(a, ast.Starred) for a in node.args[: index + 1]):
            return ast.Constant(value="?")  # unknown: treat as given
        if len(node.args) > index:
            return node.args[index]
        kw = keyword(node, name)
        return kw.value if kw is not None else None

    def _global_place(self) -> bool:
        for ancestor in self.ctx.ancestors:
            if isinstance(ancestor, (ast.With, ast.AsyncWith)) and any(
                isinstance(item.context_expr, ast.Call)
                and self.ctx.qualname(item.context_expr.func) == "warnings.catch_warnings"
                for item in ancestor.items
            ):
                return False
        function = self.ctx.enclosing_function()
        if function is None:
            return self.ctx.at_module_level()
        return function.name == "main" and not any(
            isinstance(a, FUNCTION_NODES) and a is not function for a in self.ctx.ancestors
        )
