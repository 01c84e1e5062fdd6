"""GR118: a branch that can never run, kept as a switched-off experiment."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple, Union

from groundrules.rules.context import FUNCTION_NODES, Context
from groundrules.rules.framework import Rule
from groundrules.rules.spelling import unparse
from groundrules.standards.schema import Category, FixClass, Severity

_CONSTANT_NAME = re.compile(r"^_?[A-Z][A-Z0-9_]*$")
#: Flags with a conventional meaning that are not experiments.
_EXEMPT_NAMES = frozenset({"TYPE_CHECKING", "MYPY"})


def _literal_truth(node: ast.expr) -> Optional[bool]:
    """The truth of a literal test: `False`, `0`, `None`, `""`, `not True`, `False and x`."""
    negated = False
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        negated = not negated  # a loop: `not not ... not x` may be thousands deep
        node = node.operand
    truth: Optional[bool] = None
    if isinstance(node, ast.Constant):
        if node.value is None or isinstance(node.value, (bool, int, float, str, bytes)):
            truth = bool(node.value)
    elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And) and node.values:
        # Nesting here needs parentheses, which the parser bounds (200).
        truth = False if _literal_truth(node.values[0]) is False else None
    return None if truth is None else truth != negated


_BINDERS = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
    ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom,
)


def _removal_changes_scope(body: List[ast.stmt], in_function: bool) -> bool:
    """True when deleting ``body`` could change more than dead code: a `global`/`nonlocal`
    declaration, or, in a function, a `yield` (it makes the function a generator) or a binding
    (it makes the name local)."""
    stack: List[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            return True
        if in_function:
            if isinstance(node, _BINDERS) or (isinstance(node, ast.ExceptHandler) and node.name):
                return True
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                return True
            if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                return True
            if isinstance(node, ast.MatchMapping) and node.rest:
                return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue  # its inside is another scope (its name was checked above)
        stack.extend(ast.iter_child_nodes(node))
    return False


@dataclass
class _Flag:
    """A module-level name that might be a boolean switch."""

    value: Optional[bool] = None  # bound once at module level to this literal
    bindings: int = 0
    other_use: bool = False
    tests: List[ast.If] = field(default_factory=list)


class DeadExperimentalBranch(Rule):
    code = "GR118"
    name = "dead-experimental-branch"
    category = Category.CODING
    severity = Severity.WARNING
    fix = FixClass.SAFE
    message = "{what}: delete the dead branch (version control keeps it)"
    what = """
Finds `if` and `while` statements whose test is a literal that is always false (`if False:`,
`if 0:`, `if None:`, `while False:`), and `if` statements on a module-level boolean constant
(`DEBUG = False`, `EXPERIMENT_X = False`) that is bound once and used only in `if` tests, where
the constant makes a branch dead (the body when it is false, the `else` when it is true).
`TYPE_CHECKING` and `MYPY` are not switches and are skipped.
"""
    why = """
