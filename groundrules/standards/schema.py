"""The vocabulary shared by standards and rules: severities, categories and typed options.

Rules declare the options they read with :class:`Option`; the loader validates the team's TOML
against those declarations.  Keeping the type here (not in ``rules``) lets ``standards`` validate
without importing the rules, so imports keep pointing one way.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Callable, Generic, Mapping, Optional, Tuple, TypeVar

T = TypeVar("T")


class Severity(enum.IntEnum):
    """Ordered so that ``finding.severity >= standards.fail_on`` decides the exit code."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(
                f"{text!r} is not a severity; use one of: error, warning, info"
            ) from None


class Category(enum.Enum):
    CODING = "coding"
    SECURITY = "security"
    DATA_ACCESS = "data-access"
    DATA_SCIENCE = "data-science"
    NOTEBOOK_STATE = "notebook-state"
    TEAM = "team"
    DIAGNOSTICS = "diagnostics"

    @property
    def hundred(self) -> int:
        """The hundred of the rule codes in this category (GR1xx is coding, ...)."""
        return _HUNDREDS[self]


_HUNDREDS = {
    Category.CODING: 1,
    Category.SECURITY: 2,
    Category.DATA_ACCESS: 3,
    Category.DATA_SCIENCE: 4,
    Category.NOTEBOOK_STATE: 6,
    Category.TEAM: 8,
    Category.DIAGNOSTICS: 9,
}

#: Option tables in the TOML, one per rule group; global options live at the top level.
OPTION_GROUPS = ("coding", "security", "data-access", "data-science")


class FixClass(enum.Enum):
    """How far a rule's rewrite may go (rules.md section 2)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Option(Generic[T]):
    """A typed, defaulted option a rule reads.

    ``group`` is the TOML table (``security`` for ``[tool.groundrules.security]``) or ``None`` for
    a top-level key such as ``entry-points``.  ``parse`` turns the raw TOML value into ``T`` or raises
    ``ValueError`` with a message that says what was expected.
    """

    group: Optional[str]
    name: str
    default: T
    help: str
    parse: Callable[[object], T]
    type_name: str

    @property
    def key(self) -> str:
        return self.name if self.group is None else f"{self.group}.{self.name}"


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _strs(value: object) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return tuple(value)


def _regex(value: object) -> str:
    text = _str(value)
    try:
        re.compile(text)
    except re.error as exc:
        raise ValueError(f"{text!r} is not a valid regular expression: {exc}") from None
    return text


def _globs(value: object) -> Tuple[str, ...]:
    from groundrules.standards.globs import validate_glob

    items = _strs(value)
    for item in items:
        validate_glob(item)
    return items


def _str_lists(value: object) -> Mapping[str, Tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ValueError(f"expected a table of lists of strings, got {value!r}")
    out = {}
    for key, item in value.items():
        out[str(key)] = _strs(item)
    return out


def _choice(*choices: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = _str(value)
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
        return text

    return parse


def bool_option(group: Optional[str], name: str, default: bool, help: str) -> Option[bool]:
    return Option(group, name, default, help, _bool, "bool")


def int_option(group: Optional[str], name: str, default: int, help: str) -> Option[int]:
    return Option(group, name, default, help, _int, "int")


def number_option(group: Optional[str], name: str, default: float, help: str) -> Option[float]:
    return Option(group, name, default, help, _number, "number")


def str_option(group: Optional[str], name: str, default: str, help: str) -> Option[str]:
    return Option(group, name, default, help, _str, "string")


def choice_option(
    group: Optional[str], name: str, default: str, choices: Tuple[str, ...], help: str
) -> Option[str]:
    return Option(group, name, default, help, _choice(*choices), " | ".join(choices))


def regex_option(group: Optional[str], name: str, default: str, help: str) -> Option[str]:
    return Option(group, name, default, help, _regex, "regex")


def strs_option(
    group: Optional[str], name: str, default: Tuple[str, ...], help: str
) -> Option[Tuple[str, ...]]:
    return Option(group, name, default, help, _strs, "list of strings")


def globs_option(
    group: Optional[str], name: str, default: Tuple[str, ...], help: str
) -> Option[Tuple[str, ...]]:
    return Option(group, name, default, help, _globs, "list of globs")


def str_lists_option(
    group: Optional[str], name: str, default: Mapping[str, Tuple[str, ...]], help: str
) -> Option[Mapping[str, Tuple[str, ...]]]:
    return Option(group, name, default, help, _str_lists, "table of string lists")
