"""GR106: interactive plotting (``plt.show()``, ``fig.show()``, seaborn, ``df.plot``) in pipeline code."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional

from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, Severity, globs_option

if TYPE_CHECKING:
    from groundrules.rules.context import Context

REPORT_MODULES = globs_option(
    "coding",
    "report-modules",
    ("reports/**", "**/plots.py"),
    "Modules whose job is reporting and plotting, where GR106 does not apply.",
)

_SHOWS = frozenset({"matplotlib.pyplot.show", "plotly.io.show", "plotly.offline.iplot"})
#: Calls returning a figure object whose ``.show()`` opens a window or a browser tab.
_FIGURE_MAKERS_EXACT = frozenset(
    {
        "matplotlib.pyplot.figure",
        "matplotlib.pyplot.gcf",
        "matplotlib.figure.Figure",
        "plotly.graph_objects.Figure",
        "plotly.graph_objs.Figure",
        "plotly.subplots.make_subplots",
    }
)
_FIGURE_TUPLE_MAKERS = frozenset({"matplotlib.pyplot.subplots", "matplotlib.pyplot.subplot_mosaic"})
_PLOTLY_EXPRESS = "plotly.express."
#: seaborn functions that configure or fetch data rather than draw (GR108 covers ``set*``).
_SEABORN_NOT_PLOTTING = ("set", "reset", "load_dataset", "get_dataset_names", "axes_style",
                         "plotting_context", "color_palette", "husl_palette", "hls_palette",
                         "light_palette", "dark_palette", "diverging_palette", "blend_palette",
                         "cubehelix_palette", "mpl_palette", "xkcd_palette", "crayon_palette",
                         "choose_", "palplot", "utils", "despine", "move_legend")
_PANDAS_PLOTS = frozenset({"plot", "hist", "boxplot"})


class InteractivePlottingInPipeline(Rule):
    code = "GR106"
    name = "interactive-plotting-in-pipeline"
    category = Category.CODING
    severity = Severity.WARNING
    message = "`{call}` {why}: save figures with `fig.savefig(path)` in a reporting module"
    what = """
Finds, outside `report-modules`: `plt.show()`, `.show()` on a matplotlib or plotly figure
(`fig = plt.figure()`, `fig, ax = plt.subplots()`, `px.scatter(...)`, `go.Figure(...)`), seaborn
plotting calls (`sns.histplot(...)`...) and pandas plotting (`df.plot(...)`, `df.plot.bar(...)`,
`df.hist()`, `df.boxplot()` on a proven DataFrame or Series).
"""
    why = """
`show()` blocks a headless job or fails without a display, and plotting in compute code mixes
reporting with the pipeline: every run pays for figures nobody looks at.
"""
    use_instead = """\
from pathlib import Path

import matplotlib.pyplot as plt


def save_histogram(values: list, out: Path) -> None:
    fig, ax = plt.subplots()
    ax.hist(values)
    fig.savefig(out / "hist.png")
    plt.close(fig)
"""
    fix_safety = """