Switched-off branches are dead experimental code paths: they are not tested, they rot, and
readers cannot tell whether they matter (Sculley et al., "Hidden Technical Debt in Machine
Learning Systems"). Configuration belongs in settings; history belongs in version control.
"""
    use_instead = """\
import os

USE_NEW_MODEL = os.environ.get("USE_NEW_MODEL") == "1"

if USE_NEW_MODEL:
    model = "new"
else:
    model = "old"
"""
    fix_safety = """
SAFE for literal tests: the body is dropped and the `else` branch (if any) is kept, dedented (the
whole `if` goes when there is no `else`); `while False:` is removed. Not rewritten (SUGGEST):
`elif` chains, `while ... else`, dead bodies with `global`/`nonlocal`, and, inside a function, dead
bodies that bind a name or `yield` (deleting them would change the function's scope or kind).
For tests on a named constant the message suggests the same, but nothing is rewritten (SUGGEST):
another module may set the flag.
"""
    bad = (
        "if False:\n    run_experiment()\n",
        "if 0:\n    old_path()\nelse:\n    new_path()\n",
        "while False:\n    poll()\n",
        "EXPERIMENT_X = False\n\nif EXPERIMENT_X:\n    try_new_features()\n",
        "DEBUG = False\n\ndef main():\n    if DEBUG:\n        dump_state()\n",
        "USE_CACHE = True\nif USE_CACHE:\n    load()\nelse:\n    rebuild()\n",
        "if None:\n    x = 1\n",
    )
    good = (
        "if True:\n    run()\n",
        "import os\nDEBUG = os.environ.get('DEBUG') == '1'\nif DEBUG:\n    dump_state()\n",
        # The flag is used for more than `if` tests, or rebound.
        "DEBUG = False\nif DEBUG:\n    dump()\nconfigure(debug=DEBUG)\n",
        "VERBOSE = False\ndef enable():\n    global VERBOSE\n    VERBOSE = True\n"
        "if VERBOSE:\n    chatty()\n",
        # TYPE_CHECKING is the typing idiom, not an experiment.
        "TYPE_CHECKING = False\nif TYPE_CHECKING:\n    import numpy\n",
        # A True flag without an else leaves nothing dead.
        "USE_CACHE = True\nif USE_CACHE:\n    load()\n",
        # Lower-case names are variables, not switches.
        "debug = False\nif debug:\n    dump()\n",
        "while True:\n    break\n",
        # An exported setting is meant to be changed by users of the module.
        "__all__ = ['FILTER_DIR']\nFILTER_DIR = True\nif not FILTER_DIR:\n    x = 1\n",
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._flags: Dict[str, _Flag] = {}
        self._global: Set[str] = set()
        #: Names in `__all__`: public settings other modules may flip (`mock.FILTER_DIR`).
        self._exported: Set[str] = set()

    # -- literal tests --------------------------------------------------------------------
    def visit_If(self, node: ast.If) -> None:
        test = node.test
        truth = _literal_truth(test)
        if truth is False:
            parent = self.ctx.parent
            in_chain = (isinstance(parent, ast.If) and parent.orelse == [node]) or (
                len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
            )
            fixable = not in_chain and not _removal_changes_scope(node.body, self._in_function())
            self.report(test, fixable=fixable, what=f"`if {unparse(test)}:` never runs its body")
            return
        name, _ = self._flag_test(test)
        if name is not None:
            self._flags.setdefault(name, _Flag()).tests.append(node)

    def visit_While(self, node: ast.While) -> None:
        if _literal_truth(node.test) is False:
            fixable = not node.orelse and not _removal_changes_scope(node.body, self._in_function())
            self.report(node.test, fixable=fixable, what=f"`while {unparse(node.test)}:` never runs its body")

    def _in_function(self) -> bool:
        return isinstance(self.ctx.enclosing_scope(), FUNCTION_NODES)

    # -- named switches -------------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            self._exports(node)
        if not (
            len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, bool)
            and self.ctx.parent is self.ctx.tree
        ):
            return
        flag = self._flags.setdefault(node.targets[0].id, _Flag())
        flag.value = node.value.value

    def _exports(self, node: Union[ast.Assign, ast.AugAssign]) -> None:
        value = node.value
        if isinstance(value, (ast.List, ast.Tuple)):
            for item in value.elts:
                if isinstance(item, ast.Constant) and isinstance(item.value, str):
                    self._exported.add(item.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name) and node.target.id == "__all__":
            self._exports(node)

    def visit_Global(self, node: ast.Global) -> None:
        self._global.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self._global.update(node.names)

    def visit_arg(self, node: ast.arg) -> None:
        # A parameter of the same name shadows the module's flag.
        if _CONSTANT_NAME.match(node.arg):
            self._flags.setdefault(node.arg, _Flag()).other_use = True

    def visit_Name(self, node: ast.Name) -> None:
        first = node.id[0]
        if not ("A" <= first <= "Z" or first == "_") or not _CONSTANT_NAME.match(node.id):
            return
        flag = self._flags.setdefault(node.id, _Flag())
        if not isinstance(node.ctx, ast.Load):
            flag.bindings += 1
            return
        parent = self.ctx.parent
        if isinstance(parent, ast.If) and parent.test is node:
            return
        if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
            ancestors = self.ctx.ancestors
            grand = ancestors[-2] if len(ancestors) > 1 else None
            if isinstance(grand, ast.If) and grand.test is parent:
                return
        flag.other_use = True

    def _flag_test(self, test: ast.expr) -> Tuple[Optional[str], bool]:
        negated = False
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test, negated = test.operand, True
        if isinstance(test, ast.Name) and _CONSTANT_NAME.match(test.id):
            return test.id, negated
        return None, False

    def end(self) -> None:
        aliases = self.ctx.imports.aliases
        for name, flag in self._flags.items():
            if (
                flag.value is None
                or flag.bindings != 1
                or flag.other_use
                or not flag.tests
                or name in self._global
                or name in aliases
                or name in _EXEMPT_NAMES
                or name in self._exported
            ):
                continue
            for node in flag.tests:
                _, negated = self._flag_test(node.test)
                truth = flag.value != negated
                spelled = unparse(node.test)
                if not truth:
                    what = f"`if {spelled}:` never runs: `{name}` is always {flag.value}"
                elif node.orelse:
                    what = f"the `else` of `if {spelled}:` never runs: `{name}` is always {flag.value}"
                else:
                    continue
                self.report(node.test, fixable=False, what=what)
