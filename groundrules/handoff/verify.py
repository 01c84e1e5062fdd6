"""``handoff --verify``: run the prototype top to bottom and the handed-off module's
``run(Settings.from_env(env))``, each in a fresh subprocess in its own empty working directory,
and compare what they did: the files each wrote (CSV/Parquet/JSON as data, anything else by
hash) and the module's returned results against the prototype's final values of the same names.

This is the one place groundrules runs code.  The prototype runs as IPython would run it, minus
IPython: presentation magics (``%matplotlib``, ``%load_ext``, ``%autoreload``, ``%config``) are
dropped, ``%time``/``%%time``/``%timeit`` keep their statement, ``!pip``/``%pip`` installs and
other shell or magic lines are skipped (and listed), and matplotlib gets a non-interactive backend.

The settings: ``overrides`` name a ``Settings`` field or its environment variable
(``data_path`` or ``CHURN_DATA_PATH``).  The module reads them from its environment; in the
prototype, the literal the field came from (``originals``, the report's ``settings[].original``,
else the value of the same-named constant the prototype assigns, else a string equal to the
field's default) is replaced by the override before it runs.  Values are compared as data, never
unpickled: each run describes its values as JSON.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from groundrules.handoff.source import PrototypeError, read_prototype
from groundrules.rules.notebooks import mask_cell

DEFAULT_TIMEOUT = 300.0
#: Relative tolerance for numbers: the two runs compute in the same order, so only the noise of
#: a different summation order (a pandas vs a numpy path) is forgiven.
RTOL = 1e-9
ATOL = 1e-12

#: Line magics that only change the notebook's presentation or reloading: dropped.
DROPPED_MAGICS = frozenset({"matplotlib", "load_ext", "reload_ext", "unload_ext", "autoreload", "aimport", "config",
                            "pylab", "precision", "pprint", "xmode", "colors"})
#: Magics whose statement is kept without the timing.
TIMING_MAGICS = frozenset({"time", "timeit", "prun", "capture"})
INSTALLERS = frozenset({"pip", "conda", "mamba"})


@dataclass(frozen=True)
class RunResult:
    """One subprocess: how it ended, how long it took, what it wrote and computed."""

    ok: bool
    seconds: float
    error: str = ""
    files: Mapping[str, str] = field(default_factory=dict)  # relative path -> sha256
    values: Mapping[str, Any] = field(default_factory=dict)  # name -> described value


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    differences: Tuple[str, ...]
    notebook: RunResult
    module: RunResult
    compared_files: Tuple[str, ...] = ()
    compared_results: Tuple[str, ...] = ()
    skipped: Tuple[str, ...] = ()  # prototype lines not run (shell, installs, unknown magics)
    settings: Mapping[str, str] = field(default_factory=dict)  # env name -> value given

    def to_json(self) -> Dict[str, Any]:
        return {
            "ok": self.ok,
            "differences": list(self.differences),
            "files": list(self.compared_files),
            "results": list(self.compared_results),
            "skipped": list(self.skipped),
            "settings": dict(sorted(self.settings.items())),
            "notebook": {"ok": self.notebook.ok, "seconds": round(self.notebook.seconds, 3),
                         "error": self.notebook.error or None},
            "module": {"ok": self.module.ok, "seconds": round(self.module.seconds, 3),
                       "error": self.module.error or None},
        }


def verify(
    source: Path,
    module: Path,
    overrides: Mapping[str, str],
    timeout: float = DEFAULT_TIMEOUT,
    originals: Optional[Mapping[str, str]] = None,
    source_data: Optional[bytes] = None,
) -> VerifyResult:
    """Run both and compare; never raises for what the runs do (their failures are differences).
    ``source_data``: the prototype's bytes as the command read them (else read here)."""
    module_text = module.read_text(encoding="utf-8")
    shape = _module_shape(module_text, module)
    env_values = {shape.env_name(name): value for name, value in overrides.items()}
    try:
        prototype = read_prototype(source, source_data)
    except PrototypeError as exc:
        failed = RunResult(False, 0.0, str(exc))
        return VerifyResult(False, (f"the prototype cannot be read: {exc}",), failed, RunResult(False, 0.0, "not run"))
    cells = [cell.source for cell in prototype.code_cells]
    script, skipped = prototype_script(cells)
    literals = _replacements(script, shape, overrides, originals or {})
    script = _substitute(script, literals)
    with tempfile.TemporaryDirectory(prefix="groundrules-verify-") as tmp:
        root = Path(tmp)
        module_run = _run(root, "module", _MODULE_RUNNER, {"module": str(module.resolve())}, env_values,
                          [module.resolve().parent, source.resolve().parent], timeout)
        names = sorted(module_run.values) if module_run.ok else []
        notebook_run = _run(root, "notebook", _NOTEBOOK_RUNNER, {"cells": script, "names": names}, env_values,
                            [source.resolve().parent, module.resolve().parent], timeout)
        differences: List[str] = []
        if not notebook_run.ok:
            differences.append(f"the prototype failed: {notebook_run.error}")
        if not module_run.ok:
            differences.append(f"the module failed: {module_run.error}")
        files: List[str] = []
        results: List[str] = []
        if notebook_run.ok and module_run.ok:
            files = sorted(set(notebook_run.files) | set(module_run.files))
            for name in files:
                differences.extend(_compare_file(name, root / "notebook" / "cwd", root / "module" / "cwd",
                                                 notebook_run.files, module_run.files))
            for name in names:
                results.append(name)
                if name not in notebook_run.values:
                    differences.append(f"result {name!r}: the prototype never binds it")
                    continue
                why = compare_values(notebook_run.values[name], module_run.values[name])
                if why:
                    differences.append(f"result {name!r}: {why}")
    return VerifyResult(not differences, tuple(differences), notebook_run, module_run, tuple(files), tuple(results),
                        tuple(skipped), env_values)


