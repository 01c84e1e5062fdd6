"""Run the checks over files: find each file's standards, check it, in parallel when worth it."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

from groundrules.hooks.files import FileTooLarge, module_name, read_bounded
from groundrules.hooks.workers import run_task, start_worker, stop_workers
from groundrules.rules.engine import UNPARSABLE, Result, check_source, diagnostic
from groundrules.rules.framework import Finding
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.errors import StandardsError
from groundrules.standards.loader import find_config, load_standards
from groundrules.standards.model import MAX_FILE_SIZE, FileStandards, Layer, Standards
from groundrules.standards.schema import Severity

J = TypeVar("J")
R = TypeVar("R")

#: Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 40


@dataclass
class StandardsCache:
    """Standards by configuration file, loaded once per run; errors remembered, reported once."""

    config: Optional[Path] = None
    cwd: Path = field(default_factory=Path.cwd)
    loaded: Dict[Optional[Path], Standards] = field(default_factory=dict)
    failed: Dict[Optional[Path], StandardsError] = field(default_factory=dict)
    by_dir: Dict[Path, Optional[Path]] = field(default_factory=dict)

    def config_for(self, path: Path) -> Optional[Path]:
        if self.config is not None:
            return self.config
        directory = path.parent.resolve()
        if directory not in self.by_dir:
            self.by_dir[directory] = find_config(directory)
        return self.by_dir[directory]

    def standards_for(self, path: Path) -> Optional[Standards]:
        """The standards of ``path``, or ``None`` when its configuration is broken."""
        config = self.config_for(path)
        if config in self.failed:
            return None
        if config not in self.loaded:
            try:
                self.loaded[config] = load_standards(config, catalog(), self.cwd)
            except StandardsError as exc:
                self.failed[config] = exc
                return None
        return self.loaded[config]


@dataclass(frozen=True)
class Job:
    path: str
    rel_path: str
    module: Optional[str]
    standards: FileStandards


@dataclass
class Outcome:
    findings: List[Finding] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)  # one line each, for stderr
    fail_on: Dict[str, Severity] = field(default_factory=dict)  # path -> its standards' fail-on
    files: int = 0

    def failing(self) -> List[Finding]:
        return [f for f in self.findings if f.severity >= self.fail_on.get(f.path, Severity.ERROR)]


def parallel_map(func: Callable[[J], R], work: Sequence[J], jobs: Optional[int]) -> List[R]:
    """``func`` over ``work`` in order, in worker processes when there is enough work.

    The workers end with the call: on any exception (SIGINT, SIGTERM) they are terminated before
    it propagates, and they exit by themselves if this process dies (hooks/workers.py)."""
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers > 1 and len(work) >= PARALLEL_THRESHOLD:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=start_worker, initargs=(os.getpid(),))
        try:
            chunksize = max(1, len(work) // (workers * 8))
            results = list(pool.map(partial(run_task, func), work, chunksize=chunksize))
            pool.shutdown(wait=True)
        except BaseException:
            stop_workers(pool)
            raise
        return results
    return [func(item) for item in work]


def run_job(job: Job) -> Tuple[Optional[Result], Optional[str]]:
    try:
        data = read_bounded(Path(job.path), job.standards.get(MAX_FILE_SIZE))
    except FileTooLarge as exc:
        return too_large(job, exc), None
    except OSError as exc:
        return None, f"{job.path}: cannot read: {exc.strerror or exc}"
    return check_source(data, job.path, job.rel_path, job.standards, all_rules(), job.module), None


def too_large(job: Job, exc: FileTooLarge) -> Result:
    """A file over ``max-file-size`` is one GR901 finding (unless GR901 is off), never read."""
    if UNPARSABLE[0] not in job.standards.enabled:
        return Result((), parsed=False)
    return Result((diagnostic(UNPARSABLE, job.path, (1, 0), f"file is {exc}", job.standards),), parsed=False)


def check_paths(
    files: Sequence[Path],
    cache: StandardsCache,
    overrides: Tuple[Layer, ...] = (),
    jobs: Optional[int] = None,
) -> Outcome:
    outcome = Outcome()
    work: List[Job] = []
    for path in files:
        standards = cache.standards_for(path)
        if standards is None:
            continue
        if standards.is_excluded(path):
            continue
        shown = _shown(path, cache.cwd)
        outcome.fail_on[shown] = standards.fail_on
        work.append(
            Job(shown, standards.relative(path), module_name(path), standards.resolve(path, catalog(), overrides))
        )
    for failure in cache.failed.values():
        outcome.errors.extend(str(p) for p in failure.problems)
    results = parallel_map(run_job, work, jobs)
    for result, error in results:
        if error is not None:
            outcome.errors.append(error)
        elif result is not None:
            outcome.findings.extend(result.findings)
            outcome.files += 1
    # A notebook's findings run cell by cell; a line number alone would interleave the cells.
    outcome.findings.sort(key=lambda f: (f.path, f.cell or 0, f.line, f.column, f.code))
    return outcome


def _shown(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a link loop made since the walk
        return str(path)
