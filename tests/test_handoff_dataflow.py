"""The cell dataflow analysis: what each cell binds and reads at module level, in order."""

from __future__ import annotations

from typing import Sequence

from groundrules.rules.cell_dataflow import BUILTIN_NAMES, Dataflow, analyze, analyze_cell
from groundrules.rules.notebooks import mask_cell


def flow(*cells: str) -> Dataflow:
    return analyze([(n, "\n".join(mask_cell(c.splitlines())[0]) + "\n") for n, c in enumerate(cells, start=1)])


def names(events: Sequence[object]) -> list:
    return [getattr(e, "name") for e in events]


def test_params_and_returns_follow_the_data() -> None:
    df = flow(
        "import pandas as pd\nPATH = 'a.csv'",
        "sales = pd.read_csv(PATH)\ntotal = 0",
        "sales['x'] = sales['y'] * 2\nscratch = 1\nprint(scratch)",
        "total += len(sales)\nprint(total)",
    )
    assert df.params(2) == ("pd", "PATH")
    assert df.returns(2) == ("sales", "total")
    assert df.params(3) == ("sales",)
    assert df.returns(3) == ()  # scratch stays local; sales is mutated in place, not rebound
    assert df.flows[2].mutated == ("sales",)
    assert df.params(4) == ("sales", "total")  # the value is evaluated first
    assert df.flows[3].bound == ("total",)


def test_read_order_has_positions() -> None:
    cell = analyze_cell(1, "x = 1\ny = x + z\n")
    reads = [(e.name, e.line, e.column) for e in cell.events if e.kind == "read"]
    assert reads == [("x", 2, 4), ("z", 2, 8)]
    assert names(cell.incoming) == ["z"]


def test_scopes_comprehension_lambda_def_class_global() -> None:
    cell = analyze_cell(
        1,
        "squares = [i * i for i in data if i > limit]\n"
        "f = lambda v: v + offset\n"
        "def g(a, b=default):\n"
        "    local = a + b + outer\n"
        "    global counter\n"
        "    counter = local\n"
        "    return [local for local in range(3)]\n"
        "class C(Base):\n"
        "    attr = 1\n"
        "    other = attr + module_level\n"
        "    def m(self):\n"
        "        return attr\n",
    )
    immediate = [e.name for e in cell.events if e.kind == "read" and not e.deferred]
    deferred = [e.name for e in cell.events if e.kind == "read" and e.deferred]
    assert immediate == ["data", "limit", "default", "Base", "module_level"]
    # `attr` in the method is the module's, not the class's; v, a, b, local are locals.
    assert deferred == ["offset", "outer", "range", "attr"]
    assert cell.bound == ("squares", "f", "g", "counter", "C")
    assert "i" not in cell.bound and "attr" not in cell.bound


def test_del_walrus_augassign_imports_with_except() -> None:
    cell = analyze_cell(
        1,
        "import os.path\nfrom collections import OrderedDict as OD\n"
        "if (n := len(items)) > 3:\n    pass\n"
        "with open(p) as fh:\n    pass\n"
        "try:\n    pass\nexcept ValueError as err:\n    pass\n"
        "del tmp\n"
        "ys = [(w := 2) for _ in range(1)]\n",
    )
    assert cell.bound == ("os", "OD", "n", "fh", "err", "w", "ys")
    assert [n for n in names(cell.incoming) if n not in BUILTIN_NAMES] == ["items", "p", "tmp"]


def test_out_of_order_and_never_bound() -> None:
    df = flow("total = base + 1", "print(missing)", "base = 2", "def f():\n    return later\n", "later = 1")
    stale = df.out_of_order()
    assert [(s.cell, s.name, s.line, s.column, s.bound_in) for s in stale] == [(1, "base", 1, 8, (3,))]
    gone = df.never_bound()
    assert [(s.cell, s.name) for s in gone] == [(2, "missing")]


def test_builtins_and_ipython_names_are_known() -> None:
    df = flow("%matplotlib inline\ndisplay(len([1]))\nx = _\nprint(__name__)")
    assert df.never_bound() == ()
    assert df.out_of_order() == ()


def test_star_import_silences_unknown_names() -> None:
    df = flow("from pylab import *", "plot(x_values)")
    assert df.never_bound() == () and df.out_of_order() == ()


def test_a_cell_that_does_not_parse_has_no_events() -> None:
    df = analyze([(1, "x = (\n"), (2, "y = x")])
    assert df.flows[0].error is not None and df.flows[0].events == ()
    assert [s.name for s in df.never_bound()] == ["x"]


def test_function_reading_name_bound_later_in_same_cell_is_not_incoming() -> None:
    cell = analyze_cell(1, "def f():\n    return helper()\nhelper = print\nf()\n")
    assert names(cell.incoming) == ["print"]
