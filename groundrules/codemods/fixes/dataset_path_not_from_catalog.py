"""GR309: ``pd.read_csv("data/x.csv")`` -> ``catalog.load("<key>")`` and ``df.to_csv(...)`` ->
``catalog.save("<key>", df)`` (preconditions: see the rule)."""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._catalog_call import catalog_call
from groundrules.codemods.framework import Fix
from groundrules.rules.data_access.dataset_path_not_from_catalog import WRITE_METHODS
from groundrules.standards.schema import FixClass


class DatasetPathNotFromCatalog(Fix):
    codes = ("GR309",)
    fix_class = FixClass.UNSAFE

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.flagged(original_node):
            return updated_node
        func = original_node.func
        save = isinstance(func, cst.Attribute) and func.attr.value in WRITE_METHODS
        new = catalog_call(self.context, self.standards, original_node, updated_node, save=save)
        if new is None:
            return updated_node
        self.applied += 1
        return new
