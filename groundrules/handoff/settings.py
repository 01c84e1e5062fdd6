"""What the prototype hard-coded becomes ``Settings`` fields read from the environment: file
paths, secrets (what GR201 reports) and hyper-parameters.

A constant assigned once (``DATA_DIR = "/Users/ana/data"``) becomes a field of the same name; a
literal written straight into a call (``pd.read_csv("sales.csv")``, ``n_estimators=200``) becomes a
field named after the file or the keyword.  Secrets and paths on a person's machine are required
(no default: they must be provisioned); everything else keeps the prototype's value as default,
so running the module with no environment does what the notebook did.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from groundrules.handoff.items import PARAMETER, PATH, SECRET, Blocking, Change, SettingField
from groundrules.handoff.naming import Names, snake_case
from groundrules.handoff.secrets import MASK, Secret

if TYPE_CHECKING:
    from groundrules.handoff.plan import Statement

#: Calls whose string arguments name files (matched on the last part of the callee's name).
PATH_CALLS = frozenset({
    "read_csv", "read_parquet", "read_json", "read_excel", "read_table", "read_pickle", "read_feather",
    "read_hdf", "read_fwf", "read_orc", "read_stata", "read_sas", "read_spss", "read_xml", "to_csv",
    "to_parquet", "to_json", "to_excel", "to_pickle", "to_feather", "to_hdf", "to_stata", "to_xml",
    "open", "Path", "PurePath", "load", "dump", "save", "savez", "savez_compressed", "savetxt", "loadtxt",
    "genfromtxt", "savefig", "imread", "imwrite", "ZipFile", "listdir", "makedirs", "mkdir", "glob",
    "scandir", "copy", "copyfile", "move", "remove", "unlink", "read_text", "write_text", "load_model",
    "save_model", "from_pretrained", "save_pretrained", "joinpath",
})
#: Keyword arguments that name files.
PATH_KEYWORDS = frozenset({"path", "filepath", "filepath_or_buffer", "fname", "file", "filename",
                           "path_or_buf", "io", "f", "dir", "directory", "output_dir", "root"})
#: Keywords (and constant names) that are hyper-parameters.
HYPER = frozenset({
    "random_state", "test_size", "train_size", "n_estimators", "max_depth", "learning_rate", "alpha",
    "n_splits", "epochs", "batch_size", "max_iter", "n_components", "n_neighbors", "min_samples_split",
    "min_samples_leaf", "seed", "l1_ratio", "gamma", "lr", "max_features", "subsample", "num_leaves",
    "n_clusters", "dropout", "weight_decay", "momentum", "horizon", "threshold", "cv", "n_folds",
    "num_epochs", "hidden_size", "lags", "window", "test_fraction", "validation_split",
})
_PATH_NAME = re.compile(r"(^|_)(dir|directory|path|folder|file|filename|root|csv|parquet|output|input)$", re.I)
_PERSONAL = re.compile(r"^(/Users/|/home/|/root/|~|[A-Za-z]:[\\/]|\\\\)")
_LOOKS_LIKE_PATH = re.compile(r"^[^\n\r\t]{1,260}$")


def looks_like_path(value: str) -> bool:
    if not _LOOKS_LIKE_PATH.match(value) or value.strip() != value:
        return False
    return "/" in value or "\\" in value or re.search(r"\.[A-Za-z0-9]{1,8}$", value) is not None


def personal(value: str) -> bool:
    """An absolute path on someone's machine: it cannot be a default anywhere else."""
    return _PERSONAL.match(value) is not None


