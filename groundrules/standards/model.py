"""The loaded standards: frozen values, resolved per file into :class:`FileStandards`.

Settings come in *layers* applied in order: the built-in defaults, each pack named by ``extends``
(depth first), the team's own table, then the profile chosen by the file's path, then the command
line.  A layer's ``select`` replaces the enabled set (as in ruff); its ``ignore`` removes from it;
severities and options merge, the later layer winning.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Tuple, TypeVar

from groundrules.standards.catalog_file import CATALOG_KEY, DatasetCatalog
from groundrules.standards.globs import matches
from groundrules.standards.schema import Option, Severity

T = TypeVar("T")

_SIZE_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3}


def _size(value: object) -> int:
    """Bytes, as an integer or a string with a unit (``"10 MB"``, ``"512 KiB"``); positive."""
    number: float
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip().lower()
        digits = text.rstrip("abgikm ")
        unit = text[len(digits) :].strip()
        try:
            number = float(digits) * _SIZE_UNITS[unit]
        except (ValueError, KeyError):
            raise ValueError(f'expected a size such as 10000000 or "10 MB", got {value!r}') from None
    else:
        raise ValueError(f'expected a size such as 10000000 or "10 MB", got {value!r}')
    if number < 1:
        raise ValueError(f"expected a positive size, got {value!r}")
    return int(number)


#: Read by the commands, not by a rule: a larger file is one GR901 finding and is never read (a
#: link to /dev/zero or a generated 2 GB module would otherwise exhaust memory).
MAX_FILE_SIZE: Option[int] = Option(
    None,
    "max-file-size",
    10_000_000,
    'Largest file read, in bytes or with a unit ("10 MB"); a larger file is one GR901 finding.',
    _size,
    "size",
)


@dataclass(frozen=True)
class RuleInfo:
    """What the standards need to know about a rule to enable it and rate it."""

    code: str
    severity: Severity
    default_enabled: bool = True


@dataclass(frozen=True)
class Catalog:
    """The rules and options the standards are validated and resolved against."""

    rules: Mapping[str, RuleInfo]
    options: Mapping[str, Option[object]]  # keyed by Option.key

    def known_prefix(self, prefix: str) -> bool:
        return any(code.startswith(prefix) for code in self.rules) or prefix in ("GR", "G")


@dataclass(frozen=True)
class BannedApi:
    """A team-declared rule: a qualified name that may be used only under ``allowed_in``."""

    code: str
    name: str
    message: str
    allowed_in: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Layer:
    origin: str
    select: Optional[Tuple[str, ...]] = None
    ignore: Tuple[str, ...] = ()
    severity: Tuple[Tuple[str, Severity], ...] = ()
    options: Tuple[Tuple[str, object], ...] = ()
    fail_on: Optional[Severity] = None
    reason_required: Optional[Tuple[str, ...]] = None
    exclude: Tuple[str, ...] = ()
    banned_api: Tuple[BannedApi, ...] = ()
    #: Which files are exploration code: "auto" (notebooks and exported notebook scripts),
    #: "exploration" (every file of the layer's paths) or "production" (none).
    context: Optional[str] = None
    #: Codes or prefixes that are off in exploration files (``[exploration] ignore``).
    exploration_ignore: Optional[Tuple[str, ...]] = None


#: The values of ``context``.
CONTEXTS = ("auto", "exploration", "production")


@dataclass(frozen=True)
class Profile:
    name: str
    paths: Tuple[str, ...]
    layers: Tuple[Layer, ...]


@dataclass(frozen=True)
class FileStandards:
    """Everything a check of one file needs: which rules, at which severity, with which options."""

    profile: Optional[str]
    enabled: FrozenSet[str]
    severities: Mapping[str, Severity]
    options: Mapping[str, object]
    reason_required: Tuple[str, ...]
    banned_api: Tuple[BannedApi, ...] = ()
    #: The dataset catalog named by ``data-access.catalog``, as read when the standards loaded
    #: (``None`` when unset or not loaded, e.g. options given without a configuration file).
    datasets: Optional[DatasetCatalog] = None
    #: "auto", "exploration" or "production" (see :data:`CONTEXTS`).
    context: str = "auto"
    #: Enabled rules that are off in exploration files (codes selected by their full code in the
    #: effective ``select``, e.g. ``--select GR101``, are not: naming a rule asks for it).
    exploration_off: FrozenSet[str] = frozenset()
    #: Whether the file being checked was judged exploration code (``None``: not decided yet).
    exploration: Optional[bool] = None

    def in_context(self, exploration: bool) -> "FileStandards":
        """These standards for a file that is (or is not) exploration code; decided once."""
        if self.exploration is not None:
            return self
        if self.context != "auto":
            exploration = self.context == "exploration"
        enabled = self.enabled - self.exploration_off if exploration else self.enabled
        return dataclasses.replace(self, enabled=enabled, exploration=exploration)

    def get(self, option: Option[T]) -> T:
        value = self.options.get(option.key, option.default)
        return value  # type: ignore[return-value]  # validated by option.parse at load time

    def severity_of(self, code: str, default: Severity) -> Severity:
        return self.severities.get(code, default)


@dataclass(frozen=True, eq=False)
class Standards:
    """The standards of one configuration file (or the defaults when there is none)."""

    root: Path
    config_path: Optional[Path]
    layers: Tuple[Layer, ...]
    profiles: Tuple[Profile, ...] = ()
    #: Dataset catalogs read at load time, by their ``data-access.catalog`` value.
    datasets: Mapping[str, DatasetCatalog] = field(default_factory=dict)
    #: The configuration's own ``gate.tools``: what ``check`` runs besides our rules.
    gate_tools: Tuple[str, ...] = ()
    #: The configuration's ``baseline`` file, resolved against its directory: ``check``, the
    #: hooks and the flake8 plugin report only findings it does not hold.
    baseline: Optional[Path] = None
    _cache: Dict[Tuple[Optional[str], Tuple[Layer, ...]], FileStandards] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def fail_on(self) -> Severity:
        return _last(self.layers, "fail_on", Severity.ERROR)

    @property
    def exclude(self) -> Tuple[str, ...]:
        return tuple(p for layer in self.layers for p in layer.exclude)

    def relative(self, path: Path) -> str:
        """``path`` relative to the configuration's directory, POSIX style."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def is_excluded(self, path: Path, rel_path: Optional[str] = None) -> bool:
        """``rel_path``: ``relative(path)`` when the caller has it (resolving costs a system
        call per path component)."""
        return bool(self.exclude) and matches(rel_path if rel_path is not None else self.relative(path), self.exclude)

    def profile_for(self, rel_path: str) -> Optional[Profile]:
        for profile in self.profiles:
            if matches(rel_path, profile.paths):
                return profile
        return None

    def resolve(
        self, path: Path, catalog: Catalog, overrides: Tuple[Layer, ...] = (), rel_path: Optional[str] = None
    ) -> FileStandards:
        profile = self.profile_for(rel_path if rel_path is not None else self.relative(path))
        key = (profile.name if profile else None, overrides)
        cached = self._cache.get(key)
        if cached is None:
            layers = self.layers + (profile.layers if profile else ()) + overrides
            cached = resolve_layers(layers, catalog, profile.name if profile else None)
            chosen = cached.options.get(CATALOG_KEY)
            if isinstance(chosen, str) and chosen.strip() in self.datasets:
                cached = dataclasses.replace(cached, datasets=self.datasets[chosen.strip()])
            self._cache[key] = cached
        return cached


