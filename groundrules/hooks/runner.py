"""Run the checks over files: find each file's standards, check it, in parallel when worth it."""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

from groundrules.hooks.files import FileTooLarge, module_name, read_bounded
from groundrules.hooks.progress import Progress, for_run
from groundrules.rules.engine import UNPARSABLE, Result, check_source, diagnostic
from groundrules.rules.framework import Finding
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.errors import StandardsError
from groundrules.standards.loader import find_config, load_standards
from groundrules.standards.model import MAX_FILE_SIZE, FileStandards, Layer, Standards
from groundrules.standards.schema import Severity

if TYPE_CHECKING:
    from groundrules.hooks.cache import ResultCache

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
    #: Directories as given -> resolved: resolving costs a system call per path component, and a
    #: run asks about each file several times (its configuration, shown path, module name).
    resolved_dirs: Dict[Path, Path] = field(default_factory=dict)
    packages: Dict[Path, Tuple[str, ...]] = field(default_factory=dict)
    resolved_files: Dict[Path, Path] = field(default_factory=dict)

    def resolve(self, path: Path) -> Path:
        """``path.resolve()``, with its directory resolved once per run (and the file once)."""
        known = self.resolved_files.get(path)
        if known is not None:
            return known
        if path.is_symlink():
            known = path.resolve()
        else:
            directory = self.resolved_dirs.get(path.parent)
            if directory is None:
                directory = self.resolved_dirs[path.parent] = path.parent.resolve()
            known = directory / path.name
        self.resolved_files[path] = known
        return known

    def shown(self, path: Path) -> str:
        """``path`` as reports show it: relative to the working directory, POSIX style."""
        cwd = self.resolved_dirs.get(self.cwd / "_")
        if cwd is None:
            cwd = self.resolved_dirs[self.cwd / "_"] = self.cwd.resolve()
        try:
            return self.resolve(path).relative_to(cwd).as_posix()
        except ValueError:
            return str(path)

    def module_name(self, path: Path) -> Optional[str]:
        """As ``files.module_name`` (``pkg/sub/mod.py`` -> ``pkg.sub.mod``), each directory's
        package looked up once."""
        resolved = self.resolve(path)
        parts = () if resolved.stem == "__init__" else (resolved.stem,)
        return ".".join(self._package(resolved.parent) + parts) or None

    def _package(self, folder: Path) -> Tuple[str, ...]:
        known = self.packages.get(folder)
        if known is None:
            outer = self._package(folder.parent) if folder.parent != folder and (folder / "__init__.py").is_file() else None
            known = self.packages[folder] = () if outer is None else outer + (folder.name,)
        return known

    def config_for(self, path: Path) -> Optional[Path]:
        if self.config is not None:
            return self.config
        directory = self.resolve(path).parent
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
    #: The bytes already read (and hashed) for the result cache; ``None``: read in the worker.
    data: Optional[bytes] = None


@dataclass
class Outcome:
    findings: List[Finding] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)  # one line each, for stderr
    fail_on: Dict[str, Severity] = field(default_factory=dict)  # path -> its standards' fail-on
    files: int = 0

    def failing(self) -> List[Finding]:
        return [f for f in self.findings if f.severity >= self.fail_on.get(f.path, Severity.ERROR)]