# -- the prototype as one script of cells ----------------------------------------------------

_MAGIC_CALL = re.compile(r"^(\s*)(.*?)get_ipython\(\)\.(run_line_magic|run_cell_magic|system|getoutput)\((.*)\)(.*)$")


def prototype_script(cells: Sequence[str]) -> Tuple[List[str], List[str]]:
    """The cells as plain Python, magics handled; and the lines that were not run."""
    out: List[str] = []
    skipped: List[str] = []
    for number, source in enumerate(cells, start=1):
        lines = source.splitlines()
        masked, changed = mask_cell(lines)
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is not None and first in changed and lines[first].lstrip().startswith("%%"):
            name = lines[first].strip()[2:].split(None, 1)[0] if lines[first].strip()[2:] else ""
            if name in TIMING_MAGICS:
                out.append("\n".join(lines[first + 1 :]) + "\n")
            else:
                skipped.append(f"code cell {number}: {lines[first].strip()} (cell magic)")
                out.append("")
            continue
        for index in changed:
            masked[index] = _line(lines[index], masked[index], number, skipped)
        out.append("\n".join(masked) + "\n")
    return out, skipped


def _line(original: str, masked: str, cell: int, skipped: List[str]) -> str:
    """One masked IPython line as Python: dropped (``pass``), its statement, or skipped."""
    match = _MAGIC_CALL.match(masked)
    indent = masked[: len(masked) - len(masked.lstrip())]
    if match is None:
        return indent + "pass"
    target, method, arguments = match.group(2), match.group(3), match.group(4)
    try:
        values = [a.value for a in ast.parse(f"f({arguments})").body[0].value.args  # type: ignore[attr-defined]
                  if isinstance(a, ast.Constant)]
    except SyntaxError:
        values = []
    name = str(values[0]) if values else ""
    rest = str(values[1]) if len(values) > 1 else ""
    if method == "run_line_magic" and name in DROPPED_MAGICS | {"pinfo", "pinfo2"}:
        return indent + "pass"
    if method == "run_line_magic" and name in TIMING_MAGICS and not target:
        return indent + (rest or "pass")
    what = "install" if (name in INSTALLERS or rest.split(None, 1)[:1] == ["install"]
                         or (method == "system" and name.split(None, 1)[:1] in (["pip"], ["conda"]))) else "line"
    skipped.append(f"code cell {cell}: {original.strip()} ({what} not run)")
    return indent + (f"{target}[]" if target else "pass")


