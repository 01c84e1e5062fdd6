"""GR205: Hugging Face downloads not pinned to a commit, and ``trust_remote_code=True``."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Dict, Optional

from groundrules.rules.context import has_kwargs_splat, keyword, literal_string
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_SHA = re.compile(r"[0-9a-f]{40}")
#: Hub download functions, by the last part of their qualified name and their package.
_HUB_FUNCTIONS = frozenset({"load_dataset", "hf_hub_download", "snapshot_download"})
_HUB_TOPS = frozenset({"datasets", "huggingface_hub"})
#: Words of a variable name saying it holds a local directory rather than a Hub repo id.
_LOCAL_WORDS = ("dir", "path", "folder", "ckpt", "checkpoint", "local", "output", "save")
_LOCAL_SUFFIXES = (".bin", ".pt", ".pth", ".safetensors", ".json", ".ckpt", ".h5", ".onnx")
_PATH_FUNCTIONS = frozenset({"os.path.join", "os.path.expanduser", "os.path.abspath", "pathlib.Path"})


class UnpinnedModelOrDatasetDownload(Rule):
    code = "GR205"
    name = "unpinned-model-or-dataset-download"
    category = Category.SECURITY
    severity = Severity.ERROR
    message = (
        "`{call}` downloads from the Hub without a pinned commit: pass `revision=\"<40-hex "
        "commit sha>\"` (a branch or tag can be moved)"
    )
    remote_code_message = (
        "`trust_remote_code=True` runs the repository's Python code on load: review it and pin "
        "`revision=` to the reviewed commit, or use a model that needs no remote code"
    )
    what = """
Finds Hugging Face downloads not pinned to a commit: `*.from_pretrained(...)`, `load_dataset`,
`hf_hub_download` and `snapshot_download` without `revision=` set to a 40-hex commit SHA (a
branch such as `"main"` or a tag is not a pin), and any call passing `trust_remote_code=True`.

Loads from a local directory (a literal path starting with `.`, `/` or `~` or deeper than
`org/name`, a weights or config file, an f-string starting with a directory variable, a variable
named like a directory or path or a module constant holding a path, `os.path.join(...)`,
`Path(...)`), `local_files_only=True`, and a `revision`
held in a variable are not reported as unpinned.
"""
    why = """
A Hub repository's branch or tag can be moved to other weights or other code at any time, by its
owner or by whoever takes over the account: an unpinned download fetches whatever is there on the
day the job runs. `trust_remote_code=True` executes that repository's Python on load.
"""
    use_instead = """\
from transformers import AutoModel

MODEL_REVISION = "0123456789abcdef0123456789abcdef01234567"
model = AutoModel.from_pretrained("bert-base-uncased", revision=MODEL_REVISION)
"""
    fix_safety = """
