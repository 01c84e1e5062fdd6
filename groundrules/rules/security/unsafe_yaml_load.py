"""GR206: ``yaml.load`` without a safe loader, ``yaml.unsafe_load``, ``yaml.full_load``."""

from __future__ import annotations

import ast
from typing import Optional

from groundrules.rules.context import has_kwargs_splat, keyword
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

#: The calls whose safety depends on their ``Loader``; the others are unsafe by name.
_LOADS = frozenset({"yaml.load", "yaml.load_all"})
_SAFE_FOR = {
    "yaml.load": "yaml.safe_load",
    "yaml.load_all": "yaml.safe_load_all",
    "yaml.unsafe_load": "yaml.safe_load",
    "yaml.unsafe_load_all": "yaml.safe_load_all",
    "yaml.full_load": "yaml.safe_load",
    "yaml.full_load_all": "yaml.safe_load_all",
}
_NAMES = frozenset(q.rsplit(".", 1)[1] for q in _SAFE_FOR)
#: Loaders that construct arbitrary (or, for FullLoader, many) Python objects.
_UNSAFE_LOADERS = frozenset(
    {
        "yaml.Loader",
        "yaml.UnsafeLoader",
        "yaml.FullLoader",
        "yaml.CLoader",
        "yaml.CUnsafeLoader",
        "yaml.CFullLoader",
        "yaml.loader.Loader",
        "yaml.loader.UnsafeLoader",
        "yaml.loader.FullLoader",
    }
)


class UnsafeYamlLoad(Rule):
    code = "GR206"
    name = "unsafe-yaml-load"
    category = Category.SECURITY
    severity = Severity.ERROR
    fix = FixClass.UNSAFE
    message = "`{call}({how})` can construct arbitrary Python objects: use `{safe}(...)`"
    what = """
Finds `yaml.load(...)` and `yaml.load_all(...)` without a `Loader` or with an unsafe one
(`yaml.Loader`, `UnsafeLoader`, `FullLoader` and their C variants), and the shortcuts
`yaml.unsafe_load`, `yaml.unsafe_load_all`, `yaml.full_load`, `yaml.full_load_all`.

A safe loader (`SafeLoader`, `CSafeLoader`, `BaseLoader`) or a loader class the rule cannot
resolve (a project's own subclass) is not reported.
"""
    why = """
The unsafe loaders build any Python object a document names (`!!python/object/apply:os.system`),
so a YAML config or dataset card edited by someone else runs code in the job that reads it.
"""
    use_instead = """\
import yaml

with open("config.yaml", encoding="utf-8") as f:
    config = yaml.safe_load(f)
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): on PyYAML 5.1-5.4 `yaml.load(x)` without a Loader uses
`FullLoader` (python/tuple and other tags load; `safe_load` rejects them), and on PyYAML 6 it
raises `TypeError`, which `safe_load` does not: values and exceptions change, on purpose. With
`--unsafe-fixes`:
`yaml.load(x)` -> `yaml.safe_load(x)` (and `load_all` -> `safe_load_all`), with no `Loader` or
with an explicit unsafe loader (and for `unsafe_load`/`full_load`): python-tagged nodes stop
loading, which is the intent.
"""
    requires = frozenset({"yaml"})
    bad = (
        'import yaml\nwith open("c.yaml") as f:\n    config = yaml.load(f)\n',
        "import yaml\nconfig = yaml.load(text, Loader=yaml.FullLoader)\n",
        "import yaml\ndocs = list(yaml.load_all(stream, yaml.Loader))\n",
        "from yaml import unsafe_load\nconfig = unsafe_load(text)\n",
        "import yaml as y\nconfig = y.full_load(text)\n",
    )
    good = (
        "import yaml\nconfig = yaml.safe_load(text)\n",
        "import yaml\nconfig = yaml.load(text, Loader=yaml.SafeLoader)\n"
        "docs = yaml.load_all(text, Loader=yaml.CSafeLoader)\n",
        # A project loader class (a SafeLoader subclass, usually) cannot be judged.
        "import yaml\n\nclass EnvLoader(yaml.SafeLoader):\n    pass\n\n"
        "config = yaml.load(text, Loader=EnvLoader)\n",
        # json.load, a local function and a method named load.
        "import json\nimport yaml\n\ndef load(t):\n    return t\n\n"
        "load('a: 1')\njson.load(fh)\nstore.load(fh)\n",
        # ruamel.yaml's object API is safe by default; a module not importing PyYAML.
        "from ruamel.yaml import YAML\nconfig = YAML(typ='safe').load(text)\n",
    )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr not in _NAMES:
            return
        call = self.ctx.qualname(func)
        if call is None or call not in _SAFE_FOR:
            return
        safe = _SAFE_FOR[call]
        if call not in _LOADS:
            self.report(node, call=call, how="...", safe=safe, fix_class=FixClass.UNSAFE)
            return
        loader = _loader_argument(node)
        if loader is None:
            if not has_kwargs_splat(node):
                # PyYAML 6 requires a Loader, so this call fails today; on 5.x it used FullLoader (UNSAFE).
                self.report(node, call=call, how="...", safe=safe)
            return
        loader_name = self.ctx.qualname(loader)
        if loader_name in _UNSAFE_LOADERS:
            short = loader_name.rsplit(".", 1)[1] if loader_name else ""
            self.report(
                node, call=call, how=f"..., Loader=yaml.{short}", safe=safe, fix_class=FixClass.UNSAFE
            )


def _loader_argument(node: ast.Call) -> Optional[ast.expr]:
    kw = keyword(node, "Loader")
    if kw is not None:
        return kw.value
    if len(node.args) >= 2 and not any(isinstance(a, ast.Starred) for a in node.args[:2]):
        return node.args[1]
    return None
