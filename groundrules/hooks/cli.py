"""The ``groundrules`` command.  Exit codes: 0 clean, 1 findings at or above ``fail-on``, 2 usage,
configuration or input errors (reported one line each on stderr; the other files still run)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple

from groundrules import __version__
from groundrules.standards.model import Layer

if TYPE_CHECKING:
    from groundrules.hooks.baseline import Checked
    from groundrules.rules.framework import Finding
    from groundrules.hooks.cache import ResultCache
    from groundrules.hooks.runner import Outcome, StandardsCache

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: Spelled out rather than read from hooks.formats, so parsing arguments imports no renderer.
CHECK_FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab", "markdown")


def _codes(text: str) -> Tuple[str, ...]:
    return tuple(c.strip().upper() for c in text.split(",") if c.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="groundrules",
        description="Check Python code against your team's coding, security and data-access standards.",
    )
    parser.add_argument("--version", action="version", version=f"groundrules {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="report findings")
    check.add_argument("paths", nargs="*", metavar="PATH")
    check.add_argument("--format", choices=CHECK_FORMATS, default="text")
    check.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    check.add_argument("--select", type=_codes, metavar="CODES", help="only these codes or prefixes")
    check.add_argument("--ignore", type=_codes, metavar="CODES", help="skip these codes or prefixes")
    check.add_argument("--config", metavar="FILE", help="use this configuration for every file")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--statistics", action="store_true", help="only counts per rule")
    check.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: CPUs)")
    check.add_argument("--baseline", metavar="FILE", help="report only findings not in this baseline")
    check.add_argument("--diff", metavar="REF", help="only findings on lines changed since merge-base REF")
    check.add_argument("--with", dest="with_tools", metavar="TOOLS", help="also run these tools: bandit,mypy")
    _cache_options(check)
    check.add_argument("--shard", metavar="I/N", help="check only shard I of N (CI matrices; see `merge`)")

    fix = sub.add_parser("fix", help="apply fixes (safe ones unless --unsafe-fixes)")
    fix.add_argument("paths", nargs="*", metavar="PATH")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply policy (unsafe) fixes")
    fix.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    fix.add_argument("--select", type=_codes, metavar="CODES")
    fix.add_argument("--ignore", type=_codes, metavar="CODES")
    fix.add_argument("--config", metavar="FILE")
    fix.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: CPUs)")
    _cache_options(fix)

    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")

    explain = sub.add_parser("explain", help="explain one rule")
    explain.add_argument("rule", metavar="CODE-OR-NAME")

    init = sub.add_parser("init", help="add [tool.groundrules] and the pre-commit hooks to this repository")
    init.add_argument("--repo", metavar="URL", help="hooks from this published repository (with --rev) "
                      "instead of repo: local hooks running the installed groundrules")
    init.add_argument("--rev", metavar="REV", help="the tag or commit of --repo to pin")
    init.add_argument("--data-layer", action="append", metavar="MODULE",
                      help="dotted module (or pkg.dal.*) of the data-access layer; repeatable (default: detected)")
    recorded = init.add_mutually_exclusive_group()
    recorded.add_argument("--baseline", dest="record_baseline", action="store_true", default=None,
                          help="record today's findings as the baseline (asked when interactive)")
    recorded.add_argument("--no-baseline", dest="record_baseline", action="store_false")

    base = sub.add_parser("baseline", help="accept today's findings: check reports only new ones")
    base.add_argument("paths", nargs="*", metavar="PATH")
    base.add_argument("--output", metavar="FILE", help="default: the configured baseline, else .groundrules-baseline.json")
    base.add_argument("--update", action="store_true", help="drop stale entries, add nothing")
    base.add_argument("--add-new", action="store_true", help="with --update: also add new findings")
    base.add_argument("--select", type=_codes, metavar="CODES")
    base.add_argument("--ignore", type=_codes, metavar="CODES")
    base.add_argument("--config", metavar="FILE")
    base.add_argument("--jobs", type=int, metavar="N")
    base.add_argument("--with", dest="with_tools", metavar="TOOLS", help="also baseline these tools: bandit,mypy")

    sub.add_parser("server", help="the language server, over stdin/stdout (pip install 'groundrules[server]')")
    from groundrules.hooks.handoff_command import add_parser as add_handoff

    add_handoff(sub)
    _cache_options(base)
    base.add_argument("--shard", metavar="I/N", help="only shard I of N")
    merge = sub.add_parser("merge", help="combine shard reports (JSON or SARIF) into one report")
    merge.add_argument("reports", nargs="+", metavar="REPORT")
    merge.add_argument("--format", choices=CHECK_FORMATS, default="text")
    merge.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    merge.add_argument("--baseline", metavar="FILE", help="report only findings not in this baseline")
    merge.add_argument("--config", metavar="FILE", help="the configuration whose fail-on applies (with --baseline)")
    merge.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    merge.add_argument("--statistics", action="store_true", help="only counts per rule")
    return parser


def _cache_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    command.add_argument("--cache-dir", metavar="DIR", help="result cache directory (default: .groundrules_cache)")


def _results(args: argparse.Namespace, cwd: Path) -> "Optional[ResultCache]":
    if args.no_cache:
        return None  # and the cache's hashing and temporary-file modules stay unloaded
    from groundrules.hooks.cache import open_cache

    return open_cache(args.no_cache, args.cache_dir, cwd)


def _colour(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return "NO_COLOR" not in os.environ and callable(isatty) and bool(isatty())


def _error(message: str) -> None:
    sys.stderr.write(f"groundrules: {message}\n")


def _discover(paths: Sequence[str]) -> Tuple[List[Path], List[str]]:
    """The files to run on and the error lines; a warning line now for each skipped special file
    (a FIFO, a device, a link loop: never read, so the exit code is not changed)."""
    from groundrules.hooks.files import find_files

    found = find_files(paths)
    for line in found.warnings:
        _error(f"warning: {line}")
    return found.files, found.errors


def _settings(args: argparse.Namespace) -> "Optional[Tuple[StandardsCache, Tuple[Layer, ...]]]":
    """The standards cache (``--config``) and command-line layer (``--select``/``--ignore``)."""
    from groundrules.hooks.runner import StandardsCache

    config: Optional[Path] = None
    if args.config:
        config = Path(args.config)
        if not config.is_file():
            _error(f"{args.config}: configuration file not found")
            return None
    overrides: Tuple[Layer, ...] = ()
    if args.select is not None or args.ignore is not None:
        overrides = (Layer("command line", select=args.select, ignore=args.ignore or ()),)
    return StandardsCache(config=config), overrides


def _collect(
    args: argparse.Namespace,
) -> "Optional[Tuple[Outcome, List[str], Callable[[], Checked], StandardsCache]]":
    """Our findings and those of the gate's tools (``--with``/``gate.tools``) on ``args.paths``,
    with one-line errors and what the run covered (for the baseline's stale entries); ``None``
    after a usage error already reported."""
    from groundrules.hooks.gate.run import run_gate
    from groundrules.hooks.gate.targets import parse_tools
    from groundrules.hooks.runner import check_paths

    settings = _settings(args)
    if settings is None:
        return None
    cache, overrides = settings
    tools, bad_tools = parse_tools(args.with_tools)
    if bad_tools is not None:
        _error(bad_tools)
        return None
    from groundrules.hooks.shard import parse_shard, select

    shard, bad_shard = parse_shard(args.shard)
    if bad_shard is not None:
        _error(bad_shard)
        return None
    files, errors = _discover(args.paths)
    files = select(files, shard, cache.cwd)
    results = _results(args, cache.cwd)
    outcome = check_paths(files, cache, overrides, args.jobs, results)
    errors.extend(outcome.errors)
    outcome.findings, tool_errors = run_gate(files, cache, overrides, tools, outcome.findings, args.jobs, results)
    errors.extend(tool_errors)

    def checked() -> "Checked":
        # Imported when a baseline or --diff asks (with git and the baseline code): a plain
        # check of one file, the pre-commit hook's case, should not pay for them.
        from groundrules.hooks.gate_filters import checked_scope

        return checked_scope(list(outcome.fail_on), files, cache, overrides, tools)

    return outcome, errors, checked, cache


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _gate(
    args: argparse.Namespace, findings: "List[Finding]", checked: "Callable[[], Checked]", cache: "StandardsCache"
) -> "Tuple[List[Finding], List[str], Optional[str]]":
    """``findings`` less those in the baseline (``--baseline``, else each file's configured
    ``baseline``) and, with ``--diff``, off the changed lines: (kept, notes, error)."""
    groups: Dict[Optional[str], List[Finding]] = {}
    # A file's configured baseline, looked up once per file (a stdlib run has 16,000 findings).
    baseline_of: Dict[str, Optional[str]] = {}
    for finding in findings:
        if args.baseline is None and finding.path not in baseline_of:
            configured = None
            standards = cache.standards_for(Path(finding.path))
            if standards is not None and standards.baseline is not None:
                if not standards.baseline.is_file():
                    where = standards.config_path or "configuration"
                    return [], [], (f"{where}: baseline: {_shown(standards.baseline)} not found; "
                                    "`groundrules baseline` records it")
                configured = _shown(standards.baseline)
            baseline_of[finding.path] = configured
        key = baseline_of[finding.path] if args.baseline is None else args.baseline
        groups.setdefault(key, []).append(finding)
    if args.baseline is None and args.diff is None and set(groups) <= {None}:
        return list(findings), [], None
    from groundrules.hooks.gate_filters import apply  # git and the baseline, only when asked

    kept: List[Finding] = []
    notes: List[str] = []
    scope = checked()
    for baseline_file, group in (list(groups.items()) or [(args.baseline, [])]):
        gated = apply(group, scope, baseline_file, args.diff)
        if gated.error is not None:
            return [], [], gated.error
        kept.extend(gated.findings)
        notes.extend(gated.notes)
    kept.sort(key=lambda f: (f.path, f.cell or 0, f.line, f.column, f.code))
    return kept, notes, None


def run_check(args: argparse.Namespace) -> int:
    from groundrules.hooks.reports import text_report

    collected = _collect(args)
    if collected is None:
        return EXIT_ERROR
    outcome, errors, checked, cache = collected
    kept, notes, gate_error = _gate(args, outcome.findings, checked, cache)
    if gate_error is not None:
        _error(gate_error)
        return EXIT_ERROR
    outcome.findings = kept
    for note in notes:
        _error(note)
    failing = outcome.failing()
    if args.format != "text":
        from functools import partial

        from groundrules.hooks.formats import RENDERERS, Renderer, junit

        renderer: Renderer = RENDERERS[args.format]
        if args.format == "junit":  # only findings at or above their file's fail-on fail
            renderer = partial(junit.render, fail_on=outcome.fail_on)
        report = renderer(outcome.findings, outcome.files, len(failing))
    else:
        colour = args.output is None and _colour(sys.stdout)
        report = text_report(outcome.findings, outcome.files, colour, args.statistics, len(errors), outcome.fail_on)
    if args.output:
        from groundrules.hooks.formats.output import write_report

        unwritten = write_report(args.output, report)
        if unwritten is not None:
            errors.append(unwritten)
    else:
        sys.stdout.write(report)
    for line in errors:
        _error(line)
    if errors:
        return EXIT_ERROR
    if failing and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def run_fix(args: argparse.Namespace) -> int:
    from groundrules.hooks.fix import allowed_classes, fix_files, render

    settings = _settings(args)
    if settings is None:
        return EXIT_ERROR
    cache, overrides = settings
    files, errors = _discover(args.paths)
    report = fix_files(files, cache, allowed_classes(args.unsafe_fixes), overrides, args.diff, args.jobs,
                       _results(args, cache.cwd))
    sys.stdout.write(render(report, args.diff))
    for note in report.notes:
        sys.stderr.write(f"groundrules: {note}\n")
    for line in errors + report.errors:
        _error(line)
    if errors or report.errors:
        return EXIT_ERROR
    # A declined fix leaves its finding in place: exit 1, as for a file changed.
    return EXIT_FINDINGS if report.changed or report.declined else EXIT_CLEAN


def run_rules(args: argparse.Namespace) -> int:
    from groundrules.hooks.rule_docs import rules_json, rules_markdown, rules_text
    from groundrules.rules.registry import all_rules

    render = {"text": rules_text, "json": rules_json, "markdown": rules_markdown}[args.format]
    sys.stdout.write(render(all_rules()))
    return EXIT_CLEAN


def run_explain(args: argparse.Namespace) -> int:
    from groundrules.hooks.rule_docs import explain
    from groundrules.rules.registry import find_rule

    rule = find_rule(args.rule)
    if rule is None:
        _error(f"{args.rule}: no such rule; `groundrules rules` lists them")
        return EXIT_ERROR
    sys.stdout.write(explain(rule))
    return EXIT_CLEAN


def run_baseline(args: argparse.Namespace) -> int:
    if args.add_new and not args.update:
        _error("--add-new only goes with --update (without --update the baseline is rewritten whole)")
        return EXIT_ERROR
    collected = _collect(args)
    if collected is None:
        return EXIT_ERROR
    outcome, errors, checked, cache = collected
    for line in errors:
        _error(line)
    if errors:
        return EXIT_ERROR  # a partial run would drop the broken files' entries
    return _write_baseline(args, outcome.findings, checked, cache)


def _write_baseline(
    args: argparse.Namespace, findings: "List[Finding]", checked: "Callable[[], Checked]", cache: "StandardsCache"
) -> int:
    from groundrules.hooks.baseline import DEFAULT_FILE, BaselineError, summary, write
    from groundrules.hooks.gate_filters import baseline_text

    standards = cache.standards_for(Path.cwd() / "setup.py")  # the configuration of this directory
    configured = standards.baseline if standards is not None else None
    shown = args.output or (_shown(configured) if configured is not None else DEFAULT_FILE)
    output = Path(shown)
    try:
        text = baseline_text(findings, checked(), output, args.update, args.add_new)
        write(output, text)
    except BaselineError as exc:
        _error(f"{shown}: {exc}")
        return EXIT_ERROR
    except OSError as exc:
        _error(f"{shown}: cannot write: {exc.strerror or exc}")
        return EXIT_ERROR
    count, files = summary(text)
    noun = "finding" if count == 1 else "findings"
    line = f"Recorded {count} {noun} ({files} file{'' if files == 1 else 's'}) in {shown}"
    if configured is not None and configured.resolve() == output.resolve():
        line += ": check and the hooks now report only new findings."
    else:
        line += (f'. To have check, the hooks and flake8 use it, add baseline = "{output.as_posix()}" under '
                 "[tool.groundrules] (or run `groundrules init --baseline`).")
    sys.stdout.write(line + "\n")
    return EXIT_CLEAN


def _ask(question: str) -> bool:
    """A yes/no question on a terminal; ``False`` (the documented default) when not interactive."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")
