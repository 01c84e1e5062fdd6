"""Typed errors of the standards: every problem names the file, the key and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    key: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        text = f"{where}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


class StandardsError(Exception):
    """All the problems found in one configuration, reported together."""

    def __init__(self, problems: Tuple[ConfigProblem, ...]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
