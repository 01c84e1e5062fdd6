"""GR203: pickle-based loading (pickle, dill, joblib, ``pd.read_pickle``...) of data that may be untrusted."""

from __future__ import annotations

import ast
import fnmatch
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Set

from groundrules.rules.context import FUNCTION_NODES, keyword
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, Severity, strs_option

if TYPE_CHECKING:
    from groundrules.rules.context import Context

TRUSTED_ARTIFACT_LOADERS = strs_option(
    "security",
    "trusted-artifact-loaders",
    (),
    "Qualified names (globs allowed) of functions that fetch verified artifacts "
    "(`acme_ml.artifacts.load`): loading what they return, or loading inside them, is not reported.",
)

#: Calls that unpickle whatever they are given.
_UNPICKLERS = frozenset(
    {
        "pickle.load",
        "pickle.loads",
        "pickle.Unpickler",
        "_pickle.load",
        "_pickle.loads",
        "_pickle.Unpickler",
        "dill.load",
        "dill.loads",
        "dill.Unpickler",
        "cloudpickle.load",
        "cloudpickle.loads",
        "joblib.load",
        "sklearn.externals.joblib.load",
        "pandas.read_pickle",
        "pandas.io.pickle.read_pickle",
        "shelve.open",
        "jsonpickle.decode",
        "jsonpickle.loads",
        "jsonpickle.unpickler.decode",
        "jsonpickle.unpickler.Unpickler",
        "marshal.load",
        "marshal.loads",
    }
)
_NUMPY_LOAD = frozenset({"numpy.load"})
_KERAS_TOPS = frozenset({"keras", "tensorflow", "tf_keras"})
_NAMES = frozenset(q.rsplit(".", 1)[1] for q in _UNPICKLERS) | {"load", "load_model"}
#: File openers whose first argument is the path: ``open(trusted(...), "rb")`` stays trusted.
_OPENERS = frozenset({"open", "io.open", "gzip.open", "bz2.open", "lzma.open"})
_PATH_KEYWORDS = ("file", "filename", "filepath_or_buffer", "path", "data", "s", "string")

Scope = Optional[ast.AST]


