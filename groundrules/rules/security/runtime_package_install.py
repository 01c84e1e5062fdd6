"""GR214: installing packages at run time (``!pip install``, ``subprocess`` running pip/conda)."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, List, Optional, Sequence

from groundrules.rules.context import literal_string
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, FixClass, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_SUBPROCESS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
    }
)
_SUBPROCESS_NAMES = frozenset(q.rsplit(".", 1)[1] for q in _SUBPROCESS)
_PIP_MAIN = frozenset({"pip.main", "pip._internal.main", "pip._internal.main.main"})
_IPYTHON_SHELL = frozenset({"system", "getoutput", "run_line_magic"})
_INSTALLERS = frozenset({"pip", "pip3", "conda", "mamba", "micromamba"})
#: Options of ``pip install``/``conda install`` followed by a value that is not a package.
_VALUE_OPTIONS = frozenset(
    """-r --requirement -c --constraint -e --editable -i --index-url --extra-index-url -f
    --find-links -t --target --prefix --root --src --python-version --platform --implementation
    --abi --upgrade-strategy --progress-bar --cache-dir --log --proxy --retries --timeout
    --trusted-host --cert --client-cert -n --name -p --channel --file""".split()
)
#: Commented magics of jupytext percent scripts and soorgeon-style scripts.
_COMMENTED_MAGIC = re.compile(
    r"^\s*#\s*(?:\[magic\]\s*)?(?P<magic>!|%(?!%))\s*(?P<cmd>.*\binstall\b.*)$"
)
_CELL_MARKER = re.compile(r"^\s*#\s*%%")
#: Shell syntax that runs another command besides the install.
#: Expression nodes that evaluate without effects of their own.
_PURE = (
    ast.Name, ast.Attribute, ast.Constant, ast.List, ast.Tuple, ast.JoinedStr, ast.FormattedValue,
    ast.Load, ast.Starred,
)
_CHAINED = re.compile(r"&|;|\||`|\$\(|\n")
_MAX_SHOWN = 5
_PLACEHOLDER = "\x00"


def install_specs(tokens: Sequence[Optional[str]]) -> Optional[List[str]]:
    """The package specs of an install command's tokens, or None if it is not an install.

    ``tokens`` are words; ``None`` stands for a part that is not a literal.  Recognises
    ``pip install``, ``pip3 install``, ``python -m pip install``, ``conda/mamba install``,
    ``uv pip install`` anywhere in the command (``!{sys.executable} -m pip install x``).
    """
    for i, token in enumerate(tokens):
        if token is None:
            continue
        base = token.rsplit("/", 1)[-1].lower()
        if base.endswith(".exe"):
            base = base[:-4]
        if base not in _INSTALLERS and not re.fullmatch(r"pip\d(\.\d+)?", base):
            continue
        j = i + 1
        # `conda install`, `pip install`; skip global options before the subcommand.
        while j < len(tokens) and tokens[j] is not None and str(tokens[j]).startswith("-"):
            j += 1
        if j < len(tokens) and tokens[j] == "install":
            return _specs(tokens[j + 1 :])
    return None


def _specs(rest: Sequence[Optional[str]]) -> List[str]:
    specs: List[str] = []
    skip = False
    for token in rest:
        if token is None:
            skip = False
            continue
        if token in ("&&", ";", "|", "||", ">", ">>") or token.startswith("#"):
            break
        if skip:
            skip = False
            continue
        if token.startswith("-"):
            skip = token in _VALUE_OPTIONS
            continue
        if _PLACEHOLDER in token or not token.strip("'\""):
            continue
        specs.append(token.strip("'\""))
    return specs


def _words(text: str) -> List[Optional[str]]:
    return [None if w == _PLACEHOLDER else w for w in text.split()]


def _string_text(node: ast.AST) -> Optional[str]:
    """A string or f-string's text, with each field as a placeholder word."""
    text = literal_string(node)
    if text is not None:
        return text
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            part = literal_string(value)
            parts.append(f" {_PLACEHOLDER} " if part is None else part)
        return "".join(parts)
    return None


def _command_tokens(node: ast.AST) -> Optional[List[Optional[str]]]:
    """A command given as a string/f-string or a list/tuple of words."""
    text = _string_text(node)
    if text is not None:
        return _words(text)
    if isinstance(node, (ast.List, ast.Tuple)):
        tokens: List[Optional[str]] = []
        for elt in node.elts:
            tokens.append(literal_string(elt))
        return tokens
    return None


