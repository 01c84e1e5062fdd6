"""``groundrules init``: add ``[tool.groundrules]`` and the pre-commit hooks to a repository.

Both files are edited as text, never re-serialised, so the user's comments, key order and layout
survive; the TOML and YAML parsers only decide whether anything is missing and check the result.
Running it again changes nothing.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple

from groundrules import __version__
from groundrules.hooks.atomic import write_text_atomic

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older interpreters only
    import tomli as tomllib

#: Where pre-commit fetches the hooks from; ``rev`` is this release's tag (``v`` + version), so a
#: config written by ``init`` pins the groundrules the user has installed.
HOOKS_REPO = "https://github.com/groundrules/groundrules"
#: In the order pre-commit should run them: rewrite first, so the checks judge the fixed files.
HOOK_IDS = (
    "groundrules-notebook-outputs",
    "groundrules-fix",
    "groundrules-check",
    "groundrules-artifacts",
    "groundrules-security",
    "groundrules-types",
)
PYPROJECT = "pyproject.toml"
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"

TOOL_TABLE = """[tool.groundrules]
# The standards this repository follows: groundrules:recommended, groundrules:prototype
# (notebooks, exploration) or groundrules:production (code that runs unattended).
extends = ["groundrules:recommended"]

# Prototype code (notebooks, exploration) gets the lenient pack and lenient mypy; move paths
# out of here as they become production code.
[tool.groundrules.profiles.prototype]
paths = ["notebooks/**", "**/*.ipynb", "scratch/**"]
extends = ["groundrules:prototype"]
"""


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


def hooks_entry(hook_ids: Sequence[str], indent: str = "") -> str:
    """One ``repos:`` item for our hooks, its dash at ``indent``."""
    inner = indent + "  "
    lines = [f"{indent}- repo: {HOOKS_REPO}", f"{inner}rev: v{__version__}", f"{inner}hooks:"]
    lines.extend(f"{inner}  - id: {hook}" for hook in hook_ids)
    return "\n".join(lines) + "\n"


def new_pre_commit_config() -> str:
    return (
        "# Written by `groundrules init`; `pre-commit autoupdate` moves `rev` to the newest release.\n"
        "repos:\n" + hooks_entry(HOOK_IDS, "  ")
    )


def pyproject_text(existing: Optional[str], has_groundrules_toml: bool = False) -> Tuple[Optional[str], str]:
    """The new ``pyproject.toml`` text (``None``: leave it) and what was done."""
    if has_groundrules_toml:
        return None, "left as is: the standards are in groundrules.toml"
    if existing is None:
        return TOOL_TABLE, "created with [tool.groundrules]"
    data = _toml(existing)
    tool = data.get("tool")
    if isinstance(tool, dict) and "groundrules" in tool:
        return None, "left as is: [tool.groundrules] is already there"
    separator = "" if not existing else ("\n" if existing.endswith("\n") else "\n\n")  # one blank line
    text = existing + _same_newlines(separator + TOOL_TABLE, existing)
    extended = _toml(text).get("tool")
    if not isinstance(extended, dict) or "groundrules" not in extended:  # pragma: no cover - defensive
        raise InitError("cannot add [tool.groundrules]; add it by hand")
    return text, "added [tool.groundrules]"


def pre_commit_text(existing: Optional[str]) -> Tuple[Optional[str], str]:
    """The new ``.pre-commit-config.yaml`` text (``None``: leave it) and what was done."""
    if existing is None or not existing.strip():
        return new_pre_commit_config(), "written with the groundrules hooks"
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
    missing = [hook for hook in HOOK_IDS if hook not in present]
    if not missing:
        return None, "left as is: it already has the groundrules hooks"
    text = _insert_entry(existing, missing)
    after = _yaml(text)
    if after != dict(config, repos=repos + [_entry_data(missing)]):
        raise InitError(f"cannot extend `repos:` without reformatting it; {_by_hand(missing)}")
    return text, "added " + ", ".join(missing)


def _by_hand(missing: Sequence[str]) -> str:
    return f"nothing written: add repo {HOOKS_REPO} at rev v{__version__} with hooks {', '.join(missing)} by hand"


def _entry_data(hook_ids: Sequence[str]) -> Any:
    return {"repo": HOOKS_REPO, "rev": f"v{__version__}", "hooks": [{"id": hook} for hook in hook_ids]}


def _insert_entry(text: str, missing: Sequence[str]) -> str:
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
    return head + _same_newlines(hooks_entry(missing, indent), text) + "".join(lines[insert_at:])


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


def plan(root: Path) -> Tuple[List[Change], List[str]]:
    """The change to each file under ``root`` and one error line per file that must be left alone."""
    changes: List[Change] = []
    errors: List[str] = []
    pyproject = root / PYPROJECT
    config = root / PRE_COMMIT_CONFIG
    for path in (pyproject, config):
        try:
            existing = path.read_bytes().decode("utf-8") if path.exists() else None  # keeps CRLF
            if path is pyproject:
                text, note = pyproject_text(existing, (root / "groundrules.toml").is_file())
            else:
                text, note = pre_commit_text(existing)
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}")
            continue
        except InitError as exc:
            errors.append(f"{path}: {exc}")
            continue
        changes.append(Change(path, text, note, existing))
    return changes, errors


def apply(start: Path) -> InitResult:
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
    changes, errors = plan(root)
    if errors:
        return InitResult([], errors, warnings)
    written: List[Change] = []
    for change in changes:
        if change.text is None:
            continue
        try:
            write_text_atomic(change.path, change.text)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            failed = [f"{change.path}: cannot write: {reason}; nothing written"] + _restore(written)
            return InitResult([], failed, warnings)
        written.append(change)
    done = [f"{os.path.relpath(change.path, start)}: {change.note}" for change in changes]
    return InitResult(done, [], warnings)


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