def _callee(node: ast.AST) -> str:
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def is_path_call(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last in PATH_CALLS or name in ("os.path.join", "path.join")


def _number(node: ast.expr) -> Optional[Union[int, float]]:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _hyper_name(name: str) -> bool:
    lower = name.lower()
    return lower in HYPER or any(lower.endswith("_" + h) for h in HYPER)


def _render(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


@dataclass
class _Field:
    name: str
    kind: str
    value: object
    cells: List[int] = field(default_factory=list)
    constant: str = ""  # the prototype's constant name, if it was one


class SettingsFinder:
    """Collects the fields; the rewriter then replaces what they came from with ``settings.<field>``."""

    def __init__(self, module_name: str, secrets: Sequence[Secret], read_in_definitions: Set[str]) -> None:
        self.prefix = module_name.upper()
        self.secrets = list(secrets)
        self.read_in_definitions = read_in_definitions
        self.names = Names({"from_env"})
        self.found: List[_Field] = []
        self.by_constant: Dict[str, _Field] = {}
        self.by_path: Dict[str, _Field] = {}
        self.by_secret: Dict[str, _Field] = {}
        self.by_hyper: Dict[Tuple[str, str], _Field] = {}
        self.path_names: Set[str] = set()
        self.hyper_names: Set[str] = set()
        self.blocking: List[Blocking] = []
        self.changes: List[Change] = []

    # -- what the notebook passes where ---------------------------------------------------
    def scan(self, statements: Sequence["Statement"]) -> None:
        """Names passed to path calls or as hyper-parameters anywhere (``pd.read_csv(DATA)``)."""
        for statement in statements:
            for node in ast.walk(statement.tree):
                if not isinstance(node, ast.Call):
                    continue
                if is_path_call(_callee(node.func)):
                    for arg in [*node.args, *(k.value for k in node.keywords)]:
                        if isinstance(arg, ast.Name):
                            self.path_names.add(arg.id)
                for keyword in node.keywords:
                    if keyword.arg in HYPER and isinstance(keyword.value, ast.Name):
                        self.hyper_names.add(keyword.value.id)

    def _secret_in(self, statement: "Statement") -> List[Secret]:
        return [s for s in self.secrets if s.cell == statement.cell and statement.line <= s.line <= statement.end_line]

    def _add(self, kind: str, wanted: str, value: object, cell: int, constant: str = "") -> _Field:
        name = self.names.claim(snake_case(wanted, 8, articles=True) or kind, kind, "setting")
        found = _Field(name, kind, value, [cell], constant)
        self.found.append(found)
        return found

    def constant(self, statement: "Statement") -> bool:
        """Whether a constant assignment becomes a field (then it leaves the module)."""
        tree = statement.tree
        target = tree.targets[0] if isinstance(tree, ast.Assign) else getattr(tree, "target", None)
        value_node = getattr(tree, "value", None)
        if not isinstance(target, ast.Name) or value_node is None:
            return False
        name = target.id
        value = ast.literal_eval(value_node)
        secrets = self._secret_in(statement)
        if secrets:
            if not isinstance(value, str) or value not in {s.value for s in secrets}:
                statement.kind = "body"  # a secret inside a structure: replaced where it is
                return False
            found = self._add(SECRET, name, value, statement.cell, name)
            self.by_constant[name] = found
            self.by_secret[value] = found
            if name in self.read_in_definitions:
                self.blocking.append(Blocking(statement.cell, statement.line, name,
                                              f"a function reads the secret `{name}`: pass `settings.{found.name}` to it",
                                              "GR201"))
            self.changes.append(Change("GR201", statement.cell, statement.line,
                                       f"secret `{name}` -> required setting `{found.name}` ({self.env(found)}); "
                                       "rotate the value: it is in the notebook's history"))
            return True
        kind = ""
        if isinstance(value, str) and (name in self.path_names or _PATH_NAME.search(name)) and looks_like_path(value):
            kind = PATH
        elif _number_value(value) and (name in self.hyper_names or _hyper_name(name)):
            kind = PARAMETER
        if not kind:
            return False
        if name in self.read_in_definitions:
            self.changes.append(Change("GR114" if kind == PATH else "GR409", statement.cell, statement.line,
                                       f"`{name}` kept as a module constant: a function reads it"))
            return False
        found = self._add(kind, name, value, statement.cell, name)
        self.by_constant[name] = found
        self.changes.append(Change("GR114" if kind == PATH else "GR409", statement.cell, statement.line,
                                   f"`{name}` -> setting `{found.name}` ({self.env(found)})"))
        return True

    def inline(self, statement: "Statement") -> None:
        """Literals in a step's code: paths in file calls, hyper-parameter keywords, secrets."""
        for secret in self._secret_in(statement):
            if secret.value in self.by_secret:
                self.by_secret[secret.value].cells.append(statement.cell)
                continue
            found = self._add(SECRET, secret.name, secret.value, statement.cell)
            self.by_secret[secret.value] = found
            self.changes.append(Change("GR201", statement.cell, secret.line,
                                       f"secret in `{secret.name}` -> required setting `{found.name}` ({self.env(found)}); "
                                       "rotate the value: it is in the notebook's history"))
        for node in ast.walk(statement.tree):
            if not isinstance(node, ast.Call):
                continue
            callee = _callee(node.func)
            if is_path_call(callee):
                candidates = list(node.args) + [k.value for k in node.keywords if k.arg in PATH_KEYWORDS]
                for arg in candidates:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and looks_like_path(arg.value):
                        self._inline_path(arg.value, statement)
            for keyword in node.keywords:
                if keyword.arg in HYPER:
                    number = _number(keyword.value)
                    if number is not None:
                        key = (keyword.arg, repr(number))
                        if key in self.by_hyper:
                            self.by_hyper[key].cells.append(statement.cell)
                            continue
                        found = self._add(PARAMETER, keyword.arg, number, statement.cell)
                        self.by_hyper[key] = found
                        self.changes.append(Change("GR409", statement.cell, keyword.value.lineno + statement.line - 1,
                                                   f"`{keyword.arg}={number!r}` -> setting `{found.name}` ({self.env(found)})"))

    def fixed_path(self, name: str, value: str, cell: int) -> None:
        """A path field the handoff itself needs (``figures_dir`` for ``--keep-plots``)."""
        for found in self.found:
            if found.name == name:
                found.cells.append(cell)
                return
        self.names.taken.add(name)
        self.found.append(_Field(name, PATH, value, [cell]))

    def _inline_path(self, value: str, statement: "Statement") -> None:
        if value in self.by_path:
            self.by_path[value].cells.append(statement.cell)
            return
        base = re.split(r"[\\/]", value.rstrip("/\\"))[-1] if value.rstrip("/\\") else "path"
        wanted = base.replace(".", "_") if "." in base else f"{base}_dir" if value.endswith(("/", "\\")) else f"{base}_path"
        found = self._add(PATH, wanted, value, statement.cell)
        self.by_path[value] = found
        rule = "GR114" if value.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", value) else "GR309"
        self.changes.append(Change(rule, statement.cell, statement.line,
                                   f"path {_render(value)} -> setting `{found.name}` ({self.env(found)})"))

    def env(self, found: _Field) -> str:
        return f"{self.prefix}_{found.name.upper()}"

    def fields(self) -> List[SettingField]:
        out: List[SettingField] = []
        for found in self.found:
            required = found.kind == SECRET or (found.kind == PATH and isinstance(found.value, str) and personal(found.value))
            annotation = type(found.value).__name__ if isinstance(found.value, (int, float, bool)) else "str"
            out.append(SettingField(
                field=found.name,
                env=self.env(found),
                kind=found.kind,
                required=required,
                default=None if required else found.value,
                original=MASK if found.kind == SECRET else _render(found.value),
                cells=tuple(dict.fromkeys(found.cells)),
                annotation=annotation,
            ))
        return out


def _number_value(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _literal(node: cst.BaseExpression) -> Optional[object]:
    try:
        value: object = ast.literal_eval(cst.Module(body=[]).code_for_node(node))
        return value
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return None


def _settings_attr(name: str) -> cst.Attribute:
    return cst.Attribute(cst.Name("settings"), cst.Name(name))


class SettingsRewriter(cst.CSTTransformer):
    """Replaces the constants and literals that became fields with ``settings.<field>``."""

    def __init__(self, finder: SettingsFinder) -> None:
        super().__init__()
        self.finder = finder
        self._skip: Set[int] = set()  # Name nodes that are not reads (keywords, attributes)

    def visit_Arg(self, node: cst.Arg) -> bool:
        if node.keyword is not None:
            self._skip.add(id(node.keyword))
        return True

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self._skip.add(id(node.attr))
        return True

    def visit_Param(self, node: cst.Param) -> bool:
        self._skip.add(id(node.name))
        return True

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if id(original_node) in self._skip:
            return updated_node
        found = self.finder.by_constant.get(original_node.value)
        return _settings_attr(found.name) if found is not None else updated_node

    def leave_SimpleString(self, original_node: cst.SimpleString, updated_node: cst.SimpleString) -> cst.BaseExpression:
        value = original_node.evaluated_value
        if isinstance(value, str) and value in self.finder.by_secret:
            return _settings_attr(self.finder.by_secret[value].name)
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        callee = cst.Module(body=[]).code_for_node(original_node.func)
        path_call = is_path_call(re.sub(r"\s+", "", callee))
        args: List[cst.Arg] = []
        changed = False
        for arg in updated_node.args:
            value = arg.value
            if path_call and isinstance(value, cst.SimpleString) and (arg.keyword is None or arg.keyword.value in PATH_KEYWORDS):
                text = value.evaluated_value
                if isinstance(text, str) and text in self.finder.by_path:
                    arg = arg.with_changes(value=_settings_attr(self.finder.by_path[text].name))
                    changed = True
            elif arg.keyword is not None and arg.keyword.value in HYPER:
                number = _literal(value)
                if _number_value(number):
                    found = self.finder.by_hyper.get((arg.keyword.value, repr(number)))
                    if found is not None:
                        arg = arg.with_changes(value=_settings_attr(found.name))
                        changed = True
            args.append(arg)
        return updated_node.with_changes(args=args) if changed else updated_node
