"""``groundrules init``: add ``[tool.groundrules]`` and the pre-commit hooks to a repository.

The hooks are ``repo: local`` entries running the installed ``groundrules`` (``language: system``),
so they work offline; ``--repo URL --rev REV`` points them at a team's published copy instead.
Both files are edited as text, never re-serialised, so the user's comments, key order and layout
survive; the TOML and YAML parsers only decide whether anything is missing and check the result.
Running it again changes nothing.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from groundrules.hooks.atomic import write_text_atomic
from groundrules.rules.modules import module_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older interpreters only
    import tomli as tomllib

#: Where earlier versions of ``init`` pointed the hooks, at a tag nobody could fetch; a config that
#: still does gets a warning (``init`` never rewrites an entry the user has).
UNPUBLISHED_REPO = "https://github.com/groundrules/groundrules"
PYPROJECT = "pyproject.toml"
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
BASELINE_FILE = ".groundrules-baseline.json"


@dataclass(frozen=True)
class Hook:
    """One pre-commit hook: the same definition is written into ``repo: local`` entries and
    published in ``.pre-commit-hooks.yaml`` (a test keeps the two in sync)."""

    id: str
    name: str
    entry: str
    description: str
    types: Tuple[str, ...] = ()
    types_or: Tuple[str, ...] = ()
    #: False: the hook runs once on every staged file of its types, whatever their number.
    require_serial: bool = False


#: In the order pre-commit should run them: rewrite first, so the checks judge the fixed files.
HOOKS = (  # noqa: GR102 -- frozen dataclass instances: declarations, nothing runs
    Hook("groundrules-notebook-outputs", "groundrules notebook outputs", "groundrules fix --select GR313",
         "Strip outputs, execution counts and volatile metadata from notebooks (the GR313 fix).",
         types=("jupyter",)),
    Hook("groundrules-fix", "groundrules fix", "groundrules fix",
         "Apply the safe fixes; fails (exit 1) when it changed a file, so the change can be reviewed and staged.",
         types_or=("python", "pyi", "jupyter")),
    Hook("groundrules-check", "groundrules check", "groundrules check",
         "Check staged Python files and notebooks against the team's standards.",
         types_or=("python", "pyi", "jupyter"), require_serial=True),
    Hook("groundrules-artifacts", "groundrules artifacts", "groundrules check --select GR314",
         "Block staged data and model files, and files over the standards' max-artifact-kb (GR314)."),
    Hook("groundrules-security", "groundrules security (bandit)", "groundrules check --with bandit --select B",
         "Run bandit with the team's profile on the staged files; bandit findings take the severity of "
         "their groundrules peer.", types=("python",)),
    Hook("groundrules-types", "groundrules types (mypy)", "groundrules check --with mypy --select mypy",
         "Run mypy on the staged files with the project's mypy configuration, --strict where the "
         "production profile applies.", types_or=("python", "pyi"), require_serial=True),
)
HOOK_IDS = tuple(hook.id for hook in HOOKS)

#: Module names that say "this is the data-access layer" (GR301/GR302 exempt it).
DATA_LAYER_NAMES = frozenset({"data_access", "dataaccess", "dal", "db", "database", "io", "data_io",
                              "repository", "repositories", "storage", "warehouse", "queries"})
#: Imports that make such a module the data layer: database drivers and cloud storage clients.
DATA_CLIENTS = ("psycopg2", "psycopg", "pymysql", "MySQLdb", "mysql.connector", "sqlite3", "sqlalchemy",
                "pyodbc", "cx_Oracle", "oracledb", "snowflake", "redshift_connector", "pymssql", "pymongo",
                "boto3", "botocore", "s3fs", "gcsfs", "adlfs", "google.cloud", "azure.storage", "databricks",
                "pyspark", "duckdb", "clickhouse_driver", "teradatasql")

TOOL_TABLE = """[tool.groundrules]
# The standards this repository follows: groundrules:recommended, groundrules:prototype
# (notebooks, exploration) or groundrules:production (code that runs unattended).
extends = ["groundrules:recommended"]
{baseline}
# Prototype code (notebooks, exploration) gets the lenient pack and lenient mypy; move paths
# out of here as they become production code.
[tool.groundrules.profiles.prototype]
paths = ["notebooks/**", "**/*.ipynb", "scratch/**"]
extends = ["groundrules:prototype"]