No automatic fix (SUGGEST): the commit to pin to cannot be known statically. Look it up on the Hub
(or in the local cache's `refs/main`) and pass it as `revision=`.
"""
    requires = frozenset(
        {
            "transformers",
            "diffusers",
            "datasets",
            "huggingface_hub",
            "sentence_transformers",
            "peft",
            "timm",
            "optimum",
            "setfit",
            "trl",
            "accelerate",
            "open_clip",
        }
    )
    bad = (
        'from transformers import AutoModel\nmodel = AutoModel.from_pretrained("bert-base-uncased")\n',
        'from datasets import load_dataset\nds = load_dataset("imdb", revision="main")\n',
        "from huggingface_hub import hf_hub_download\n"
        'p = hf_hub_download("org/model", "model.safetensors", revision="v1.0")\n',
        "import huggingface_hub as hub\nhub.snapshot_download(repo_id='org/model')\n",
        "from transformers import AutoModel\n"
        "m = AutoModel.from_pretrained(\n    'org/model',\n"
        "    revision='0123456789abcdef0123456789abcdef01234567',\n    trust_remote_code=True,\n)\n",
        'from transformers import pipeline\npipe = pipeline("text-generation", model="x/y", '
        "trust_remote_code=True)\n",
    )
    good = (
        "from transformers import AutoModel\n"
        "m = AutoModel.from_pretrained('org/model', "
        "revision='0123456789abcdef0123456789abcdef01234567')\n",
        # Local directories, not the Hub.
        "from transformers import AutoModel\n"
        'a = AutoModel.from_pretrained("./checkpoints/best")\n\n'
        "def reload(output_dir):\n    return AutoModel.from_pretrained(output_dir)\n",
        # Local checkpoints written by training: nested paths, f-strings under a directory, and
        # a module constant holding a path.
        'from transformers import AutoModel\nm = AutoModel.from_pretrained("outputs/run1/checkpoint-500")\n',
        'from transformers import AutoModel\n\ndef load(step):\n'
        '    return AutoModel.from_pretrained(f"{OUT}/checkpoint-{step}")\n',
        'from transformers import AutoModel\nBEST = "./best"\nm = AutoModel.from_pretrained(BEST)\n',
        "from transformers import AutoModel\n"
        'm = AutoModel.from_pretrained("org/model", local_files_only=True)\n',
        # A revision held in a variable may be a SHA; a module-level constant is checked.
        "from datasets import load_dataset\nREV = '0123456789abcdef0123456789abcdef01234567'\n"
        "ds = load_dataset('imdb', revision=REV)\n\n"
        "def get(rev):\n    return load_dataset('imdb', revision=rev)\n",
        # A local function named like the API, and a module not using Hugging Face.
        "import transformers\n\ndef load_dataset(name):\n    return name\n\nload_dataset('imdb')\n",
        "from mylib import Model\nm = Model.from_pretrained('org/model')\n",
        "from transformers import AutoModel\n"
        "m = AutoModel.from_pretrained('org/model', revision=REV_SHA, trust_remote_code=False)\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._constants: Optional[Dict[str, str]] = None

    def visit_Call(self, node: ast.Call) -> None:
        remote = keyword(node, "trust_remote_code")
        if remote is not None and isinstance(remote.value, ast.Constant) and remote.value.value is True:
            self.report(node, self.remote_code_message)
        call = self._download(node)
        if call is None or self._is_local(node):
            return
        if has_kwargs_splat(node) or self._is_pinned(keyword(node, "revision")):
            return
        self.report(node, call=call)

    def _download(self, node: ast.Call) -> Optional[str]:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "from_pretrained":
            return ".from_pretrained()"
        if isinstance(func, ast.Attribute) and func.attr not in _HUB_FUNCTIONS:
            return None
        if not isinstance(func, (ast.Name, ast.Attribute)):
            return None
        qualname = self.ctx.qualname(func)
        if qualname is None:
            return None
        top, _, rest = qualname.partition(".")
        if top in _HUB_TOPS and rest.rsplit(".", 1)[-1] in _HUB_FUNCTIONS:
            return f"{qualname}()"
        return None

    def _is_pinned(self, revision: Optional[ast.keyword]) -> bool:
        if revision is None:
            return False
        value = revision.value
        text = literal_string(value)
        if text is None and isinstance(value, ast.Name):
            if value.id not in self._module_constants():
                return True  # a variable: it may hold a SHA, stay silent
            text = self._module_constants()[value.id]
        if text is None:
            return not (isinstance(value, ast.Constant) and value.value is None)
        return _SHA.fullmatch(text) is not None

    def _module_constants(self) -> Dict[str, str]:
        """Module-level ``NAME = "literal"`` assignments (direct statements of the module)."""
        if self._constants is None:
            self._constants = {}
            for stmt in self.ctx.tree.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target, value = stmt.targets[0], stmt.value
                elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                    target, value = stmt.target, stmt.value
                else:
                    continue
                text = literal_string(value)
                if isinstance(target, ast.Name) and text is not None:
                    self._constants[target.id] = text
        return self._constants

    def _is_local(self, node: ast.Call) -> bool:
        only_local = keyword(node, "local_files_only")
        if only_local is not None and isinstance(only_local.value, ast.Constant):
            if only_local.value.value is True:
                return True
        source: Optional[ast.expr] = None
        if node.args and not isinstance(node.args[0], ast.Starred):
            source = node.args[0]
        else:
            for name in ("pretrained_model_name_or_path", "repo_id", "path", "model_id"):
                kw = keyword(node, name)
                if kw is not None:
                    source = kw.value
                    break
        if source is None:
            return False
        text = literal_string(source)
        if text is not None:
            return _local_text(text)
        if isinstance(source, ast.JoinedStr):
            # f"{OUTPUT_DIR}/checkpoint-{step}": a path under a directory held in a variable.
            first = source.values[0] if source.values else None
            if isinstance(first, ast.FormattedValue):
                return True
            head = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""
            return _local_text(head)
        if isinstance(source, ast.Name):
            constant = self._module_constants().get(source.id)
            if constant is not None and _local_text(constant):
                return True
            return _local_name(source.id)
        if isinstance(source, ast.Attribute):
            return _local_name(source.attr)
        if isinstance(source, ast.BinOp) and isinstance(source.op, ast.Div):
            return True  # pathlib: base / "name"
        if isinstance(source, ast.Call):
            qualname = self.ctx.qualname(source.func)
            if qualname in _PATH_FUNCTIONS:
                return True
            if qualname == "str" and source.args:
                inner = source.args[0]
                return isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Div)
        return False


def _local_text(text: str) -> bool:
    """A path, not a Hub id (`name` or `org/name`): absolute, relative with `./`, home, Windows,
    deeper than `org/name` (`outputs/run1/checkpoint-500`), or a weights/config file."""
    if text.startswith((".", "/", "~", "\\")) or re.match(r"[A-Za-z]:[\\/]", text) is not None:
        return True
    return text.count("/") >= 2 or "\\" in text or text.endswith(_LOCAL_SUFFIXES)


def _local_name(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _LOCAL_WORDS)
