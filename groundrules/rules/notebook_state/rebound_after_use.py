"""GR604: a cell that rebinds a name from its own value ran after a later cell that reads it."""

from __future__ import annotations

from typing import Dict, Optional, Tuple

from groundrules.rules.cell_dataflow import BIND, READ, CellFlow
from groundrules.rules.framework import Rule
from groundrules.rules.notebook_state._cells import notebook_example, notebook_state, report_in_cell
from groundrules.standards.schema import Category, Severity


class SelfUpdateRunOutOfOrder(Rule):
    code = "GR604"
    name = "notebook-self-update-out-of-order"
    category = Category.NOTEBOOK_STATE
    severity = Severity.WARNING
    file_kind = "notebook"
    message = ("cell {cell} rebinds `{name}` from its own value and ran after cell {later}, which reads it "
               "(execution count [{count}] > [{later_count}]): top to bottom, cell {later} sees a different `{name}`")
    what = """
Checks notebooks for a *self-update*: a code cell that reads a module-level name and then
rebinds it from that value (`df = df[df.amount > 0]`, `n += 1`, `X = scaler.transform(X)`), whose
saved execution count is higher than that of a later code cell reading the same name. That
later cell ran before the update's last run: on a value of the name that either had not been
updated yet or had been updated by an earlier run of the same cell. Run top to bottom, the
update applies exactly once before the later cell, so its results change.

Deliberately narrow: only rebinding (not in-place mutation such as `df["x"] = ...`), only reads at
module level (not inside function bodies), and only with execution counts as evidence, so a
stripped notebook is never reported. GR603 reports the out-of-order counts themselves.
"""
    why = """
Filters, scalings and counters that read and rebind the same name are not idempotent: running
the cell twice filters twice or scales twice. The saved outputs of the cells below then describe
data that a fresh run does not produce, which is how a notebook's numbers quietly stop being
reproducible.
"""
    use_instead = """
Bind the result to a new name, so re-running a cell cannot compound it, then restart the kernel
and run all cells:

```python
# %%
positive = df[df["amount"] > 0]
# %%
total = positive["amount"].sum()
```
"""
    bad = (
        notebook_example("# %%\n# execution_count: 1\ndf = load()\n# %%\n# execution_count: 5\n"
                         "df = df[df['amount'] > 0]\n# %%\n# execution_count: 3\ntotal = df['amount'].sum()\n"
                         "# %%\n# execution_count: 2\ndef load():\n    return None"),
        notebook_example("# %%\n# execution_count: 1\nn = 0\n# %%\n# execution_count: 4\nn += 1\n"
                         "# %%\n# execution_count: 2\nlabel = f'run {n}'"),
        notebook_example("# %%\n# execution_count: 1\nscores = [1, 2]\n# %%\n# execution_count: 8\n"
                         "scores = [s * 100 for s in scores]\n# %%\n# execution_count: 6\nbest = max(scores)"),
    )
    good = (
        notebook_example("# %%\n# execution_count: 1\nscores = [1, 2]\n# %%\n# execution_count: 2\n"
                         "scores = [s * 100 for s in scores]\n# %%\n# execution_count: 3\nbest = max(scores)"),
        # A new name: re-running cannot compound the update.
        notebook_example("# %%\n# execution_count: 1\nscores = [1, 2]\n# %%\n# execution_count: 8\n"
                         "percent = [s * 100 for s in scores]\n# %%\n# execution_count: 6\nbest = max(scores)"),
        # No execution counts (stripped): no evidence of the order.
        notebook_example("# %%\nn = 0\n# %%\nn += 1\n# %%\nlabel = f'run {n}'"),
    )

    def check_file(self, data: bytes) -> None:
        state = notebook_state(data)
        if state is None:
            return
        flows = state.flow.flows
        for index, flow in enumerate(flows):
            count = state.counts.get(flow.cell)
            if count is None:
                continue
            for name, at in _self_updates(flow).items():
                later = next(((f.cell, c) for f in flows[index + 1 :]
                              for c in (state.counts.get(f.cell),)
                              if c is not None and c < count and _reads(f, name)), None)
                if later is not None:
                    report_in_cell(self, flow.cell, at[0], at[1], cell=flow.cell, name=name, later=later[0],
                                   count=count, later_count=later[1])


def _self_updates(flow: CellFlow) -> Dict[str, Tuple[int, int]]:
    """Names the cell reads (before binding them itself) and then rebinds: name -> where."""
    read_first: Dict[str, bool] = {}
    out: Dict[str, Tuple[int, int]] = {}
    for event in flow.events:
        if event.deferred:
            continue
        if event.kind == READ:
            read_first.setdefault(event.name, True)
        elif event.kind == BIND:
            if read_first.get(event.name) and event.name not in out:
                out[event.name] = (event.line, event.column)
            read_first.setdefault(event.name, False)
    return out


def _reads(flow: CellFlow, name: str) -> bool:
    first: Optional[str] = next((e.kind for e in flow.events if e.name == name and not e.deferred
                                 and e.kind in (READ, BIND)), None)
    return first == READ
