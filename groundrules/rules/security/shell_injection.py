"""GR208: commands run through a shell, or built from strings, by ``subprocess`` and ``os``."""

from __future__ import annotations

import ast
import re
from typing import Optional

from groundrules.rules.context import keyword, literal_string
from groundrules.rules.framework import Rule
from groundrules.rules.security.runtime_package_install import install_specs
from groundrules.standards.schema import Category, FixClass, Severity

_SUBPROCESS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
    }
)
#: Run their string argument through ``/bin/sh`` whatever the keywords say.
_SHELL_ALWAYS = frozenset(
    {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput", "os.popen2",
     "os.popen3", "os.popen4", "popen2.popen2", "popen2.popen3", "popen2.popen4", "popen2.Popen3",
     "popen2.Popen4", "commands.getoutput", "commands.getstatusoutput"}
)
#: Start a program outside ``subprocess``: no shell, but no check, and ``exec*`` replaces this
#: process.
_SPAWN = frozenset(
    f"os.{kind}{suffix}"
    for kind in ("spawn", "exec")
    for suffix in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")
) | frozenset({"os.startfile", "os.posix_spawn", "os.posix_spawnp"})
#: A command a shell would only split on blanks: no quotes, expansions, globs, redirections,
#: operators or comments.
_PLAIN_COMMAND = re.compile(r"[A-Za-z0-9_./:,@%+=-]+( +[A-Za-z0-9_./:,@%+=-]+)*")
#: Shell builtins and keywords: without a shell there is no such program (or it differs).
_SHELL_WORDS = frozenset(
    """alias bg break builtin cd command continue declare dirs disown echo enable eval exec exit
    export false fc fg getopts hash help history jobs kill let local logout popd printf pushd pwd
    read readonly return set shift shopt source suspend test time times trap true type typeset
    ulimit umask unalias unset wait if then else elif fi case esac for select while until do done
    function""".split()
)
_NAMES = frozenset(
    q.rsplit(".", 1)[1] for q in _SUBPROCESS | _SHELL_ALWAYS | _SPAWN
)


