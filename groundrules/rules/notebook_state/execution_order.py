"""GR603: the recorded execution counts are not in file order."""

from __future__ import annotations

from groundrules.rules.framework import Rule
from groundrules.rules.notebook_state._cells import notebook_example, notebook_state, report_in_cell
from groundrules.standards.schema import Category, Severity


class ExecutionCountsOutOfOrder(Rule):
    code = "GR603"
    name = "notebook-execution-out-of-order"
    category = Category.NOTEBOOK_STATE
    severity = Severity.WARNING
    file_kind = "notebook"
    message = "cell {cell} ran before the code cell above it (execution count [{count}] after [{previous}]): its outputs may not come from running the notebook in order"
    what = """
Checks the execution counts Jupyter saved with a notebook's code cells: reading the cells top to
bottom, each count must be higher than the one before (gaps are fine: cells are re-run while
exploring). A cell whose count is lower than the code cell above it ran before that cell in the
session that saved the notebook. Cells without a count (not run, or stripped) are skipped.
"""
    why = """
Saved outputs, figures and the files the session wrote came from that order, not from the order
a reader, a scheduler or `groundrules handoff` runs. The numbers in the notebook may not be
reproducible from its code. (GR313 asks to strip counts before committing; this rule says what
they reveal while they are there.)
"""
    use_instead = """
Restart the kernel and run all cells (Kernel > Restart & Run All), check the results still hold,
then strip outputs before committing (`groundrules fix --select GR313`).
"""
    bad = (
        notebook_example("# %%\n# execution_count: 2\nx = 1\n# %%\n# execution_count: 1\ny = 2"),
        notebook_example("# %%\n# execution_count: 1\nimport json\n# %%\n# execution_count: 7\nrows = [1]\n"
                         "# %%\n# execution_count: 3\ntotal = sum(rows)"),
        notebook_example("# %% [markdown]\n# Load\n# %%\n# execution_count: 4\nraw = [3, 1]\n"
                         "# %% [markdown]\n# Sort\n# %%\n# execution_count: 4\nraw.sort()"),
    )
    good = (
        notebook_example("# %%\n# execution_count: 1\nx = 1\n# %%\n# execution_count: 2\ny = 2"),
        # Gaps and cells that were not run are fine.
        notebook_example("# %%\n# execution_count: 3\nx = 1\n# %%\ny = 2\n# %%\n# execution_count: 9\nz = 3"),
        # Stripped before committing.
        notebook_example("# %%\nx = 1\n# %%\ny = 2"),
    )

    def check_file(self, data: bytes) -> None:
        state = notebook_state(data)
        if state is None:
            return
        previous = None
        for cell, count in state.counts.items():
            if count is None:
                continue
            if previous is not None and count <= previous:
                report_in_cell(self, cell, 1, 0, cell=cell, count=count, previous=previous)
            previous = count
