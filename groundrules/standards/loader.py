"""Read the standards: the team's TOML, the packs it extends, validated against the catalog.

Every problem (unknown key, unknown code, wrong type, bad glob, unreadable TOML, a pack that
cannot be found) is collected, and one :class:`StandardsError` carries them all, so a standards
owner fixes a file in one pass.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from groundrules.standards.catalog_file import CATALOG_KEY, CatalogFileError, DatasetCatalog, catalog_values, read_catalog
from groundrules.standards.errors import ConfigProblem, StandardsError
from groundrules.standards.globs import validate_glob
from groundrules.standards.model import BannedApi, Catalog, Layer, Profile, Standards
from groundrules.standards.schema import OPTION_GROUPS, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older interpreters only
    import tomli as tomllib

PACKS_DIR = Path(__file__).parent / "packs"
PACK_ENTRY_POINTS = "groundrules.packs"
CONFIG_NAMES = ("groundrules.toml", "pyproject.toml")
DEFAULT_EXTENDS = ("groundrules:recommended",)
DEFAULTS = Layer("defaults", select=("GR",), fail_on=Severity.ERROR)

_LAYER_KEYS = ("extends", "select", "ignore", "severity", "coding", "security", "data-access",
               "data-science")
_TOP_KEYS = frozenset(
    _LAYER_KEYS
    + ("fail-on", "exclude", "reason-required", "profiles", "banned-api", "gate", "baseline")
)
_PROFILE_KEYS = frozenset(_LAYER_KEYS + ("paths",))
_BANNED_KEYS = frozenset({"code", "name", "message", "allowed-in"})
_GATE_KEYS = frozenset({"tools"})
GATE_TOOLS = ("bandit", "mypy")
#: The gate tools' codes (``B602``, ``mypy:arg-type``), valid in ``ignore`` and ``reason-required``.
GATE_CODE = re.compile(r"B[0-9]{0,3}|mypy(?::[a-z0-9-]+)?", re.IGNORECASE)


def find_config(start: Path) -> Optional[Path]:
    """The closest ``groundrules.toml`` or ``pyproject.toml`` with ``[tool.groundrules]``."""
    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    for folder in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_our_table(candidate)):
                return candidate
    return None


def _has_our_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    # A cheap test first: most pyproject files have no such table.
    if "tool.groundrules" not in text and "[tool]" not in text:
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return "[tool.groundrules" in text  # report the broken file rather than skip it
    return isinstance(data.get("tool"), dict) and "groundrules" in data["tool"]


class _Reader:
    """One load: the problems found so far and the chain of files being read (for cycles)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.problems: List[ConfigProblem] = []
        self.banned_codes: set[str] = set()
        #: ``gate.tools`` by the file that declares it, valid names only.
        self.gate_tools: Dict[Path, Tuple[str, ...]] = {}

    def problem(self, file: Path | str, key: str, message: str, hint: str = "") -> None:
        self.problems.append(ConfigProblem(str(file), key, message, hint))

    # -- files ---------------------------------------------------------------------------
    def read_table(self, path: Path, key: str = "") -> Optional[Dict[str, Any]]:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            self.problem(path, key, f"cannot read: {exc.strerror or exc}")
            return None
        except UnicodeDecodeError:
            self.problem(path, key, "is not UTF-8 text")
            return None
        except tomllib.TOMLDecodeError as exc:
            self.problem(path, key, f"invalid TOML: {exc}")
            return None
        if path.name == "pyproject.toml":
            tool = data.get("tool", {})
            table = tool.get("groundrules") if isinstance(tool, dict) else None
            if not isinstance(table, dict):
                self.problem(path, "tool.groundrules", "no [tool.groundrules] table")
                return None
            return dict(table)
        return data

    def pack(self, ref: str, declared_in: Path, key: str, chain: Tuple[str, ...]) -> List[Layer]:
        path = self.locate_pack(ref, declared_in, key)
        if path is None:
            return []
        ident = str(path.resolve())
        if ident in chain:
            self.problem(declared_in, key, f"'{ref}' extends itself through {' -> '.join(chain)}",
                         "remove one of the extends entries forming the cycle")
            return []
        table = self.read_table(path)
        if table is None:
            return []
        layers, _ = self.layers(table, path, ref, chain + (ident,), top=False)
        return layers

    def locate_pack(self, ref: str, declared_in: Path, key: str) -> Optional[Path]:
        if ref.endswith(".toml") or "/" in ref or "\\" in ref:
            path = (declared_in.parent / ref).resolve()
            if not path.is_file():
                self.problem(declared_in, key, f"pack file '{ref}' not found at {path}",
                             "paths are relative to the file that names them")
                return None
            return path
        namespace, sep, name = ref.partition(":")
        if not sep or not name:
            self.problem(declared_in, key, f"'{ref}' is not a pack reference",
                         "write 'groundrules:recommended', 'package:pack' or a path to a .toml file")
            return None
        if namespace == "groundrules":
            path = PACKS_DIR / f"{name}.toml"
            if not path.is_file():
                known = sorted(p.stem for p in PACKS_DIR.glob("*.toml"))
                self.problem(declared_in, key, f"no built-in pack '{name}'",
                             f"built-in packs: {', '.join('groundrules:' + k for k in known)}")
                return None
            return path
        return self.installed_pack(namespace, name, declared_in, key)

    def installed_pack(self, namespace: str, name: str, declared_in: Path, key: str) -> Optional[Path]:
        from importlib.metadata import entry_points

        found = [ep for ep in entry_points(group=PACK_ENTRY_POINTS) if ep.name == namespace]
        if not found:
            self.problem(declared_in, key, f"no installed package publishes packs as '{namespace}'",
                         f"install the package that declares a '{PACK_ENTRY_POINTS}' entry point "
                         f"named '{namespace}'")
            return None
        module = found[0].value.split(":")[0].strip()
        # find_spec locates the package's files without running its code (parents excepted).
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        locations = list(spec.submodule_search_locations or []) if spec else []
        for location in locations:
            candidate = Path(location) / f"{name}.toml"
            if candidate.is_file():
                return candidate
        self.problem(declared_in, key, f"package '{module}' has no pack '{name}.toml'",
                     f"packs of '{namespace}' are the .toml files in that package")
        return None

    # -- tables --------------------------------------------------------------------------
    def layers(
        self,
        table: Mapping[str, Any],
        file: Path,
        origin: str,
        chain: Tuple[str, ...],
        top: bool,
        prefix: str = "",
    ) -> Tuple[List[Layer], List[Profile]]:
        allowed = _TOP_KEYS if not prefix else _PROFILE_KEYS
        options_allowed = {k for k, o in self.catalog.options.items() if o.group is None}
        for key in table:
            if key not in allowed and not (not prefix and key in options_allowed):
                choices = sorted(allowed | (options_allowed if not prefix else set()))
                self.unknown(file, prefix + key, key, choices)
        extends = table.get("extends", list(DEFAULT_EXTENDS) if top else [])
        layers: List[Layer] = []
        if self.strings(file, prefix + "extends", extends):
            for i, ref in enumerate(extends):
                layers.extend(self.pack(ref, file, f"{prefix}extends[{i}]", chain))
        if not prefix:
            for entry in self.banned(table.get("banned-api", []), file):
                self.banned_codes.add(entry.code)
        layers.append(
            Layer(
                origin=origin,
                select=self.codes(table, "select", file, prefix),
                ignore=self.codes(table, "ignore", file, prefix) or (),
                severity=self.severity(table.get("severity", {}), file, prefix + "severity"),
                options=self.options(table, file, prefix),
                fail_on=self.fail_on(table, file) if not prefix else None,
                reason_required=self.codes(table, "reason-required", file, prefix),
                exclude=self.globs(table.get("exclude", []), file, "exclude") if not prefix else (),
                banned_api=tuple(self.banned(table.get("banned-api", []), file, report=False))
                if not prefix
                else (),
            )
        )
        if not prefix and "gate" in table:
            self.gate(table["gate"], file)
        profiles = self.profiles(table.get("profiles", {}), file, origin, chain) if not prefix else []
        return layers, profiles

    def unknown(self, file: Path, key: str, bare: str, choices: Iterable[str]) -> None:
        close = difflib.get_close_matches(bare, list(choices), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(choices))}"
        self.problem(file, key, "unknown key", hint)

    def strings(self, file: Path, key: str, value: object) -> bool:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return True
        self.problem(file, key, f"expected a list of strings, got {value!r}",
                     f'write {key.rsplit(".", 1)[-1]} = ["..."]')
        return False

    def codes(self, table: Mapping[str, Any], name: str, file: Path, prefix: str) -> Optional[Tuple[str, ...]]:
        if name not in table:
            return None
        value = table[name]
        key = prefix + name
        if not self.strings(file, key, value):
            return ()
        for code in value:
            self.check_code(file, key, code)
        return tuple(value)

    def check_code(self, file: Path, key: str, code: str) -> None:
        if self.catalog.known_prefix(code) or code in self.banned_codes or GATE_CODE.fullmatch(code):
            return
        known = list(self.catalog.rules) + sorted(self.banned_codes)
        close = difflib.get_close_matches(code, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "run `groundrules rules` for the codes"
        self.problem(file, key, f"unknown rule code or prefix '{code}'", hint)

    def severity(self, value: object, file: Path, key: str) -> Tuple[Tuple[str, Severity], ...]:
        if not isinstance(value, dict):
            self.problem(file, key, f"expected a table of code = severity, got {value!r}",
                         'write severity = { "GR1" = "warning" }')
            return ()
        out = []
        for code, level in value.items():
            self.check_code(file, f"{key}.{code}", code)
            try:
                out.append((code, Severity.parse(str(level)) if isinstance(level, str) else _bad(level)))
            except ValueError as exc:
                self.problem(file, f"{key}.{code}", str(exc), 'use "error", "warning" or "info"')
        return tuple(out)

    def fail_on(self, table: Mapping[str, Any], file: Path) -> Optional[Severity]:
        if "fail-on" not in table:
            return None
        value = table["fail-on"]
        try:
            return Severity.parse(value) if isinstance(value, str) else _bad(value)
        except ValueError as exc:
            self.problem(file, "fail-on", str(exc), 'use "error", "warning" or "info"')
            return None

    def globs(self, value: object, file: Path, key: str) -> Tuple[str, ...]:
        if not self.strings(file, key, value):
            return ()
        assert isinstance(value, list)  # noqa: GR119 -- narrowing for mypy after strings()
        good = []
        for i, pattern in enumerate(value):
            try:
                validate_glob(pattern)
                good.append(pattern)
            except ValueError as exc:
                self.problem(file, f"{key}[{i}]", f"bad glob: {exc}",
                             "use *, ?, [abc] and ** (any depth), e.g. 'notebooks/**'")
        return tuple(good)

    def options(self, table: Mapping[str, Any], file: Path, prefix: str) -> Tuple[Tuple[str, object], ...]:
        out: List[Tuple[str, object]] = []
        by_group: Dict[Optional[str], Dict[str, Any]] = {}
        for key, option in self.catalog.options.items():
            by_group.setdefault(option.group, {})[option.name] = option
        candidates: List[Tuple[str, str, object]] = []
        if not prefix:
            for name in by_group.get(None, {}):
                if name in table:
                    candidates.append((name, name, table[name]))
        for group in OPTION_GROUPS:
            if group not in table:
                continue
            section = table[group]
            if not isinstance(section, dict):
                self.problem(file, prefix + group, f"expected a table, got {section!r}",
                             f"write [tool.groundrules.{group}] with key = value lines")
                continue
            declared = by_group.get(group, {})
            for name, value in section.items():
                if name not in declared:
                    self.unknown(file, f"{prefix}{group}.{name}", name, declared)
                    continue
                candidates.append((f"{group}.{name}", f"{prefix}{group}.{name}", value))
        for option_key, shown_key, value in candidates:
            option = self.catalog.options[option_key]
            try:
                out.append((option_key, option.parse(value)))
            except ValueError as exc:
                self.problem(file, shown_key, str(exc), f"{option.name} is a {option.type_name}: {option.help}")
        return tuple(out)

    def banned(self, value: object, file: Path, report: bool = True) -> List[BannedApi]:
        problem = self.problem if report else (lambda *args, **kw: None)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problem(file, "banned-api", "expected an array of tables",
                    "write [[tool.groundrules.banned-api]] blocks with code, name and message")
            return []
        out = []
        for i, entry in enumerate(value):
            key = f"banned-api[{i}]"
            for extra in sorted(set(entry) - _BANNED_KEYS):
                if report:
                    self.unknown(file, f"{key}.{extra}", extra, _BANNED_KEYS)
            code, name, message = entry.get("code"), entry.get("name"), entry.get("message")
            allowed = entry.get("allowed-in", [])
            if not (isinstance(code, str) and len(code) == 5 and code.startswith("GR8")
                    and code[2:].isdigit() and code != "GR800"):
                problem(file, f"{key}.code", f"expected a code GR801-GR899, got {code!r}",
                        "team-declared rules use the GR8xx codes")
                continue
            if not isinstance(name, str) or not name:
                problem(file, f"{key}.name", f"expected a qualified name, got {name!r}",
                        'write name = "pandas.read_sql"')
                continue
            if not isinstance(message, str) or not message:
                problem(file, f"{key}.message", "expected a non-empty message",
                        "say what to use instead")
                continue
            globs = self.globs(allowed, file, f"{key}.allowed-in") if report else tuple(allowed)
            out.append(BannedApi(code, name, message, globs))
        return out

    def gate(self, value: object, file: Path) -> None:
        if not isinstance(value, dict):
            self.problem(file, "gate", f"expected a table, got {value!r}", "write [tool.groundrules.gate]")
            return
        for key in value:
            if key not in _GATE_KEYS:
                self.unknown(file, f"gate.{key}", key, _GATE_KEYS)
        tools = value.get("tools", [])
        if self.strings(file, "gate.tools", tools):
            for tool in tools:
                if tool not in GATE_TOOLS:
                    self.problem(file, "gate.tools", f"unknown tool '{tool}'",
                                 f"the gate runs: {', '.join(GATE_TOOLS)}")
            self.gate_tools[file] = tuple(t for t in tools if t in GATE_TOOLS)

    def profiles(self, value: object, file: Path, origin: str, chain: Tuple[str, ...]) -> List[Profile]:
        if not isinstance(value, dict):
            self.problem(file, "profiles", f"expected a table of profiles, got {value!r}",
                         "write [tool.groundrules.profiles.<name>] tables")
            return []
        out = []
        for name, table in value.items():
            key = f"profiles.{name}"
            if not isinstance(table, dict):
                self.problem(file, key, f"expected a table, got {table!r}", f"write [tool.groundrules.{key}]")
                continue
            if "paths" not in table:
                self.problem(file, f"{key}.paths", "missing", 'a profile applies to paths = ["src/**"]')
            paths = self.globs(table.get("paths", []), file, f"{key}.paths")
            layers, _ = self.layers(table, file, f"{origin} profile {name}", chain, top=False, prefix=key + ".")
            out.append(Profile(name, paths, tuple(layers)))
        return out


def _bad(value: object) -> Severity:
    raise ValueError(f"expected a severity string, got {value!r}")


def load_standards(config: Optional[Path], catalog: Catalog, cwd: Optional[Path] = None) -> Standards:
    """The standards of ``config`` (or the defaults when ``None``); raises :class:`StandardsError`."""
    reader = _Reader(catalog)
    if config is None:
        table: Optional[Dict[str, Any]] = {}
        origin_file = (cwd or Path.cwd()) / "(defaults)"
        root = (cwd or Path.cwd()).resolve()
    else:
        table = reader.read_table(config)
        origin_file = config
        root = config.resolve().parent
    layers: List[Layer] = [DEFAULTS]
    profiles: List[Profile] = []
    if table is not None:
        ident = str(origin_file.resolve())
        # Banned-api codes must be known before select/ignore lists are checked.
        for entry in reader.banned(table.get("banned-api", []), origin_file, report=False):
            reader.banned_codes.add(entry.code)
        own, profiles = reader.layers(table, origin_file, str(config or "defaults"), (ident,), top=True)
        layers.extend(own)
    datasets = _read_datasets(reader, origin_file, root, layers, profiles)
    baseline = _baseline(reader, origin_file, root, table)
    if reader.problems:
        raise StandardsError(tuple(reader.problems))
    return Standards(
        root=root,
        config_path=config,
        layers=tuple(layers),
        profiles=tuple(profiles),
        datasets=datasets,
        gate_tools=reader.gate_tools.get(origin_file, ()),
        baseline=baseline,
    )


def _baseline(reader: _Reader, config: Path, root: Path, table: Optional[Mapping[str, Any]]) -> Optional[Path]:
    """The team's own ``baseline`` key (packs cannot set it: a baseline belongs to one repository),
    relative to the configuration's directory.  The file need not exist yet: ``groundrules
    baseline`` writes it, ``check`` reports it missing."""
    value = (table or {}).get("baseline")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        reader.problem(config, "baseline", f"expected a path, got {value!r}",
                       'write baseline = ".groundrules-baseline.json" (relative to this file)')
        return None
    return root / value.strip()


def _read_datasets(
    reader: _Reader, config: Path, root: Path, layers: List[Layer], profiles: List[Profile]
) -> Dict[str, DatasetCatalog]:
    """Each dataset catalog the layers name, read once, relative to the configuration's directory."""
    out: Dict[str, DatasetCatalog] = {}
    named = [(layer, "") for layer in layers]
    named += [(layer, f"profiles.{p.name}.") for p in profiles for layer in p.layers]
    for layer, prefix in named:
        value = catalog_values(layer.options)
        if value is None or value in out:
            continue
        try:
            out[value] = read_catalog(root / value)
        except CatalogFileError as exc:
            reader.problem(config, prefix + CATALOG_KEY, str(exc),
                           "point data-access.catalog at a Kedro-style YAML or JSON catalog "
                           "(its path relative to this file's directory), or remove the key")
            out[value] = DatasetCatalog(value, ())
    return out
