"""``groundrules handoff SRC``: the command-line side of :mod:`groundrules.handoff` (arguments,
files, messages, exit codes).  Exit 0: module written and every gate passed; 1: written, but a
gate failed or a blocking item is listed; 2: usage or input error, nothing written."""

from __future__ import annotations

import argparse
import errno
import importlib
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, cast

EXIT_OK, EXIT_GATES, EXIT_ERROR = 0, 1, 2
DEFAULT_TIMEOUT = 300.0


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    handoff = sub.add_parser("handoff", help="turn a prototype notebook or script into a production module")
    handoff.add_argument("src", metavar="SRC", help="a .ipynb notebook or a .py prototype (never modified)")
    handoff.add_argument("--to", metavar="DEST", help="the module to write (default: SRC's stem, snake_case, .py)")
    handoff.add_argument("--report", metavar="REPORT.md", help="the report (default: DEST with .handoff.md)")
    handoff.add_argument("--split-on", choices=("heading", "cell", "none"), default="heading",
                         help="where steps begin: at markdown headings (default), at each cell, or one step")
    handoff.add_argument("--unsafe-fixes", action="store_true", help="also apply POLICY (behaviour-changing) fixes")
    handoff.add_argument("--keep-plots", action="store_true", help="keep plotting code (figures are saved)")
    handoff.add_argument("--force", action="store_true", help="overwrite an existing DEST")
    handoff.add_argument("--diff", action="store_true", help="print the module to stdout, write nothing")
    handoff.add_argument("--verify", action="store_true",
                         help="run SRC and DEST in subprocesses and compare what they write (runs code)")
    handoff.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                         help="a setting for --verify (repeatable)")
    handoff.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                         help="--verify: time limit per run")


def _error(message: str) -> int:
    sys.stderr.write(f"groundrules: {message}\n")
    return EXIT_ERROR


def _overrides(values: List[str]) -> Optional[Dict[str, str]]:
    out: Dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip():
            return None
        out[name.strip()] = setting
    return out


def paths(args: argparse.Namespace) -> Tuple[Path, Path, Path, Path]:
    """(SRC, DEST, REPORT.md, REPORT.json)."""
    from groundrules.handoff.pipeline import module_name_for

    src = Path(args.src)
    dest = Path(args.to) if args.to else src.with_name(module_name_for(src) + ".py")
    report = Path(args.report) if args.report else dest.with_name(dest.stem + ".handoff.md")
    return src, dest, report, report.with_suffix(".json")


def run_handoff(args: argparse.Namespace) -> int:
    from groundrules.handoff.plan import Options
    from groundrules.handoff.pipeline import Request, hand_off
    from groundrules.handoff.report import to_json, to_markdown
    from groundrules.handoff.source import PrototypeError
    from groundrules.hooks.atomic import write_text_atomic
    from groundrules.hooks.files import FileTooLarge, NotRegularFile, not_regular, read_bounded
    from groundrules.hooks.runner import StandardsCache
    from groundrules.standards.model import MAX_FILE_SIZE
    from groundrules.rules.registry import catalog
    from groundrules.standards.model import Layer

    src, dest, report, report_json = paths(args)
    overrides = _overrides(args.overrides)
    if overrides is None:
        return _error("--set: expected NAME=VALUE")
    if not src.exists() and not src.is_symlink():
        return _error(f"{src}: no such file")
    # A FIFO, a device, a link loop or a broken link named like a notebook: refused before any
    # read or path resolution (which raises on a loop).
    why = not_regular(src)
    if why is not None:
        return _error(f"{src}: {why}")
    if src.suffix not in (".ipynb", ".py"):
        return _error(f"{src}: expected a .ipynb notebook or a .py prototype")
    try:
        overwrites = dest.resolve() == src.resolve() or report.resolve() == src.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: DEST or the report is a link loop
        return _error(f"{dest}: cannot resolve: {exc}")
    if overwrites:
        return _error(f"{dest}: would overwrite SRC; choose another --to")
    if args.verify and args.diff:
        return _error("--verify runs the written module; it does not go with --diff")
    verifier = None
    if args.verify:
        try:
            verifier = importlib.import_module("groundrules.handoff.verify")
        except ImportError:
            return _error("--verify is not available in this installation (groundrules.handoff.verify is missing)")
    if not args.diff and not args.force:
        for path in (dest, report, report_json):
            if path.exists():
                return _error(f"{path}: exists; use --force to overwrite it")
    cache = StandardsCache()
    standards = cache.standards_for(dest)
    if standards is None:
        for failure in cache.failed.values():
            for problem in failure.problems:
                _error(str(problem))
        return EXIT_ERROR
    # The production profile: every rule, whatever the notebook's own profile relaxed.
    production = (Layer("handoff: production profile", select=("GR",)),)
    resolved = standards.resolve(dest, catalog(), production)
    # Read once, bounded, from a regular file only: a FIFO or a link to /dev/zero named like a
    # notebook must neither block the command nor fill its memory.
    try:
        source_data = read_bounded(src, resolved.get(MAX_FILE_SIZE))
    except FileTooLarge as exc:
        return _error(f"{src}: file is {exc}")
    except NotRegularFile as exc:
        return _error(f"{src}: {exc.strerror}")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _error(f"{src}: a symbolic link loop")
        return _error(f"{src}: cannot read: {exc.strerror or exc}")
    request = Request(src, dest, report, resolved, Options(args.split_on, args.keep_plots), args.unsafe_fixes,
                      standards.relative(src), standards.relative(dest), source_data)
    try:
        outcome = hand_off(request)
    except PrototypeError as exc:
        return _error(str(exc))
    if args.diff:
        sys.stdout.write(outcome.masker(outcome.module))
        return outcome.exit
    data = dict(outcome.data)
    exit_code = outcome.exit
    try:
        write_text_atomic(dest, outcome.module)
        if verifier is not None:
            sys.stderr.write("groundrules: --verify runs SRC and DEST in subprocesses\n")
            # The prototype's literals, so that an override replaces them in the notebook's run too
            # (a path written inline in `pd.read_csv("/Users/...")` has no name to match).
            settings = cast(List[Dict[str, Any]], data["settings"])
            originals = {s["field"]: s["original"] for s in settings if s["kind"] != "secret" and s["original"]}
            result = verifier.verify(src, dest, overrides, args.timeout, originals, source_data)
            data["verify"] = outcome.mask(result.to_json())
            if not result.ok:
                exit_code = EXIT_GATES
                data["exit"] = exit_code
        write_text_atomic(report, outcome.masker(to_markdown(data)))
        write_text_atomic(report_json, outcome.masker(to_json(data)))
    except OSError as exc:
        return _error(f"cannot write: {exc.strerror or exc}")
    gates = cast(Dict[str, bool], data["gates"])
    failed = [name for name, passed in gates.items() if not passed]
    blocking = cast(List[object], data["blocking"])
    summary = f"wrote {dest} and {report}"
    if failed:
        summary += f"; gates failed: {', '.join(failed)}"
    if blocking:
        summary += f"; {len(blocking)} blocking item(s)"
    sys.stderr.write(f"groundrules: {summary}\n")
    return exit_code
