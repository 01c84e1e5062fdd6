"""GR601: a cell reads a name that only a later cell binds."""

from __future__ import annotations

from groundrules.rules.framework import Rule
from groundrules.rules.notebook_state._cells import notebook_example, notebook_state, report_in_cell
from groundrules.standards.schema import Category, Severity


class ReadBeforeBound(Rule):
    code = "GR601"
    name = "notebook-read-before-bound"
    category = Category.NOTEBOOK_STATE
    severity = Severity.WARNING
    file_kind = "notebook"
    message = "`{name}` is read before any cell binds it (bound later, in cell {later}): it only worked out of order"
    what = """
Checks notebooks for a code cell that reads a module-level name which no cell above it binds, but
a cell below it does. The notebook worked in the session that saved it only because the lower
cell ran first; run top to bottom (nbconvert, papermill, CI, `groundrules handoff`) it fails with
`NameError`, or silently picks up a stale value when the name also exists for another reason.
Reads inside function bodies count when the function is called, not where it is defined. Silent
on notebooks with a star import, `%run`, `exec`/`globals()` or a cell that does not parse, where
the bindings cannot all be seen.
"""
    why = """
A notebook is a program read top to bottom by everyone but its author's kernel. Results saved in
it (numbers in a report, a model file) came from an order nobody can reproduce, and the next
person to run it gets an error or different numbers.
"""
    use_instead = """
Move the cell that binds the name above its first reader (or the reading cell below it), then
restart the kernel and run all cells:

```python
# %%
threshold = 0.5
# %%
flagged = scores[scores > threshold]
```
"""
    bad = (
        notebook_example("# %%\nflagged = scores[scores > threshold]\n# %%\nthreshold = 0.5\nscores = [0.2, 0.7]"),
        notebook_example("# %%\nimport pandas as pd\n# %%\ndf = clean(raw)\n# %%\nraw = pd.DataFrame({'a': [1]})\n"
                         "def clean(frame):\n    return frame.dropna()"),
        notebook_example("# %%\n%%time\nmodel.fit(X, y)\n# %%\nfrom sklearn.linear_model import Ridge\n"
                         "X, y = [[0], [1]], [0, 1]\nmodel = Ridge()"),
    )
    good = (
        notebook_example("# %%\nthreshold = 0.5\nscores = [0.2, 0.7]\n# %%\nflagged = [s for s in scores if s > threshold]"),
        # Read inside a function: it happens when the function is called, after the later cell.
        notebook_example("# %%\ndef scaled(x):\n    return x * factor\n# %%\nfactor = 2\nresult = scaled(3)"),
        # A star import may bind anything: the rule stays silent.
        notebook_example("# %%\nfrom math import *\nvalue = tau\n# %%\ntau = 6.28"),
    )

    def check_file(self, data: bytes) -> None:
        state = notebook_state(data)
        if state is None or state.opaque:
            return
        for read in state.flow.out_of_order():
            later = ", ".join(str(c) for c in read.bound_in)
            report_in_cell(self, read.cell, read.line, read.column, name=read.name, later=later)
