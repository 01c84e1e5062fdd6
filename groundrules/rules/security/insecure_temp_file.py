"""GR211: a temporary file with a predictable name (``tempfile.mktemp``, ``/tmp/...`` literals)."""

from __future__ import annotations

import ast
from typing import Optional

from groundrules.rules.context import literal_string
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

_MKTEMP = frozenset({"tempfile.mktemp"})
#: Calls that test whether a path exists or need it not to exist (the fixed name now does).
_NEEDS_ABSENT = frozenset(
    """exists lexists isfile isdir is_file is_dir access stat lstat mkdir makedirs mkfifo mknod
    symlink symlink_to link hardlink_to copytree touch rename replace""".split()
)
#: Names the fix introduces.
_FIX_NAMES = frozenset({"fd", "os", "tempfile"})
_PREFIXES = ("/tmp/", "/var/tmp/", "/dev/shm/")
#: Calls whose string arguments are text to compare, search or show, not paths to write.
_TEXT_CALLS = frozenset(
    """startswith endswith replace removeprefix removesuffix split rsplit partition rpartition
    find rfind index rindex count strip lstrip rstrip match search fullmatch sub subn compile
    fnmatch fnmatchcase print debug info warning warn error exception critical log echo secho
    write format format_map encode translate""".split()
)
#: Keywords that name a directory where a secure ``tempfile`` function creates its file.
_SAFE_KEYWORDS = frozenset({"dir", "prefix", "suffix"})
_MAX_SHOWN = 60
#: The bare directories: a prefix to test against, unless joined with a file name.
_BARE = frozenset({"/tmp/", "/tmp", "/var/tmp/", "/var/tmp", "/dev/shm/", "/dev/shm"})
#: ``os.path.join("/tmp", name)``.
_JOINS = frozenset({"os.path.join", "posixpath.join"})


def _temp_prefix(node: ast.AST) -> Optional[str]:
    """The literal text of a string or f-string that starts with a shared temp directory."""
    text = literal_string(node)
    if text is None and isinstance(node, ast.JoinedStr) and node.values:
        text = literal_string(node.values[0])
        if text is not None:
            text += "{…}"
    if text is not None and text.startswith(_PREFIXES):
        return text
    return None


