"""GR115: imports made to work by editing `sys.path` or changing directory."""

from __future__ import annotations

import ast

from groundrules.rules.framework import Rule
from groundrules.rules.imports import call_name
from groundrules.standards.schema import Category, Severity

_CALLS = {
    "sys.path.append": "`sys.path.append(...)`",
    "sys.path.insert": "`sys.path.insert(...)`",
    "sys.path.extend": "`sys.path.extend(...)`",
    "site.addsitedir": "`site.addsitedir(...)`",
    "os.chdir": "`os.chdir(...)`",
}
_NAMES = frozenset(name.rpartition(".")[2] for name in _CALLS)


class SysPathManipulation(Rule):
    code = "GR115"
    name = "sys-path-manipulation"
    category = Category.CODING
    severity = Severity.WARNING
    message = "{what} makes imports depend on where the code runs: install the project instead"
    what = """
Finds `sys.path.append/insert/extend(...)`, `sys.path += ...`, assignments to `sys.path`,
`site.addsitedir(...)` and `os.chdir(...)`.
"""
    why = """
Code that edits the import path or changes the working directory only works when started from
one place on one machine; tests, schedulers and other modules importing it break or, worse,
import a different copy of a module.
"""
    use_instead = """\
# pyproject.toml declares the package; `pip install -e .` makes it importable everywhere.
from my_project.features import build_features

features = build_features()
"""
    fix_safety = """
No automatic fix: make the project installable (`pip install -e .`) and import it by name; read
files relative to a configured directory instead of changing directory (SUGGEST).
"""
    requires = frozenset({"sys", "site", "os"})
    bad = (
        "import sys\nsys.path.append('..')\n",
        "import sys\nsys.path.insert(0, '/home/me/project')\n",
        "import sys\nsys.path += ['../src']\n",
        "from sys import path\npath.extend(['lib'])\n",
        "import site\nsite.addsitedir('vendor')\n",
        "import os\nos.chdir('/content/drive/MyDrive')\n",
        "import sys\nsys.path = ['src'] + sys.path\n",
    )
    good = (
        "import sys\nargs = sys.argv[1:]\n",
        # Lists of paths that are not sys.path.
        "import sys\npaths = []\npaths.append('..')\npaths.insert(0, 'x')\n",
        "import os\nroot = os.getcwd()\nos.path.join(root, 'x')\n",
        # A local function called chdir.
        "import os\ndef chdir(path):\n    return path\n\nchdir('/tmp')\n",
        # Reading sys.path is fine.
        "import sys\nfor entry in sys.path:\n    logger.debug(entry)\n",
        "path = []\npath.append('x')\n",
    )

    def visit_Call(self, node: ast.Call) -> None:
        if call_name(node) not in _NAMES:
            return
        name = self.ctx.qualname(node.func)
        if name in _CALLS:
            self.report(node, what=_CALLS[name])

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if self.ctx.qualname(node.target) == "sys.path":
            self.report(node, what="`sys.path += ...`")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                target = target.value
            if self.ctx.qualname(target) == "sys.path":
                self.report(node, what="assigning to `sys.path`")
                return
