"""mypy through ``mypy.api.run``, once per strictness: production files strict, prototypes lenient.

The rule: a file whose profile is named ``production`` (or ``production-…``), or whose standards
extend ``groundrules:production``, is checked with ``--strict``; a file whose profile is named
``prototype`` (or ``prototype-…``) leniently (missing imports and untyped globals allowed); every
other file (tests, scripts, code not yet rated) with the project's own mypy configuration and no
flag added, so a repository's ``[tool.mypy]`` decides.  When mypy lacks a library's stubs, its
message says which package to install and where the hook runs.  mypy analyses the files; it never
imports them.  Files whose module names collide (``a/util.py`` and ``b/util.py`` outside packages)
go to separate runs: mypy refuses to check two modules of one name together.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Sequence, Set, Tuple

from groundrules.hooks.gate.targets import Target, ToolRun
from groundrules.rules.framework import Finding
from groundrules.rules.security.hardcoded_secret import mask
from groundrules.standards.schema import Category, Severity

STRICT = ("--strict",)
LENIENT = ("--ignore-missing-imports", "--allow-untyped-globals")
FLAGS = {"strict": STRICT, "lenient": LENIENT, "configured": ()}
#: mypy's note after a missing-stubs error: ``note: Hint: "python3 -m pip install types-PyYAML"``.
_STUB_HINT = re.compile(r'^(?P<path>.+?):(?P<line>\d+):\d+:\d+:\d+: note: Hint: "python3 -m pip install (?P<package>[^"]+)"')
_MISSING_STUBS = frozenset({"import-untyped"})
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
#: A message about mypy's configuration: ``mypy.ini: [mypy]: Unrecognized option: x = 1`` (an option
#: mypy skipped) or ``mypy.ini: File contains no section headers.`` (the whole file).
_CONFIG = re.compile(
    r"^(?P<file>[^\s:][^:]*\.(?:ini|cfg|toml))(?::\d+)*: (?:error: )?(?P<what>\S.*?)(?:  \[[a-z0-9-]+\])?$"
)
#: A message about a whole file: ``b/util.py: error: Duplicate module named "util"``.
_FILE_ERROR = re.compile(r"^(?P<file>[^\s:][^:]*): error: (?P<what>.*)$")
#: A string literal as Python writes it (mypy quotes values so: ``Literal['sk-…']``); a quote after
#: a letter is an apostrophe (``doesn't``), except after the ``b`` of bytes.
_STRING = re.compile(r"(?<![A-Za-z])(?P<prefix>b?)(?P<quote>')(?P<value>(?:\\.|[^'\\])*)'")
_QUOTED = re.compile(r"""(?P<prefix>b?)(?P<quote>['"])(?P<value>(?:\\.|(?!(?P=quote))[^\\])*)(?P=quote)""")
#: ``Literal[...]``: inside it, a double-quoted value too (``Literal["it's"]``).
_LITERAL = re.compile(r"""Literal\[(?:b?'(?:\\.|[^'\\])*'|b?"(?:\\.|[^"\\])*"|[^\]'"])*\]""")
_VALUES = re.compile(f"(?P<literal>{_LITERAL.pattern})|{_STRING.pattern}")
#: Up to this many characters a literal stays readable (``'a'``, ``'rb'``): too short to be a secret.
SHORT = 3


def strictness(target: Target) -> str:
    profile = target.profile or ""
    if profile == "prototype" or profile.startswith("prototype-"):
        return "lenient"
    if profile == "production" or profile.startswith("production-") or target.production:
        return "strict"
    return "configured"


def module_name(path: Path) -> str:
    """The module name mypy gives a file: its stem, under the packages (``__init__``) it is in."""
    parts = [] if path.stem == "__init__" else [path.stem]
    folder = path.resolve().parent
    while (folder / "__init__.py").is_file() or (folder / "__init__.pyi").is_file():
        parts.insert(0, folder.name)
        if folder.parent == folder:
            break
        folder = folder.parent
    return ".".join(parts) or folder.name


def batches(targets: Sequence[Target]) -> List[List[Target]]:
    """The targets split so that no run holds two files of one module name (first fit)."""
    found: List[Tuple[Set[str], List[Target]]] = []
    for target in targets:
        name = module_name(target.path)
        for names, batch in found:
            if name not in names:
                names.add(name)
                batch.append(target)
                break
        else:
            found.append(({name}, [target]))
    return [batch for _, batch in found]


def mask_literals(message: str) -> str:
    """``message`` with the contents of its quoted string literals masked, the way GR201 masks a
    secret: mypy quotes a ``Final`` string's value (``Literal['sk-…']``) in its messages."""

    def masked(match: "re.Match[str]") -> str:
        value = match.group("value")
        if len(value) <= SHORT:
            return match.group()
        quote = match.group("quote")
        return f"{match.group('prefix')}{quote}{mask(value)}{quote}"

    def value(match: "re.Match[str]") -> str:
        if match.group("literal") is not None:
            return _QUOTED.sub(masked, match.group())
        return masked(match)

    # mypy quotes names and types in double quotes, literal values as Python reprs.
    return _VALUES.sub(value, message)


def run_mypy(targets: Sequence[Target]) -> ToolRun:
    groups: Dict[str, List[Target]] = {}
    for target in targets:
        groups.setdefault(strictness(target), []).append(target)
    run = ToolRun()
    for level in ("strict", "lenient", "configured"):
        for number, batch in enumerate(batches(groups.get(level, []))):
            flags = FLAGS[level]
            # mypy's cache is by module name: a second `util` would get the first's results.
            _run_batch(batch, flags if number == 0 else (*flags, "--cache-dir", os.devnull), run)
    return run


def _run_batch(targets: Sequence[Target], flags: Tuple[str, ...], run: ToolRun) -> None:
    from mypy import api

    by_path = {str(t.path.resolve()): t for t in targets}
    try:
        stdout, stderr, status = api.run([*flags, *_OUTPUT, *(str(t.path) for t in targets)])
    except BaseException as exc:  # mypy exits through SystemExit on some configuration errors
        if isinstance(exc, KeyboardInterrupt):
            raise
        run.errors.append(f"mypy: crashed: {type(exc).__name__}: {exc}")
        run.unchecked.extend(t.shown for t in targets)
        return
    found = 0
    for text in stdout.splitlines():
        hint = _STUB_HINT.match(text)
        if hint is not None and found and run.findings[-1].line == int(hint.group("line")):
            run.findings[-1] = with_stub_advice(run.findings[-1], hint.group("package"))
            continue
        match = _LINE.match(text)
        if match is None:
            continue
        target = by_path.get(str(Path(match.group("path")).resolve()))
        if target is not None:
            run.findings.append(_finding(match, target))
            found += 1
    rejected = _configuration(stderr, run)
    # 2 is mypy's "crashed or misconfigured"; a syntax error is also blocking but is a finding.
    if status == 2 and not found:
        run.unchecked.extend(t.shown for t in targets)
        if not rejected:
            run.errors.append(_failure(stdout, stderr))


def _configuration(stderr: str, run: ToolRun) -> bool:
    """Reports mypy's messages about its configuration; whether mypy could not use it (an
    option it skipped is a warning; only the first line of a message: the rest quotes the file)."""
    rejected = False
    for text in stderr.splitlines():
        match = _CONFIG.match(text)
        if match is None:
            continue
        what = match.group("what")
        if what.startswith("["):
            run.warnings.append(f"{match.group('file')}: mypy ignored part of its configuration: {what}")
        else:
            rejected = True
            run.errors.append(f"{match.group('file')}: mypy rejected its configuration: {what}")
    return rejected


def _failure(stdout: str, stderr: str) -> str:
    first = (stderr.strip() or stdout.strip() or "exit status 2").splitlines()[0]
    match = _FILE_ERROR.match(first)
    if match is not None:
        return f"{match.group('file')}: mypy failed: {match.group('what')}"
    return f"mypy: failed: {first}"


def with_stub_advice(finding: Finding, package: str) -> Finding:
    """The missing-stubs finding, saying how to install ``package`` where the types hook runs."""
    advice = (f"; install `{package}` where the types hook runs (`pip install {package}` in the environment "
              f"of `git commit`; from a published hook repository: `additional_dependencies: [{package}]`)")
    return replace(finding, message=finding.message + advice)


def _finding(match: "re.Match[str]", target: Target) -> Finding:
    code = match.group("code") or "misc"
    message = mask_literals(match.group("message"))
    if code in _MISSING_STUBS and "Hint" not in message and "py.typed" in message:
        name = re.search(r'"(?P<module>[^".]+)', message)
        module = name.group("module") if name else "the-library"
        message += (f"; install its stubs (`types-{module}` or `{module}-stubs` on PyPI) where the types hook "
                    f"runs, or add them to its `additional_dependencies`")
    line, column = int(match.group("line")), int(match.group("column"))
    return Finding(
        code=f"mypy:{code}",
        name=code,
        message=message,
        path=target.shown,
        line=line,
        column=column,
        end_line=int(match.group("end_line")),
        end_column=int(match.group("end_column")),
        severity=Severity.ERROR if match.group("level") == "error" else Severity.WARNING,
        category=Category.CODING,
        source="mypy",
    )
