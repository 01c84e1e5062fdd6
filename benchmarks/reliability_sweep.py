"""Real-code reliability sweep (issue 15): ``check``, ``fix --unsafe-fixes`` (on a copy) and, when
the command exists, ``handoff`` over the standard library, the data-science wheels (pandas,
scikit-learn, statsmodels, seaborn), scikit-learn's example gallery (also as notebooks, one cell per
``# %%`` block) and statsmodels' example notebooks.  Nothing may crash: no traceback, no GR900, every
fixed file still parses, a second fix changes nothing.

    python benchmarks/reliability_sweep.py [--workdir DIR] [--jobs 2] [--corpus stdlib,wheels,...]

Downloads come from PyPI through pip (wheels with ``--only-binary``; sdists with ``--no-binary`` and
a metadata-only stand-in for their build backend, so nothing is compiled).  The corpora are rebuilt
in ``--workdir`` (outside any repository with a ``[tool.groundrules]`` table, so the defaults
apply).  Prints one line per corpus and step, writes ``summary.json``; exit 1 on any crash.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

CORPORA = ("stdlib", "wheels", "gallery", "gallery-notebooks", "statsmodels-notebooks")
WHEELS = ("pandas", "scikit-learn", "statsmodels", "seaborn")
SDISTS = ("scikit-learn", "statsmodels")
SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")
#: A build backend that only reports metadata (from the sdist's PKG-INFO): ``pip download`` must
#: prepare metadata, and building scikit-learn's or statsmodels' real backend needs compilers.
STUB_BACKEND = '''
from pathlib import Path


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = Path("PKG-INFO").read_text(encoding="utf-8")
    fields = dict(l.split(": ", 1) for l in info.splitlines() if ": " in l and not l.startswith(" "))
    name, version = fields["Name"], fields["Version"]
    target = Path(metadata_directory) / (name.replace("-", "_") + "-" + version + ".dist-info")
    target.mkdir()
    (target / "METADATA").write_text(
        "Metadata-Version: 2.1\\nName: " + name + "\\nVersion: " + version + "\\n", encoding="utf-8"
    )
    return target.name


def build_wheel(*args, **kwargs):
    raise RuntimeError("metadata only: the sweep never builds")
'''


@dataclass
class Step:
    corpus: str
    step: str
    files: int = 0
    seconds: float = 0.0
    exit_codes: Dict[str, int] = field(default_factory=dict)
    crashes: List[str] = field(default_factory=list)  # tracebacks, GR900, unparsable or unstable output
    notes: Dict[str, int] = field(default_factory=dict)  # findings, GR901, files changed, ...

    def line(self) -> str:
        notes = ", ".join(f"{k} {v}" for k, v in self.notes.items())
        codes = ", ".join(f"exit {k}: {v}" for k, v in sorted(self.exit_codes.items()))
        return (f"{self.corpus:22} {self.step:9} {self.files:6d} files {self.seconds:8.1f} s  "
                f"crashes {len(self.crashes):3d}  [{codes}]  {notes}")


def groundrules(args: Sequence[str], cwd: Path, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "groundrules", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "NO_COLOR": "1"}, timeout=timeout, check=False,
    )


def pip_download(names: Iterable[str], dest: Path, binary: bool, stub: Optional[Path] = None) -> List[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    mode = ["--only-binary", ":all:"] if binary else ["--no-binary", ":all:", "--no-build-isolation"]
    env = dict(os.environ)
    if stub is not None:
        env["PYTHONPATH"] = str(stub)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", *mode, *names, "-d", str(dest)],
        check=True, capture_output=True, env=env, timeout=1800,
    )
    return sorted(dest.iterdir())


def _copy_sources(pairs: Iterable[tuple[str, bytes]], root: Path) -> int:
    count = 0
    for name, data in pairs:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        count += 1
    return count


def build_corpora(workdir: Path, wanted: Sequence[str]) -> Dict[str, Path]:
    corpora: Dict[str, Path] = {}
    downloads = workdir / "downloads"
    if "stdlib" in wanted:
        target = workdir / "corpus" / "stdlib"
        if not target.exists():
            shutil.copytree(sysconfig.get_paths()["stdlib"], target, symlinks=True,
                            ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc", "*.so"))
        corpora["stdlib"] = target
    if "wheels" in wanted:
        target = workdir / "corpus" / "wheels"
        if not target.exists():
            for wheel in pip_download(WHEELS, downloads / "wheels", binary=True):
                with zipfile.ZipFile(wheel) as archive:
                    _copy_sources(((n, archive.read(n)) for n in archive.namelist() if n.endswith(SOURCE_SUFFIXES)),
                                  target / wheel.name.split("-")[0])
        corpora["wheels"] = target
    if {"gallery", "gallery-notebooks", "statsmodels-notebooks"} & set(wanted):
        stub = workdir / "stub-backend"
        (stub / "mesonpy").mkdir(parents=True, exist_ok=True)
        (stub / "mesonpy" / "__init__.py").write_text(STUB_BACKEND, encoding="utf-8")
        sdists = downloads / "sdists"
        if not sdists.exists() or len(list(sdists.glob("*.tar.gz"))) < len(SDISTS):
            pip_download(SDISTS, sdists, binary=False, stub=stub)
        gallery, notebooks = workdir / "corpus" / "gallery", workdir / "corpus" / "statsmodels-notebooks"
        for archive_path in sorted(sdists.glob("*.tar.gz")):
            with tarfile.open(archive_path) as archive:
                for member in archive.getmembers():
                    parts = member.name.split("/")
                    if not member.isfile() or len(parts) < 3:
                        continue
                    data = archive.extractfile(member)
                    if data is None:
                        continue
                    if archive_path.name.startswith("scikit") and parts[1] == "examples" and member.name.endswith(".py"):
                        _copy_sources([("/".join(parts[2:]), data.read())], gallery)
                    elif archive_path.name.startswith("statsmodels") and member.name.endswith(".ipynb"):
                        _copy_sources([(parts[-1], data.read())], notebooks)
        gallery_nb = workdir / "corpus" / "gallery-notebooks"
        for script in sorted(gallery.rglob("*.py")):
            target = gallery_nb / script.relative_to(gallery).with_suffix(".ipynb")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(script_to_notebook(script.read_text(encoding="utf-8")), encoding="utf-8")
        corpora.update({"gallery": gallery, "gallery-notebooks": gallery_nb, "statsmodels-notebooks": notebooks})
    return {name: path for name, path in corpora.items() if name in wanted}


def script_to_notebook(text: str) -> str:
    """A sphinx-gallery script as a notebook: ``# %%`` blocks become cells, comment-only blocks
    markdown (what jupytext and sphinx-gallery's own converter do)."""
    cells = []
    for block in re.split(r"^# %%[^\n]*\n", text, flags=re.MULTILINE):
        if not block.strip():
            continue
        lines = block.strip("\n").splitlines(keepends=True)
        if all(line.startswith("#") or not line.strip() for line in lines):
            source = [line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines]
            cells.append({"cell_type": "markdown", "metadata": {}, "source": source})
        else:
            cells.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                          "source": lines})
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1) + "\n"


