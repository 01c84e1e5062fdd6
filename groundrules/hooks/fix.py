"""``groundrules fix``: apply fixes, verified, written atomically with encoding, BOM, newlines and
mode kept.  Exit 1 when a file changed (or would, with ``--diff``), 0 when none did, 2 on errors."""

from __future__ import annotations

import difflib
import io
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import FrozenSet, List, Optional, Tuple

from groundrules.codemods.framework import fix_source
from groundrules.hooks.atomic import write_atomic
from groundrules.hooks.runner import StandardsCache
from groundrules.rules.modules import module_name
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.model import Layer
from groundrules.standards.schema import FixClass

BOM = b"\xef\xbb\xbf"


@dataclass
class FixReport:
    changed: List[Tuple[str, Counter[str]]] = field(default_factory=list)
    diffs: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)  # fixes dropped, files not rewritten
    errors: List[str] = field(default_factory=list)


def read_text(data: bytes) -> Tuple[str, str, bool]:
    """(text, encoding, had BOM); raises ``SyntaxError``/``UnicodeDecodeError`` on bad input."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = data.startswith(BOM)
    body = data[len(BOM) :] if bom else data
    return body.decode("utf-8" if encoding == "utf-8-sig" else encoding), encoding, bom


def fix_files(
    files: List[Path],
    cache: StandardsCache,
    allowed: FrozenSet[FixClass],
    overrides: Tuple[Layer, ...] = (),
    diff_only: bool = False,
) -> FixReport:
    report = FixReport()
    for path in files:
        standards = cache.standards_for(path)
        if standards is None or standards.is_excluded(path):
            continue
        shown = path.as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.errors.append(f"{shown}: cannot read: {exc.strerror or exc}")
            continue
        try:
            text, encoding, bom = read_text(data)
        except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
            report.notes.append(f"{shown}: not rewritten: cannot decode ({exc})")
            continue
        resolved = standards.resolve(path, catalog(), overrides)
        outcome = fix_source(
            text, shown, standards.relative(path), resolved, all_rules(), allowed, module_name(path)
        )
        for codes, why in outcome.dropped:
            report.notes.append(f"{shown}: fix for {codes} not applied: {why}")
        if not outcome.fixed or outcome.text == text:
            continue
        report.changed.append((shown, Counter(outcome.fixed)))
        if diff_only:
            report.diffs.append(
                "".join(
                    difflib.unified_diff(
                        text.splitlines(keepends=True),
                        outcome.text.splitlines(keepends=True),
                        fromfile=f"a/{shown}",
                        tofile=f"b/{shown}",
                    )
                )
            )
            continue
        new = outcome.text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
        write_atomic(path, (BOM if bom else b"") + new)
    for failure in cache.failed.values():
        report.errors.extend(str(p) for p in failure.problems)
    return report


def render(report: FixReport, diff_only: bool) -> str:
    lines: List[str] = []
    if diff_only:
        lines.extend(d.rstrip("\n") for d in report.diffs)
    total: Counter[str] = Counter()
    verb = "would fix" if diff_only else "fixed"
    for path, counts in report.changed:
        total.update(counts)
        detail = ", ".join(f"{code} x{n}" for code, n in sorted(counts.items()))
        lines.append(f"{path}: {verb} {sum(counts.values())} ({detail})")
    for code, n in sorted(total.items()):
        lines.append(f"{n:6d}  {code}")
    if report.changed:
        lines.append(f"{verb.capitalize()} {sum(total.values())} findings in {len(report.changed)} files.")
    else:
        lines.append("Nothing to fix.")
    return "\n".join(lines) + "\n"


def allowed_classes(unsafe: bool) -> FrozenSet[FixClass]:
    return frozenset({FixClass.SAFE, FixClass.UNSAFE} if unsafe else {FixClass.SAFE})


def config_path(value: Optional[str]) -> Optional[Path]:
    return Path(value) if value else None
