"""GR602: a name is read but no cell of the notebook binds it."""

from __future__ import annotations

from groundrules.rules.framework import Rule
from groundrules.rules.notebook_state._cells import notebook_example, notebook_state, report_in_cell
from groundrules.standards.schema import Category, Severity


class NeverBound(Rule):
    code = "GR602"
    name = "notebook-name-never-bound"
    category = Category.NOTEBOOK_STATE
    severity = Severity.WARNING
    file_kind = "notebook"
    message = "`{name}` is read but no cell binds it: the cell that defined it was deleted or never saved"
    what = """
Checks notebooks for a module-level name that a code cell reads but that no cell binds (by
assignment, import, `def`, `class`, `for`, `with ... as`, ...), and that is neither a builtin nor
a name IPython provides (`display`, `get_ipython`, `In`, `Out`, `_`, ...). Each name is reported
once per cell. Silent on notebooks with a star import, `%run`, `%store`, `%%capture`,
`exec`/`globals()` or a cell that does not parse, where bindings cannot all be seen.
"""
    why = """
The value lives only in the kernel of the person who deleted the cell that made it. Everyone
else, and the same person after a restart, gets `NameError`; worse, the notebook's saved outputs
were computed from a value nobody can see or review.
"""
    use_instead = """
Restore the cell that binds the name (or bind it where it is first needed), then restart the
kernel and run all cells:

```python
# %%
import pandas as pd
sales = pd.read_csv("sales.csv")
# %%
weekly = sales.resample("W", on="day").sum()
```
"""
    bad = (
        notebook_example("# %%\nimport pandas as pd\n# %%\nweekly = sales.groupby('week').sum()"),
        notebook_example("# %%\nresult = model.predict([[1.0]])"),
        notebook_example("# %%\n%%time\ntotal = helper(10)\n# %%\nprint(total)"),
    )
    good = (
        notebook_example("# %%\nimport pandas as pd\nsales = pd.DataFrame({'week': [1], 'units': [3]})\n"
                         "# %%\nweekly = sales.groupby('week').sum()\ndisplay(weekly)"),
        # `%run` binds what the script defines: unknown, so silent.
        notebook_example("# %%\n%run setup.py\n# %%\nresult = model.predict([[1.0]])"),
        notebook_example("# %%\nfor i in range(3):\n    last = i\n# %%\nprint(last, len(Out), _)"),
    )

    def check_file(self, data: bytes) -> None:
        state = notebook_state(data)
        if state is None or state.opaque:
            return
        for read in state.flow.never_bound():
            report_in_cell(self, read.cell, read.line, read.column, name=read.name)