def parallel_map(
    func: Callable[[J], R], work: Sequence[J], jobs: Optional[int], on_result: Optional[Callable[[], None]] = None
) -> List[R]:
    """``func`` over ``work`` in order, in worker processes when there is enough work;
    ``on_result`` is called (in this process) as each result arrives, for progress.

    The workers end with the call: on any exception (SIGINT, SIGTERM) they are terminated before
    it propagates, and they exit by themselves if this process dies (hooks/workers.py)."""
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    results: List[R] = []
    if workers > 1 and len(work) >= PARALLEL_THRESHOLD:
        # Imported here: multiprocessing (and the logging, pickle and socket modules it loads)
        # would cost a one-file run, the pre-commit hook's usual case, a tenth of its time.
        from concurrent.futures import ProcessPoolExecutor

        from groundrules.hooks.workers import run_task, start_worker, stop_workers

        pool = ProcessPoolExecutor(max_workers=workers, initializer=start_worker, initargs=(os.getpid(),))
        try:
            chunksize = max(1, len(work) // (workers * 8))
            for result in pool.map(partial(run_task, func), work, chunksize=chunksize):
                results.append(result)
                if on_result is not None:
                    on_result()
            pool.shutdown(wait=True)
        except BaseException:
            stop_workers(pool)
            raise
        return results
    for item in work:
        results.append(func(item))
        if on_result is not None:
            on_result()
    return results


def _read(job: Job) -> bytes:
    """The file's bytes, bounded by ``max-file-size``; raises ``FileTooLarge``/``OSError``."""
    return read_bounded(Path(job.path), job.standards.get(MAX_FILE_SIZE))


def run_job(job: Job) -> Tuple[Optional[Result], Optional[str]]:
    data = job.data
    if data is None:
        try:
            data = _read(job)
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


def cached_run(
    work: Sequence[Job], jobs: Optional[int], results: "Optional[ResultCache]"
) -> List[Tuple[Optional[Result], Optional[str]]]:
    """``run_job`` over ``work``, in order; with a result cache, only the files it misses run
    (read once here, so the result stored is that of the bytes hashed)."""
    progress = for_run(len(work), sys.stderr)
    try:
        return _cached_run(work, jobs, results, progress)
    finally:
        progress.close()


def _cached_run(
    work: Sequence[Job], jobs: Optional[int], results: "Optional[ResultCache]", progress: Progress
) -> List[Tuple[Optional[Result], Optional[str]]]:
    if results is None:
        return parallel_map(run_job, work, jobs, progress.advance)
    done: List[Optional[Tuple[Optional[Result], Optional[str]]]] = [None] * len(work)
    missed: List[Tuple[int, str, Job]] = []
    for index, job in enumerate(work):
        try:
            data = _read(job)
        except FileTooLarge as exc:
            done[index] = (too_large(job, exc), None)
            progress.advance()
            continue
        except OSError as exc:
            done[index] = (None, f"{job.path}: cannot read: {exc.strerror or exc}")
            continue
        key = results.key("check", data, (job.path, job.rel_path, job.module), job.standards)
        hit = results.get_result(key)
        if hit is not None:
            done[index] = (hit, None)
            progress.advance()
        else:
            missed.append((index, key, dataclasses.replace(job, data=data)))
    computed = parallel_map(run_job, [job for _, _, job in missed], jobs, progress.advance)
    for (index, key, _), outcome in zip(missed, computed):
        done[index] = outcome
        if outcome[0] is not None:
            results.put_result(key, outcome[0])
    if missed:
        results.prune()
    return [d for d in done if d is not None]


def check_paths(
    files: Sequence[Path],
    cache: StandardsCache,
    overrides: Tuple[Layer, ...] = (),
    jobs: Optional[int] = None,
    results: "Optional[ResultCache]" = None,
) -> Outcome:
    outcome = Outcome()
    work: List[Job] = []
    for path in files:
        standards = cache.standards_for(path)
        if standards is None:
            continue
        rel_path = _relative(cache, standards, path)
        if standards.is_excluded(path, rel_path):
            continue
        shown = cache.shown(path)
        outcome.fail_on[shown] = standards.fail_on
        work.append(Job(shown, rel_path, cache.module_name(path),
                        standards.resolve(path, catalog(), overrides, rel_path)))
    for failure in cache.failed.values():
        outcome.errors.extend(str(p) for p in failure.problems)
    for result, error in cached_run(work, jobs, results):
        if error is not None:
            outcome.errors.append(error)
        elif result is not None:
            outcome.findings.extend(result.findings)
            outcome.files += 1
    # A notebook's findings run cell by cell; a line number alone would interleave the cells.
    outcome.findings.sort(key=lambda f: (f.path, f.cell or 0, f.line, f.column, f.code))
    return outcome


def _relative(cache: StandardsCache, standards: Standards, path: Path) -> str:
    """``standards.relative(path)``, with the path resolved through the run's cache."""
    try:
        return cache.resolve(path).relative_to(standards.root).as_posix()
    except ValueError:
        return standards.relative(path)


def _shown(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a link loop made since the walk
        return str(path)
