"""``groundrules fix``: apply fixes, verified, written atomically with encoding, BOM, newlines and
mode kept.  Exit 1 when a file changed (or would, with ``--diff``) or a fix was declined (its finding
remains), 0 when neither, 2 on errors."""

from __future__ import annotations

import dataclasses
import difflib
import io
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Tuple

from groundrules.hooks.atomic import write_atomic
from groundrules.hooks.files import FileTooLarge, read_bounded
from groundrules.hooks.runner import Job, StandardsCache, _shown, cached_run, parallel_map
from groundrules.rules.engine import UNPARSABLE
from groundrules.rules.modules import module_name
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.model import MAX_FILE_SIZE, FileStandards, Layer
from groundrules.standards.schema import FixClass

if TYPE_CHECKING:
    from groundrules.hooks.cache import ResultCache

BOM = b"\xef\xbb\xbf"


@dataclass
class FixReport:
    changed: List[Tuple[str, Counter[str]]] = field(default_factory=list)
    diffs: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)  # fixes dropped, files not rewritten
    errors: List[str] = field(default_factory=list)
    #: (file, fixes declined there): fixes ``check`` offered that failed their verification, so
    #: their findings remain; ``fix`` must not then say "Nothing to fix." and exit 0.
    declined: List[Tuple[str, int]] = field(default_factory=list)
    #: The files handed to the fixer (LibCST); the others' check had no fixable finding.
    examined: List[str] = field(default_factory=list)