class InsecureTempFile(Rule):
    code = "GR211"
    name = "insecure-temp-file"
    category = Category.SECURITY
    severity = Severity.ERROR
    message = (
        "hard-coded temporary path `{path}`: create it with `tempfile.mkstemp()` or "
        "`tempfile.TemporaryDirectory()` instead"
    )
    mktemp_message = (
        "`tempfile.mktemp()` returns a name another process can create first: use "
        "`tempfile.mkstemp()` or `tempfile.NamedTemporaryFile()`"
    )
    what = """
Finds `tempfile.mktemp(...)` calls and string literals (or f-strings) naming a file under `/tmp/`,
`/var/tmp/` or `/dev/shm/` used as file paths: passed to a call, assigned, given as a parameter
default or joined with `/`; and the bare directory joined with a file name
(`Path("/tmp") / "x.csv"`, `os.path.join("/tmp", name)`).

Strings only compared or searched (`path.startswith("/tmp/")`), printed or logged, docstrings, and
`dir=` of the secure `tempfile` functions are not reported.
"""
    why = """
`mktemp()` only returns a name: between that and opening the file another local user or process
can create it (a symlink to a file you own, say) and the write goes there. Fixed paths in a shared
temporary directory have the same race and collide between jobs running on one machine.
"""
    use_instead = """\
import os
import tempfile

fd, path = tempfile.mkstemp(suffix=".csv")
os.close(fd)
with tempfile.TemporaryDirectory() as workdir:
    out = os.path.join(workdir, "features.parquet")
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): `mkstemp` creates the file (mode 0600) where `mktemp` only
returned a name: the file now exists when the code continues, which code that renames onto it (on
Windows) or checks it indirectly can notice. With `--unsafe-fixes`:
`p = tempfile.mktemp(suffix=s)` -> `fd, p = tempfile.mkstemp(suffix=s)` followed by
`os.close(fd)`, applied only when `p` is a plain name, nothing in the scope tests it for existence
or needs it absent (`exists`, `mkdir`, `open(p, "x")`, ...; the file now exists when the code
continues) or copies it, and the module uses no other `fd`, `os` or `tempfile`. Hard-coded
`/tmp/...` literals: no automatic fix (SUGGEST).
"""
    fix = FixClass.UNSAFE
    bad = (
        "import tempfile\npath = tempfile.mktemp(suffix='.csv')\n",
        # The name is tested for existence: no fix.
        "import os\nimport tempfile\np = tempfile.mktemp()\nif not os.path.exists(p):\n"
        "    os.mkfifo(p)\n",
        "from tempfile import mktemp\nname = mktemp()\n",
        "import pandas as pd\ndf = pd.DataFrame()\ndf.to_csv('/tmp/features.csv')\n",
        "with open('/tmp/model.pkl', 'wb') as fh:\n    fh.write(b'')\n",
        "OUT = '/var/tmp/export.parquet'\n",
        "def run(job, out=f'/tmp/{0}.json'):\n    return out\n",
        "from pathlib import Path\np = Path('/tmp') / 'cache.db'\n",
        "import os\np = os.path.join('/tmp', 'cache.db')\n",
    )
    good = (
        "import tempfile\nfd, path = tempfile.mkstemp(suffix='.csv')\n",
        # Comparing or logging a path is not creating a file there.
        "def is_tmp(p):\n    return p.startswith('/tmp/')\n\nprint('/tmp/ is cleaned at boot')\n",
        # A docstring that mentions the directory.
        "def f():\n    '''Writes nothing to /tmp/ itself.'''\n    return 1\n",
        # The secure tempfile functions may be told which directory to use.
        "import tempfile\ntempfile.mkstemp(dir='/tmp/myjob')\n",
        # A local function named mktemp, and /tmp without a file under it.
        "def mktemp():\n    return 'x'\n\nmktemp()\nTMP = '/tmp'\n",
        # URL paths in a robots.txt test, one of which happens to start with /tmp/.
        "bad = ['/cyberworld/map/index.html', '/tmp/xxx', '/foo.html']\n",
        # Paths in other directories, and a comparison.
        "out = '/data/tmp/x.csv'\nok = out == '/tmp/x.csv'\n",
        # Bare directories kept as prefixes to compare against.
        "SHARED = ('/tmp/', '/var/tmp/')\nfrom pathlib import Path\nroot = Path('/tmp')\n",
    )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name == "mktemp" and self.ctx.qualname(func) in _MKTEMP:
            self.report(node, self.mktemp_message, fixable=self._mkstemp_fits(node))

    def _mkstemp_fits(self, node: ast.Call) -> bool:
        """``p = tempfile.mktemp(...)`` where nothing in the scope needs ``p`` not to exist and
        the names the fix introduces are free."""
        parent = self.ctx.parent
        if not (
            isinstance(parent, ast.Assign)
            and parent.value is node
            and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)
            and not any(isinstance(a, ast.Starred) for a in node.args)
            and all(kw.arg is not None for kw in node.keywords)
        ):
            return False
        name = parent.targets[0].id
        for sub in ast.walk(self.ctx.tree):
            if isinstance(sub, ast.Name) and (
                sub.id == "fd" or (sub.id in _FIX_NAMES and not isinstance(sub.ctx, ast.Load))
            ):
                return False
            if isinstance(sub, ast.arg) and sub.arg in _FIX_NAMES:
                return False
            if isinstance(sub, ast.alias) and (sub.asname or sub.name) in _FIX_NAMES and sub.name not in _FIX_NAMES:
                return False
        scope = self.ctx.enclosing_scope() or self.ctx.tree
        for sub in ast.walk(scope):
            if isinstance(sub, ast.Call) and self._needs_absent(sub) and _mentions(sub, name):
                return False
            if isinstance(sub, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and (
                isinstance(sub.value, ast.Name) and sub.value.id == name
            ):
                return False  # a copy of the name, which might be tested
        return True

    @staticmethod
    def _needs_absent(call: ast.Call) -> bool:
        func = call.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if called in _NEEDS_ABSENT:
            return True
        if called == "open":  # exclusive creation
            modes = [*call.args[1:2], *(kw.value for kw in call.keywords if kw.arg == "mode")]
            return any("x" in (literal_string(m) or "x") for m in modes)
        return False

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, str) and value.startswith(("/tmp", "/var/tmp", "/dev/shm")):
            if value in _BARE:
                self._check_bare(node)
            elif value.startswith(_PREFIXES):
                self._check(node)

    def _check_bare(self, node: ast.Constant) -> None:
        """``Path("/tmp") / "x.csv"`` and ``os.path.join("/tmp", "x.csv")``: a fixed file there."""
        parent = self.ctx.parent
        if isinstance(parent, ast.Call) and len(parent.args) == 1 and parent.args[0] is node:
            # Path("/tmp") / "x.csv": look one level up.
            if self.ctx.qualname(parent.func) in ("pathlib.Path", "pathlib.PurePath"):
                grand = self.ctx.ancestors[-2] if len(self.ctx.ancestors) >= 2 else None
                if isinstance(grand, ast.BinOp) and isinstance(grand.op, ast.Div) and (
                    grand.left is parent
                ):
                    self.report(node, path=node.value, fixable=False)
            return
        if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Div) and parent.left is node:
            self.report(node, path=node.value, fixable=False)
        elif (
            isinstance(parent, ast.Call)
            and parent.args
            and parent.args[0] is node
            and len(parent.args) > 1
            and self.ctx.qualname(parent.func) in _JOINS
        ):
            self.report(node, path=node.value, fixable=False)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if node.values and _temp_prefix(node) is not None:
            self._check(node)

    def _check(self, node: ast.expr) -> None:
        parent = self.ctx.parent
        if isinstance(parent, ast.JoinedStr):
            return  # the f-string itself is checked
        if not self._used_as_path(node, parent):
            return
        text = _temp_prefix(node)
        if text is None:
            return
        if len(text) > _MAX_SHOWN:
            text = text[: _MAX_SHOWN - 1] + "…"
        self.report(node, path=text.replace("`", "'"), fixable=False)

    def _used_as_path(self, node: ast.expr, parent: Optional[ast.AST]) -> bool:
        if isinstance(parent, ast.keyword):
            if parent.arg in _SAFE_KEYWORDS:
                return False
            call = self.ctx.ancestors[-2] if len(self.ctx.ancestors) >= 2 else None
            return isinstance(call, ast.Call) and not self._text_call(call)
        if isinstance(parent, ast.Call):
            return node in parent.args and not self._text_call(parent)
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
            return parent.value is node
        if isinstance(parent, ast.arguments):
            return True  # a parameter default
        if isinstance(parent, ast.BinOp):
            return isinstance(parent.op, ast.Div) or (
                isinstance(parent.op, ast.Add) and parent.left is node
            )
        if isinstance(parent, (ast.List, ast.Tuple)):
            # A list of output paths assigned or passed on; not a `x in ("/tmp/a", ...)` test.
            # Mixed with other absolute paths it is a list of URL paths or names (robots.txt
            # rules, say), not of files: only a list of temp paths only counts.
            grand = self.ctx.ancestors[-2] if len(self.ctx.ancestors) >= 2 else None
            return isinstance(grand, (ast.Assign, ast.AnnAssign)) and all(
                _temp_prefix(elt) is not None for elt in parent.elts
            )
        return False

    @staticmethod
    def _text_call(call: ast.Call) -> bool:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        return name in _TEXT_CALLS


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(sub, ast.Name) and sub.id == name for sub in ast.walk(node))
