"""GR113: a public function or method without type annotations."""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Sequence, Tuple, Union

from groundrules.rules.context import FUNCTION_NODES
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]


def _is_private(name: str) -> bool:
    """`_helper` and `__mangled` are private; dunders such as `__init__` are public interface."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _returns_nothing(node: _Function, lines: Sequence[str] = ()) -> bool:
    """True when the body (nested functions, classes and lambdas excluded) has no `return <value>`
    and no `yield`, so `-> None` is its return type.  Stubs (`...`, `raise NotImplementedError`,
    `@abstractmethod`, `@overload`) are left alone: their overrides decide the type.  With the
    file's ``lines``, a body whose text has neither keyword is known without a walk."""
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        if name in _STUB_DECORATORS:
            return False
    if all(_is_placeholder(statement) for statement in node.body):
        return False  # a stub: its overrides decide the return type
    for statement in node.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            if statement.value.value is Ellipsis:
                return False
        elif isinstance(statement, ast.Raise) and statement.exc is not None:
            exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return False
    if lines and not _may_return_or_yield(node, lines):
        return True
    stack: List[ast.AST] = list(node.body)
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(current, ast.Return) and current.value is not None:
            return False
        if isinstance(current, (ast.Yield, ast.YieldFrom)):
            return False
        stack.extend(ast.iter_child_nodes(current))
    return True


def _may_return_or_yield(node: _Function, lines: Sequence[str]) -> bool:
    """Could the function's text hold a `return` or a `yield`? (Keywords are ASCII, so a text
    without either word holds neither.)"""
    for line in lines[node.lineno - 1 : node.end_lineno or node.lineno]:
        if "return" in line or "yield" in line:
            return True
    return False


#: Decorators of stubs and of accessors whose overrides (or callers) decide the type.
_STUB_DECORATORS = frozenset(
    {"abstractmethod", "abstractproperty", "abstractclassmethod", "abstractstaticmethod", "overload", "property"}
)


def _is_placeholder(statement: ast.stmt) -> bool:
    """A docstring, `pass`, `...` or `raise NotImplementedError`: the body of a stub."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return True
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def _subclass_methods(tree: ast.Module) -> Dict[Tuple[str, str], List[_Function]]:
    """(base class name, method name) -> the methods of that name in the module's subclasses of
    that base.  Built once per file from the statements alone (a lookup per method walking the
    whole tree was quadratic on large modules)."""
    found: Dict[Tuple[str, str], List[_Function]] = {}
    stack: List[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
                for item in node.body:
                    if isinstance(item, FUNCTION_NODES):
                        found.setdefault((name, item.name), []).append(item)
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, field, None) or ():
                if isinstance(child, ast.stmt):
                    stack.append(child)
                elif isinstance(child, (ast.ExceptHandler, ast.match_case)):
                    stack.extend(child.body)
    return found


def _is_staticmethod(node: _Function) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        if name == "staticmethod":
            return True
    return False


class PublicFunctionMissingAnnotations(Rule):
    code = "GR113"
    name = "public-function-missing-annotations"
    category = Category.CODING
    severity = Severity.INFO
    fix = FixClass.UNSAFE
    message = "public {kind} `{function}` lacks {missing}: annotate its interface"
    what = """
Finds public functions and methods (names without a leading underscore; dunder methods such as
`__init__` count as public) with a parameter other than `self`/`cls` that has no annotation, or
with no return annotation. Functions nested in other functions and methods of private classes are
not interfaces and are skipped. `__init__` needs no `-> None` once a parameter is annotated, as in
mypy.
"""
    why = """
Other modules, notebooks and jobs call public functions. Without annotations mypy cannot check
those calls, so a wrong argument type surfaces at run time, often hours into a pipeline.
"""
    use_instead = """\
from typing import List


def mean(values: List[float], *, skip_nan: bool = True) -> float:
    return sum(values) / len(values)


class Model:
    def __init__(self, depth: int):
        self.depth = depth

    def fit(self, rows: List[float]) -> None:
        self.rows = rows
"""
    fix_safety = """
