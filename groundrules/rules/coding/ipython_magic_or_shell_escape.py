"""GR103: IPython magics and shell escapes (``get_ipython()...``, ``# %matplotlib``, ``# [magic] ``)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import TYPE_CHECKING, List, Optional, Set, Tuple

from groundrules.rules.context import literal_string
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_SHELL_METHODS = frozenset({"system", "getoutput"})
_MAGIC_METHODS = frozenset({"run_line_magic", "run_cell_magic", "magic"})
_GET_IPYTHON = frozenset({"IPython.get_ipython", "IPython.core.getipython.get_ipython"})
_CATCHES_NAME_ERROR = frozenset({"NameError", "Exception", "BaseException"})

#: Presentation magics the fix deletes.
_PRESENTATION = frozenset({"matplotlib", "autoreload", "reload_ext"})
_TIMERS = frozenset({"time", "timeit"})
_INSTALLERS = frozenset({"pip", "conda", "mamba"})
_DELETE = "delete it: it only affects the notebook"

#: IPython's built-in magics and the common extension ones. A commented ``%name`` counts as a
#: magic only when ``name`` is one of these: ``# %s``, ``# %nn`` and the like are prose or math.
_MAGICS = frozenset(
    """aimport alias alias_magic autoawait autocall automagic autoreload autosave bash bookmark
    capture cat cd clear code_wrap colors conda config connect_info cp cython debug dhist dirs
    doctest_mode ed edit env file gui hist history html HTML javascript js killbgscripts latex
    ldir less lf lk ll load load_ext loadpy logoff logon logstart logstate logstop lprun ls
    lsmagic lx macro magic mamba man markdown matplotlib memit micromamba mkdir more mprun mv
    notebook page pastebin pdb pdef pdoc perl pfile pinfo pinfo2 pip popd pprint precision prun
    psearch psource pushd pwd px pycat pylab pypy python python2 python3 qtconsole quickref R
    recall rehashx reload_ext rep rerun reset reset_selective rm rmdir ruby run save sc script
    set_env sh sql store svg sx system tb tensorboard time timeit unalias unload_ext wandb who
    who_ls whos writefile xdel xmode""".split()
)
#: Shell commands commonly escaped with ``!`` in notebooks. ``# !name`` counts as a shell escape
#: only for these (or a path or ``{expr}``): Fortran and logic comments also start with ``!``.
_COMMANDS = frozenset(
    """7z apt apt-get aws awk bash brew cat cd chmod conda cp curl dask df docker du dvc echo env
    export find free gcloud gdown git grep gsutil gunzip gzip hdfs head jupyter kaggle kill ln ls
    lscpu mamba micromamba mkdir mv nproc nvcc nvidia-smi pip pip3 ps pwd python python3 rm rsync
    scp sed sh source ssh sudo tail tar top touch uname unrar unzip wc wget which yarn npm zip
    spark-submit dbfs databricks az mlflow""".split()
)

#: A commented-out magic: ``# %matplotlib inline``, ``# %%time``, ``# !pip install x``.
#: ``# %%`` and ``# %% [markdown]`` are jupytext cell markers.
_COMMENTED = re.compile(r"^\s*#\s*(?:(%{1,2})([A-Za-z_]\w*)(.*)|!(\S.*))$")
_SOORGEON = re.compile(r"^\s*# \[magic\] (.*)$")
_CANDIDATE = re.compile(r"^\s*#\s*[%!]|^\s*# \[magic\] ")
#: Found in the text wherever ``_CANDIDATE`` matches a line (one search instead of one per line).
_MAYBE_CANDIDATE = re.compile(r"#\s*[%!]|# \[magic\] ")


def _advice(kind: str, name: str, rest: str) -> str:
    """What to do instead, from the magic's name and arguments."""
    words = rest.split()
    if kind == "!":
        command = name.split()[0] if name.split() else ""
        if command in _INSTALLERS or (command.startswith("python") and "pip" in name.split()):
            return "declare the package in the project's dependencies (see GR214)"
        return "run it from the environment setup, or with `subprocess.run([...], check=True)`"
    if name in ("pip", "conda", "mamba"):
        return "declare the package in the project's dependencies (see GR214)"
    if name in _PRESENTATION or (name == "load_ext" and words[:1] == ["autoreload"]):
        return _DELETE
    if name == "config" and words[:1] and words[0].startswith("InlineBackend"):
        return _DELETE
    if name in _TIMERS:
        return "run the statement itself (time it with `time.perf_counter()` if needed)"
    return "do it in Python or in the environment setup"


