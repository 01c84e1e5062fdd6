"""mypy through ``mypy.api.run``, once per strictness: production files strict, prototypes lenient.

The rule: a file whose profile is named ``prototype`` (or ``prototype-…``) is checked leniently
(mypy's defaults, missing imports and untyped globals allowed); every other file (a production
profile, any other profile, no profile) with ``--strict``.  mypy analyses the files; it never
imports them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from groundrules.hooks.gate.targets import Target, ToolRun
from groundrules.rules.framework import Finding
from groundrules.standards.schema import Category, Severity

STRICT = ("--strict",)
LENIENT = ("--ignore-missing-imports", "--allow-untyped-globals")
#: Machine-readable output: one line per message, with codes, columns and ends.
_OUTPUT = (
    "--show-error-codes",
    "--show-column-numbers",
    "--show-error-end",
    "--no-error-summary",
    "--hide-error-context",
    "--no-pretty",
    "--no-color-output",
)
_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+):(?P<end_line>\d+):(?P<end_column>\d+): "
    r"(?P<level>error|warning): (?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)


def strictness(target: Target) -> str:
    profile = target.profile or ""
    return "lenient" if profile == "prototype" or profile.startswith("prototype-") else "strict"


def run_mypy(targets: Sequence[Target]) -> ToolRun:
    groups: Dict[str, List[Target]] = {}
    for target in targets:
        groups.setdefault(strictness(target), []).append(target)
    run = ToolRun()
    for level in ("strict", "lenient"):
        if level in groups:
            findings, error = _run_group(groups[level], STRICT if level == "strict" else LENIENT)
            run.findings.extend(findings)
            if error is not None:
                run.errors.append(error)
    return run


def _run_group(targets: Sequence[Target], flags: Tuple[str, ...]) -> Tuple[List[Finding], Optional[str]]:
    from mypy import api

    by_path = {str(t.path.resolve()): t for t in targets}
    try:
        stdout, stderr, status = api.run([*flags, *_OUTPUT, *(str(t.path) for t in targets)])
    except BaseException as exc:  # mypy exits through SystemExit on some configuration errors
        if isinstance(exc, KeyboardInterrupt):
            raise
        return [], f"mypy failed: {type(exc).__name__}: {exc}"
    findings: List[Finding] = []
    for text in stdout.splitlines():
        match = _LINE.match(text)
        if match is None:
            continue
        target = by_path.get(str(Path(match.group("path")).resolve()))
        if target is not None:
            findings.append(_finding(match, target))
    # 2 is mypy's "crashed or misconfigured"; a syntax error is also blocking but is a finding.
    if status == 2 and not findings:
        first = (stderr.strip() or stdout.strip() or "exit status 2").splitlines()[0]
        return [], f"mypy failed: {first}"
    return findings, None


def _finding(match: "re.Match[str]", target: Target) -> Finding:
    code = match.group("code") or "misc"
    line, column = int(match.group("line")), int(match.group("column"))
    return Finding(
        code=f"mypy:{code}",
        name=code,
        message=match.group("message"),
        path=target.shown,
        line=line,
        column=column,
        end_line=int(match.group("end_line")),
        end_column=int(match.group("end_column")),
        severity=Severity.ERROR if match.group("level") == "error" else Severity.WARNING,
        category=Category.CODING,
        source="mypy",
    )
