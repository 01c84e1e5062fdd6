"""GR110: mutable default argument values (``def f(x=[])``)."""

from __future__ import annotations

import ast
from typing import Optional, Union

from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

_DISPLAYS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
_MUTABLE_BUILTINS = frozenset({"list", "dict", "set", "bytearray"})
#: ``collections`` callables that do not build a mutable container.
_IMMUTABLE_COLLECTIONS = frozenset({"collections.namedtuple"})

FunctionLike = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]


class MutableDefaultArgument(Rule):
    code = "GR110"
    name = "mutable-default-argument"
    category = Category.CODING
    severity = Severity.WARNING
    message = (
        "default `{default}` is created once and shared by every call: "
        "default to `None` and build it in the body"
    )
    what = """
Finds parameter defaults (positional and keyword-only, in `def` and `lambda`) that are list, dict
or set displays or comprehensions, or calls to `list()`, `dict()`, `set()`, `bytearray()` or a
`collections` container (`defaultdict`, `OrderedDict`, `Counter`, `deque`...).
"""
    why = """
A default is evaluated once, when the `def` runs. Every call that mutates it changes the default
for all later calls, so state leaks between calls (and between tests) in ways that are hard to see.
"""
    use_instead = """\
from typing import List, Optional


def add(item: str, items: Optional[List[str]] = None) -> List[str]:
    if items is None:
        items = []
    items.append(item)
    return items
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes`): the default becomes `None` and
`if x is None: x = <original>` is inserted atop the body, as ruff does; callers passing `None`
explicitly now get a fresh object. When the object must persist across calls (a memo dict read
with `in` or `.get`), no rewrite is offered: only the message.
"""
    options = ()
    bad = (
        "def add(item, items=[]):\n    items.append(item)\n    return items\n",
        "def f(*, cache={}):\n    return cache\n",
        "import collections\n\ndef f(counts=collections.defaultdict(int)):\n    return counts\n",
        "from collections import Counter\n\nasync def f(c=Counter()):\n    return c\n",
        "g = lambda xs=set(): xs\n",
        "def f(xs=[i for i in range(3)]):\n    return xs\n",
    )
    good = (
        "def add(item, items=None):\n    if items is None:\n        items = []\n    return items\n",
        "def f(xs=(), name='a', n=0, flags=frozenset()):\n    return xs\n",
        # A local function named like the builtin is not the builtin.
        "def list():\n    return ()\n\ndef f(xs=list()):\n    return xs\n",
        "import collections\n\ndef f(p=collections.namedtuple('P', 'x')):\n    return p\n",
        "from dataclasses import dataclass, field\n\n@dataclass\nclass C:\n"
        "    xs: list = field(default_factory=list)\n",
        "def f(xs=tuple([1, 2])):\n    return xs\n",
    )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._check(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._check(node)

    def _check(self, node: FunctionLike) -> None:
        args = node.args
        defaults = list(args.defaults) + [d for d in args.kw_defaults if d is not None]
        for default in defaults:
            kind = self._mutable(default)
            if kind is not None:
                self.report(default, default=kind)

    def _mutable(self, node: ast.expr) -> Optional[str]:
        if isinstance(node, _DISPLAYS):
            return {
                ast.List: "[...]",
                ast.Dict: "{...}",
                ast.Set: "{...}",
                ast.ListComp: "[... for ...]",
                ast.DictComp: "{... for ...}",
                ast.SetComp: "{... for ...}",
            }[type(node)]
        if isinstance(node, ast.Call):
            name = self.ctx.qualname(node.func)
            if name is None:
                return None
            if name in _MUTABLE_BUILTINS or (
                name.startswith("collections.") and name not in _IMMUTABLE_COLLECTIONS
            ):
                return f"{name}(...)"
        return None