# Code that runs unattended: uncomment to give it the production pack (warnings fail too) and
# mypy --strict in the types hook.
# [tool.groundrules.profiles.production]
# paths = ["src/**"]
# extends = ["groundrules:production"]
"""
DATA_ACCESS_TABLE = """
# The team's data-access layer: the only modules that may open database connections and cloud
# clients (GR301, GR302); everything else reads data through them.
[tool.groundrules.data-access]
allowed-modules = [{modules}]
"""


@dataclass(frozen=True)
class Options:
    """What ``init`` was asked for on the command line."""

    #: ``--repo URL --rev REV``: a published hook repository instead of ``repo: local``.
    repo: Optional[str] = None
    rev: Optional[str] = None
    #: ``--data-layer MODULE``: dotted modules of the data-access layer (``None``: detect them).
    data_layer: Optional[Tuple[str, ...]] = None
    #: Write ``baseline = ".groundrules-baseline.json"`` (the CLI records the file).
    baseline: bool = False


class InitError(Exception):
    """A file ``init`` must not touch because it cannot be read or extended safely."""


@dataclass(frozen=True)
class Change:
    """What ``init`` did to one file: its new text, or ``None`` when it is left as it was."""

    path: Path
    text: Optional[str]
    note: str
    #: The file as it was (``None``: it did not exist), to put back if a later write fails.
    original: Optional[str] = None


@dataclass(frozen=True)
class InitResult:
    """One line per file set up, per error (nothing was written) and per warning."""

    done: List[str]
    errors: List[str]
    warnings: List[str]
    #: The repository root that was set up (where the baseline is recorded).
    root: Optional[Path] = None


def entry_data(hooks: Sequence[Hook], options: Options) -> Dict[str, Any]:
    """One ``repos:`` item for ``hooks``: ``repo: local`` running the installed ``groundrules``
    (``language: system``), or the published repository at ``options.rev``."""
    if options.repo is not None:
        return {"repo": options.repo, "rev": options.rev, "hooks": [{"id": hook.id} for hook in hooks]}
    local: List[Dict[str, Any]] = []
    for hook in hooks:
        item: Dict[str, Any] = {"id": hook.id, "name": hook.name, "entry": hook.entry, "language": "system"}
        if hook.types:
            item["types"] = list(hook.types)
        if hook.types_or:
            item["types_or"] = list(hook.types_or)
        if hook.require_serial:
            item["require_serial"] = True
        local.append(item)
    return {"repo": "local", "hooks": local}


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    text = str(value)
    # Quote what YAML would read as something else (a `:` and space, a leading `[`, `#` ...).
    plain = text and text[0] not in "[]{}#&*!|>'\"%@`-?:," and ": " not in text and " #" not in text
    return text if plain else json.dumps(text)


def hooks_entry(data: Dict[str, Any], indent: str = "") -> str:
    """``data`` as one block-style ``repos:`` item, its dash at ``indent``."""
    inner = indent + "  "
    lines = [f"{indent}- repo: {_scalar(data['repo'])}"]
    if "rev" in data:
        lines.append(f"{inner}rev: {_scalar(data['rev'])}")
    lines.append(f"{inner}hooks:")
    for hook in data["hooks"]:
        first = True
        for key, value in hook.items():
            lines.append(f"{inner}  {'- ' if first else '  '}{key}: {_scalar(value)}")
            first = False
    return "\n".join(lines) + "\n"


def _header(options: Options) -> str:
    if options.repo is not None:
        return "# Written by `groundrules init`; `pre-commit autoupdate` moves `rev` to the newest release.\n"
    return (
        "# Written by `groundrules init`. The hooks run the groundrules installed in the environment\n"
        "# where you run `git commit` (language: system: nothing to download, the version your team\n"
        "# pinned): install it there, e.g. in the project's virtual environment or dev requirements.\n"
    )


def new_pre_commit_config(options: Options = Options()) -> str:
    return _header(options) + "repos:\n" + hooks_entry(entry_data(HOOKS, options), "  ")


def detect_data_layer(root: Path) -> Tuple[str, ...]:
    """Dotted names of the modules under ``root`` named like a data-access layer (``data_access``,
    ``dal``, ``db``, ``io`` ...) that import a database driver or cloud storage client; a package
    so named becomes ``pkg.dal.*``.  Read as text, never imported."""
    found: List[str] = []
    for path in _python_files(root):
        name = module_name(path)
        if name is None:
            continue  # outside a package: allowed-modules matches dotted module names only
        parts = name.split(".")
        hit = next((i for i, part in enumerate(parts) if part.lower() in DATA_LAYER_NAMES), None)
        if hit is None or not _imports_client(path):
            continue
        layer = ".".join(parts[: hit + 1])
        is_package = hit < len(parts) - 1 or path.stem == "__init__"
        found.append(f"{layer}.*" if is_package else layer)
    return tuple(dict.fromkeys(sorted(found)))


def _python_files(root: Path) -> List[Path]:
    skip = {".git", ".venv", "venv", "env", "node_modules", "build", "dist", "__pycache__", ".tox", ".nox"}
    out: List[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith(".") and not d.endswith(".egg-info"))
        out.extend(Path(folder) / f for f in sorted(files) if f.endswith(".py"))
    return out


def _imports_client(path: Path) -> bool:
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for node in ast.walk(tree):
        names: List[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        if any(n == c or n.startswith(c + ".") for n in names for c in DATA_CLIENTS):
            return True
    return False


def _strings(values: Sequence[str]) -> str:
    return ", ".join(json.dumps(v) for v in values)


def tool_table(data_layer: Sequence[str], baseline: bool) -> str:
    text = TOOL_TABLE.format(baseline=_baseline_line() if baseline else "")
    if data_layer:
        text += DATA_ACCESS_TABLE.format(modules=_strings(data_layer))
    return text


def _baseline_line() -> str:
    return (
        "# Findings accepted when groundrules was adopted: check, the hooks and flake8 report only new\n"
        f"# ones (`groundrules baseline --update` shrinks it as they are fixed).\nbaseline = \"{BASELINE_FILE}\"\n"
    )


def pyproject_text(
    existing: Optional[str],
    has_groundrules_toml: bool = False,
    data_layer: Sequence[str] = (),
    baseline: bool = False,
) -> Tuple[Optional[str], str]:
    """The new ``pyproject.toml`` text (``None``: leave it) and what was done."""
    if has_groundrules_toml:
        return None, "left as is: the standards are in groundrules.toml"
    table = tool_table(data_layer, baseline)
    if existing is None:
        return table, "created with [tool.groundrules]" + _noted(data_layer, baseline)
    data = _toml(existing)
    tool = data.get("tool")
    if isinstance(tool, dict) and "groundrules" in tool:
        return _extend_table(existing, tool["groundrules"], data_layer, baseline)
    separator = "" if not existing else ("\n" if existing.endswith("\n") else "\n\n")  # one blank line
    text = existing + _same_newlines(separator + table, existing)
    extended = _toml(text).get("tool")
    if not isinstance(extended, dict) or "groundrules" not in extended:  # pragma: no cover - defensive
        raise InitError("cannot add [tool.groundrules]; add it by hand")
    return text, "added [tool.groundrules]" + _noted(data_layer, baseline)


def _noted(data_layer: Sequence[str], baseline: bool) -> str:
    notes = []
    if data_layer:
        notes.append(f"data-access layer {', '.join(data_layer)}")
    if baseline:
        notes.append(f"baseline {BASELINE_FILE}")
    return f" ({'; '.join(notes)})" if notes else ""


def _extend_table(existing: str, table: Any, data_layer: Sequence[str], baseline: bool) -> Tuple[Optional[str], str]:
    """An existing ``[tool.groundrules]`` gets only what was asked for and is missing: the
    ``baseline`` key and the data-access layer."""
    table = table if isinstance(table, dict) else {}
    access = table.get("data-access")
    add_layer = bool(data_layer) and not (isinstance(access, dict) and access.get("allowed-modules"))
    add_baseline = baseline and "baseline" not in table
    if not add_layer and not add_baseline:
        return None, "left as is: [tool.groundrules] is already there"
    text = existing
    if add_baseline:
        lines = text.splitlines(keepends=True)
        at = next((i for i, line in enumerate(lines) if line.split("#", 1)[0].strip() == "[tool.groundrules]"), None)
        if at is None:
            raise InitError(f'cannot add the baseline key; add baseline = "{BASELINE_FILE}" under [tool.groundrules] by hand')
        newline = "\r\n" if "\r\n" in existing else "\n"
        lines.insert(at + 1, f'baseline = "{BASELINE_FILE}"{newline}')
        text = "".join(lines)
    if add_layer:
        if isinstance(access, dict):
            raise InitError(f"has [tool.groundrules.data-access] without allowed-modules; add allowed-modules = "
                            f"[{_strings(data_layer)}] there by hand")
        separator = "" if text.endswith("\n") else "\n"
        text += _same_newlines(separator + DATA_ACCESS_TABLE.format(modules=_strings(data_layer)), existing)
    after = _toml(text)["tool"]["groundrules"]
    expected = dict(table)
    if add_baseline:
        expected["baseline"] = BASELINE_FILE
    if add_layer:
        expected["data-access"] = {"allowed-modules": list(data_layer)}
    if after != expected:  # pragma: no cover - defensive: the insertion landed in another table
        raise InitError("cannot extend [tool.groundrules] without reformatting it; nothing written")
    return text, "extended [tool.groundrules]" + _noted(data_layer if add_layer else (), add_baseline)


def pre_commit_text(existing: Optional[str], options: Options = Options()) -> Tuple[Optional[str], str]:
    """The new ``.pre-commit-config.yaml`` text (``None``: leave it) and what was done."""
    if existing is None or not existing.strip():
        where = f"{options.repo} at {options.rev}" if options.repo else "repo: local, running the installed groundrules"
        return new_pre_commit_config(options), f"written with the groundrules hooks ({where})"
    config = _yaml(existing)
    repos = config.get("repos")
    if not isinstance(repos, list):
        raise InitError("has no `repos:` list")
    present = {
        hook.get("id")
        for repo in repos
        if isinstance(repo, dict)
        for hook in (repo.get("hooks") or [])
        if isinstance(hook, dict)
    }
    missing = [hook for hook in HOOKS if hook.id not in present]
    if not missing:
        return None, "left as is: it already has the groundrules hooks"
    data = entry_data(missing, options)
    text = _insert_entry(existing, data, missing)
    after = _yaml(text)
    if after != dict(config, repos=repos + [data]):
        raise InitError(f"cannot extend `repos:` without reformatting it; {_by_hand(missing)}")
    return text, "added " + ", ".join(hook.id for hook in missing)


def _by_hand(missing: Sequence[Hook]) -> str:
    return f"nothing written: add the hooks {', '.join(h.id for h in missing)} by hand (see README, Use with pre-commit)"


def _insert_entry(text: str, data: Dict[str, Any], missing: Sequence[Hook]) -> str:
    """``text`` with our entry placed after the last line of the block-style ``repos:`` list."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("repos:")), None)
    if start is None or lines[start].split("#", 1)[0].strip() != "repos:":
        raise InitError(f"`repos:` is not a block list; {_by_hand(missing)}")
    end = len(lines)
    indent = None
    last_item = start
    for i in range(start + 1, len(lines)):
        line = lines[i]
        stripped = line.lstrip()
        if not stripped.strip() or stripped.startswith("#"):
            continue
        if line[0] not in " \t-":
            end = i  # the next top-level key
            break
        if indent is None and stripped.startswith("-"):
            indent = line[: len(line) - len(stripped)]
        last_item = i
    if indent is None:  # pragma: no cover - a non-empty block list has a dash
        indent = "  "
    insert_at = min(end, last_item + 1)
    head = "".join(lines[:insert_at])
    if head and not head.endswith("\n"):
        head += "\n"
    return head + _same_newlines(hooks_entry(data, indent), text) + "".join(lines[insert_at:])