_FUNCTION_ONLY = (ast.Return, ast.Yield, ast.YieldFrom, ast.Await, ast.Nonlocal)
_LOOP_ONLY = (ast.Break, ast.Continue)


def _module_level_code(body: List[ast.stmt]) -> bool:
    """No ``return``/``yield``/``await``/``nonlocal`` outside a function, nor ``break``/``continue``
    outside a loop (``ast.parse`` accepts them; compiling the module would not)."""
    pending: List[Tuple[ast.AST, bool]] = [(stmt, False) for stmt in body]
    while pending:
        node, in_loop = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, _FUNCTION_ONLY) or (isinstance(node, _LOOP_ONLY) and not in_loop):
            return False
        if isinstance(node, (ast.AsyncFor, ast.AsyncWith)):
            return False
        if isinstance(node, ast.comprehension) and node.is_async:
            return False
        if isinstance(node, ast.ClassDef):
            in_loop = False
        if isinstance(node, (ast.For, ast.While)):
            pending.extend((child, True) for child in node.body)
            children = [c for c in ast.iter_child_nodes(node) if not any(c is b for b in node.body)]
            pending.extend((child, in_loop) for child in children)
            continue
        pending.extend((child, in_loop) for child in ast.iter_child_nodes(node))
    return True


def unwrappable_code(code: str, timeit: bool) -> bool:
    """Code a timing magic runs that can stand as module statements in its place: it compiles
    at module level (no ``await``, ``return`` or ``yield``), holds a statement, does not start
    with an option (``-n 10``) and does not end with a comment (it would be lost).  ``timeit``
    runs its code in a function of its own, so there the code may only be expressions: an
    assignment would newly bind a module name."""
    lines = [line for line in code.splitlines() if line.strip()]
    if not lines or lines[-1].lstrip().startswith("#") or code.lstrip().startswith("-"):
        return False
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    if not _module_level_code(tree.body):
        return False
    if timeit and not all(isinstance(stmt, ast.Expr) for stmt in tree.body):
        return False
    return bool(tree.body)


def _parse_magic(text: str) -> Optional[Tuple[str, str, str]]:
    """(kind, name, rest) of an IPython line like ``%matplotlib inline`` or ``!pip install x``."""
    text = text.strip()
    if text.startswith("!"):
        command = text.lstrip("!").strip()
        return ("!", command, "") if command else None
    if text.startswith("%"):
        body = text.lstrip("%")
        name, _, rest = body.partition(" ")
        return ("%", name, rest) if name else None
    return None


def _mentions_get_ipython(test: ast.expr) -> bool:
    """``"get_ipython" in globals()``, ``hasattr(builtins, "get_ipython")`` and ``not`` of them."""
    if isinstance(test, ast.UnaryOp):
        return _mentions_get_ipython(test.operand)
    if isinstance(test, ast.BoolOp):
        return any(_mentions_get_ipython(v) for v in test.values)
    if isinstance(test, ast.Compare):
        parts = [test.left, *test.comparators]
    elif isinstance(test, ast.Call):
        parts = list(test.args)
    else:
        return False
    return any(literal_string(p) == "get_ipython" for p in parts)