class UnsafeDeserialization(Rule):
    code = "GR203"
    name = "unsafe-deserialization"
    category = Category.SECURITY
    severity = Severity.ERROR
    message = (
        "`{call}` {how} can run code hidden in the data: use a safe format (safetensors, skops, "
        "ONNX, parquet) or load through a trusted artifact loader"
    )
    what = """
Finds loaders that unpickle their input: `pickle.load`/`loads`/`Unpickler`, `dill.load(s)`,
`cloudpickle.load(s)`, `joblib.load`, `pd.read_pickle`, `np.load(..., allow_pickle=True)`,
`shelve.open`, `jsonpickle.decode`, `marshal.load(s)` and Keras `load_model(...,
safe_mode=False)`.

Not reported: a path or file that comes from a function listed in `trusted-artifact-loaders`
(directly, through a name bound in the same scope, or through `open(...)` of it), and the body of
such a trusted loader itself.
"""
    why = """
Unpickling executes whatever the file says: a model, frame or cache file downloaded, shared or
swapped on a bucket runs arbitrary code on the machine that loads it, with that job's credentials.
"""
    use_instead = """\
import pandas as pd
from safetensors.torch import load_file

weights = load_file("model.safetensors")
frame = pd.read_parquet("features.parquet")
"""
    fix_safety = """
No automatic fix (SUGGEST): move artifacts to a format that cannot carry code (safetensors for
tensors, skops for scikit-learn models, ONNX, parquet for frames) or fetch them through a trusted,
verifying loader. `allow_pickle=True` is never removed automatically: object arrays need it.
"""
    options = (TRUSTED_ARTIFACT_LOADERS,)
    requires = frozenset(
        {
            "pickle",
            "_pickle",
            "dill",
            "cloudpickle",
            "joblib",
            "sklearn",
            "pandas",
            "numpy",
            "shelve",
            "jsonpickle",
            "marshal",
            "keras",
            "tensorflow",
            "tf_keras",
        }
    )
    bad = (
        'import pickle\n\nwith open("model.pkl", "rb") as f:\n    model = pickle.load(f)\n',
        'import joblib\nclf = joblib.load("clf.joblib")\n',
        'import pandas as pd\nframe = pd.read_pickle("s3://bucket/frame.pkl")\n',
        'import numpy as np\narr = np.load("arr.npy", allow_pickle=True)\n',
        "from dill import loads as undill\n\ndef restore(blob):\n    return undill(blob)\n",
        'import keras\nm = keras.models.load_model("m.keras", safe_mode=False)\n',
        'import shelve\ndb = shelve.open("cache")\n',
    )
    good = (
        'import numpy as np\narr = np.load("arr.npy")\nother = np.load("o.npy", allow_pickle=False)\n',
        'import keras\nm = keras.models.load_model("m.keras")\n',
        'import json\nwith open("c.json", encoding="utf-8") as f:\n    config = json.load(f)\n',
        # A local function named like the API, and a module not importing any unpickler.
        "import pickle\n\ndef load(path):\n    return path\n\nload('x.pkl')\n",
        "import yaml\n\nclass Store:\n    def load(self):\n        return 1\n\nStore().load()\n",
        Example(
            "import joblib\nfrom acme_ml import artifacts\n\n"
            'clf = joblib.load(artifacts.load("churn-model"))\n\n'
            "def restore(name):\n    path = artifacts.load(name)\n    return joblib.load(path)\n",
            options={"security.trusted-artifact-loaders": ["acme_ml.artifacts.load"]},
        ),
        Example(
            "import pickle\nfrom acme_ml.artifacts import fetch\n\n"
            'with open(fetch("model"), "rb") as f:\n    model = pickle.load(f)\n',
            options={"security.trusted-artifact-loaders": ["acme_ml.artifacts.*"]},
        ),
        # The trusted loader's own implementation.
        Example(
            "import pickle\n\ndef load(name):\n    with open(name, 'rb') as f:\n"
            "        return pickle.load(f)\n",
            path="acme_ml/artifacts.py",
            options={"security.trusted-artifact-loaders": ["acme_ml.artifacts.load"]},
        ),
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._trusted = self.option(TRUSTED_ARTIFACT_LOADERS)
        #: Per scope: names bound to a trusted artifact (path, file object or bytes).
        self._trusted_names: Dict[Scope, Set[str]] = {}

    # -- trusted provenance ------------------------------------------------------------
    def _scope_names(self) -> Set[str]:
        return self._trusted_names.setdefault(self.ctx.enclosing_scope(), set())

    def _is_trusted_loader(self, qualname: Optional[str]) -> bool:
        return qualname is not None and any(
            fnmatch.fnmatchcase(qualname, p) for p in self._trusted
        )

    def _from_trusted(self, node: Optional[ast.AST]) -> bool:
        if node is None or not self._trusted:
            return False
        if isinstance(node, ast.Name):
            return node.id in self._scope_names()
        if isinstance(node, ast.Call):
            qualname = self.ctx.qualname(node.func)
            if self._is_trusted_loader(qualname):
                return True
            if qualname in _OPENERS and node.args:
                return self._from_trusted(node.args[0])
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("open", "read_bytes"):
                return self._from_trusted(node.func.value)
        return False

    def _bind(self, target: ast.AST, value: Optional[ast.AST]) -> None:
        names = self._scope_names()
        trusted = value is not None and self._from_trusted(value)
        for name in _names(target):
            if trusted and isinstance(target, ast.Name):
                names.add(name)
            else:
                names.discard(name)

    def leave_Assign(self, node: ast.Assign) -> None:
        if self._trusted:
            for target in node.targets:
                self._bind(target, node.value)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        if self._trusted:
            self._bind(node.target, node.value)

    def visit_withitem(self, node: ast.withitem) -> None:
        if self._trusted and node.optional_vars is not None:
            self._bind(node.optional_vars, node.context_expr)

    def _inside_trusted_loader(self) -> bool:
        if not self._trusted or self.ctx.enclosing_function() is None:
            return False
        parts: List[str] = [
            n.name
            for n in self.ctx.ancestors
            if isinstance(n, FUNCTION_NODES) or isinstance(n, ast.ClassDef)
        ]
        module = self.ctx.source.module
        qualname = ".".join(([module] if module else []) + parts)
        # A loader named by its module-level function also covers helpers nested in it.
        return any(
            self._is_trusted_loader(".".join(qualname.split(".")[:i]))
            for i in range(len(qualname.split(".")), 0, -1)
        )

    # -- loaders -----------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr not in _NAMES:
            return
        qualname = self.ctx.qualname(node.func)
        if qualname is None:
            return
        how = ""
        if qualname in _UNPICKLERS:
            pass
        elif qualname in _NUMPY_LOAD:
            if not _is_true(keyword(node, "allow_pickle")):
                return
            how = "with `allow_pickle=True`"
        elif qualname.endswith(".load_model") and qualname.partition(".")[0] in _KERAS_TOPS:
            if not _is_false(keyword(node, "safe_mode")):
                return
            how = "with `safe_mode=False`"
        else:
            return
        if self._from_trusted(_source_argument(node)) or self._inside_trusted_loader():
            return
        self.report(node, call=qualname, how=how or "on untrusted input")


def _is_true(kw: Optional[ast.keyword]) -> bool:
    return kw is not None and isinstance(kw.value, ast.Constant) and kw.value.value is True


def _is_false(kw: Optional[ast.keyword]) -> bool:
    return kw is not None and isinstance(kw.value, ast.Constant) and kw.value.value is False


def _source_argument(node: ast.Call) -> Optional[ast.expr]:
    if node.args and not isinstance(node.args[0], ast.Starred):
        return node.args[0]
    for name in _PATH_KEYWORDS:
        kw = keyword(node, name)
        if kw is not None:
            return kw.value
    return None


def _names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _names(elt)
    elif isinstance(target, ast.Starred):
        yield from _names(target.value)
