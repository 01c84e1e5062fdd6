"""GR110: mutable default argument values (``def f(x=[])``)."""

from __future__ import annotations

import ast
import builtins
from typing import List, Optional, Set, Tuple, Union

from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

_DISPLAYS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
_MUTABLE_BUILTINS = frozenset({"list", "dict", "set", "bytearray"})
#: ``collections`` callables that do not build a mutable container.
_IMMUTABLE_COLLECTIONS = frozenset({"collections.namedtuple"})

FunctionLike = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]
_BUILTINS = frozenset(dir(builtins))
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
#: Methods that change a list, dict, set, bytearray or deque in place.
_MUTATORS = frozenset({
    "append", "extend", "insert", "remove", "pop", "popitem", "clear", "sort", "reverse", "update",
    "setdefault", "add", "discard", "difference_update", "intersection_update",
    "symmetric_difference_update", "appendleft", "extendleft", "popleft", "rotate",
})


def _shared(body: List[ast.AST], name: str) -> bool:
    """Does the function change the default in place, or hand it out (return, yield, store it)?
    A default that is only read (`axes=[0, 1, -0.2, 1]` passed to `plt.axis`) is never changed,
    so sharing it across calls is harmless."""
    def is_param(node: Optional[ast.AST]) -> bool:
        return isinstance(node, ast.Name) and node.id == name

    def handed_out(node: Optional[ast.AST]) -> bool:  # `return xs`, `return counts, tags`
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return any(handed_out(element) for element in node.elts)
        if isinstance(node, ast.Dict):
            return any(handed_out(value) for value in node.values)
        if isinstance(node, ast.Starred):
            return handed_out(node.value)
        return is_param(node)

    for statement in body:
        if handed_out(statement):  # `lambda xs=set(): xs` returns it
            return True
        for inner in ast.walk(statement):
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
                if inner.func.attr in _MUTATORS and is_param(inner.func.value):
                    return True
            elif isinstance(inner, (ast.Subscript, ast.Attribute)) and not isinstance(inner.ctx, ast.Load):
                if is_param(inner.value):
                    return True
            elif isinstance(inner, ast.AugAssign) and is_param(inner.target):
                return True
            elif isinstance(inner, (ast.Return, ast.Yield, ast.YieldFrom)) and handed_out(inner.value):
                return True
            elif isinstance(inner, ast.Assign) and handed_out(inner.value) and any(
                isinstance(target, (ast.Attribute, ast.Subscript)) for target in inner.targets
            ):
                return True
    return False


class MutableDefaultArgument(Rule):
    code = "GR110"
    name = "mutable-default-argument"
    category = Category.CODING
    severity = Severity.WARNING
    fix = FixClass.UNSAFE
    message = (
        "default `{default}` is created once and shared by every call: "
        "default to `None` and build it in the body"
    )
    what = """
Finds parameter defaults (positional and keyword-only, in `def` and `lambda`) that are list, dict
or set displays or comprehensions, or calls to `list()`, `dict()`, `set()`, `bytearray()` or a
`collections` container (`defaultdict`, `OrderedDict`, `Counter`, `deque`...), when the function
changes that object in place (`.append`, `[k] = ...`, `+=`, ...) or hands it out (returns or
yields it, stores it on an object). A default that is only read, such as plot limits
`axes=[0, 1, -0.2, 1]`, is never changed, so sharing it is harmless and not reported.
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
explicitly now get a fresh object; an annotated parameter's annotation becomes `Optional[...]`.
No rewrite is offered (only the message) when the object must persist across calls (the
parameter is read with `in` or `.get`, as a memo), for `lambda` defaults, when the default uses a
name other than an import, a builtin or a comprehension variable (it would be evaluated in
another scope), and when an annotation needs `Optional` but that name is bound to something else.
"""
    options = ()
    bad = (
        "def add(item, items=[]):\n    items.append(item)\n    return items\n",
        "def f(*, cache={}):\n    return cache\n",
        "import collections\n\ndef f(counts=collections.defaultdict(int)):\n    return counts\n",
        "from collections import Counter\n\nasync def f(c=Counter()):\n    return c\n",
        "g = lambda xs=set(): xs\n",
        "def f(xs=[i for i in range(3)]):\n    return xs\n",
        "class Model:\n    def __init__(self, layers=[]):\n        self.layers = layers\n",
        "def count(word, seen={}):\n    seen[word] = seen.get(word, 0) + 1\n",
        "def grow(xs=[]):\n    xs += [1]\n",
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
        # Only read: plot limits and options passed on, never changed.
        "import matplotlib.pyplot as plt\n\ndef plot(model, axes=[0, 1, -0.2, 1], textprop={}):\n"
        "    plt.axis(axes)\n    plt.text(0, 0, 'x', **textprop)\n    return model\n",
    )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._check(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._check(node)

    def _check(self, node: FunctionLike) -> None:
        args = node.args
        positional = args.posonlyargs + args.args
        pairs: List[Tuple[ast.arg, ast.expr]] = list(
            zip(positional[len(positional) - len(args.defaults) :], args.defaults)
        )
        pairs.extend((a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None)
        body: List[ast.AST] = [node.body] if isinstance(node, ast.Lambda) else list(node.body)
        for arg, default in pairs:
            kind = self._mutable(default)
            if kind is not None and _shared(body, arg.arg):
                self.report(default, fixable=self._fixable(node, arg, default), default=kind)

    def _fixable(self, node: FunctionLike, arg: ast.arg, default: ast.expr) -> bool:
        """The rewrite to ``None`` plus a check atop the body keeps the default's meaning."""
        if isinstance(node, ast.Lambda):
            return False
        imports = self.ctx.imports
        if arg.annotation is not None and (
            "Optional" in imports.local or imports.aliases.get("Optional", "typing.Optional") != "typing.Optional"
        ):
            return False
        # Names bound in the function (parameters and locals) would shadow the default's names.
        args = node.args
        bound: Set[str] = {
            a.arg
            for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]
            if a is not None
        }
        for sub in node.body:
            for inner in ast.walk(sub):
                if isinstance(inner, ast.Name) and not isinstance(inner.ctx, ast.Load):
                    bound.add(inner.id)
                elif isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    bound.add(inner.name)
                elif isinstance(inner, ast.alias):
                    bound.add((inner.asname or inner.name).partition(".")[0])
                # A memo: the object is meant to persist across calls.
                elif isinstance(inner, ast.Compare) and any(
                    isinstance(op, (ast.In, ast.NotIn))
                    and isinstance(right, ast.Name)
                    and right.id == arg.arg
                    for op, right in zip(inner.ops, inner.comparators)
                ):
                    return False
                elif (
                    isinstance(inner, ast.Attribute)
                    and inner.attr in ("get", "setdefault")
                    and isinstance(inner.value, ast.Name)
                    and inner.value.id == arg.arg
                ):
                    return False
        comprehension_names: Set[str] = set()
        for inner in ast.walk(default):
            if isinstance(inner, _COMPREHENSIONS):
                for generator in inner.generators:
                    for target in ast.walk(generator.target):
                        if isinstance(target, ast.Name):
                            comprehension_names.add(target.id)
        for inner in ast.walk(default):
            if not isinstance(inner, ast.Name) or inner.id in comprehension_names:
                continue
            if inner.id in bound:
                return False
            if inner.id not in imports.aliases and (inner.id not in _BUILTINS or inner.id in imports.local):
                return False
        return True

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