def _same_newlines(added: str, existing: str) -> str:
    """``added`` with the line endings of ``existing``, so a CRLF file stays CRLF."""
    return added.replace("\n", "\r\n") if "\r\n" in existing else added


def _toml(text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InitError(f"is not valid TOML ({exc}); nothing written") from exc


def _yaml(text: str) -> Any:
    # PyYAML comes with pre-commit and has no type stubs: loaded dynamically, typed as Any.
    yaml: Any = importlib.import_module("yaml")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InitError(f"is not valid YAML ({str(exc).splitlines()[0]}); nothing written") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InitError("is not a YAML mapping; nothing written")
    return data


def repository_root(start: Path) -> Optional[Path]:
    """The git work tree containing ``start`` (where pre-commit looks for its config), if any."""
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=start, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    top = proc.stdout.strip()
    return Path(top) if proc.returncode == 0 and top else None


def plan(root: Path, options: Options = Options()) -> Tuple[List[Change], List[str]]:
    """The change to each file under ``root`` and one error line per file that must be left alone."""
    changes: List[Change] = []
    errors: List[str] = []
    pyproject = root / PYPROJECT
    config = root / PRE_COMMIT_CONFIG
    data_layer = options.data_layer if options.data_layer is not None else detect_data_layer(root)
    for path in (pyproject, config):
        try:
            existing = path.read_bytes().decode("utf-8") if path.exists() else None  # keeps CRLF
            if path is pyproject:
                text, note = pyproject_text(existing, (root / "groundrules.toml").is_file(), data_layer,
                                            options.baseline)
            else:
                text, note = pre_commit_text(existing, options)
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}")
            continue
        except InitError as exc:
            errors.append(f"{path}: {exc}")
            continue
        changes.append(Change(path, text, note, existing))
    return changes, errors