class IpythonMagicOrShellEscape(Rule):
    code = "GR103"
    name = "ipython-magic-or-shell-escape"
    category = Category.CODING
    severity = Severity.WARNING
    fix = FixClass.UNSAFE
    message = "IPython {form} fails outside IPython: {advice}"
    what = """
Finds IPython-only code in all three notebook-script forms:

- nbconvert scripts: `get_ipython()` calls and their `run_line_magic`, `run_cell_magic`, `magic`,
  `system` and `getoutput` methods;
- jupytext percent scripts: magics commented out, `# %matplotlib inline`, `# %%time`,
  `# !pip install ...` (jupytext cell markers `# %%` / `# %% [markdown]` and `# %s`-style prose
  are not magics);
- soorgeon-style scripts: lines behind the `# [magic] ` prefix.

`get_ipython()` inside a `try:` that catches `NameError` (the usual "are we in a notebook?" probe)
is not reported, nor a bare call of `get_ipython` imported from `IPython` (it returns `None`
outside IPython); calling a magic method on it is. Commented `%name` lines count only for known
IPython magics, and `!cmd` lines only for common shell commands (`pip`, `wget`, `ls`, ...), a path
or `{expr}`: Fortran-style `! comments` are not shell escapes.
"""
    why = """
Outside IPython `get_ipython` does not exist, so the script dies with `NameError`; commented-out
magics mean the script silently depends on setup (installed packages, a working directory, a
plotting backend) that a headless run never performs.
"""
    use_instead = """\
import subprocess
import time

started = time.perf_counter()
subprocess.run(["ls", "-l"], check=True)
elapsed = time.perf_counter() - started
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): a presentation magic changes what a notebook shows
(`%matplotlib inline` draws the figures), `%time`/`%timeit` print timings, and outside IPython the
`get_ipython()` form raises `NameError`: deleting or unwrapping them changes output and exceptions.
In notebooks this is `handoff`'s work. With `--unsafe-fixes`:
presentation magics in nbconvert form (`get_ipython().run_line_magic("matplotlib", ...)`,
`%load_ext autoreload`, `%autoreload`, `%reload_ext`, `%config InlineBackend.*`) are deleted when
they are whole statements: they only change how the notebook displays or reloads. `%time` and
`%timeit` of literal code are unwrapped to that code when the magic is a
whole statement alone on its lines at module level (where IPython's user namespace is the module's)
and the code has no options and compiles there (`timeit`, which runs the code in a function of its
own: only expressions, since an assignment would newly bind a module name); elsewhere, inside functions, with options, or when
the code ends with a comment, they are SUGGEST. `%%time`/`%%timeit` cell magics are SUGGEST: their
body is never checked as Python, so unwrapping it could expose findings (a `pdb.set_trace()`)
no one saw. `pip install` is GR214's fix. Commented-out magics
and other magics and shell escapes have no automatic fix: the message says what to do instead.
"""
    options = ()
    bad = (
        "get_ipython().run_line_magic('matplotlib', 'inline')\n",
        "get_ipython().system('pip install lightgbm')\n",
        "files = get_ipython().getoutput('ls data')\n",
        "# %matplotlib inline\nimport pandas as pd\n",
        "# %%\n# !pip install xgboost\nimport xgboost\n",
        "# [magic] %load_ext autoreload\nx = 1\n",
        "from IPython import get_ipython\nget_ipython().run_line_magic('load_ext', 'autoreload')\n",
        "def f():\n    # %time\n    return 1\n",
    )
    good = (
        # jupytext cell markers, printf prose, a shebang, and `!=` in a comment.
        "#!/usr/bin/env python\n# %%\nx = 1\n# %% [markdown]\n# %s is the user name\n"
        "# x != y here\n",
        # A magic-looking line inside a string is not a comment.
        'DOC = """\n# %matplotlib inline\n"""\n',
        # The usual "are we in a notebook?" probe.
        "def in_notebook():\n    try:\n        get_ipython()\n        return True\n"
        "    except NameError:\n        return False\n",
        "import os\n\ndef is_jupyter():\n    try:\n        get_ipython\n    except NameError:\n"
        "        return False\n    return get_ipython().__class__.__name__ == 'ZMQ'\n",
        "if 'get_ipython' in globals():\n    shell = get_ipython()\n",
        # A local function named get_ipython.
        "def get_ipython():\n    return None\n\nget_ipython()\n",
        "class Shell:\n    def system(self, cmd):\n        return cmd\n\nShell().system('ls')\n",
        "# 100% of rows are kept\n# ! important: keep the order\n# %nn of them\n"
        "# !if (dd <= 0) then\n",
        # Imported, it returns None outside IPython: a safe probe (GR104 reports the import).
        "from IPython import get_ipython\nshell = get_ipython()\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._reported: Set[int] = set()
        # Functions (or the module, as None) that probe `get_ipython` under `except NameError`.
        self._probed: Set[Optional[int]] = set()

    def visit_Try(self, node: ast.Try) -> None:
        probes = any(
            isinstance(stmt, (ast.Expr, ast.Assign))
            and isinstance(stmt.value, ast.Name)
            and stmt.value.id == "get_ipython"
            for stmt in node.body
        )
        if probes and self._catches_name_error(node):
            function = self.ctx.enclosing_function()
            self._probed.add(id(function) if function is not None else None)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            inner = func.value
            if (
                func.attr in _MAGIC_METHODS | _SHELL_METHODS
                and isinstance(inner, ast.Call)
                and self._is_get_ipython(inner)
            ):
                self._reported.add(id(inner))
                if not self._probe():
                    self._report_method(node, func.attr)
            return
        if id(node) in self._reported:
            return
        if (
            isinstance(func, ast.Name)
            and func.id not in self.ctx.imports.aliases  # the imported one returns None
            and self._is_get_ipython(node)
            and not self._probe()
        ):
            self.report(
                node,
                fixable=False,
                form="`get_ipython()`",
                advice="do the work in plain Python or in the environment setup",
            )

    def _report_method(self, node: ast.Call, method: str) -> None:
        first = literal_string(node.args[0]) if node.args else None
        second = literal_string(node.args[1]) if len(node.args) > 1 else None
        if method in _SHELL_METHODS:
            command = first or ""
            form = f"shell escape `!{command}`" if command else f"`get_ipython().{method}(...)`"
            advice = _advice("!", command, "")
        elif first is not None:
            prefix = "%%" if method == "run_cell_magic" else "%"
            if method == "magic":
                name, _, rest = first.lstrip("%").partition(" ")
            else:
                name, rest = first, second or ""
            form = f"magic `{prefix}{name}`"
            advice = _advice("%", name, rest)
        else:
            form = f"`get_ipython().{method}(...)`"
            advice = "do it in Python or in the environment setup"
        # Only a presentation line magic that is a whole statement is deleted.
        fixable = (
            advice == _DELETE
            and method in ("run_line_magic", "magic")
            and not node.keywords
            and isinstance(self.ctx.parent, ast.Expr)
        ) or self._unwrappable_timer(node, method)
        self.report(node, fixable=fixable, form=form, advice=advice)

    def _unwrappable_timer(self, node: ast.Call, method: str) -> bool:
        """``%time``/``%timeit``/``%%time`` of literal code, alone on its lines at module level
        (IPython runs it in the user namespace, which is the module's only there)."""
        args = [literal_string(a) for a in node.args]
        if node.keywords or not args or args[0] not in _TIMERS:
            return False
        if method == "run_line_magic" and len(args) == 2:
            code = args[1]
        else:
            # A cell magic's body is a string the check never read as Python (a masked notebook
            # cell, an nbconvert literal): unwrapping could expose findings no one saw.
            return False
        statement = self.ctx.parent
        if code is None or not isinstance(statement, ast.Expr) or not self.ctx.at_module_level():
            return False
        return unwrappable_code(code, args[0] == "timeit") and self._alone(statement)

    def _alone(self, statement: ast.stmt) -> bool:
        """No other statement shares ``statement``'s lines, and it starts its line."""
        line = self.ctx.source.lines[statement.lineno - 1]
        if line[: statement.col_offset].strip():
            return False
        container = self.ctx.ancestors[-2] if len(self.ctx.ancestors) > 1 else None
        end = statement.end_lineno or statement.lineno
        for field in ("body", "orelse", "finalbody", "handlers"):
            for other in getattr(container, field, None) or ():
                if other is statement or not isinstance(other, ast.stmt):
                    continue
                if other.lineno <= end and (other.end_lineno or other.lineno) >= statement.lineno:
                    return False
        return True

    def _is_get_ipython(self, call: ast.Call) -> bool:
        func = call.func
        if not isinstance(func, ast.Name):
            return False
        imports = self.ctx.imports
        if func.id in imports.aliases:
            return imports.qualname(func) in _GET_IPYTHON
        if func.id != "get_ipython" or func.id in imports.local:
            return False
        # A parameter called get_ipython is not the injected one.
        for ancestor in self.ctx.ancestors:
            args = getattr(ancestor, "args", None)
            if isinstance(args, ast.arguments):
                every = args.posonlyargs + args.args + args.kwonlyargs
                if any(a.arg == "get_ipython" for a in every):
                    return False
        return True

    def _probe(self) -> bool:
        """Guarded by a "do we run in IPython?" probe.

        Inside ``try:`` with a handler catching NameError, after such a probe of the bare name in
        the same function, or under ``if "get_ipython" in globals():`` (or ``hasattr(builtins,
        "get_ipython")``).
        """
        function = self.ctx.enclosing_function()
        if (id(function) if function is not None else None) in self._probed:
            return True
        ancestors = self.ctx.ancestors
        for i, ancestor in enumerate(ancestors):
            if isinstance(ancestor, ast.If) and _mentions_get_ipython(ancestor.test):
                return True
            if not isinstance(ancestor, ast.Try):
                continue
            # Only the try body is probed, not its handlers.
            child = ancestors[i + 1] if i + 1 < len(ancestors) else None
            if child is not None and not any(child is s for s in ancestor.body):
                continue
            if self._catches_name_error(ancestor):
                return True
        return False

    def _catches_name_error(self, node: ast.Try) -> bool:
        for handler in node.handlers:
            caught = handler.type
            names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
            for name in names:
                if name is None or self.ctx.qualname(name) in _CATCHES_NAME_ERROR:
                    return True
        return False

    # -- commented-out magics --------------------------------------------------------------
    def end(self) -> None:
        if not _MAYBE_CANDIDATE.search(self.ctx.source.text):
            return  # most files: no line to look at
        lines = self.ctx.source.lines
        candidates = [i for i, line in enumerate(lines, 1) if _CANDIDATE.match(line)
                      and not (i == 1 and line.startswith("#!"))]  # a shebang
        if not candidates:
            return
        comments = self._comment_lines()
        for number in candidates:
            if comments is not None and number not in comments:
                continue  # inside a string
            found = self._commented_magic(lines[number - 1])
            if found is not None:
                column = len(lines[number - 1]) - len(lines[number - 1].lstrip())
                form, advice = found
                self.report((number, column), fixable=False, form=form, advice=advice)

    def _comment_lines(self) -> Optional[Set[int]]:
        """Lines holding a comment token (None when the source does not tokenize)."""
        found: Set[int] = set()
        try:
            tokens: List[tokenize.TokenInfo] = list(
                tokenize.generate_tokens(io.StringIO(self.ctx.source.text).readline)
            )
        except (tokenize.TokenError, SyntaxError, IndentationError):
            return None
        for token in tokens:
            if token.type == tokenize.COMMENT:
                found.add(token.start[0])
        return found

    @staticmethod
    def _commented_magic(line: str) -> Optional[Tuple[str, str]]:
        soorgeon = _SOORGEON.match(line)
        if soorgeon is not None:
            parsed = _parse_magic(soorgeon.group(1))
            if parsed is None:
                return ("magic `" + soorgeon.group(1).strip() + "`", "do it in plain Python")
            kind, name, rest = parsed
            shown = f"{'!' + name if kind == '!' else '%' + name}"
            return (f"magic `{shown}` (soorgeon)", _advice(kind, name, rest))
        match = _COMMENTED.match(line)
        if match is None:
            return None
        if match.group(1) is not None:
            percent, name, rest = match.group(1), match.group(2), match.group(3) or ""
            if name not in _MAGICS or (rest and not rest[0].isspace()):
                return None
            return (f"magic `{percent}{name}` (commented out)", _advice("%", name, rest))
        command = match.group(4).strip()
        word = command.split()[0]
        if word not in _COMMANDS and not word.startswith(("./", "/", "~/", "{", "$")):
            return None
        return (f"shell escape `!{command}` (commented out)", _advice("!", command, ""))
