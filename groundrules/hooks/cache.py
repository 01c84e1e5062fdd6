"""The result cache: one file's check results, kept between runs in ``.groundrules_cache/``.

An entry is keyed by everything a check of one file depends on: the file's bytes, the path it is
shown under (findings carry it), its path relative to the configuration and its module name, the
resolved standards of that path (packs, profiles, team rules, dataset catalog and the command
line's ``--select``/``--ignore`` are all in them), and the groundrules code itself (its version
and, so that an edited checkout never serves stale results, the size and mtime of its modules).

Safe under concurrent runs and after a killed one: an entry is written to a temporary file and
renamed into place, and carries a checksum of its body; an entry that is torn, corrupt or of
another format is a miss, never trusted.  Entries are JSON, not pickle: the cache directory sits
in the checked tree, and reading it must never execute anything.  The directory is bounded: when
it outgrows ``max_bytes``, the least recently used entries go.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import groundrules
from groundrules.rules.engine import Result
from groundrules.rules.framework import Finding
from groundrules.rules.suppressions import Suppression
from groundrules.standards.schema import Category, FixClass, Severity

DEFAULT_DIR = ".groundrules_cache"
#: Entries are small (a few hundred bytes per finding); 256 MB holds far more than a monorepo.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
FORMAT = "1"
_SUFFIX = ".json"


def canonical(value: object) -> object:
    """``value`` as JSON-able data whose serialisation does not depend on set or dict order
    (frozensets iterate in a per-process order), so equal standards hash equal in every run."""
    if isinstance(value, enum.Enum):
        return [type(value).__name__, value.value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__] + [[f.name, canonical(getattr(value, f.name))]
                                          for f in dataclasses.fields(value)]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (set, frozenset)):
        return ["set"] + sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if hasattr(value, "items"):
        items = [[canonical(k), canonical(v)] for k, v in getattr(value, "items")()]
        return ["map"] + sorted(items, key=lambda kv: json.dumps(kv, sort_keys=True))
    return ["repr", repr(value)]


def digest(value: object) -> str:
    return hashlib.sha256(json.dumps(canonical(value), sort_keys=True).encode()).hexdigest()


def code_fingerprint() -> str:
    """The groundrules version plus the size and mtime of each of its modules: a release bump
    or an edit to a rule both invalidate every entry."""
    root = Path(groundrules.__file__).parent
    parts = [groundrules.__version__]
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".toml")):
                stat = os.stat(os.path.join(directory, name))
                parts.append(f"{os.path.relpath(os.path.join(directory, name), root)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# --- (de)serialising results -------------------------------------------------------------------


def _finding_data(finding: Finding) -> List[Any]:
    return [finding.code, finding.name, finding.message, finding.path, finding.line, finding.column,
            finding.end_line, finding.end_column, int(finding.severity), finding.category.value,
            finding.source, finding.fix.value if finding.fix is not None else None, finding.cell]


_SEVERITIES = {int(s): s for s in Severity}
_CATEGORIES = {c.value: c for c in Category}
_FIXES = {f.value: f for f in FixClass}


def _finding(data: List[Any]) -> Finding:
    # Dictionary lookups, not Enum(value) calls: a warm run rebuilds every finding of the tree.
    (code, name, message, path, line, column, end_line, end_column, severity, category, source, fix,
     cell) = data
    return Finding.from_values((code, name, message, path, line, column, end_line, end_column, _SEVERITIES[severity],
                                _CATEGORIES[category], source, _FIXES[fix] if fix is not None else None, cell))


def _suppression_data(suppression: Suppression) -> List[Any]:
    return [suppression.line, suppression.column, list(suppression.codes), suppression.reason]


def _suppression(data: List[Any]) -> Suppression:
    line, column, codes, reason = data
    return Suppression(line=line, column=column, codes=tuple(codes), reason=reason)


def result_data(result: Result) -> Dict[str, Any]:
    return {
        "findings": [_finding_data(f) for f in result.findings],
        "suppressed": [[_finding_data(f), _suppression_data(s)] for f, s in result.suppressed],
        "suppressions": [_suppression_data(s) for s in result.suppressions],
        "parsed": result.parsed,
    }


def result_from(data: Dict[str, Any]) -> Result:
    return Result(
        findings=tuple(_finding(f) for f in data["findings"]),
        suppressed=tuple((_finding(f), _suppression(s)) for f, s in data["suppressed"]),
        suppressions=tuple(_suppression(s) for s in data["suppressions"]),
        parsed=bool(data["parsed"]),
    )


# --- the store ---------------------------------------------------------------------------------


@dataclass
class ResultCache:
    """Entries under ``directory``, one file each, named by their key."""

    directory: Path
    max_bytes: int = DEFAULT_MAX_BYTES
    code: str = field(default_factory=code_fingerprint)
    hits: int = 0
    misses: int = 0
    #: Digests of resolved standards, by identity: the runner shares one object per profile.
    _standards: Dict[int, Tuple[object, str]] = field(default_factory=dict, repr=False)
    _ready: bool = field(default=False, repr=False)

    def key(self, kind: str, data: bytes, context: Tuple[object, ...], standards: object) -> str:
        """The entry name of one file's ``kind`` of result ("check", "bandit", ...)."""
        known = self._standards.get(id(standards))
        if known is None or known[0] is not standards:
            known = (standards, digest(standards))
            self._standards[id(standards)] = known
        head = json.dumps([FORMAT, kind, self.code, known[1], canonical(context)]).encode()
        return hashlib.sha256(head + b"\0" + hashlib.sha256(data).digest()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / (key + _SUFFIX)

    def get(self, key: str) -> Optional[Any]:
        """The stored value, or ``None`` for a missing, torn or corrupt entry."""
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        checksum, _, body = raw.partition(b"\n")
        if hashlib.sha256(body).hexdigest().encode() != checksum:
            self.misses += 1
            return None
        try:
            entry = json.loads(body)
        except ValueError:
            self.misses += 1
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            self.misses += 1
            return None
        self.hits += 1
        with contextlib.suppress(OSError):  # a read-only cache still serves hits
            os.utime(path)  # least recently *used* goes first when the cache is pruned
        return entry.get("value")

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON-able); a cache that cannot be written is only a slower run."""
        body = json.dumps({"key": key, "value": value}, separators=(",", ":")).encode()
        raw = hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        path = self._path(key)
        try:
            self._prepare()
            path.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=_SUFFIX)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(raw)
            os.replace(tmp, path)
        except OSError:
            _unlink(tmp)

    def _prepare(self) -> None:
        if self._ready:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            # The cache is never committed, wherever it lives.
            ignore.write_text("# Created by groundrules.\n*\n", encoding="utf-8")
        self._ready = True

    def get_result(self, key: str) -> Optional[Result]:
        value = self.get(key)
        if value is None:
            return None
        try:
            return result_from(value)
        except (KeyError, TypeError, ValueError):
            return None

    def put_result(self, key: str, result: Result) -> None:
        self.put(key, result_data(result))

    def prune(self) -> int:
        """Drop least recently used entries until the cache fits ``max_bytes`` (and temporary
        files a killed run left behind); the number of files removed."""
        entries: List[Tuple[int, int, str]] = []
        total = 0
        removed = 0
        for shard in _scan(str(self.directory)):
            if not shard.is_dir():
                continue
            for entry in _scan(shard.path):
                stat = _stat(entry)
                if stat is None:
                    continue  # removed by a concurrent run's prune
                if entry.name.startswith(".tmp-"):
                    # A writer renames within milliseconds; an hour-old one was killed.
                    if stat.st_mtime < _now() - 3600:
                        removed += _unlink(entry.path)
                    continue
                total += stat.st_size
                entries.append((stat.st_mtime_ns, stat.st_size, entry.path))
        if total <= self.max_bytes:
            return removed
        entries.sort()
        for _, size, path in entries:
            if total <= self.max_bytes * 0.8:  # some headroom, so the next run does not prune again
                break
            removed += _unlink(path)
            total -= size
        return removed


def _now() -> float:
    import time

    return time.time()


def _scan(path: str) -> List["os.DirEntry[str]"]:
    try:
        return list(os.scandir(path))
    except OSError:
        return []  # removed by a concurrent run's prune, or never created


def _stat(entry: "os.DirEntry[str]") -> Optional[os.stat_result]:
    try:
        return entry.stat()
    except OSError:
        return None


def _unlink(path: str) -> int:
    try:
        os.unlink(path)
    except OSError:
        return 0
    return 1


def open_cache(no_cache: bool, cache_dir: Optional[str], cwd: Path) -> Optional[ResultCache]:
    """The run's cache (``--cache-dir``, else ``.groundrules_cache`` in the working directory),
    or ``None`` with ``--no-cache``."""
    if no_cache:
        return None
    directory = Path(cache_dir) if cache_dir else cwd / DEFAULT_DIR
    return ResultCache(directory)
