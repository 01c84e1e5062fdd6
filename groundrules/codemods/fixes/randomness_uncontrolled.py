"""GR401: add ``random_state=SEED`` (CatBoost: ``random_seed=SEED``) to a randomised estimator or
splitter, or replace an explicit ``None`` seed.

UNSAFE (policy): the random stream changes, so results change once.  ``SEED`` is the
``seed-constant`` option; the rule reports the call as fixable only when the module binds that
name before the call or ``seed-module`` is set, and then ``from <seed-module> import SEED`` is
added unless the module already binds it.
"""

from __future__ import annotations

import ast
from typing import Optional

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from groundrules.codemods.fixes._keyword_arg import set_keyword
from groundrules.codemods.framework import Fix
from groundrules.rules.datascience._options import SEED_CONSTANT, SEED_MODULE
from groundrules.rules.datascience.randomness_uncontrolled import (
    _CANDIDATES,
    _SKLEARN_PREFIXES,
    seed_import_needed,
)
from groundrules.standards.schema import FixClass

_SEED_KEYS = ("random_state", "random_seed", "seed")


def _callee(call: cst.Call) -> Optional[str]:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def _none_seed_key(call: cst.Call) -> Optional[str]:
    """The seed keyword passed as ``None`` (``random_state=None``), whose value gets replaced."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in _SEED_KEYS:
            if isinstance(arg.value, cst.Name) and arg.value.value == "None":
                return arg.keyword.value
    return None


class RandomnessUncontrolled(Fix):
    codes = ("GR401",)
    fix_class = FixClass.UNSAFE

    _import_from: Optional[str] = None

    def visit_Module(self, node: cst.Module) -> None:
        constant = self.option(SEED_CONSTANT)
        seed_module = self.option(SEED_MODULE)
        try:
            needed = seed_import_needed(ast.parse(node.code), constant, seed_module)
        except SyntaxError:
            needed = None
        self._import_from = seed_module if needed else None

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.flagged(original_node):
            return updated_node
        # ``RandomForestClassifier().fit(X, y)``: both calls start here; only the constructor.
        name = _callee(original_node)
        if name is None or not (name in _CANDIDATES or name.startswith(_SKLEARN_PREFIXES)):
            return updated_node
        constant = self.option(SEED_CONSTANT)
        key = _none_seed_key(updated_node)
        if key is None:
            key = "random_seed" if name.startswith("CatBoost") else "random_state"
        if self._import_from:
            AddImportsVisitor.add_needed_import(self.context, self._import_from, constant)
        self.applied += 1
        return set_keyword(updated_node, key, cst.Name(constant))
