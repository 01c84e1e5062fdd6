"""``--keep-plots``: the figures a cell draws are saved under ``settings.figures_dir`` instead
of shown (a module has no screen).  ``plt.show()`` becomes the save; a cell that draws without
showing (Jupyter shows its figure anyway) gets the save after its last plotting statement."""

from __future__ import annotations

import ast
from typing import List, Sequence, Set

import libcst as cst

from groundrules.handoff.exploration import Classifier


def save_figure(alias: str, cell: int, number: int) -> List[cst.SimpleStatementLine]:
    name = f"cell{cell}_figure{number}.png"
    code = (f"os.makedirs(settings.figures_dir, exist_ok=True)\n"
            f"{alias}.savefig(os.path.join(settings.figures_dir, \"{name}\"))\n"
            f"{alias}.close()\n")
    return [s for s in cst.parse_module(code).body if isinstance(s, cst.SimpleStatementLine)]


def is_show(tree: ast.stmt, aliases: Set[str]) -> bool:
    return (isinstance(tree, ast.Expr) and isinstance(tree.value, ast.Call)
            and isinstance(tree.value.func, ast.Attribute) and tree.value.func.attr == "show"
            and isinstance(tree.value.func.value, ast.Name) and tree.value.func.value.id in aliases)


def plotting_indexes(trees: Sequence[ast.stmt], classifier: Classifier) -> List[int]:
    return [i for i, tree in enumerate(trees) if classifier.is_plot_call(tree)]


class DropNestedPlots(cst.CSTTransformer):
    """Inside a loop or a block that also computes, the statements that only draw are removed
    (``ax.scatter(...)`` in a loop over groups); an emptied block becomes ``pass``."""

    def __init__(self, classifier: Classifier) -> None:
        super().__init__()
        self.classifier = classifier
        self.removed: List[str] = []
        self._depth = 0

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        self._depth += 1
        return True

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        self._depth -= 1
        return updated_node

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> "cst.SimpleStatementLine | cst.RemovalSentinel":
        if not self._depth:
            return updated_node
        code = cst.Module(body=[updated_node.with_changes(leading_lines=[])]).code
        try:
            tree = ast.parse(code)
        except SyntaxError:
            return updated_node
        if tree.body and all(self.classifier.classify(s, False).kind == "plot" for s in tree.body):
            self.removed.append(code.strip())
            return cst.RemoveFromParent()
        return updated_node
