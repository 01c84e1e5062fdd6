"""Generate groundrules/rules/datascience/_sklearn_seeded.py from the installed scikit-learn.

GR401 asks for `random_state` on every scikit-learn callable that takes one. The checked code is
never imported and scikit-learn may not be installed where groundrules runs, so the list is read
here, from scikit-learn's own signatures, and committed as data. For each public class or
function (from the `__all__` of every public `sklearn.*` module) with a `random_state` parameter
it records the modules exporting it and, when the parameter's documentation says it only matters
under another parameter (`Only used when solver == 'sag'`, `Ignored when probability is False`,
`when shuffle is True`), that parameter and the literal values that make it matter.

    python benchmarks/sklearn_random_state.py [--check]

`--check` exits 1 when the committed table differs from what the installed scikit-learn gives
(tests/test_sklearn_table.py runs the same comparison).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

Condition = Tuple[str, Tuple[object, ...], bool]
TABLE = Path(__file__).resolve().parent.parent / "groundrules" / "rules" / "datascience" / "_sklearn_seeded.py"
#: Sentences of a `random_state` description that make it depend on another parameter
#: ("Only used when solver == 'sag'", "Ignored when `probability` is False", "Otherwise, this
#: parameter has no effect"); "used when building trees" inside a sentence is not one.
_CONDITIONAL = re.compile(
    r"(?:^|\. )(?:Only used|Used when|Used only|Ignored when|Ignored if|Only relevant)|"
    r"has no effect|when `*\w+`* is set to `*True|when `*\w+`* is not None|(?:^|\. )When `*\w+`* is True"
)
#: The value that makes `random_state` matter is anything but None.
NOT_NONE = "<not None>"
#: The value that makes `random_state` matter is a number above 0 (`n_restarts_optimizer`).
POSITIVE = "<positive>"
#: The value that makes `random_state` matter is a float (`cv=0.2`: one shuffled split).
FLOAT = "<float>"
#: Conditions scikit-learn states where the sentence pattern above does not find them (read in
#: its source and docs): the Gaussian processes draw only for optimizer restarts; the embeddings'
#: `random_state` seeds ARPACK, which `eigen_solver="auto"` picks for larger data and "dense"
#: never uses; NMF draws for a random initialisation (its default init is NNDSVDa).
_STATED_ELSEWHERE: Dict[str, Condition] = {
    "GaussianProcessClassifier": ("n_restarts_optimizer", (POSITIVE,), False),
    "GaussianProcessRegressor": ("n_restarts_optimizer", (POSITIVE,), False),
    "LocallyLinearEmbedding": ("eigen_solver", ("arpack", "auto"), True),
    "locally_linear_embedding": ("eigen_solver", ("arpack", "auto"), True),
    "NMF": ("init", ("nndsvdar", "random"), False),
    # k-means draws its initial centroids; an explicit array of centroids draws nothing.
    "KMeans": ("init", ("k-means++", "random"), True),
    # "Controls the randomness of cross-validation when `cv` is a float."
    "TunedThresholdClassifierCV": ("cv", (FLOAT,), False),
    "non_negative_factorization": ("init", ("nndsvdar", "random"), False),
}
#: Abstract bases, and loaders whose `random_state` only orders what they read.
_SKIPPED_PREFIXES = ("Base", "fetch_", "load_", "check_")
_QUOTED = re.compile(r"['\"]([A-Za-z_][\w-]*)['\"]")


def _public_modules() -> List[str]:
    import sklearn

    names = ["sklearn"]
    for info in pkgutil.walk_packages(sklearn.__path__, "sklearn."):
        parts = info.name.split(".")
        if any(p.startswith("_") or p in ("tests", "externals", "conftest") for p in parts):
            continue
        names.append(info.name)
    return sorted(names)


def _random_state_doc(obj: object) -> str:
    """The text of the `random_state` entry of a numpydoc Parameters section."""
    doc = inspect.getdoc(obj) or ""
    match = re.search(r"^random_state\b[^\n]*\n((?:[ \t]+[^\n]*\n|[ \t]*\n)*)", doc, re.MULTILINE)
    return " ".join(match.group(1).split()) if match else ""


def _condition(obj: object, params: Dict[str, inspect.Parameter]) -> Optional[Condition]:
    """(parameter, values, by default) when `random_state` matters only when that parameter has
    one of the values (and whether its default is one); ``("", (), False)`` when it depends on
    something a call does not show (`jitter` is not None, the solver `auto` picks)."""
    text = _random_state_doc(obj)
    if not _CONDITIONAL.search(text):
        return None
    for name, param in params.items():
        if name == "random_state" or not re.search(rf"\b{re.escape(name)}\b", text):
            continue
        default = param.default
        if re.search(rf"`*{re.escape(name)}`* is not None", text):
            return name, (NOT_NONE,), default is not None and default is not inspect.Parameter.empty
        if isinstance(default, bool) or re.search(rf"`{re.escape(name)}`? is (True|False)|{re.escape(name)}=True", text):
            # `shuffle`, `bootstrap`, `probability`, `dual`: random only when true.
            return name, (True,), default is True
        values = tuple(sorted(set(_QUOTED.findall(text))))
        if values:
            return name, values, default in values
    return "", (), False


def collect() -> Dict[str, Tuple[Tuple[str, ...], Optional[Condition]]]:
    found: Dict[str, Tuple[List[str], Optional[Condition]]] = {}
    for module_name in _public_modules():
        try:
            module = importlib.import_module(module_name)
        except Exception:  # optional dependencies of a few submodules
            continue
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            try:
                params = dict(inspect.signature(obj).parameters)
            except (TypeError, ValueError):
                continue
            if "random_state" not in params or name.startswith(_SKIPPED_PREFIXES):
                continue
            entry = found.setdefault(name, ([], _STATED_ELSEWHERE.get(name) or _condition(obj, params)))
            entry[0].append(module_name)
    return {name: (tuple(sorted(set(mods))), cond) for name, (mods, cond) in sorted(found.items())}


def render() -> str:
    import sklearn

    lines = [
        '"""scikit-learn callables taking `random_state` (generated: do not edit).',
        "",
        "Written by benchmarks/sklearn_random_state.py from the signatures and docstrings of",
        f"scikit-learn {sklearn.__version__}; tests/test_sklearn_table.py fails when it is stale.",
        "name -> (modules exporting it, condition): a condition (parameter, values, by default)",
        "means `random_state` matters only when that parameter has one of the values (a literal",
        "passed, or its default when `by default`); (\"\", (), False) that it depends on something",
        "a call does not show.",
        '"""',
        "",
        "from typing import Dict, Optional, Tuple",
        "",
        f'SKLEARN_VERSION = "{sklearn.__version__}"',
        "Condition = Tuple[str, Tuple[object, ...], bool]",
        "SEEDED: Dict[str, Tuple[Tuple[str, ...], Optional[Condition]]] = {",
    ]
    for name, (modules, cond) in collect().items():
        lines.append(f"    {name!r}: ({modules!r}, {cond!r}),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        stale = TABLE.read_text(encoding="utf-8") != text
        sys.stdout.write(f"{TABLE}: {'stale' if stale else 'current'}\n")
        return 1 if stale else 0
    TABLE.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {TABLE}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
