"""GR114: an absolute, machine-specific path written into the code."""

from __future__ import annotations

import ast
import re
from typing import Dict, Iterator, Optional, Set, Tuple, Union

from groundrules.rules.context import Context
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, Severity

_PATTERN = re.compile(
    r"^/(home|Users|mnt|content|kaggle)/|^[A-Za-z]:[\\/]|^~/|^\.\./input(/|$)|/content/drive"
)

#: Functions taking a path, matched on the qualified name.
_PATH_FUNCTIONS = frozenset(
    {
        "open",
        "io.open",
        "codecs.open",
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "pathlib.WindowsPath",
        "numpy.load",
        "numpy.save",
        "numpy.savez",
        "numpy.savez_compressed",
        "numpy.loadtxt",
        "numpy.savetxt",
        "numpy.genfromtxt",
        "numpy.fromfile",
        "torch.load",
        "torch.save",
        # Images and models, as computer-vision and deep-learning code reads them.
        "torch.jit.load",
        "cv2.imread",
        "cv2.imwrite",
        "cv2.VideoCapture",
        "PIL.Image.open",
        "imageio.imread",
        "imageio.imwrite",
        "imageio.v2.imread",
        "imageio.v3.imread",
        "skimage.io.imread",
        "matplotlib.pyplot.imread",
        "matplotlib.pyplot.savefig",
        "tensorflow.keras.models.load_model",
        "tensorflow.keras.utils.load_img",
        "tensorflow.io.read_file",
        "keras.models.load_model",
        "keras.utils.load_img",
    }
)
#: Modules every function of which takes paths.
_PATH_MODULES = ("os.", "shutil.", "glob.", "joblib.")
#: pandas writers, called as methods of a frame.
_PANDAS_WRITERS = frozenset(
    {
        "to_csv",
        "to_parquet",
        "to_excel",
        "to_json",
        "to_pickle",
        "to_feather",
        "to_hdf",
        "to_stata",
        "to_orc",
        "to_html",
        "to_xml",
        "to_latex",
    }
)

_ScopeKey = Optional[int]


def _leading_text(node: ast.AST) -> Optional[str]:
    """The literal text a string expression starts with: `"/home/x"`, `f"/home/{u}"`, `"/a" + b`."""
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        node = node.left
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _matching(node: ast.AST) -> Optional[str]:
    text = _leading_text(node)
    if text is None:
        return None
    # "/content/drive" may appear anywhere; the other patterns anchor at the start.
    return text if _PATTERN.search(text) else None


def _arguments(call: ast.Call) -> Iterator[ast.expr]:
    for arg in call.args:
        yield arg.value if isinstance(arg, ast.Starred) else arg
    for kw in call.keywords:
        yield kw.value