def apply(start: Path, options: Options = Options()) -> InitResult:
    """Set up the repository containing ``start``, all or nothing: when one file cannot be
    extended, or written, no file is left changed."""
    root = repository_root(start)
    warnings: List[str] = []
    if root is None:
        # A warning, not an error: the files are right wherever they are, and a later `git init`
        # in this directory makes them work; only `pre-commit install` needs the repository.
        warnings.append(f"{start}: warning: not a git repository; pre-commit needs one: "
                        "run `git init`, then `pre-commit install`")
        root = start
    if options.repo is None and shutil.which("groundrules") is None:
        warnings.append("warning: `groundrules` is not on PATH here; the local hooks run it from PATH, so "
                        "install it (or activate its environment) where you run `git commit`")
    changes, errors = plan(root, options)
    if errors:
        return InitResult([], errors, warnings, root)
    config = next((c for c in changes if c.path.name == PRE_COMMIT_CONFIG), None)
    if options.repo is None and config is not None and UNPUBLISHED_REPO in (config.original or ""):
        warnings.append(f"{config.path}: warning: its groundrules entry points at {UNPUBLISHED_REPO}, which "
                        "publishes no release tags: delete that entry and run `groundrules init` again for "
                        "repo: local hooks")
    written: List[Change] = []
    for change in changes:
        if change.text is None:
            continue
        try:
            write_text_atomic(change.path, change.text)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            failed = [f"{change.path}: cannot write: {reason}; nothing written"] + _restore(written)
            return InitResult([], failed, warnings, root)
        written.append(change)
    done = [f"{os.path.relpath(change.path, start)}: {change.note}" for change in changes]
    return InitResult(done, [], warnings, root)


def next_steps(result: InitResult, baseline_recorded: bool) -> List[str]:
    """What to do after ``init``, so the first hour goes on without reading the docs."""
    steps = ["Next steps:", "  1. pre-commit install        # run the hooks on every `git commit`"]
    if baseline_recorded:
        steps.append(f"  2. git add {PYPROJECT} {PRE_COMMIT_CONFIG} {BASELINE_FILE} && git commit")
    else:
        steps.append("  2. groundrules fix             # apply the safe fixes, review the diff")
        steps.append("  3. groundrules init --baseline # accept the remaining findings: only new ones block")
    steps.append("  CI: groundrules check --with bandit,mypy --diff origin/main  (see README, CI gate)")
    return steps


def _restore(written: Sequence[Change]) -> List[str]:
    """Undo the files already written, so a failed ``init`` leaves the repository as it was;
    one error line per file that could not be put back."""
    failed: List[str] = []
    for change in written:
        try:
            if change.original is None:
                change.path.unlink()
            else:
                write_text_atomic(change.path, change.original)
        except OSError as exc:  # pragma: no cover - the disk failed twice
            failed.append(f"{change.path}: cannot restore: {exc.strerror or exc}")
    return failed
