"""GR109: ``from module import *``."""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path
from typing import Callable, FrozenSet, List, Optional, Sequence, Set, Tuple

from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

#: Calls that read or write a namespace by name: the names a module has cannot be read statically.
_DYNAMIC = frozenset({"globals", "locals", "vars", "exec", "eval", "__import__", "setattr", "delattr"})


def find_module_source(name: str) -> Optional[Path]:
    """The ``.py`` file ``import name`` would load, found on ``sys.path`` by path only (nothing is
    imported); ``None`` when it is not a plain source module (extension, builtin, zip, hooks)."""
    if not name or name in sys.builtin_module_names:
        return None
    search = [Path(entry or ".") for entry in sys.path if Path(entry or ".").is_dir()]
    parts = name.split(".")
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        namespace: List[Path] = []
        found: Optional[Path] = None
        for directory in search:
            package = directory / part
            if package.is_dir() and any(package.glob("__init__.*")):
                init = package / "__init__.py"
                if not init.is_file():
                    return None
                found = package
                break
            if any(directory.glob(f"{part}.*.so")) or any(directory.glob(f"{part}.so")) or any(
                directory.glob(f"{part}.*pyd")
            ):
                return None  # an extension module comes before the source
            module = directory / f"{part}.py"
            if module.is_file():
                return module if last else None
            if package.is_dir():
                namespace.append(package)
        if found is not None:
            if last:
                return found / "__init__.py"
            search = [found]
        elif namespace and not last:
            search = namespace
        else:
            return None
    return None


def _literal_names(value: Optional[ast.expr]) -> Optional[List[str]]:
    if isinstance(value, (ast.List, ast.Tuple)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
    ):
        return [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return None


def exported_names(tree: ast.Module) -> Optional[Tuple[FrozenSet[str], FrozenSet[str]]]:
    """What ``from module import *`` binds, read from the module's source: the names always bound
    and those bound only on some paths; ``None`` if unprovable."""
    nodes = list(ast.walk(tree))
    if any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _DYNAMIC for n in nodes
    ):
        return None
    declared: List[str] = []
    direct = set()
    for stmt in tree.body:
        target: Optional[ast.expr] = None
        value: Optional[ast.expr] = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            target, value = stmt.target, stmt.value
        if isinstance(target, ast.Name) and target.id == "__all__":
            names = _literal_names(value)
            if names is None or (isinstance(stmt, ast.AugAssign) and not isinstance(stmt.op, ast.Add)):
                return None
            declared.extend(names)
            direct.add(id(target))
    uses_all = [n for n in nodes if isinstance(n, ast.Name) and n.id == "__all__"]
    if uses_all:
        if any(id(n) not in direct for n in uses_all):
            return None  # `__all__.extend(...)`, a conditional `__all__`
        return frozenset(declared), frozenset()
    if any(isinstance(n, (ast.Global, ast.Nonlocal, ast.Delete)) for n in nodes):
        return None
    sure: Set[str] = set()
    maybe: Set[str] = set()
    stack: List[Tuple[ast.stmt, bool]] = [(stmt, False) for stmt in tree.body]
    while stack:
        stmt, conditional = stack.pop()
        into = maybe if conditional else sure
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            into.add(stmt.name)
            _expression_bindings(stmt.decorator_list, into)
            continue
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name == "*":
                    return None
                into.add(alias.asname or alias.name.partition(".")[0])
            continue
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                stack.append((child, True))
            elif isinstance(child, ast.ExceptHandler):
                if child.name:
                    maybe.add(child.name)
                stack.extend((inner, True) for inner in child.body)
            elif isinstance(child, ast.match_case):
                return None
            elif isinstance(child, ast.withitem):
                _expression_bindings([child.context_expr], into)
                if child.optional_vars is not None:
                    _expression_bindings([child.optional_vars], maybe)
            elif isinstance(child, ast.expr):
                _expression_bindings([child], into)
    return _public(sure), _public(maybe - sure)


def _public(names: Set[str]) -> FrozenSet[str]:
    return frozenset(n for n in names if not n.startswith("_"))


def _expression_bindings(roots: Sequence[ast.expr], into: Set[str]) -> None:
    """Names bound in the enclosing scope by these expressions (targets and walrus; not the
    variables of comprehensions or the parameters of lambdas)."""
    stack: List[ast.AST] = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            into.add(node.id)
        if isinstance(node, ast.comprehension):
            stack.append(node.iter)
            stack.extend(node.ifs)
            continue
        stack.extend(ast.iter_child_nodes(node))


@functools.lru_cache(maxsize=256)
def _exports_of(path: str, mtime_ns: int, size: int) -> Optional[Tuple[FrozenSet[str], FrozenSet[str]]]:
    """``exported_names`` of the module at ``path``, parsed once per process while the file is
    unchanged (``mtime_ns`` and ``size`` are part of the key): many files star-import the same
    few modules, and parsing them again for each was a tenth of a check's time on the stdlib."""
    try:
        target = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return exported_names(target)


