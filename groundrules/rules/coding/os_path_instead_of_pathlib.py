"""GR122: `os.path` / `os` / `glob` file-system calls where the standards prefer pathlib."""

from __future__ import annotations

import ast

from groundrules.rules.framework import Rule
from groundrules.rules.imports import call_name
from groundrules.standards.schema import Category, Severity

#: Qualified name -> its pathlib equivalent (after ruff's flake8-use-pathlib, PTH100-PTH211).
_EQUIVALENTS = {
    "os.path.abspath": "`Path.resolve()`",
    "os.path.realpath": "`Path.resolve()`",
    "os.path.exists": "`Path.exists()`",
    "os.path.lexists": "`Path.exists(follow_symlinks=False)`",
    "os.path.expanduser": "`Path.expanduser()`",
    "os.path.isdir": "`Path.is_dir()`",
    "os.path.isfile": "`Path.is_file()`",
    "os.path.islink": "`Path.is_symlink()`",
    "os.path.ismount": "`Path.is_mount()`",
    "os.path.isabs": "`Path.is_absolute()`",
    "os.path.join": "the `/` operator (`Path(a) / b`)",
    "os.path.basename": "`Path.name`",
    "os.path.dirname": "`Path.parent`",
    "os.path.splitext": "`Path.suffix` and `Path.stem`",
    "os.path.split": "`Path.parent` and `Path.name`",
    "os.path.samefile": "`Path.samefile()`",
    "os.path.getsize": "`Path.stat().st_size`",
    "os.path.getmtime": "`Path.stat().st_mtime`",
    "os.path.getatime": "`Path.stat().st_atime`",
    "os.path.getctime": "`Path.stat().st_ctime`",
    "os.path.relpath": "`Path.relative_to()`",
    "os.path.normpath": "`Path.resolve()` (or `PurePath` for a lexical form)",
    "os.mkdir": "`Path.mkdir()`",
    "os.makedirs": "`Path.mkdir(parents=True)`",
    "os.rename": "`Path.rename()`",
    "os.replace": "`Path.replace()`",
    "os.rmdir": "`Path.rmdir()`",
    "os.remove": "`Path.unlink()`",
    "os.unlink": "`Path.unlink()`",
    "os.getcwd": "`Path.cwd()`",
    "os.listdir": "`Path.iterdir()`",
    "os.scandir": "`Path.iterdir()`",
    "os.walk": "`Path.rglob('*')` (or `Path.walk()` on Python 3.12+)",
    "os.stat": "`Path.stat()`",
    "os.lstat": "`Path.lstat()`",
    "os.chmod": "`Path.chmod()`",
    "os.readlink": "`Path.readlink()`",
    "os.symlink": "`Path.symlink_to()`",
    "os.link": "`Path.hardlink_to()`",
    "glob.glob": "`Path.glob()` / `Path.rglob()`",
    "glob.iglob": "`Path.glob()` / `Path.rglob()`",
}
_NAMES = frozenset(name.rpartition(".")[2] for name in _EQUIVALENTS)


class OsPathInsteadOfPathlib(Rule):
    code = "GR122"
    name = "os-path-instead-of-pathlib"
    category = Category.CODING
    severity = Severity.INFO
    message = "`{call}()`: use {equivalent}"
    what = """
Finds file-system calls through `os.path.*`, `os` (`makedirs`, `listdir`, `remove`, `rename`,
`getcwd`, `walk`, ...) and `glob.glob`/`glob.iglob` that have a `pathlib.Path` equivalent, and
names the equivalent. Off by default: it is a consistency preference, not a defect.
"""
    why = """
One path type throughout makes code easier to read and compose: `Path` objects join with `/`,
carry their own `exists()`, `read_text()` and `glob()`, and pass straight from configuration
objects to pandas and friends without string juggling.
"""
    use_instead = """\
from pathlib import Path

data_dir = Path("data")
data_dir.mkdir(parents=True, exist_ok=True)
csv_files = sorted(data_dir.glob("*.csv"))
"""
    fix_safety = """
No automatic fix: strings and paths differ (`os.path.join` returns a `str`, `Path /` a `Path`),
so callers may need changes; the message names the pathlib equivalent (SUGGEST).
"""
    requires = frozenset({"os", "glob"})
    default_enabled = False
    bad = (
        "import os\npath = os.path.join('data', 'train.csv')\n",
        "import os\nos.makedirs('out', exist_ok=True)\n",
        "import glob\nfiles = glob.glob('data/*.csv')\n",
        "from os.path import exists\nif exists('x'):\n    pass\n",
        "import os.path as osp\nname = osp.basename(path)\n",
    )
    good = (
        "from pathlib import Path\npath = Path('data') / 'train.csv'\n",
        # Not file-system path helpers.
        "import os\nvalue = os.environ.get('HOME')\nsep = os.sep\ncores = os.cpu_count()\n",
        # A local function named join, and str.join.
        "import os\ndef join(*parts):\n    return parts\n\njoin('a', 'b')\n','.join(['a'])\n",
        # A module that does not import os or glob.
        "def exists(p):\n    return True\n\nexists('x')\n",
        "import os\nos.path.sep\n",
    )

    def visit_Call(self, node: ast.Call) -> None:
        if call_name(node) not in _NAMES:
            return
        name = self.ctx.qualname(node.func)
        equivalent = _EQUIVALENTS.get(name or "")
        if equivalent is None or name is None:
            return
        self.report(node, call=name, equivalent=equivalent)