def describe(specs: Sequence[str]) -> str:
    if not specs:
        return "packages"
    shown = ", ".join(f"`{s}`" for s in specs[:_MAX_SHOWN])
    more = len(specs) - _MAX_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


class RuntimePackageInstall(Rule):
    code = "GR214"
    name = "runtime-package-install"
    category = Category.SECURITY
    severity = Severity.ERROR
    fix = FixClass.UNSAFE
    message = (
        "`{how}` installs {specs} at run time: declare them in the project's dependencies "
        "(pyproject.toml / requirements) and delete this line"
    )
    what = """
Finds package installs run by the code itself: the notebook forms `!pip install ...` and
`%pip install ...` as nbconvert writes them (`get_ipython().system("pip install ...")`,
`get_ipython().run_line_magic("pip", "install ...")`, also `%conda`/`%mamba`), commented magics in
jupytext percent scripts and soorgeon-style scripts (`# %pip install ...`,
`# [magic] !pip install ...`), `subprocess.run/call/check_call/check_output/Popen` and
`os.system`/`os.popen` running `pip`/`pip3`/`python -m pip`/`conda`/`mamba install`, and
`pip.main([...])`.

The message lists the package specs so they can go into the project's dependencies. Other pip
commands (`pip list`, `pip freeze`, `pip uninstall`) and a local function named `system` are not
reported.
"""
    why = """
An install at run time fetches whatever the index serves that day, unpinned and unreviewed: a
supply-chain risk, and the environment can no longer be rebuilt from the project's declared
dependencies. It also needs network access and write access to site-packages in production.
"""
    use_instead = """\
# pyproject.toml
# [project]
# dependencies = ["lightgbm==4.3.0", "shap>=0.45"]
import lightgbm
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): the install is a side effect: inside IPython `!pip install x`
installs (or upgrades) the package before the next import, and deleting it means the package is no
longer installed at run time, which is the intent but not the same behaviour. With
`--unsafe-fixes`:
the IPython forms are deleted (`get_ipython().system("pip install ...")`,
`get_ipython().run_line_magic("pip", "install ...")`) when the call is a whole statement and runs
no other shell command (`&&`, `;`, `|`) (it only runs inside IPython).
POLICY (applied only with `--unsafe-fixes` or in `handoff`): a `subprocess`/`os.system`/`os.popen`/
`pip.main` install that is a whole statement, whose arguments are only names, attributes and
literals and whose command chains no other command, is deleted too: the packages are then no
longer installed at run time, which is the intent. Installs whose result is used or whose
arguments compute something (a call, an f-string field with a call), and commented magics, have
no automatic fix. Either way the message lists the package specs to add to the project's
dependencies.
"""
    bad = (
        'get_ipython().system("pip install lightgbm==4.3.0 shap")\n',
        'get_ipython().run_line_magic("pip", "install -q xgboost")\n',
        "import subprocess, sys\n"
        'subprocess.check_call([sys.executable, "-m", "pip", "install", "pyarrow"])\n',
        'import os\nos.system("conda install -y -c conda-forge lightgbm")\n',
        "import pip\npip.main(['install', 'requests'])\n",
        'import subprocess\nsubprocess.run(f"pip install {pkg} --upgrade", shell=True)\n',
        Example(
            "# %%\n# !pip install catboost\nimport pandas as pd\n",
            path="notebooks/explore.py",
        ),
        "# [magic] %pip install polars\nimport polars as pl\n",
    )
    good = (
        # Other pip commands.
        'get_ipython().system("pip freeze > requirements.txt")\n'
        'get_ipython().run_line_magic("pip", "list")\n',
        'import subprocess\nsubprocess.run(["pip", "uninstall", "-y", "x"], check=True)\n',
        # A local object whose method is called system; an unrelated run_line_magic.
        "class Shell:\n    def system(self, cmd):\n        return cmd\n\n"
        'Shell().system("pip install x")\n'
        'get_ipython().run_line_magic("matplotlib", "inline")\n',
        # A local function named like subprocess.run.
        'def run(cmd):\n    return cmd\n\nrun("pip install x")\n',
        # A comment mentioning pip install in a plain module (no cell markers).
        "# Setup: pip install -e .\nimport os\n",
        # `make install`, `npm install`.
        'import os\nos.system("make install")\nos.system("npm install")\n',
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._get_ipython_local = "get_ipython" in ctx.imports.local

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            name = func.attr
            if name in _IPYTHON_SHELL and self._is_ipython(func.value):
                self._check_ipython(node, name)
                return
            if name not in _SUBPROCESS_NAMES and name != "main":
                return
        elif not isinstance(func, ast.Name):
            return
        qualname = self.ctx.qualname(func)
        if qualname in _SUBPROCESS:
            cmd = node.args[0] if node.args else None
            if cmd is None:
                for kw in node.keywords:
                    if kw.arg in ("args", "command", "cmd"):
                        cmd = kw.value
            tokens = _command_tokens(cmd) if cmd is not None else None
            specs = install_specs(tokens) if tokens is not None else None
            if specs is not None:
                self.report(
                    node,
                    fixable=self._deletable(node, tokens),
                    fix_class=FixClass.UNSAFE,
                    how=f"{qualname}(...)",
                    specs=describe(specs),
                )
        elif qualname in _PIP_MAIN:
            arg = node.args[0] if node.args else None
            tokens = _command_tokens(arg) if arg is not None else None
            pip_specs: Optional[List[str]] = None
            if tokens is not None and tokens and tokens[0] == "install":
                pip_specs = _specs(tokens[1:])
            elif tokens is not None and tokens:
                return  # pip.main(["list"]) and the like
            self.report(
                node,
                fixable=pip_specs is not None and self._deletable(node, tokens),
                fix_class=FixClass.UNSAFE,
                how="pip.main([...])",
                specs=describe(pip_specs or []),
            )

    def _deletable(self, node: ast.Call, tokens: Optional[Sequence[Optional[str]]]) -> bool:
        """POLICY: a whole-statement call whose arguments have no effect of their own (names,
        attributes, literals) and whose command runs nothing but the install."""
        parent = self.ctx.parent
        if not (isinstance(parent, ast.Expr) and parent.value is node) or tokens is None:
            return False
        if any(t is not None and _CHAINED.search(t) for t in tokens):
            return False
        arguments = [*node.args, *(kw.value for kw in node.keywords)]
        return all(isinstance(sub, _PURE) for arg in arguments for sub in ast.walk(arg))

    def _is_ipython(self, node: ast.AST) -> bool:
        if not isinstance(node, ast.Call) or node.args or node.keywords:
            return False
        func = node.func
        if isinstance(func, ast.Name) and func.id == "get_ipython":
            return not self._get_ipython_local
        return self.ctx.qualname(func) == "IPython.get_ipython"

    def _check_ipython(self, node: ast.Call, method: str) -> None:
        if method == "run_line_magic":
            if len(node.args) < 2:
                return
            magic = literal_string(node.args[0])
            line = _string_text(node.args[1])
            if magic is None or line is None:
                return
            tokens: List[Optional[str]] = [magic.lstrip("%")]
            tokens.extend(_words(line))
            how = f"%{magic.lstrip('%')} install"
        else:
            text = _string_text(node.args[0]) if node.args else None
            if text is None:
                return
            tokens = _words(text)
            how = "!pip install"
        specs = install_specs(tokens)
        if specs is not None:
            if method != "run_line_magic":
                how = "!" + _installer(tokens) + " install"
            parent = self.ctx.parent
            # Deleting the statement must drop nothing but the install.
            fixable = (
                isinstance(parent, ast.Expr)
                and parent.value is node
                and not node.keywords
                and not any(t is not None and _CHAINED.search(t) for t in tokens)
            )
            self.report(node, fixable=fixable, how=how, specs=describe(specs))

    def end(self) -> None:
        """Commented magics in jupytext percent and soorgeon-style scripts."""
        lines = self.ctx.source.lines
        if "install" not in self.ctx.source.text:
            return
        percent = any(_CELL_MARKER.match(line) for line in lines)
        for number, line in enumerate(lines, start=1):
            if "install" not in line or "#" not in line:
                continue
            match = _COMMENTED_MAGIC.match(line)
            if match is None:
                continue
            if not percent and "[magic]" not in line:
                continue
            tokens = _words(match.group("cmd"))
            specs = install_specs(tokens)
            if specs is not None:
                magic = "!" if match.group("magic") == "!" else "%"
                how = magic + _installer(tokens) + " install"
                self.report((number, line.index("#")), fixable=False, how=how, specs=describe(specs))


def _installer(tokens: Sequence[Optional[str]]) -> str:
    for token in tokens:
        if token is not None:
            base = token.rsplit("/", 1)[-1].lower()
            if base in _INSTALLERS or base.startswith("pip"):
                return base
    return "pip"
