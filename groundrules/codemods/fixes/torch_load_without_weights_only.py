"""GR204: ``torch.load(f)`` -> ``torch.load(f, weights_only=True)``.

UNSAFE (policy, TorchFix's TOR102): checkpoints holding arbitrary objects stop loading.  The rule
offers it only when ``weights_only`` and ``pickle_module`` are both absent.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import PickedCallFix, set_keyword
from groundrules.standards.schema import FixClass

_METHODS = frozenset({"load"})


class TorchWeightsOnly(PickedCallFix):
    codes = ("GR204",)
    fix_class = FixClass.UNSAFE

    methods = _METHODS

    def rewrite(self, updated_node: cst.Call) -> cst.BaseExpression:
        if any(arg.keyword is not None and arg.keyword.value == "weights_only" for arg in updated_node.args):
            return updated_node
        self.applied += 1
        return set_keyword(updated_node, "weights_only", cst.Name("True"))
