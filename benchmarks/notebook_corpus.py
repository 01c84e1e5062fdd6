"""Measure groundrules' default output on real notebooks (issue #12; results in docs/signal.md).

Collects a corpus of real exploration code, runs ``groundrules check --format json`` with default
settings over it, and reports findings per notebook by severity and by code, and the share of
notebooks that fail the default gate (any finding at ``error``).

The corpus (nothing of it is committed; the script rebuilds it):

- statsmodels' example notebooks (``examples/notebooks/*.ipynb`` of its sdist);
- scikit-learn's gallery (``examples/**/*.py`` of its sdist that have ``# %%`` cells: notebooks
  exported as percent scripts; the gallery scripts without a cell marker are plain scripts);
- the notebooks of any git repositories given with ``--git-dir`` (read with ``git archive``, e.g.
  the mirrors of jakevdp/PythonDataScienceHandbook and ageron/handson-ml2).

    python benchmarks/notebook_corpus.py collect --workdir /tmp/nbcorpus \\
        --git-dir /work/.mirror/jakevdp+PythonDataScienceHandbook/repo:notebooks/ \\
        --git-dir /work/.mirror/ageron+handson-ml2/repo
    python benchmarks/notebook_corpus.py measure --workdir /tmp/nbcorpus \\
        --groundrules .venv/bin/groundrules --out /tmp/nbcorpus/after.json
    python benchmarks/notebook_corpus.py sample --report /tmp/nbcorpus/after.json --n 100 --seed 12

``pip download --no-binary :all:`` would also build the sdists' build dependencies from source;
``--no-binary statsmodels,scikit-learn`` gets the same two sdists with wheels for the build tools.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

STATSMODELS = "statsmodels==0.14.4"
SCIKIT_LEARN = "scikit-learn==1.5.2"
SEVERITIES = ("error", "warning", "info")


#: A cell marker of a percent script (sphinx-gallery, jupytext): what makes a gallery script an
#: exported notebook.  Gallery scripts without one are plain scripts and are left out.
PERCENT_CELL = re.compile(rb"^# %%", re.MULTILINE)


def _extract(archive: Path, keep: Sequence[Tuple[str, str]], target: Path, cells_only: bool = False) -> int:
    """Members of the sdist whose path (below its top folder) starts with a prefix and ends with
    a suffix (and, with ``cells_only``, that have ``# %%`` cells), copied under ``target``;
    returns how many."""
    count = 0
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            inner = member.name.split("/", 1)[1] if "/" in member.name else member.name
            if not member.isfile() or not any(inner.startswith(p) and inner.endswith(s) for p, s in keep):
                continue
            handle = tar.extractfile(member)
            if handle is None:
                continue
            data = handle.read()
            if cells_only and not PERCENT_CELL.search(data):
                continue
            out = target / inner
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            count += 1
    return count


def _from_git(spec: str, target: Path) -> int:
    """The ``.ipynb`` files of a git dir (``GITDIR`` or ``GITDIR:subfolder/``) at HEAD."""
    git_dir, _, under = spec.partition(":")
    listing = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only", "HEAD"],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    wanted = [p for p in listing if p.endswith(".ipynb") and p.startswith(under)]
    count = 0
    for name in wanted:
        # One blob at a time: a mirror may list its largest files without holding them.
        shown = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:{name}"], capture_output=True)
        if shown.returncode == 0:
            out = target / name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(shown.stdout)
            count += 1
    return count


def _from_index(requirement: str, target: Path) -> bool:
    """The sdist of ``name==version`` straight from PyPI's simple index, its sha256 checked:
    no build step (pip would compile scikit-learn to read its metadata).  False when the index
    cannot be reached or lists no such file; ``collect`` then falls back to pip."""
    name, _, version = requirement.partition("==")
    wanted = f"{name.replace('-', '_')}-{version}.tar.gz"
    try:
        with urllib.request.urlopen(f"https://pypi.org/simple/{name}/", timeout=60) as response:
            page = response.read().decode("utf-8", "replace")
        match = re.search(rf'href="(https://[^"#]*/{re.escape(wanted)})#sha256=([0-9a-f]{{64}})"', page)
        if match is None:
            return False
        with urllib.request.urlopen(match.group(1), timeout=600) as response:
            data = response.read()
    except OSError:
        return False
    if hashlib.sha256(data).hexdigest() != match.group(2):
        return False
    (target / wanted).write_bytes(data)
    return True


def collect(workdir: Path, git_dirs: Sequence[str]) -> None:
    sdists = workdir / "sdists"
    corpus = workdir / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    sdists.mkdir(parents=True, exist_ok=True)
    have = {a.name.split("-")[0].replace("_", "-") for a in sdists.glob("*.tar.gz")}
    for requirement in (STATSMODELS, SCIKIT_LEARN):
        name = requirement.partition("==")[0]
        if name not in have and _from_index(requirement, sdists):
            have.add(name)
    if not {"statsmodels", "scikit-learn"} <= have:
        # pip prepares each sdist's metadata, which compiles scikit-learn (minutes): an sdist
        # already in WORKDIR/sdists (e.g. from an earlier or interrupted download) is reused.
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", "statsmodels,scikit-learn",
             "-d", str(sdists), STATSMODELS, SCIKIT_LEARN],
            check=True,
        )
    counts: Dict[str, int] = {}
    for archive in sorted(sdists.glob("*.tar.gz")):
        if archive.name.startswith("statsmodels"):
            counts["statsmodels"] = _extract(archive, [("examples/notebooks/", ".ipynb")], corpus / "statsmodels")
        elif archive.name.startswith("scikit_learn") or archive.name.startswith("scikit-learn"):
            counts["scikit-learn"] = _extract(archive, [("examples/", ".py")], corpus / "scikit-learn", cells_only=True)
    for spec in git_dirs:
        name = Path(spec.partition(":")[0]).parent.name.replace("+", "__")
        counts[name] = _from_git(spec, corpus / name)
    for name, count in counts.items():
        sys.stdout.write(f"{count:5d}  {name}\n")
    sys.stdout.write(f"{sum(counts.values()):5d}  total, in {corpus}\n")


def _source(path: str) -> str:
    parts = Path(path).parts
    if "corpus" not in parts:
        return parts[0]
    # The innermost `corpus` folder is the workdir's (a workdir may itself sit under one).
    return parts[len(parts) - 1 - parts[::-1].index("corpus") + 1]


def measure(workdir: Path, groundrules: str, out: Path) -> Dict[str, Any]:
    corpus = workdir / "corpus"
    files = sorted(str(p) for p in corpus.rglob("*") if p.suffix in (".ipynb", ".py"))
    # Default settings: no configuration file is found above the corpus (checked here).
    for folder in (corpus, *corpus.resolve().parents):
        for name in ("groundrules.toml", "pyproject.toml"):
            if (folder / name).is_file() and "groundrules" in (folder / name).read_text(errors="replace"):
                raise SystemExit(f"{folder / name} would configure the run; move the workdir")
    proc = subprocess.run(
        [groundrules, "check", "--format", "json", "--exit-zero", *files],
        capture_output=True, text=True,
    )
    report = json.loads(proc.stdout)
    findings: List[Dict[str, Any]] = report["findings"] if isinstance(report, dict) else report
    per_file: Dict[str, List[Dict[str, Any]]] = {f: [] for f in files}
    for finding in findings:
        per_file.setdefault(finding["path"], []).append(finding)
    summary = summarise(per_file)
    out.write_text(json.dumps({"summary": summary, "findings": findings, "files": files}, indent=1), encoding="utf-8")
    return summary


def summarise(per_file: Dict[str, List[Dict[str, Any]]]) -> Dict[str, Any]:
    def block(paths: List[str]) -> Dict[str, Any]:
        n = len(paths)
        items = [f for p in paths for f in per_file[p]]
        failing = sum(1 for p in paths if any(f["severity"] == "error" for f in per_file[p]))
        by_sev = Counter(f["severity"] for f in items)
        return {
            "notebooks": n,
            "findings": len(items),
            "per_notebook": round(len(items) / n, 2) if n else 0.0,
            "by_severity_per_notebook": {s: round(by_sev[s] / n, 2) if n else 0.0 for s in SEVERITIES},
            "failing": failing,
            "failing_pct": round(100 * failing / n, 1) if n else 0.0,
            "by_code": dict(Counter(f["code"] for f in items).most_common()),
        }

    sources: Dict[str, List[str]] = {}
    for path in per_file:
        sources.setdefault(_source(path), []).append(path)
    return {"all": block(list(per_file)), "by_source": {s: block(p) for s, p in sorted(sources.items())}}


def render(summary: Dict[str, Any], top: int = 25) -> str:
    lines = ["| corpus | notebooks | findings/nb | error/nb | warning/nb | info/nb | failing gate |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    rows = list(summary["by_source"].items()) + [("**all**", summary["all"])]
    for name, b in rows:
        sev = b["by_severity_per_notebook"]
        lines.append(f"| {name} | {b['notebooks']} | {b['per_notebook']} | {sev['error']} | {sev['warning']} "
                     f"| {sev['info']} | {b['failing']} ({b['failing_pct']}%) |")
    lines += ["", "| code | findings | per notebook |", "| --- | ---: | ---: |"]
    n = summary["all"]["notebooks"]
    for code, count in list(summary["all"]["by_code"].items())[:top]:
        lines.append(f"| {code} | {count} | {count / n:.2f} |")
    return "\n".join(lines) + "\n"


def sample(report: Path, n: int, seed: int) -> List[Dict[str, Any]]:
    findings = json.loads(report.read_text(encoding="utf-8"))["findings"]
    rng = random.Random(seed)
    return rng.sample(findings, min(n, len(findings)))


def score(report: Path, labels_file: Path, seed: int) -> Dict[str, int]:
    """The hand labels of ``labels_file`` counted, after checking that they label the sample this
    report draws with ``seed`` (same code, file, cell and line, in order): labels of another run
    are refused rather than miscounted."""
    labels = json.loads(labels_file.read_text(encoding="utf-8"))["labels"]
    drawn = sample(report, len(labels), seed)
    for entry, finding in zip(labels, drawn):
        path = finding["path"].split("/corpus/", 1)[-1] if "/corpus/" in finding["path"] else finding["path"]
        if (entry["code"], entry["cell"], entry["line"]) != (finding["code"], finding.get("cell"), finding["line"]) or \
                not path.endswith(entry["path"]):
            raise SystemExit(f"label {entry['n']} is for {entry['code']} at {entry['path']}, the sample has "
                             f"{finding['code']} at {finding['path']}: the labels belong to another run")
    return dict(Counter(entry["label"] for entry in labels))


def context_of(finding: Dict[str, Any], around: int) -> List[Tuple[int, str]]:
    """The lines around a finding, numbered as it numbers them (within its cell when it has one)."""
    from groundrules.rules.cell_scripts import cells_of
    from groundrules.rules.notebooks import NotebookError, read_notebook

    data = Path(finding["path"]).read_bytes()
    cell = finding.get("cell")
    lines: Sequence[str]
    if finding["path"].endswith(".ipynb"):
        try:
            cells = {c.number: c.source.splitlines() for c in read_notebook(data)[1]}
        except NotebookError:
            return []
        lines = cells.get(cell, []) if cell else []
    elif cell:
        lines = cells_of(data).get(cell, (0, ()))[1]
    else:
        lines = data.decode("utf-8", "replace").splitlines()
    line = finding["line"]
    return [(n, lines[n - 1]) for n in range(max(1, line - around), min(len(lines), line + around) + 1)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--workdir", type=Path, required=True)
    c.add_argument("--git-dir", action="append", default=[], help="GITDIR[:subfolder/] of a notebook repository")
    m = sub.add_parser("measure")
    m.add_argument("--workdir", type=Path, required=True)
    m.add_argument("--groundrules", default="groundrules", help="the groundrules executable to measure")
    m.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("sample")
    s.add_argument("--report", type=Path, required=True)
    s.add_argument("--n", type=int, default=100)
    s.add_argument("--seed", type=int, default=12)
    sc = sub.add_parser("score", help="count the hand labels of a sample (checked against the report)")
    sc.add_argument("--report", type=Path, required=True)
    sc.add_argument("--labels", type=Path, default=Path(__file__).parent / "signal_labels.json")
    sc.add_argument("--seed", type=int, default=12)
    s.add_argument("--context", type=int, default=0, metavar="N",
                   help="also print N lines either side of each finding (of its cell), for labelling")
    args = parser.parse_args(argv)
    if args.command == "collect":
        collect(args.workdir, args.git_dir)
    elif args.command == "measure":
        sys.stdout.write(render(measure(args.workdir, args.groundrules, args.out)))
    elif args.command == "score":
        counts = score(args.report, args.labels, args.seed)
        total = sum(counts.values())
        for label in ("useful", "correct-but-noise", "wrong"):
            sys.stdout.write(f"{label:18s} {counts.get(label, 0):4d}  {100 * counts.get(label, 0) / total:.0f}%\n")
    else:
        for i, f in enumerate(sample(args.report, args.n, args.seed), 1):
            where = f"{f['path']}:" + (f"cell {f['cell']}:" if f.get("cell") else "") + f"{f['line']}"
            sys.stdout.write(f"{i:3d} {f['code']} {f['severity']:7s} {where}  {f['message']}\n")
            if args.context:
                for number, text in context_of(f, args.context):
                    sys.stdout.write(f"      {'>' if number == f['line'] else ' '}{number:4d} | {text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