def read_text(data: bytes) -> Tuple[str, str, bool]:
    """(text, encoding, had BOM); raises ``SyntaxError``/``UnicodeDecodeError`` on bad input."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = data.startswith(BOM)
    body = data[len(BOM) :] if bom else data
    return body.decode("utf-8" if encoding == "utf-8-sig" else encoding), encoding, bom


@dataclass(frozen=True)
class FixJob:
    path: Path
    shown: str
    rel_path: str
    module: Optional[str]
    standards: FileStandards
    allowed: FrozenSet[FixClass]
    diff_only: bool
    #: (code, stripped line text) of the findings the configured baseline accepts: a team that
    #: baselined old code is not handed rewrites of it by the fix hook on its next commit.
    baselined: FrozenSet[Tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class FileFixed:
    counts: Optional[Counter[str]] = None  # None: unchanged
    diff: str = ""
    notes: Tuple[str, ...] = ()
    error: Optional[str] = None
    declined: int = 0


def fix_one(job: FixJob) -> FileFixed:
    """Fix one file (or compute its diff): a pure function of the job, so it runs in a worker."""
    # Imported here: a run whose files have nothing to fix never loads LibCST.
    from groundrules.codemods.framework import fix_source

    try:
        data = read_bounded(job.path, job.standards.get(MAX_FILE_SIZE))
    except FileTooLarge as exc:
        return FileFixed(notes=(f"{job.shown}: not rewritten: file is {exc}",))
    except OSError as exc:
        return FileFixed(error=f"{job.shown}: cannot read: {exc.strerror or exc}")
    try:
        text, encoding, bom = read_text(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return FileFixed(notes=(f"{job.shown}: not rewritten: cannot decode ({exc})",))
    outcome = fix_source(text, job.shown, job.rel_path, job.standards, all_rules(), job.allowed, job.module,
                         skip_at=job.baselined)
    notes = tuple(
        f"{job.shown}: fix for {'all findings' if codes == '*' else codes} not applied: {why}"
        for codes, why in outcome.dropped
    )
    declined = len(outcome.dropped)
    if not outcome.fixed or outcome.text == text:
        return FileFixed(notes=notes, declined=declined)
    counts = Counter(outcome.fixed)
    if job.diff_only:
        diff = "".join(
            difflib.unified_diff(
                text.splitlines(keepends=True),
                outcome.text.splitlines(keepends=True),
                fromfile=f"a/{job.shown}",
                tofile=f"b/{job.shown}",
            )
        )
        return FileFixed(counts, diff, notes, declined=declined)
    new = outcome.text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    try:
        # Through a link, to its target: replacing the link itself would turn it into a copy.
        write_atomic(job.path.resolve(), (BOM if bom else b"") + new)
    except OSError as exc:
        return FileFixed(notes=notes, error=f"{job.shown}: cannot write: {exc.strerror or exc}")
    return FileFixed(counts, "", notes, declined=declined)


def fix_files(
    files: List[Path],
    cache: StandardsCache,
    allowed: FrozenSet[FixClass],
    overrides: Tuple[Layer, ...] = (),
    diff_only: bool = False,
    jobs: Optional[int] = None,
    results: "Optional[ResultCache]" = None,
) -> FixReport:
    report = FixReport()
    work: List[FixJob] = []
    baselines: Dict[Path, Tuple[Path, str]] = {}  # file -> (its baseline, the configuration naming it)
    for path in files:
        standards = cache.standards_for(path)
        if standards is None or standards.is_excluded(path):
            continue
        resolved = standards.resolve(path, catalog(), overrides)
        work.append(
            FixJob(path, path.as_posix(), standards.relative(path), module_name(path), resolved, allowed, diff_only)
        )
        if standards.baseline is not None:
            baselines[path] = (standards.baseline, str(standards.config_path or "configuration"))
    work = _needing_fixes(work, cache.cwd, jobs, results)
    if baselines:
        try:
            work = _with_baselines(work, baselines, cache.cwd, jobs, results)
        except BaselineError as exc:
            report.errors.append(str(exc))
            return report
    report.examined = [job.shown for job in work]
    # LibCST parsing dominates a fix run; files are independent, so they fix in parallel.
    for job, result in zip(work, parallel_map(fix_one, work, jobs)):
        report.notes.extend(result.notes)
        if result.declined:
            report.declined.append((job.shown, result.declined))
        if result.error is not None:
            report.errors.append(result.error)
        if result.counts is not None:
            report.changed.append((job.shown, result.counts))
            if result.diff:
                report.diffs.append(result.diff)
    for failure in cache.failed.values():
        report.errors.extend(str(p) for p in failure.problems)
    return report


def _needing_fixes(
    work: List[FixJob], cwd: Path, jobs: Optional[int], results: "Optional[ResultCache]"
) -> List[FixJob]:
    """The jobs worth a LibCST parse: Python files whose check (from the result cache when it
    has them, shared with ``check``) has a finding with an allowed fix, and every notebook and
    unreadable or undecodable file (the fixer reports those itself)."""
    python = [job for job in work if job.path.suffix in (".py", ".pyi")]
    checks = [Job(_shown(job.path, cwd), job.rel_path, job.module, job.standards) for job in python]
    fixable = set()
    for job, (result, error) in zip(python, cached_run(checks, jobs, results)):
        if error is not None or result is None or any(f.fix in job.allowed or f.code == UNPARSABLE[0]
                                                      for f in result.findings):
            fixable.add(job.path)
    return [job for job in work if job.path in fixable or job.path.suffix not in (".py", ".pyi")]


def _with_baselines(
    work: List[FixJob], baselines: Dict[Path, Tuple[Path, str]], cwd: Path, jobs: Optional[int], results: "Optional[ResultCache]"
) -> List[FixJob]:
    """``work`` with each job's ``baselined`` findings: those its configuration's baseline holds,
    found as ``check`` finds them (same shown paths, same counts: a surplus finding is new and
    fixed).  Raises ``BaselineError`` naming the file when a configured baseline cannot be read."""
    from groundrules.hooks import baseline

    keyed = [job for job in work if job.path in baselines]
    checks = [Job(_shown(job.path, cwd), job.rel_path, job.module, job.standards) for job in keyed]
    known: Dict[Path, Counter[baseline.Key]] = {}
    accepted: Dict[Path, FrozenSet[Tuple[str, str]]] = {}
    for job, check, (result, _) in zip(keyed, checks, cached_run(checks, jobs, results)):
        file, config = baselines[job.path]
        if file not in known:
            try:
                known[file] = baseline.load(file)
            except baseline.BaselineError as exc:
                raise BaselineError(f"{config}: baseline: {_shown(file, cwd)}: {exc}") from exc
        findings = result.findings if result is not None else []
        new = baseline.compare(findings, known[file], None).new
        old = [finding for finding in findings if finding not in new]
        source = baseline.source_file(check.path)
        accepted[job.path] = frozenset((f.code, source.key_text_and_scope(f)[0].strip()) for f in old)
    return [dataclasses.replace(job, baselined=accepted.get(job.path, frozenset())) for job in work]


class BaselineError(Exception):
    """A configured baseline that cannot be read: bad configuration, so nothing is written."""


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
        fixed, files = sum(total.values()), len(report.changed)
        lines.append(f"{verb.capitalize()} {fixed} finding{'' if fixed == 1 else 's'} in {files} file{'' if files == 1 else 's'}.")
    elif not report.declined:
        lines.append("Nothing to fix.")
    if report.declined:
        fixes = sum(n for _, n in report.declined)
        lines.append(
            f"Declined {fixes} fix{'es' if fixes != 1 else ''} in {len(report.declined)} "
            f"file{'s' if len(report.declined) != 1 else ''} (why: on stderr); their findings remain."
        )
    return "\n".join(lines) + "\n"


def allowed_classes(unsafe: bool) -> FrozenSet[FixClass]:
    return frozenset({FixClass.SAFE, FixClass.UNSAFE} if unsafe else {FixClass.SAFE})


def config_path(value: Optional[str]) -> Optional[Path]:
    return Path(value) if value else None
