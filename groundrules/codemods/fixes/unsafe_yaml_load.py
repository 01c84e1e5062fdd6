"""GR206: ``yaml.load(x)`` -> ``yaml.safe_load(x)`` (and the ``_all`` forms).

SAFE when no Loader is given (PyYAML 6 requires one, so the call fails today); UNSAFE (policy)
when an unsafe loader is passed explicitly, since python-tagged documents stop loading.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass

_SAFE = {
    "load": "safe_load",
    "unsafe_load": "safe_load",
    "full_load": "safe_load",
    "load_all": "safe_load_all",
    "unsafe_load_all": "safe_load_all",
    "full_load_all": "safe_load_all",
}


def _without_loader(args: Sequence[cst.Arg], context: CodemodContext) -> List[cst.Arg]:
    """Drop the Loader, whether passed by keyword or as the second positional argument, and its
    import when nothing else uses it."""
    kept = []
    for index, arg in enumerate(args):
        is_loader = (arg.keyword is not None and arg.keyword.value == "Loader") or (
            arg.keyword is None and not arg.star and index == 1
        )
        if not is_loader:
            kept.append(arg)
        elif isinstance(arg.value, cst.Name):
            RemoveImportsVisitor.remove_unused_import(context, "yaml", arg.value.value)
    if kept:
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return kept


class YamlSafeLoad(Fix):
    codes = ("GR206",)
    fix_class = FixClass.UNSAFE

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.flagged(original_node):
            return updated_node
        func = updated_node.func
        new_func: Optional[cst.BaseExpression] = None
        if isinstance(func, cst.Attribute) and func.attr.value in _SAFE:
            new_func = func.with_changes(attr=cst.Name(_SAFE[func.attr.value]))
        elif isinstance(func, cst.Name) and func.value in _SAFE:
            safe = _SAFE[func.value]
            new_func = cst.Name(safe)
            AddImportsVisitor.add_needed_import(self.context, "yaml", safe)
            RemoveImportsVisitor.remove_unused_import(self.context, "yaml", func.value)
        if new_func is None:
            return updated_node
        self.applied += 1
        return updated_node.with_changes(func=new_func, args=_without_loader(updated_node.args, self.context))