# -- settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    prefix: str
    defaults: Mapping[str, Any]  # field -> default (absent: required)
    fields: Tuple[str, ...]

    def field_of(self, name: str) -> str:
        upper = name.upper()
        if self.prefix and upper.startswith(self.prefix) and upper[len(self.prefix):].lower() in self.fields:
            return upper[len(self.prefix):].lower()
        return name.lower()

    def env_name(self, name: str) -> str:
        return self.prefix + self.field_of(name).upper()


def _module_shape(text: str, module: Path) -> _Shape:
    """ENV_PREFIX and the Settings fields with their literal defaults, read from the source."""
    prefix = re.sub(r"\W", "_", module.stem).upper() + "_"
    defaults: Dict[str, Any] = {}
    names: List[str] = []
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return _Shape(prefix, {}, ())
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "ENV_PREFIX" and isinstance(node.value, ast.Constant)):
            prefix = str(node.value.value)
        if isinstance(node, ast.ClassDef) and node.name == "Settings":
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.append(item.target.id)
                    known, value = _literal(item.value)
                    if known:
                        defaults[item.target.id] = value
    return _Shape(prefix, defaults, tuple(names))


def _replacements(cells: Sequence[str], shape: _Shape, overrides: Mapping[str, str],
                  originals: Mapping[str, str]) -> Dict[str, str]:
    """Source text of a literal in the prototype -> the override's literal."""
    out: Dict[str, str] = {}
    assigned = _assigned_literals(cells)
    for name, value in overrides.items():
        field_name = shape.field_of(name)
        original = originals.get(field_name)
        if original is None and field_name in assigned:
            original = assigned[field_name]
        if original is None and isinstance(shape.defaults.get(field_name), str):
            original = json.dumps(shape.defaults[field_name])
        known, kind = _literal(original)
        if original is None or not known:
            continue
        if isinstance(kind, bool):
            new = repr(value.strip().lower() in ("1", "true", "yes", "on"))
        elif isinstance(kind, (int, float)):
            new = repr(type(kind)(value))
        else:
            new = repr(value)
        out[original] = new
    return out


def _assigned_literals(cells: Sequence[str]) -> Dict[str, str]:
    """``NAME = <literal>`` at the top of a cell: lower-cased name -> the literal's source."""
    out: Dict[str, str] = {}
    for source in cells:
        for node in _parsed(source).body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Constant)):
                segment = ast.get_source_segment(source, node.value)
                if segment is not None:
                    out.setdefault(node.targets[0].id.lower(), segment)
    return out


def _substitute(cells: Sequence[str], literals: Mapping[str, str]) -> List[str]:
    """Every constant whose source text is a replaced literal (also the same value written with
    the other quotes) gets the override."""
    if not literals:
        return list(cells)
    values = {}
    for original, new in literals.items():
        known, value = _literal(original)
        if known:
            values[repr(value)] = new
    out: List[str] = []
    for source in cells:
        tree = _parsed(source)
        lines = source.splitlines(keepends=True)
        edits = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and not isinstance(node.value, bool) and repr(node.value) in values:
                if node.end_lineno == node.lineno and node.end_col_offset is not None:
                    edits.append((node.lineno, node.col_offset, node.end_col_offset, values[repr(node.value)]))
        for line, start, end, new in sorted(edits, reverse=True):
            raw = lines[line - 1].encode("utf-8")
            lines[line - 1] = (raw[:start] + new.encode("utf-8") + raw[end:]).decode("utf-8")
        out.append("".join(lines))
    return out