class HardcodedAbsolutePath(Rule):
    code = "GR114"
    name = "hardcoded-absolute-path"
    category = Category.CODING
    severity = Severity.WARNING
    message = "hard-coded machine-specific path `{path}`: read it from settings or an env variable"
    what = """
Finds string literals (and names bound to one, and f-string or `+` joins starting with such a
name) passed to `open`, `pathlib.Path`, `os.*`, `shutil.*`, `glob.*`, `pd.read_*` /
`DataFrame.to_*`, `np.load`/`np.save`, `joblib.*`, `torch.load`/`torch.save`/`torch.jit.load`,
image readers and writers (`cv2.imread`, `PIL.Image.open`, `imageio`, `skimage.io.imread`,
`plt.imread`/`savefig`) and Keras `load_model`/`load_img`, and values of dict literals, that
point at one machine or platform: `/home/...`, `/Users/...`,
`/mnt/...`, `/content/...`, `/kaggle/...`, `C:\\...`, `~/...`, `../input` or a path containing
`/content/drive`.
"""
    why = """
A path on one laptop, one Colab session or one Kaggle kernel does not exist anywhere else, so the
code cannot run in CI, on a colleague's machine or in the scheduler.
"""
    use_instead = """\
import os
from pathlib import Path

import pandas as pd

DATA_DIR = Path(os.environ.get("DATA_DIR", "data"))
frame = pd.read_csv(DATA_DIR / "train.csv")
"""
    fix_safety = """
No automatic fix: build the path from configuration, `Path(settings.data_dir) / "..."` or an
environment variable (SUGGEST).
"""
    bad = (
        "import pandas as pd\ndf = pd.read_csv('/home/alice/data/train.csv')\n",
        "from pandas import read_csv as rc\nframe = rc('/kaggle/input/titanic/train.csv')\n",
        "DATA = '/content/drive/MyDrive/data.csv'\nwith open(DATA) as f:\n    rows = f.read()\n",
        "from pathlib import Path\nroot = Path(r'C:\\Users\\bob\\project')\n",
        "import os\nfiles = os.listdir(f'/Users/{user}/data')\n",
        "import pandas as pd\ndf = pd.DataFrame()\ndf.to_csv('../input/out.csv')\n",
        "import joblib\nmodel = joblib.load('/mnt/models/model.pkl')\n",
        # Images and models, joined onto a machine-specific root, and paths in a config dict.
        "import cv2\nROOT = '/kaggle/input/images'\nimg = cv2.imread(f'{ROOT}/cat.png')\n",
        "from PIL import Image\nBASE = '/home/alice/photos'\nim = Image.open(BASE + '/dog.jpg')\n",
        "import torch\nstate = torch.load('/content/drive/MyDrive/best.pt', weights_only=True)\n",
        "CONFIG = {'images': '/Users/bob/data/images', 'epochs': 3}\n",
    )
    good = (
        "import pandas as pd\ndf = pd.read_csv('data/train.csv')\n",
        # Relative image paths and joins on a relative root; a dict of non-path values.
        "import cv2\nROOT = 'data/images'\nimg = cv2.imread(f'{ROOT}/cat.png')\n"
        "CONFIG = {'size': 224, 'mode': 'RGB'}\n",
        # Not one machine's: system paths and relative paths.
        "with open('/etc/hosts') as f:\n    hosts = f.read()\n",
        "import os\nos.makedirs('output', exist_ok=True)\n",
        # Not passed to a path API.
        "MESSAGE = 'see /home/alice for details'\nlogger.info(MESSAGE)\n",
        # A local function named like the API.
        "def read_csv(path):\n    return path\n\nread_csv('/home/alice/x.csv')\n",
        # The name is rebound before use.
        "import pandas as pd\npath = '/home/alice/x.csv'\npath = 'data/x.csv'\n"
        "df = pd.read_csv(path)\n",
        # `to_csv` on something that is not a frame.
        "report.to_csv('/home/alice/x.csv')\n",
        # A parameter shadows the module-level constant.
        "PATH = '/home/alice/x.csv'\ndef load(PATH):\n    return open(PATH)\n",
        Example("import pandas as pd\ndf = pd.read_csv('data/x.csv')\n", path="src/x.py"),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        #: Names bound to a matching literal, by scope (None: module).
        self._bound: Dict[Tuple[_ScopeKey, str], ast.expr] = {}
        #: Names a function binds to something else (or takes as a parameter).
        self._shadowed: Set[Tuple[int, str]] = set()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._parameters(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._parameters(node)

    # While no name is bound to a path, a parameter or a local binding hides nothing: a lookup
    # in a function happens during its walk, and no module-level binding can appear meanwhile.
    # Most files never bind one, and this ran for every assignment.
    def _parameters(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        if not self._bound:
            return
        args = node.args
        every = list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs)
        every += [a for a in (args.vararg, args.kwarg) if a is not None]
        for arg in every:
            self._shadowed.add((id(node), arg.arg))

    def visit_Assign(self, node: ast.Assign) -> None:
        if not self._bound and _leading_text(node.value) is None:
            return
        scope = self._scope()
        for target in node.targets:
            if isinstance(target, ast.Name):
                self._bind(scope, target.id, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name) and node.value is not None:
            self._bind(self._scope(), node.target.id, node.value)

    def _bind(self, scope: _ScopeKey, name: str, value: ast.expr) -> None:
        if _matching(value) is not None:
            self._bound[(scope, name)] = value
        elif self._bound:
            self._bound.pop((scope, name), None)
            if scope is not None:
                self._shadowed.add((scope, name))

    def _path_text(self, node: ast.expr) -> Optional[str]:
        """A machine-specific path ``node`` spells: a literal, or a join starting with a name
        bound to one (``f"{ROOT}/img.png"``, ``ROOT + "/img.png"``)."""
        text = _matching(node)
        if text is not None or not self._bound:
            return text
        head: Optional[ast.AST] = node
        while isinstance(head, ast.BinOp) and isinstance(head.op, ast.Add):
            head = head.left
        if isinstance(head, ast.JoinedStr) and head.values:
            first = head.values[0]
            head = first.value if isinstance(first, ast.FormattedValue) else None
        return self._lookup(head.id) if isinstance(head, ast.Name) else None

    def visit_Dict(self, node: ast.Dict) -> None:
        """``{"train": "/kaggle/input/x/train.csv"}``: a config dict holding machine paths."""
        for value in node.values:
            text = _matching(value)
            if text is not None:
                self.report(value, path=text if len(text) <= 60 else text[:57] + "...")

    def visit_Call(self, node: ast.Call) -> None:
        if not (node.args or node.keywords):
            return
        # Cheap first: is any argument a machine-specific path? Only then resolve the callee.
        found = []
        for arg in _arguments(node):
            if isinstance(arg, ast.Dict):
                continue  # reported by visit_Dict
            text = self._path_text(arg)
            if text is not None:
                found.append((arg, text))
        if not found:
            return
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _PANDAS_WRITERS:
            if not self.ctx.pandas.is_pandas(func.value):
                return
        else:
            name = self.ctx.qualname(func)
            if name is None or not self._is_path_api(name):
                return
        for arg, text in found:
            shown = text if len(text) <= 60 else text[:57] + "..."
            self.report(arg, path=shown)

    @staticmethod
    def _is_path_api(name: str) -> bool:
        if name in _PATH_FUNCTIONS or name.startswith(_PATH_MODULES):
            return True
        return name.startswith("pandas.read_")

    def _lookup(self, name: str) -> Optional[str]:
        scope = self._scope()
        value = self._bound.get((scope, name))
        if value is None and scope is not None and (scope, name) not in self._shadowed:
            value = self._bound.get((None, name))
        return None if value is None else _matching(value)

    def _scope(self) -> _ScopeKey:
        scope = self.ctx.enclosing_scope()
        return None if scope is None else id(scope)