class ShellInjection(Rule):
    code = "GR208"
    name = "shell-injection"
    category = Category.SECURITY
    severity = Severity.ERROR
    message = "`{call}` {how}: pass an argument list without a shell, e.g. `subprocess.run([\"ls\", path], check=True)`"
    what = """
Finds commands exposed to shell injection: `subprocess.run`/`call`/`check_call`/`check_output`/
`Popen` with `shell=True` (or any other truthy literal: `shell=1`, `shell="True"`, `shell=[True]`);
`os.system`, `os.popen*`, `subprocess.getoutput`/`getstatusoutput` and Python 2's
`popen2`/`commands` (which always use a shell); `os.spawn*`, `os.exec*`, `os.posix_spawn*` and
`os.startfile`; and `subprocess.*` calls whose command is built by an f-string, `%` formatting,
`+` or `.format()`.

`shell=False` (or a falsy literal), a `shell=` flag held in a variable, and argument lists with
formatted elements (no shell parses them) are not reported.
"""
    why = """
A shell parses the command string: a file name, column value or parameter holding `;`, `|`,
`$(...)` or a space runs other commands or passes other arguments. A list of arguments reaches
the program as it is.
"""
    use_instead = """\
import subprocess


def sync(src: str, dest: str) -> None:
    subprocess.run(["rsync", "-a", src, dest], check=True)
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): without a shell a missing program raises `FileNotFoundError`
instead of returning status 127 with a message on stderr, and the shell's own behaviour (`PATH`
lookup rules, its environment, `%` expansion on Windows) no longer applies. With `--unsafe-fixes`:
`subprocess.run("<literal without shell metacharacters>", shell=True)` (also `call`,
`check_call`, `check_output`, `Popen`) becomes `subprocess.run(shlex.split(literal))`, which
runs the same program with the same arguments; applied only when the command is the one positional argument, holds nothing but
blank-separated words of letters, digits and `_./:,@%+=-` (no quotes, `$`, `~`, globs,
redirections or operators), does not start with a shell builtin or keyword or an `X=...`
assignment, and the call passes no `executable=`, `*args` or `**kwargs`; with `--unsafe-fixes`,
`subprocess.run` also gets `check=True` (a failing command then raises). POLICY (applied only with
`--unsafe-fixes` or in `handoff`): `os.system("<literal>")` whose value is discarded (a whole
statement), under the same conditions on the literal, becomes `subprocess.run([...words],
check=True)`: a failing command now raises `CalledProcessError` instead of returning its status,
and a missing program raises instead of returning 127. `os.system` whose status is used is not
rewritten (the result type changes), nor a package install (GR214 deletes it). Adding `check=True` to the COND rewrite is not made: a
finding carries one fix class. `os.popen`,
`subprocess.getoutput`/`getstatusoutput`, `os.spawn*` and commands built from values are SUGGEST:
pass the values as list elements.
"""
    fix = FixClass.UNSAFE
    requires = frozenset({"os", "subprocess", "popen2", "commands"})
    bad = (
        # A shell builtin: no fix.
        'import subprocess\nsubprocess.run("cd /data", shell=True)\n',
        'import subprocess\nsubprocess.run("ls -l", shell=True)\n',
        "import os\n\ndef clean(path):\n    os.system('rm -rf ' + path)\n",
        "import subprocess\n\ndef count(path):\n"
        "    return subprocess.check_output(f'wc -l {path}')\n",
        "from subprocess import Popen as P\nP('tar xf %s' % name, shell=True)\n",
        "import os\nout = os.popen('uname -a').read()\n",
        "import os\nos.spawnlp(os.P_WAIT, 'ls', 'ls', '-l')\n",
        "import subprocess\nstatus, out = subprocess.getstatusoutput('make')\n",
        "import os\nos.execvp(prog, args)\n",
        "import subprocess\nsubprocess.call(command, shell=[True])\n",
        "import os\nout = os.popen3('uname -a')\n",
    )
    good = (
        'import subprocess\nsubprocess.run(["ls", "-l"], check=True)\n',
        # Formatted values inside an argument list are not parsed by a shell.
        "import subprocess\n\ndef count(path, n):\n"
        "    return subprocess.run(['head', f'-n{n}', path], shell=False, check=True)\n",
        # A shell flag held in a variable is not judged.
        "import subprocess\n\ndef run(cmd, use_shell):\n"
        "    return subprocess.run(cmd, shell=use_shell, check=True)\n",
        # A local function named system, a method named run, os.path functions.
        "import os\n\ndef system(cmd):\n    return cmd\n\nsystem('ls')\n"
        "os.path.join('a', 'b')\n",
        "import subprocess\n\nclass Job:\n    def run(self, cmd, shell=True):\n        return cmd\n\n"
        "Job().run(f'x {1}', shell=True)\n",
        # A module not importing os or subprocess.
        "from fabric import Connection\nConnection('h').run('ls', shell=True)\n",
    )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr not in _NAMES:
            return
        call = self.ctx.qualname(func)
        if call is None:
            return
        if call in _SHELL_ALWAYS:
            parent = self.ctx.parent
            # POLICY: a discarded ``os.system(<plain literal>)`` becomes ``subprocess.run([...],
            # check=True)``: a failing command now raises instead of returning its status.
            rewritable = (
                call == "os.system"
                and isinstance(parent, ast.Expr)
                and parent.value is node
                and _splits_plainly(node)
                # A package install is GR214's to delete, not to convert.
                and install_specs((literal_string(node.args[0]) or "").split()) is None
            )
            self.report(
                node,
                call=f"{call}()",
                how="runs its command through a shell",
                fixable=rewritable,
                fix_class=FixClass.UNSAFE,
            )
        elif call in _SPAWN:
            self.report(
                node,
                call=f"{call}()",
                how="starts a process outside `subprocess`, unchecked",
                fixable=False,
            )
        elif call in _SUBPROCESS:
            shell = keyword(node, "shell")
            if shell is not None and _truthy_constant(shell.value):
                self.report(
                    node,
                    call=f"{call}(..., shell=True)",
                    how="runs its command through a shell",
                    fixable=_splits_plainly(node),
                )
                return
            how = _built(_command(node))
            if how is not None:
                self.report(
                    node, call=f"{call}()", how=f"runs a command built with {how}", fixable=False
                )


def _splits_plainly(node: ast.Call) -> bool:
    """A ``shell=True`` call whose one positional argument is a literal command the shell would
    only split on blanks, so ``shlex.split`` of it runs the same program with the same words."""
    if len(node.args) != 1 or any(kw.arg is None or kw.arg == "executable" for kw in node.keywords):
        return False
    command = literal_string(node.args[0])
    if command is None or not _PLAIN_COMMAND.fullmatch(command):
        return False
    first = command.split(" ", 1)[0]
    return first not in _SHELL_WORDS and "=" not in first


def _truthy_constant(node: ast.expr) -> bool:
    """A literal Python treats as true: ``True``, ``1``, ``"False"`` (a non-empty string) and a
    non-empty list, tuple, set or dict display."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return bool(node.elts)
    if isinstance(node, ast.Dict):
        return bool(node.keys)
    return isinstance(node, ast.Constant) and bool(node.value) and node.value is not Ellipsis


def _command(node: ast.Call) -> Optional[ast.expr]:
    if node.args:
        first = node.args[0]
        return None if isinstance(first, ast.Starred) else first
    kw = keyword(node, "args")
    return kw.value if kw is not None else None


def _is_string(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _is_string(node.left) or _is_string(node.right)
    return False


def _built(node: Optional[ast.expr]) -> Optional[str]:
    """How a command string was built from values, or None for a literal or a non-string."""
    if isinstance(node, ast.JoinedStr):
        if any(isinstance(v, ast.FormattedValue) for v in node.values):
            return "an f-string"
        return None
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod) and _is_string(node.left):
            return "`%` formatting"
        if isinstance(node.op, ast.Add) and (_is_string(node.left) or _is_string(node.right)):
            if not (_is_literal(node.left) and _is_literal(node.right)):
                return "`+`"
        return None
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "format" and _is_string(func.value):
            return "`str.format()`"
    return None


def _is_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return not any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_literal(node.left) and _is_literal(node.right)
    return False
