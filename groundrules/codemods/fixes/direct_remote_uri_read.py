"""GR303: ``pd.read_parquet("s3://...")`` -> ``catalog.load("<key>")`` (preconditions: see the rule)."""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._catalog_call import catalog_call
from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


class DirectRemoteUriRead(Fix):
    codes = ("GR303",)
    fix_class = FixClass.UNSAFE

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.flagged(original_node):
            return updated_node
        new = catalog_call(self.context, self.standards, original_node, updated_node, save=False)
        if new is None:
            return updated_node
        self.applied += 1
        return new