No automatic fix: where the figure should go (a file, a report) is a design decision. The message
suggests `fig.savefig(path)` in a reporting module listed in `report-modules`.
"""
    options = (REPORT_MODULES,)
    requires = frozenset({"matplotlib", "plotly", "seaborn", "pandas"})
    bad = (
        "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n",
        "import matplotlib.pyplot as plt\n\ndef f():\n    fig, ax = plt.subplots()\n"
        "    fig.show()\n",
        "import plotly.express as px\nfig = px.scatter(x=[1], y=[2])\nfig.show()\n",
        "import seaborn as sns\nsns.histplot([1, 2, 3])\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf.plot(x='a', y='b')\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf['a'].plot.hist()\n",
        "import plotly.graph_objects as go\ngo.Figure().show()\n",
    )
    good = (
        "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nfig.savefig('a.png')\n",
        Example(
            "import matplotlib.pyplot as plt\nplt.plot([1])\nplt.show()\n",
            path="reports/summary.py",
        ),
        # `.show()` on something that is not a figure, a dict's `.plot` key, a polars module.
        "import matplotlib\nclass W:\n    def show(self):\n        return 1\n\nW().show()\n",
        "import pandas as pd\nd = {'plot': 1}\nwindow = make()\nwindow.show()\nd.plot\n",
        Example("import polars as pl\ndf = pl.read_csv('a.csv')\ndf.plot.bar(x='a')\n"),
        "import seaborn as sns\nsns.set_theme()\ndf = sns.load_dataset('iris')\n",
        # A name rebound to something else is no longer a figure.
        "import matplotlib.pyplot as plt\nfig = plt.figure()\nfig = make_widget()\nfig.show()\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._skip: Optional[bool] = None
        # name -> bound to a figure?, one dict per open scope (module first).
        self._figures: List[Dict[str, bool]] = [{}]

    # -- scopes and bindings -------------------------------------------------------------
    def _enter(self, node: ast.AST) -> None:
        self._figures.append({})

    def _leave(self, node: ast.AST) -> None:
        self._figures.pop()

    visit_FunctionDef = _enter
    leave_FunctionDef = _leave
    visit_AsyncFunctionDef = _enter
    leave_AsyncFunctionDef = _leave
    visit_Lambda = _enter
    leave_Lambda = _leave
    visit_ClassDef = _enter
    leave_ClassDef = _leave

    def leave_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind(target, node.value)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bind(node.target, node.value)

    def _bind(self, target: ast.expr, value: Optional[ast.expr]) -> None:
        scope = self._figures[-1]
        if isinstance(target, ast.Name):
            scope[target.id] = value is not None and self._is_figure(value)
        elif isinstance(target, (ast.Tuple, ast.List)) and target.elts:
            maker = self.ctx.qualname(value.func) if isinstance(value, ast.Call) else None
            for i, elt in enumerate(target.elts):
                if isinstance(elt, ast.Name):
                    scope[elt.id] = i == 0 and maker in _FIGURE_TUPLE_MAKERS

    def _is_figure(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return self._name_is_figure(node.id)
        if not isinstance(node, ast.Call):
            return False
        name = self.ctx.qualname(node.func)
        if name is None:
            return False
        if name in _FIGURE_MAKERS_EXACT:
            return True
        return name.startswith(_PLOTLY_EXPRESS) and name.count(".") == 2

    def _name_is_figure(self, name: str) -> bool:
        for scope in reversed(self._figures):
            if name in scope:
                return scope[name]
        return False

    # -- calls ------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            attr = func.attr
            if attr == "show":
                self._check_show(node, func)
                return
            if attr in _PANDAS_PLOTS or (
                isinstance(func.value, ast.Attribute) and func.value.attr == "plot"
            ):
                self._check_pandas(node, func)
                return
            if not isinstance(func.value, ast.Name):
                return
        elif not isinstance(func, ast.Name):
            return
        name = self.ctx.qualname(func)
        if name is None:
            return
        if name in _SHOWS:
            self._report(node, f"{name}()", "blocks or fails in a headless job")
        elif name.startswith("seaborn.") and name.count(".") == 1:
            short = name.split(".", 1)[1]
            if not short.startswith(_SEABORN_NOT_PLOTTING):
                self._report(node, f"sns.{short}(...)", "draws a figure in pipeline code")

    def _check_show(self, node: ast.Call, func: ast.Attribute) -> None:
        name = self.ctx.qualname(func)
        if name in _SHOWS:
            self._report(node, f"{name}()", "blocks or fails in a headless job")
            return
        receiver = func.value
        if isinstance(receiver, ast.Name):
            if self._name_is_figure(receiver.id):
                self._report(node, f"{receiver.id}.show()", "opens a window or browser tab")
        elif self._is_figure(receiver):
            self._report(node, "fig.show()", "opens a window or browser tab")

    def _check_pandas(self, node: ast.Call, func: ast.Attribute) -> None:
        receiver = func.value
        call = f".{func.attr}(...)"
        if isinstance(receiver, ast.Attribute) and receiver.attr == "plot":
            receiver = receiver.value
            call = f".plot.{func.attr}(...)"
        if self.ctx.pandas.is_pandas(receiver):
            self._report(node, call, "draws a figure in pipeline code")

    def _report(self, node: ast.Call, call: str, why: str) -> None:
        if self._skip is None:
            self._skip = self.ctx.path_matches(REPORT_MODULES)
        if not self._skip:
            self.report(node, call=call, why=why)