def sources(root: Path) -> List[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file() and not p.is_symlink())


def _parses(path: Path) -> bool:
    try:
        if path.suffix == ".ipynb":
            json.loads(path.read_text(encoding="utf-8"))
            return True
        ast.parse(path.read_bytes())
        return True
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return False


def _tracebacks(stderr: str) -> List[str]:
    return [stderr[max(0, i - 200) : i + 2000] for i in [m.start() for m in re.finditer("Traceback", stderr)]]


def run_check(name: str, root: Path, jobs: int, workdir: Path) -> Step:
    step = Step(name, "check", files=len(sources(root)))
    report = workdir / f"{name}.check.json"
    started = time.monotonic()
    proc = groundrules(["check", "--exit-zero", "--jobs", str(jobs), "--format", "json", "--output", str(report), "."], root)
    step.seconds = time.monotonic() - started
    step.exit_codes[str(proc.returncode)] = 1
    step.crashes += _tracebacks(proc.stderr)
    findings = json.loads(report.read_text(encoding="utf-8"))["findings"] if report.exists() else []
    step.crashes += [f"{f['path']}:{f['line']}: {f['message']}" for f in findings if f["code"] == "GR900"]
    step.notes = {"findings": len(findings), "GR901": sum(f["code"] == "GR901" for f in findings),
                  "stderr lines": len(proc.stderr.splitlines())}
    return step


