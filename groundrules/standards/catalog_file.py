"""The dataset catalog named by ``data-access.catalog``: read once, when the standards load.

A Kedro-style catalog (YAML, or the same structure in JSON) maps dataset keys to entries::

    raw.events:
      type: pandas.ParquetDataset
      filepath: s3://lake/raw/events.parquet
      load_args: {columns: [id, ts]}

Rules never read files; they see the parsed :class:`DatasetCatalog` on ``FileStandards``.
Keys starting with ``_`` (YAML anchors) and dataset factories (``{name}`` patterns) are skipped.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple, Union

#: ``data-access.catalog``; spelled out here because ``standards`` does not import the rules.
CATALOG_KEY = "data-access.catalog"


@dataclass(frozen=True)
class DatasetEntry:
    key: str
    type: str
    filepath: str
    load_args: Mapping[str, object]
    save_args: Mapping[str, object]
    #: ``versioned: true`` entries load and save under a timestamped path, not ``filepath``.
    versioned: bool = False


@dataclass(frozen=True)
class DatasetCatalog:
    source: str  # the file it was read from
    entries: Tuple[DatasetEntry, ...]

    def entries_for(self, path: str) -> Tuple[DatasetEntry, ...]:
        """The entries whose ``filepath`` is ``path`` (``./`` and ``a/../`` normalized away)."""
        wanted = normalize_path(path)
        return tuple(e for e in self.entries if normalize_path(e.filepath) == wanted)


def normalize_path(path: str) -> str:
    text = path.strip()
    if "://" in text or text.startswith("jdbc:"):
        return text
    return posixpath.normpath(text.replace("\\", "/"))


class CatalogFileError(ValueError):
    """The catalog file cannot be used; the message says why, on one line."""


def _args(value: object, where: str) -> Dict[str, object]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise CatalogFileError(f"{where}: expected a mapping of argument names to values")
    return dict(value)


def parse_catalog(text: str, source: str, is_json: bool) -> DatasetCatalog:
    """Parse the text of a catalog file; raises :class:`CatalogFileError`."""
    data: Any
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CatalogFileError(f"invalid JSON: {exc}") from None
    else:
        import yaml  # type: ignore[import-untyped,unused-ignore]  # PyYAML ships no stubs

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or type(exc).__name__
            raise CatalogFileError(f"invalid YAML{where}: {' '.join(str(problem).split())}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CatalogFileError("expected a mapping of dataset keys to entries")
    entries = []
    for key, entry in data.items():
        if not isinstance(key, str) or key.startswith("_") or "{" in key:
            continue
        if not isinstance(entry, dict):
            raise CatalogFileError(f"entry '{key}': expected a mapping with type and filepath")
        kind, filepath = entry.get("type"), entry.get("filepath")
        if not isinstance(kind, str) or not kind:
            raise CatalogFileError(f"entry '{key}': missing `type`")
        if filepath is None:
            continue  # e.g. an SQL or in-memory dataset: nothing to match a path against
        if not isinstance(filepath, str):
            raise CatalogFileError(f"entry '{key}': `filepath` must be a string")
        if "{" in filepath or "${" in filepath:
            continue
        entries.append(
            DatasetEntry(
                key,
                kind,
                filepath,
                _args(entry.get("load_args"), f"entry '{key}': load_args"),
                _args(entry.get("save_args"), f"entry '{key}': save_args"),
                entry.get("versioned") is True,
            )
        )
    return DatasetCatalog(source, tuple(entries))


def read_catalog(path: Path) -> DatasetCatalog:
    """Read and parse the catalog file at ``path``; raises :class:`CatalogFileError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogFileError(f"catalog file {path} not found") from None
    except OSError as exc:
        raise CatalogFileError(f"cannot read catalog file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CatalogFileError(f"catalog file {path} is not UTF-8 text") from None
    try:
        return parse_catalog(text, str(path), path.suffix.lower() == ".json")
    except CatalogFileError as exc:
        raise CatalogFileError(f"catalog file {path}: {exc}") from None


def catalog_values(options: Union[Mapping[str, object], Tuple[Tuple[str, object], ...]]) -> Optional[str]:
    """The ``data-access.catalog`` value among ``options``, if set and not empty."""
    items = options.items() if isinstance(options, Mapping) else options
    found: Optional[str] = None
    for key, value in items:
        if key == CATALOG_KEY and isinstance(value, str):
            found = value.strip() or None
    return found