`-> None` is added only when the return annotation is the only thing missing and the body (nested
functions, classes and lambdas excluded) has no `return <value>` and no `yield`; never to stubs
(a body of only a docstring, `pass`, `...` or `raise NotImplementedError`), to
`@abstractmethod`/`@abstractproperty`/`@overload`/`@property` functions, nor to test functions
(test modules, `test*` names), nor to a method a subclass in the module overrides with one
returning a value: there the overrides, or pytest, decide.
UNSAFE (only with `--unsafe-fixes`): the annotation does not run, but it changes what mypy
reports: a caller elsewhere that uses the result (`rows = log_rows(x)`) gets "does not return a
value"; in a method, a subclass elsewhere that returns a value fails the override check; in a
function with no annotated parameter mypy starts checking the body (new errors); and a decorator
may read the annotations (FastAPI, typer). None of these can be ruled out from one file.
Parameter annotations cannot be inferred: SUGGEST (such findings carry no fix marker).
"""
    bad = (
        "def mean(values):\n    return sum(values) / len(values)\n",
        "def log_rows(rows: list):\n    print(len(rows))\n",
        "class Model:\n    def fit(self, X, y) -> None:\n        self.X = X\n",
        "def collect(*args, **kwargs) -> list:\n    return list(args)\n",
        "class Model:\n    def __init__(self):\n        self.rows = []\n",
        "async def fetch(url: str):\n    return url\n",
    )
    good = (
        "def mean(values: list) -> float:\n    return sum(values) / len(values)\n",
        # Private functions and methods are not interfaces.
        "def _helper(x):\n    return x\n",
        "class Model:\n    def _fit(self, X):\n        return X\n",
        "class _Impl:\n    def run(self, x):\n        return x\n",
        # Nested functions are implementation details.
        "def outer(x: int) -> int:\n    def inner(y):\n        return y\n    return inner(x)\n",
        # self / cls need no annotation; __init__ with annotated parameters is typed.
        "class Model:\n    def __init__(self, depth: int):\n        self.depth = depth\n\n"
        "    @classmethod\n    def create(cls) -> 'Model':\n        return cls(1)\n",
        "class Util:\n    @staticmethod\n    def add(a: int, b: int) -> int:\n        return a + b\n",
        "f = lambda x: x\n",
    )

    _subclasses: Optional[Dict[Tuple[str, str], List[_Function]]] = None

    def _overridden_with_value(self, class_name: str, method: str) -> bool:
        """A class of this module deriving from ``class_name`` defines ``method`` returning a value."""
        if self._subclasses is None:
            self._subclasses = _subclass_methods(self.ctx.tree)
        return any(not _returns_nothing(m, self.ctx.source.lines) for m in self._subclasses.get((class_name, method), ()))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._check(node)

    def _check(self, node: _Function) -> None:
        if _is_private(node.name):
            return
        parent = self.ctx.parent
        in_class = isinstance(parent, ast.ClassDef)
        if isinstance(parent, ast.ClassDef) and _is_private(parent.name):
            return
        # Nested in a function (directly or through a class defined in one): not an interface.
        if any(isinstance(a, FUNCTION_NODES) for a in self.ctx.ancestors):
            return
        args = node.args
        positional = list(args.posonlyargs) + list(args.args)
        if in_class and positional and not _is_staticmethod(node):
            # The first parameter of a method is the instance or class, whatever its name.
            positional = positional[1:]
        params: List[ast.arg] = positional + list(args.kwonlyargs)
        if args.vararg is not None:
            params.append(args.vararg)
        if args.kwarg is not None:
            params.append(args.kwarg)
        unannotated = [p.arg for p in params if p.annotation is None]
        missing: List[str] = []
        return_only = False
        if unannotated:
            listed = ", ".join(f"`{name}`" for name in unannotated[:4])
            more = ", ..." if len(unannotated) > 4 else ""
            noun = "parameter" if len(unannotated) == 1 else "parameters"
            missing.append(f"annotations for {noun} {listed}{more}")
        if node.returns is None:
            typed_init = node.name == "__init__" and in_class and any(
                p.annotation is not None for p in params
            )
            if not typed_init:
                return_only = not missing and _returns_nothing(node, self.ctx.source.lines)
                missing.append("a return annotation")
        if not missing:
            return
        if self.ctx.is_test_module() or node.name.startswith("test"):
            return_only = False  # pytest decides what a test returns
        if return_only and isinstance(parent, ast.ClassDef) and self._overridden_with_value(parent.name, node.name):
            return_only = False  # a subclass here returns a value: `-> None` would fail its override
        self.report(
            (node.lineno, node.col_offset),
            fixable=return_only,
            kind="method" if in_class else "function",
            function=node.name,
            missing=" and ".join(missing),
        )
