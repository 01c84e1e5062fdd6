"""The rules shipped with groundrules, collected from the rule packages.

Every module under ``groundrules/rules/<group>/`` declares rules as :class:`Rule` subclasses; the
registry imports those modules and keeps the classes they define, sorted by code.  The flake8
plugin, the CLI, the docs and the tests all read this one list.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from typing import Any, Dict, Mapping, Optional, Tuple, Type

from groundrules.rules.framework import Rule
from groundrules.standards.model import Catalog, RuleInfo
from groundrules.standards.schema import Option

GROUP_PACKAGES = ("coding", "security", "data_access", "datascience", "notebook_state", "team", "diagnostics")


@functools.lru_cache(maxsize=None)
def all_rules() -> Tuple[Type[Rule], ...]:
    found: Dict[str, Type[Rule]] = {}
    for group in GROUP_PACKAGES:
        package = importlib.import_module(f"groundrules.rules.{group}")  # noqa: GR207 -- fixed names
        for info in pkgutil.iter_modules(package.__path__):
            name = f"{package.__name__}.{info.name}"
            module = importlib.import_module(name)  # noqa: GR207 -- our own rule modules
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if (
                    issubclass(obj, Rule)
                    and obj is not Rule
                    and obj.__module__ == module.__name__
                    and "code" in obj.__dict__
                ):
                    if obj.code in found and found[obj.code] is not obj:
                        raise RuntimeError(f"duplicate rule code {obj.code}")
                    found[obj.code] = obj
    return tuple(found[code] for code in sorted(found))


def by_code() -> Mapping[str, Type[Rule]]:
    return {rule.code: rule for rule in all_rules()}


def find_rule(code_or_name: str) -> Optional[Type[Rule]]:
    wanted = code_or_name.strip()
    for rule in all_rules():
        if rule.code == wanted.upper() or rule.name == wanted.lower():
            return rule
    return None


@functools.lru_cache(maxsize=None)
def catalog() -> Catalog:
    """The rules and options the standards are validated against."""
    from groundrules.rules.context import CONFIG_MODULES, ENTRY_POINTS, TEST_PATHS
    from groundrules.standards.model import MAX_FILE_SIZE

    options: Dict[str, Option[Any]] = {}
    for option in (ENTRY_POINTS, CONFIG_MODULES, TEST_PATHS, MAX_FILE_SIZE):
        options[option.key] = option
    for rule in all_rules():
        for option in rule.options:
            known = options.get(option.key)
            if known is not None and known is not option and known.default != option.default:
                raise RuntimeError(f"option {option.key} declared twice with different defaults")
            options.setdefault(option.key, option)
    return Catalog(
        rules={r.code: RuleInfo(r.code, r.severity, r.default_enabled) for r in all_rules()},
        options=options,
    )