def run_merge(args: argparse.Namespace) -> int:
    from groundrules.hooks.merge_reports import ReportError, fail_on_of, failing, merge, sources_by_path
    from groundrules.hooks.reports import text_report

    try:
        merged = merge(args.reports)
    except ReportError as exc:
        _error(str(exc))
        return EXIT_ERROR
    findings, failing_count = merged.findings, merged.failing
    if args.baseline is not None:
        from groundrules.hooks.baseline import Checked
        from groundrules.hooks.gate_filters import apply

        gated = apply(findings, Checked(sources_by_path(findings)), args.baseline, None)
        if gated.error is not None:
            _error(gated.error)
            return EXIT_ERROR
        findings = gated.findings
        for note in gated.notes:
            _error(note)
        config = Path(args.config) if args.config else None
        failing_count = failing(findings, fail_on_of(sorted({f.path for f in findings}), Path.cwd(), config))
    # Which findings block is each file's own fail-on, read from the standards as the shards read them.
    config = Path(args.config) if args.config else None
    fail_on = fail_on_of(sorted({f.path for f in findings}), Path.cwd(), config)
    if args.format != "text":
        from functools import partial

        from groundrules.hooks.formats import RENDERERS, Renderer, junit

        renderer: Renderer = RENDERERS[args.format]
        if args.format == "junit":
            renderer = partial(junit.render, fail_on=fail_on)
        report = renderer(findings, merged.files, failing_count)
    else:
        colour = args.output is None and _colour(sys.stdout)
        report = text_report(findings, merged.files, colour, args.statistics, fail_on=fail_on)
    if args.output:
        from groundrules.hooks.formats.output import write_report

        unwritten = write_report(args.output, report)
        if unwritten is not None:
            _error(unwritten)
            return EXIT_ERROR
    else:
        sys.stdout.write(report)
    return EXIT_FINDINGS if failing_count and not args.exit_zero else EXIT_CLEAN