def run_fix(name: str, root: Path, jobs: int, workdir: Path) -> Step:
    copy = workdir / "fixed" / name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, symlinks=True)
    files = sources(copy)
    parsed_before = {p for p in files if _parses(p)}
    before = {p: p.read_bytes() for p in files}
    step = Step(name, "fix", files=len(files))
    started = time.monotonic()
    proc = groundrules(["fix", "--unsafe-fixes", "--jobs", str(jobs), "."], copy)
    step.seconds = time.monotonic() - started
    step.exit_codes[str(proc.returncode)] = 1
    step.crashes += _tracebacks(proc.stderr)
    changed = [p for p in files if p.read_bytes() != before[p]]
    step.crashes += [f"{p}: no longer parses after fix" for p in changed if p in parsed_before and not _parses(p)]
    again = groundrules(["fix", "--unsafe-fixes", "--jobs", str(jobs), "."], copy)
    step.crashes += _tracebacks(again.stderr)
    unstable = [line for line in again.stdout.splitlines() if ": fixed " in line]
    step.crashes += [f"second fix changed: {line}" for line in unstable]
    step.notes = {"files changed": len(changed), "declined": sum(": fix for " in l for l in proc.stderr.splitlines()),
                  "second run exit": again.returncode}
    return step


def has_handoff() -> bool:
    return "handoff" in groundrules(["--help"], Path.cwd()).stdout


def run_handoff(name: str, root: Path, workdir: Path, limit: Optional[int]) -> Step:
    notebooks = [p for p in sources(root) if p.suffix == ".ipynb"][:limit]
    out = workdir / "handoff" / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    step = Step(name, "handoff", files=len(notebooks))
    started = time.monotonic()
    for i, notebook in enumerate(notebooks):
        dest = out / f"m{i:04d}.py"
        proc = groundrules(["handoff", str(notebook), "--to", str(dest), "--force"], out, timeout=600)
        step.exit_codes[str(proc.returncode)] = step.exit_codes.get(str(proc.returncode), 0) + 1
        step.crashes += [f"{notebook}: {t}" for t in _tracebacks(proc.stderr)]
        if proc.returncode in (0, 1) and dest.exists() and not _parses(dest):
            step.crashes.append(f"{notebook}: handoff output does not parse")
    step.seconds = time.monotonic() - started
    return step


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "groundrules-sweep")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--corpus", default=",".join(CORPORA), help=f"comma-separated, of {', '.join(CORPORA)}")
    parser.add_argument("--steps", default="check,fix,handoff")
    parser.add_argument("--handoff-limit", type=int, default=None, help="at most this many notebooks per corpus")
    args = parser.parse_args(argv)
    wanted = [c for c in args.corpus.split(",") if c]
    unknown = sorted(set(wanted) - set(CORPORA))
    if unknown:
        parser.error(f"unknown corpus: {', '.join(unknown)}")
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    corpora = build_corpora(workdir, wanted)
    steps = args.steps.split(",")
    handoff = "handoff" in steps and has_handoff()
    if "handoff" in steps and not handoff:
        print("handoff: not in this build of groundrules, skipped")
    results: List[Step] = []
    for name, root in corpora.items():
        if "check" in steps:
            results.append(run_check(name, root, args.jobs, workdir))
            print(results[-1].line(), flush=True)
        if "fix" in steps:
            results.append(run_fix(name, root, args.jobs, workdir))
            print(results[-1].line(), flush=True)
        if handoff and any(p.suffix == ".ipynb" for p in sources(root)):
            results.append(run_handoff(name, root, workdir, args.handoff_limit))
            print(results[-1].line(), flush=True)
    (workdir / "summary.json").write_text(json.dumps([asdict(s) for s in results], indent=1), encoding="utf-8")
    crashes = [c for s in results for c in s.crashes]
    for crash in crashes[:20]:
        print(f"CRASH {crash}")
    print(f"{sum(s.files for s in results if s.step == 'check')} files checked, {len(crashes)} crashes; "
          f"details in {workdir / 'summary.json'}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