def _literal(node: Any) -> Tuple[bool, Any]:
    """(True, value) of a literal expression or its source text; (False, None) if it is not one."""
    if node is None:
        return False, None
    try:
        return True, ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, RecursionError):
        return False, None  # not a literal: this setting has no value to substitute


def _parsed(source: str) -> ast.Module:
    """The cell's tree; an empty module for a cell that does not parse (it is not substituted)."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return ast.Module(body=[], type_ignores=[])


# -- running ----------------------------------------------------------------------------------

_DESCRIBE = r'''
import hashlib, json, math, numbers

def describe(value, depth=0):
    """A value as JSON data: numbers, arrays and frames as their contents."""
    if depth > 6:
        return {"type": "repr", "repr": type(value).__name__}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    module = type(value).__module__ or ""
    if module.startswith("pandas"):
        import pandas
        if isinstance(value, pandas.Series):
            value = value.to_frame(name=str(value.name))
            kind = "series"
        else:
            kind = "frame"
        if isinstance(value, pandas.DataFrame):
            return {"type": kind, "columns": [str(c) for c in value.columns],
                    "dtypes": [str(d) for d in value.dtypes], "index": [describe(i, depth + 1) for i in value.index],
                    "data": [[describe(v, depth + 1) for v in row] for row in value.itertuples(index=False)]}
    if module.startswith("numpy"):
        import numpy
        if isinstance(value, numpy.ndarray):
            return {"type": "array", "shape": list(value.shape), "dtype": str(value.dtype),
                    "data": describe(value.tolist(), depth + 1) if value.dtype != object else repr(value)}
        if isinstance(value, numpy.generic):
            return describe(value.item(), depth + 1)
    if isinstance(value, dict):
        return {"type": "dict", "items": [[describe(k, depth + 1), describe(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [describe(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"type": "set", "items": sorted((describe(v, depth + 1) for v in value), key=repr)}
    # Objects by their state, not their address: a random Generator by its bit generator's state,
    # a fitted estimator by its attributes (coef_, classes_, ...), anything else by its repr with
    # memory addresses blanked.
    generator = getattr(value, "bit_generator", None)
    if module.startswith("numpy") and generator is not None:
        return {"type": "generator", "class": type(value).__name__, "state": describe(generator.state, depth + 1)}
    state = getattr(value, "__dict__", None)
    if isinstance(state, dict) and state and not callable(value):
        return {"type": "object", "class": type(value).__name__,
                "state": describe({k: v for k, v in state.items() if not k.startswith("__")}, depth + 1)}
    import re
    return {"type": "repr", "class": type(value).__name__,
            "repr": re.sub(r" at 0x[0-9a-fA-F]+", " at 0x...", repr(value))[:300]}
'''

_MODULE_RUNNER = _DESCRIBE + r'''
import importlib.util, os, sys
job = json.load(open(sys.argv[1], encoding="utf-8"))
spec = importlib.util.spec_from_file_location("handed_off_module", job["module"])
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
results = module.run(module.Settings.from_env(os.environ))
if not isinstance(results, dict):
    results = {"run()": results}
json.dump({str(k): describe(v) for k, v in results.items()}, open(sys.argv[2], "w", encoding="utf-8"))
'''

_NOTEBOOK_RUNNER = _DESCRIBE + r'''
import builtins, sys
job = json.load(open(sys.argv[1], encoding="utf-8"))
namespace = {"__name__": "__main__", "__builtins__": builtins, "display": lambda *a, **k: None}
for number, source in enumerate(job["cells"], start=1):
    exec(compile(source, f"<code cell {number}>", "exec"), namespace)
json.dump({n: describe(namespace[n]) for n in job["names"] if n in namespace}, open(sys.argv[2], "w", encoding="utf-8"))
'''


def _run(root: Path, name: str, runner: str, job: Mapping[str, Any], env_values: Mapping[str, str],
         paths: Sequence[Path], timeout: float) -> RunResult:
    """One fresh interpreter in ``root/name/cwd``; the job and results live beside it."""
    home = root / name
    cwd = home / "cwd"
    cwd.mkdir(parents=True)
    (home / "runner.py").write_text(runner, encoding="utf-8")
    (home / "job.json").write_text(json.dumps(job), encoding="utf-8")
    env = dict(os.environ)
    env.update(env_values)
    env.update({"MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONPATH": os.pathsep.join([str(p) for p in paths] + [env.get("PYTHONPATH", "")])})
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(home / "runner.py"), str(home / "job.json"), str(home / "values.json")],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        return RunResult(False, time.perf_counter() - start, f"timed out after {timeout:g} s")
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {process.returncode}"]
        return RunResult(False, seconds, tail[0])
    values = json.loads((home / "values.json").read_text(encoding="utf-8"))
    return RunResult(True, seconds, "", _hashes(cwd), values)


def _kill(process: "subprocess.Popen[bytes]") -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    process.communicate()


def _hashes(cwd: Path) -> Dict[str, str]:
    return {path.relative_to(cwd).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(cwd.rglob("*")) if path.is_file()}


# -- comparing --------------------------------------------------------------------------------


def _compare_file(name: str, left_root: Path, right_root: Path, left: Mapping[str, str],
                  right: Mapping[str, str]) -> List[str]:
    if name not in right:
        return [f"file {name}: written by the prototype only"]
    if name not in left:
        return [f"file {name}: written by the module only"]
    if left[name] == right[name]:
        return []
    a, b = left_root / name, right_root / name
    suffix = a.suffix.lower()
    try:
        if suffix == ".json":
            why = compare_values(json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8")))
            return [f"file {name}: {why}"] if why else []
        if suffix in (".csv", ".tsv", ".parquet"):
            pandas: Any = importlib.import_module("pandas")  # only to read data files, as data

            # Whole files with inferred types: both runs' output is compared, not a schema.
            if suffix == ".parquet":
                frames = pandas.read_parquet(a), pandas.read_parquet(b)
            else:
                sep = "\t" if suffix == ".tsv" else ","
                frames = (pandas.read_csv(a, sep=sep),
                          pandas.read_csv(b, sep=sep))
            why = _compare_frames(*frames)
            return [f"file {name}: {why}"] if why else []
    except (ImportError, ValueError, OSError) as exc:
        return [f"file {name}: differs (cannot read it as data: {exc})"]
    return [f"file {name}: differs (sha256)"]


def _compare_frames(a: Any, b: Any) -> str:
    if list(a.columns) != list(b.columns):
        return f"columns differ: {list(a.columns)} vs {list(b.columns)}"
    if a.shape != b.shape:
        return f"shape differs: {a.shape} vs {b.shape}"
    for column in a.columns:
        why = compare_values(a[column].tolist(), b[column].tolist())
        if why:
            return f"column {column!r}: {why}"
    return ""


def compare_values(a: Any, b: Any, where: str = "") -> str:
    """'' when equal as data (numbers within RTOL, NaN equal to NaN), else the first difference."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str):
        return "" if a == b else f"{where or 'value'}: {_short(a)} vs {_short(b)}"
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isnan(a) and math.isnan(b):
            return ""
        if math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL):
            return ""
        return f"{where or 'value'}: {a!r} vs {b!r}"
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where or 'value'}: length {len(a)} vs {len(b)}"
        for index, (x, y) in enumerate(zip(a, b)):
            why = compare_values(x, y, f"{where}[{index}]")
            if why:
                return why
        return ""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return f"{where or 'value'}: keys {sorted(a)} vs {sorted(b)}"
        for key in sorted(a):
            why = compare_values(a[key], b[key], f"{where}.{key}" if where else str(key))
            if why:
                return why
        return ""
    return "" if a == b else f"{where or 'value'}: {_short(a)} vs {_short(b)}"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
