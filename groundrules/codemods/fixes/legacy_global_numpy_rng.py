"""GR402: legacy ``np.random.<fn>()`` -> a ``numpy.random.Generator`` (POLICY: the stream changes).

Adds ``rng = np.random.default_rng(SEED)`` after the statement ``generator_anchor`` picks (the
leading imports, and the bindings of ``numpy`` and ``SEED``; ``SEED`` imported from
``seed-module`` when the module does not bind it), then rewrites each flagged call:
``rand(a, b)`` -> ``rng.random((a, b))``, ``randn`` -> ``rng.standard_normal`` likewise,
``randint`` -> ``rng.integers`` and ``choice``/``shuffle``/``permutation``/``normal``/``uniform``
-> ``rng.<same>`` with the same arguments.  The rule marks a call fixable only when all of this
holds and the call comes after the added line.
"""

from __future__ import annotations

import ast
from typing import Optional, Tuple, Union

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from groundrules.codemods.framework import Fix
from groundrules.rules.datascience._options import SEED_CONSTANT, SEED_MODULE
from groundrules.rules.datascience.legacy_global_numpy_rng import (
    GENERATOR_METHODS,
    RNG,
    SHAPE_ARGS,
    generator_anchor,
)
from groundrules.standards.schema import FixClass


class NumpyGenerator(Fix):
    codes = ("GR402",)
    fix_class = FixClass.UNSAFE

    _anchor: Optional[Tuple[int, str, bool]] = None
    _added = False

    def visit_Module(self, node: cst.Module) -> None:
        self._added = False
        self._anchor = None
        if not self.targets:
            return
        try:
            tree = ast.parse(node.code)
        except SyntaxError:
            return
        self._anchor = generator_anchor(tree, self.option(SEED_CONSTANT), self.option(SEED_MODULE))

    def _ends_at_anchor(self, node: cst.CSTNode) -> bool:
        if self._anchor is None or self.positions is None:
            return False
        where = self.positions.get(node)
        return where is not None and where.end.line == self._anchor[0]

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> Union[cst.BaseStatement, cst.FlattenSentinel[cst.BaseStatement]]:
        if self._added or self._anchor is None or not self._ends_at_anchor(original_node):
            return updated_node
        _, numpy, import_seed = self._anchor
        constant = self.option(SEED_CONSTANT)
        if import_seed:
            AddImportsVisitor.add_needed_import(self.context, self.option(SEED_MODULE), constant)
        value = cst.parse_expression(f"{numpy}.random.default_rng({constant})")
        line = cst.SimpleStatementLine(
            [cst.Assign(targets=[cst.AssignTarget(cst.Name(RNG))], value=value)]
        )
        self._added = True
        return cst.FlattenSentinel([updated_node, line])

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self._added or not self.flagged(original_node):
            return updated_node
        func = updated_node.func
        if isinstance(func, cst.Attribute):
            fn = func.attr.value
        elif isinstance(func, cst.Name):
            fn = func.value
        else:
            return updated_node
        method = GENERATOR_METHODS.get(fn)
        if method is None:
            return updated_node
        args = list(updated_node.args)
        if fn in SHAPE_ARGS and len(args) > 1:
            if any(a.keyword is not None or a.star for a in args):
                return updated_node
            elements = [cst.Element(a.value, comma=a.comma) for a in args]
            elements[-1] = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            args = [cst.Arg(cst.Tuple(elements))]
        if isinstance(func, cst.Name):  # `from numpy.random import randint`, now perhaps unused
            RemoveImportsVisitor.remove_unused_import(self.context, "numpy.random", obj=fn)
        self.applied += 1
        return updated_node.with_changes(
            func=cst.Attribute(value=cst.Name(RNG), attr=cst.Name(method)), args=args
        )