def mentions(tree: ast.Module) -> Tuple[int, Optional[FrozenSet[str]]]:
    """How many star imports the file has, and every name it mentions (``None`` when it reads a
    namespace dynamically, so that what it uses cannot be known): one walk, done once per file."""
    stars = 0
    mentioned: Set[str] = set()
    dynamic = False
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Name):
            mentioned.add(sub.id)
        elif isinstance(sub, ast.ImportFrom):
            stars += any(a.name == "*" for a in sub.names)
        elif isinstance(sub, ast.Call):
            dynamic = dynamic or (isinstance(sub.func, ast.Name) and sub.func.id in _DYNAMIC | {"dir"})
        elif isinstance(sub, (ast.Global, ast.Nonlocal)):
            mentioned.update(sub.names)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value.isidentifier():
            mentioned.add(sub.value)  # `__all__ = ["name"]` re-exports, `getattr(mod, "name")`
    return stars, None if dynamic else frozenset(mentioned)


def star_names(
    tree: ast.Module,
    node: ast.ImportFrom,
    facts: Optional[Callable[[], Tuple[int, Optional[FrozenSet[str]]]]] = None,
) -> Optional[List[str]]:
    """The names to import instead of ``*`` in ``node``, or ``None`` when that cannot be proved:
    every name the file mentions that the target module exports (a name the file never mentions
    cannot be read through the star, short of dynamic access, which blocks the fix).  ``facts``
    gives ``mentions(tree)`` when the caller keeps it; it is asked for last, as the walk is the
    costly part."""
    if node.level or not node.module or len(node.names) != 1 or node not in tree.body:
        return None
    source = find_module_source(node.module)
    if source is None:
        return None
    try:
        stat = source.stat()
    except OSError:
        return None
    exports = _exports_of(str(source), stat.st_mtime_ns, stat.st_size)
    if exports is None:
        return None
    stars, mentioned = facts() if facts is not None else mentions(tree)
    if stars != 1 or mentioned is None or exports[1] & mentioned:
        return None  # a name the file mentions may not exist: importing it could fail
    names = sorted(exports[0] & mentioned)
    return names or None


class StarImport(Rule):
    code = "GR109"
    name = "star-import"
    category = Category.CODING
    severity = Severity.WARNING
    message = "`from {module} import *` hides where names come from: import the names you use"
    what = """
Finds `from module import *` statements, relative ones included.
"""
    why = """
A star import makes every name's origin invisible: readers, linters and type checkers cannot tell
where `train` or `df` comes from, a later import silently shadows an earlier one, and anything the
target module adds to its namespace lands in yours.
"""
    use_instead = """\
from sklearn.metrics import accuracy_score, f1_score

score = f1_score([1, 0], [1, 1])
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): `from m import *` also re-exports every public name of `m` to
modules importing this one (`from this import name`, `this.name`), and binds names a dynamic access
may read: the explicit import binds only the names this file mentions, so importers can break. With
`--unsafe-fixes`:
`*` is replaced by the names the module uses that it does not bind itself (scope analysis),
intersected with what the target module exports, read statically from its source (`__all__`, else
its public top-level names), never by importing it. To be safe it imports every exported name the
file mentions at all. Applied only when the target is an absolute import whose source file is found
on `sys.path` by path (not an extension module), the file has one star import, no dynamic namespace
access (`globals()`, `eval`, `dir()` ...), and at least one name is used; relative imports and
anything else are only reported.
"""
    fix = FixClass.UNSAFE
    options = ()
    bad = (
        # The standard library, so that the fix's outcome does not depend on what is installed.
        "from textwrap import *\n\nbody = dedent(text)\n",
        "from os.path import *\n",
        "from .helpers import *\n",
        "def f():\n    return 1\n\nfrom numpy import *\n",
    )
    good = (
        "from sklearn.metrics import f1_score\n\nscore = f1_score([1], [1])\n",
        "import os.path\n",
        "from .helpers import load, save\n",
        # Keyword-only marker and unpacking are not star imports.
        "def f(*, a=1):\n    return [*range(a)]\n",
        "from typing import List as star\n",
    )

    _mentions: Optional[Tuple[int, Optional[FrozenSet[str]]]] = None

    def _file_mentions(self) -> Tuple[int, Optional[FrozenSet[str]]]:
        if self._mentions is None:
            self._mentions = mentions(self.ctx.tree)  # once per file: some star-import many
        return self._mentions

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if any(alias.name == "*" for alias in node.names):
            module = "." * (node.level or 0) + (node.module or "")
            tree = self.ctx.tree
            fixable = star_names(tree, node, self._file_mentions) is not None
            self.report(node, fixable=fixable, module=module)
