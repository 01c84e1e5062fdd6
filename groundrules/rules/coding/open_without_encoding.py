"""GR121: text files opened without an explicit encoding."""

from __future__ import annotations

import ast
from typing import Optional, Set, Tuple, Union

from groundrules.rules.context import Context, has_kwargs_splat, keyword, literal_string
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

_OPENERS = frozenset({"open", "io.open"})
_PATH_CLASSES = frozenset(
    {"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.PurePath"}
)
_PATH_FACTORIES = frozenset({"pathlib.Path.home", "pathlib.Path.cwd"})
#: Path methods returning another Path.
_PATH_METHODS = frozenset(
    {
        "joinpath",
        "with_suffix",
        "with_name",
        "with_stem",
        "resolve",
        "absolute",
        "expanduser",
        "relative_to",
    }
)
_PATH_ATTRIBUTES = frozenset({"parent"})
#: Path method -> (0-based positional index of `encoding`, does it take a mode?)
_PATH_IO = {"open": (2, True), "read_text": (0, False), "write_text": (1, False)}
_METHOD_NAMES = frozenset(_PATH_IO) | frozenset(name.rpartition(".")[2] for name in _OPENERS)

_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]


class OpenWithoutEncoding(Rule):
    code = "GR121"
    name = "open-without-encoding"
    category = Category.CODING
    severity = Severity.WARNING
    #: The rule reads the called name as written, one of these.
    text_gate = _METHOD_NAMES
    fix = FixClass.UNSAFE
    message = "{call} in text mode without `encoding=`: pass `encoding=\"utf-8\"`"
    what = """
Finds text-mode `open()` / `io.open()` calls and `Path.open()`, `Path.read_text()` and
`Path.write_text()` calls without `encoding=`. Binary modes (`"rb"`, `"wb"`), modes that are not
literals and calls passing `**kwargs` are skipped. `Path` methods are checked on receivers known
to be paths: `Path(...)`, `Path.home()`, `path / "x"`, names bound to one and parameters annotated
`Path`.
"""
    why = """
Without `encoding=` Python uses the locale's encoding: the same code reads a file correctly on a
laptop and garbles or fails on it (`UnicodeDecodeError`) in a container or on Windows.
"""
    use_instead = """\
from pathlib import Path

with open("data.csv", encoding="utf-8") as handle:
    header = handle.readline()
text = Path("notes.md").read_text(encoding="utf-8")
with open("model.bin", "rb") as handle:
    blob = handle.read()
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes`): `encoding="utf-8"` is added, which changes what is
read or written where the locale's encoding was not UTF-8.
"""
    bad = (
        "with open('data.csv') as f:\n    rows = f.readlines()\n",
        "with open('out.txt', 'w') as f:\n    f.write('x')\n",
        "from pathlib import Path\ntext = Path('notes.md').read_text()\n",
        "from pathlib import Path\nroot = Path('data')\nconfig = (root / 'c.json').read_text()\n",
        "from pathlib import Path\ndef save(path: Path, text: str) -> None:\n"
        "    path.write_text(text)\n",
        "import io\nhandle = io.open('x.txt', mode='r')\n",
        "from pathlib import Path\nwith Path.home().joinpath('x').open('a') as f:\n    pass\n",
    )
    good = (
        "with open('data.csv', encoding='utf-8') as f:\n    rows = f.readlines()\n",
        "with open('model.pkl', 'rb') as f:\n    blob = f.read()\n",
        "with open('out.bin', mode='wb') as f:\n    f.write(b'x')\n",
        # Mode not known statically; encoding passed positionally or through **kwargs.
        "def load(mode):\n    return open('x', mode)\n",
        "f = open('x', 'r', -1, 'utf-8')\n",
        "def load(**kw):\n    return open('x', **kw)\n",
        # .open() of things that are not paths.
        "import zipfile\nwith zipfile.ZipFile('a.zip').open('x') as f:\n    pass\n",
        "from PIL import Image\nimg = Image.open('x.png')\n",
        "import webbrowser\nwebbrowser.open('https://example.com')\n",
        "from pathlib import Path\nPath('x').read_bytes()\nPath('y').write_text('z', 'utf-8')\n",
        # A local function named open.
        "def open(path):\n    return path\n\nopen('x')\n",
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        #: (scope id or None for the module, name) of names bound to a Path.
        self._paths: Set[Tuple[Optional[int], str]] = set()
        #: (scope id, name) of function-local names bound to something else: they hide the
        #: module's binding.
        self._hidden: Set[Tuple[int, str]] = set()
        self._pathlib = ctx.imports.imports_module("pathlib")

    # -- which names are paths --------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._parameters(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._parameters(node)

    def _parameters(self, node: _Function) -> None:
        if not self._pathlib:
            return
        args = node.args
        for arg in list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs):
            if arg.annotation is not None and self._is_path_annotation(arg.annotation):
                self._paths.add((id(node), arg.arg))
            else:
                self._hidden.add((id(node), arg.arg))

    def _is_path_annotation(self, annotation: ast.expr) -> bool:
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            return annotation.value in ("Path", "pathlib.Path")
        return self.ctx.qualname(annotation) in _PATH_CLASSES

    def visit_Assign(self, node: ast.Assign) -> None:
        if not self._pathlib:
            return
        is_path = self._is_path(node.value)
        scope = self._scope()
        for target in node.targets:
            if isinstance(target, ast.Name):
                if is_path:
                    self._paths.add((scope, target.id))
                else:
                    self._paths.discard((scope, target.id))
                    if scope is not None:
                        self._hidden.add((scope, target.id))

    def _is_path(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Call):
            func = node.func
            name = self.ctx.qualname(func)
            if name in _PATH_CLASSES or name in _PATH_FACTORIES:
                return True
            if isinstance(func, ast.Attribute) and func.attr in _PATH_METHODS:
                return self._is_path(func.value)
            return False
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self._is_path(node.left)
        if isinstance(node, ast.Attribute) and node.attr in _PATH_ATTRIBUTES:
            return self._is_path(node.value)
        if isinstance(node, ast.Name):
            scope = self._scope()
            if (scope, node.id) in self._paths:
                return True
            if scope is not None and (scope, node.id) in self._hidden:
                return False
            return (None, node.id) in self._paths
        return False

    def _scope(self) -> Optional[int]:
        scope = self.ctx.enclosing_scope()
        return None if scope is None else id(scope)

    # -- the calls ----------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        method = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if method not in _METHOD_NAMES:
            return
        if keyword(node, "encoding") is not None or has_kwargs_splat(node):
            return
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            return
        name = self.ctx.qualname(func)
        if name in _OPENERS:
            if len(node.args) >= 4 or self._binary(node, 1):
                return
            self.report(node, call=f"`{name}()`")
            return
        if not (self._pathlib and isinstance(func, ast.Attribute) and method in _PATH_IO):
            return
        if not self._is_path(func.value):
            return
        index, takes_mode = _PATH_IO[method]
        if len(node.args) > index or (takes_mode and self._binary(node, 0)):
            return
        self.report(node, call=f"`Path.{method}()`")

    @staticmethod
    def _binary(node: ast.Call, index: int) -> bool:
        """Is the mode binary, or not known? (Both mean: do not report.)"""
        mode_kw = keyword(node, "mode")
        mode: Optional[ast.expr] = None
        if mode_kw is not None:
            mode = mode_kw.value
        elif len(node.args) > index:
            mode = node.args[index]
        if mode is None:
            return False
        text = literal_string(mode)
        return text is None or "b" in text
