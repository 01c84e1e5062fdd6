"""GR204: ``torch.load(f)`` -> ``torch.load(f, weights_only=True)``.

UNSAFE (policy, TorchFix's TOR102): checkpoints holding arbitrary objects stop loading.  The rule
offers it only when ``weights_only`` and ``pickle_module`` are both absent.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import CallPicker, set_keyword
from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass

_METHODS = frozenset({"load"})


class TorchWeightsOnly(Fix):
    codes = ("GR204",)
    fix_class = FixClass.UNSAFE

    _picker: CallPicker

    def visit_Module(self, node: cst.Module) -> None:
        self._picker = CallPicker(_METHODS)

    def visit_Call(self, node: cst.Call) -> None:
        self._picker.visit(self, node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self._picker.picked(original_node):
            return updated_node
        if any(arg.keyword is not None and arg.keyword.value == "weights_only" for arg in updated_node.args):
            return updated_node
        self.applied += 1
        return set_keyword(updated_node, "weights_only", cst.Name("True"))