def _last(layers: Iterable[Layer], attr: str, default: T) -> T:
    value = default
    for layer in layers:
        got = getattr(layer, attr)
        if got is not None:
            value = got
    return value


def _longest(code: str, prefixes: Iterable[str], exact_only: bool = False) -> int:
    best = 0
    for prefix in prefixes:
        if exact_only and prefix != code:
            continue
        if code.startswith(prefix) and len(prefix) > best:
            best = len(prefix)
    return best


def resolve_layers(
    layers: Tuple[Layer, ...], catalog: Catalog, profile: Optional[str] = None
) -> FileStandards:
    banned = {b.code: b for layer in layers for b in layer.banned_api}
    rules = dict(catalog.rules)
    for code in banned:
        rules.setdefault(code, RuleInfo(code, Severity.ERROR))
    enabled: set[str] = set()
    for layer in layers:
        if layer.select is not None:
            enabled = set()
            for code, info in rules.items():
                # Rules that are off by default need their full code in `select`.
                chosen = _longest(code, layer.select, exact_only=not info.default_enabled)
                if chosen and chosen > _longest(code, layer.ignore):
                    enabled.add(code)
        elif layer.ignore:
            enabled = {c for c in enabled if not _longest(c, layer.ignore)}
    ranked: List[Tuple[int, int, str, Severity]] = [
        (len(prefix), order, prefix, sev)
        for order, layer in enumerate(layers)
        for prefix, sev in layer.severity
    ]
    severities = {}
    for code in enabled:
        best = max(
            ((n, o, s) for n, o, p, s in ranked if code.startswith(p)),
            default=None,
            key=lambda item: (item[0], item[1]),
        )
        severities[code] = best[2] if best else rules[code].severity
    options: Dict[str, object] = {}
    for layer in layers:
        options.update(layer.options)
    last_select: Tuple[str, ...] = _last(layers, "select", ())
    named = {code for code in enabled if code in last_select}
    off_in_exploration = _last(layers, "exploration_ignore", ())
    exploration_off = frozenset(
        code for code in enabled if _longest(code, off_in_exploration) and code not in named
    )
    return FileStandards(
        profile=profile,
        enabled=frozenset(enabled),
        severities=severities,
        options=options,
        reason_required=_last(layers, "reason_required", ()),
        banned_api=tuple(b for code, b in sorted(banned.items()) if code in enabled),
        context=_last(layers, "context", "auto"),
        exploration_off=exploration_off,
    )