def run_init(args: argparse.Namespace) -> int:
    from groundrules.hooks.init import BASELINE_FILE, Options, apply, next_steps

    if (args.repo is None) != (args.rev is None):
        _error("init: --repo and --rev go together (the published hook repository and the tag or commit to pin)")
        return EXIT_ERROR
    record = args.record_baseline
    if record is None:
        record = _ask("Record today's findings as the baseline, so only new findings block commits? [y/N] ")
    layer = tuple(args.data_layer) if args.data_layer else None
    result = apply(Path.cwd(), Options(args.repo, args.rev, layer, bool(record)))
    for line in result.done:
        sys.stdout.write(f"{line}\n")
    for line in result.warnings + result.errors:
        _error(line)
    if result.errors:
        return EXIT_ERROR
    if record and result.root is not None:
        # From the repository root, where the hooks and CI run: the baseline's paths are relative
        # to it.  Our findings, bandit's and mypy's: the hooks report all three.
        import subprocess

        command = [sys.executable, "-m", "groundrules", "baseline", "--with", "bandit,mypy", "--output", BASELINE_FILE]
        sys.stdout.flush()  # our lines first: the child writes to the same stream
        if subprocess.run(command, cwd=result.root, check=False).returncode != EXIT_CLEAN:
            return EXIT_ERROR
    for line in next_steps(result, bool(record)):
        sys.stdout.write(f"{line}\n")
    return EXIT_CLEAN


def run_server(args: argparse.Namespace) -> int:
    try:
        from groundrules.server.protocol import serve
    except ImportError as exc:
        _error(f"the language server needs the server extra ({exc.name} is missing): "
               "pip install 'groundrules[server]'")
        return EXIT_ERROR
    return serve()


def run_handoff(args: argparse.Namespace) -> int:
    from groundrules.hooks.handoff_command import run_handoff as handoff

    return handoff(args)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {"check": run_check, "fix": run_fix, "rules": run_rules, "explain": run_explain,
                "baseline": run_baseline, "init": run_init, "server": run_server, "handoff": run_handoff,
                "merge": run_merge}
    return commands[args.command](args)


def entry(argv: Optional[List[str]] = None) -> None:
    from groundrules.hooks.signals import STOPPED, exit_now, run_interruptible

    code = run_interruptible(lambda: main(argv))
    if code in STOPPED:
        exit_now(code)
    raise SystemExit(code)
