"""The result cache: a warm run reports exactly what a cold one does, and every input a check
depends on invalidates it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import groundrules
from conftest import ROOT, run_cli
from groundrules.hooks import cache as cache_module
from groundrules.hooks.cache import ResultCache, code_fingerprint
from groundrules.hooks.runner import StandardsCache, check_paths
from groundrules.standards.model import Layer

SOURCE = (
    "import yaml\n"
    "import os\n"
    "a = yaml.load(x)  # noqa: GR206\n"
    "b = yaml.load(x)\n"
    "c = 1  # noqa: GR206 -- stale\n"
    "def f(items=[]):\n"
    "    try:\n"
    "        return eval(items)\n"
    "    except:\n"
    "        pass\n"
    "os.system('ls ' + a)\n"
    "import subprocess  # bandit B404, ours alone\n"
)
NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "execution_count": 2, "metadata": {}, "source": "import pandas as pd\nx = 1",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "1"}]},
        {"cell_type": "markdown", "metadata": {}, "source": "# notes"},
        {"cell_type": "code", "execution_count": None, "metadata": {},
         "source": "df = pd.read_csv('data.csv')\ndf['a'][0] = 1\nbreakpoint()\n", "outputs": []},
    ],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
}


def _tree(root: Path) -> None:
    (root / "pyproject.toml").write_text("[tool.groundrules]\nreason-required = ['GR2']\n", encoding="utf-8")
    (root / "pkg").mkdir()
    (root / "pkg" / "m.py").write_text(SOURCE, encoding="utf-8")
    (root / "pkg" / "broken.py").write_text("def f(:\n", encoding="utf-8")
    (root / "eda.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")


def _entries(directory: Path) -> list:
    return sorted(p for p in directory.glob("*/*.json"))


def test_warm_run_reports_exactly_what_a_cold_run_does(tmp_path):
    _tree(tmp_path)
    uncached = run_cli(["check", "--format", "json", "--no-cache"], tmp_path)
    assert not (tmp_path / ".groundrules_cache").exists()  # --no-cache writes nothing
    cold = run_cli(["check", "--format", "json"], tmp_path)
    entries = _entries(tmp_path / ".groundrules_cache")
    assert len(entries) == 3
    warm = run_cli(["check", "--format", "json"], tmp_path)
    assert cold.stdout == warm.stdout == uncached.stdout
    assert cold.returncode == warm.returncode == 1
    doc = json.loads(warm.stdout)
    codes = {f["code"] for f in doc["findings"]}
    # The tree exercises fixes, notebook cells and suppressions (GR902 / GR903).
    assert {"GR902", "GR903", "GR901"} <= codes
    assert any(f.get("cell") for f in doc["findings"])
    assert any(f.get("fix") for f in doc["findings"])
    for fmt in ("sarif", "text"):
        assert run_cli(["check", "--format", fmt, "--no-cache"], tmp_path).stdout == \
            run_cli(["check", "--format", fmt], tmp_path).stdout
    # The cache ignores itself in git, and the repository's own .gitignore names it.
    assert (tmp_path / ".groundrules_cache" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert ".groundrules_cache/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_cache_dir_option(tmp_path):
    _tree(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    run_cli(["check", "--cache-dir", str(elsewhere), "pkg"], tmp_path)
    assert len(_entries(elsewhere)) == 2
    assert not (tmp_path / ".groundrules_cache").exists()


def _run(root: Path, results: ResultCache, select=None):
    overrides = (Layer("command line", select=select),) if select else ()
    files = sorted(root.rglob("*.py")) + sorted(root.rglob("*.ipynb"))
    return check_paths(files, StandardsCache(cwd=root), overrides, jobs=1, results=results)


def test_a_changed_file_standard_version_or_selection_each_invalidate(tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "c"
    first = ResultCache(store)
    cold = _run(tmp_path, first)
    assert (first.hits, first.misses) == (0, 3)

    again = ResultCache(store)
    assert _run(tmp_path, again).findings == cold.findings
    assert (again.hits, again.misses) == (3, 0)

    # A changed file: only that file runs again.
    (tmp_path / "pkg" / "m.py").write_text(SOURCE + "d = 2\n", encoding="utf-8")
    changed = ResultCache(store)
    _run(tmp_path, changed)
    assert (changed.hits, changed.misses) == (2, 1)

    # A changed standard: every file under that configuration.
    assert any(f.code == "GR206" for f in cold.findings)
    (tmp_path / "pyproject.toml").write_text("[tool.groundrules]\nignore = ['GR206']\n", encoding="utf-8")
    standard = ResultCache(store)
    outcome = _run(tmp_path, standard)
    assert (standard.hits, standard.misses) == (0, 3)
    assert not any(f.code == "GR206" for f in outcome.findings)

    # A changed rule selection.
    selection = ResultCache(store)
    selected = _run(tmp_path, selection, select=("GR206",))
    assert (selection.hits, selection.misses) == (0, 3)
    assert {f.code for f in selected.findings} <= {"GR206", "GR901", "GR902", "GR903"}

    # A changed groundrules version (or an edited module of it).
    base = code_fingerprint()
    monkeypatch.setattr(groundrules, "__version__", "99.0")
    assert code_fingerprint() != base
    version = ResultCache(store)
    _run(tmp_path, version)
    assert (version.hits, version.misses) == (0, 3)


def test_torn_or_corrupt_entries_are_misses_and_get_rewritten(tmp_path):
    _tree(tmp_path)
    cold = run_cli(["check", "--format", "json"], tmp_path).stdout
    entries = _entries(tmp_path / ".groundrules_cache")
    torn, flipped, garbage = entries
    torn.write_bytes(torn.read_bytes()[: len(torn.read_bytes()) // 2])  # a killed writer
    data = bytearray(flipped.read_bytes())
    data[-10] ^= 0x01  # one bit: valid-looking JSON, wrong checksum
    flipped.write_bytes(bytes(data))
    garbage.write_bytes(b"\x00\xff not an entry")
    # A temporary file a killed run left behind is not an entry.
    (torn.parent / ".tmp-killed.json").write_bytes(b"{")
    assert run_cli(["check", "--format", "json"], tmp_path).stdout == cold
    for entry in entries:
        raw = entry.read_bytes()
        assert raw.split(b"\n", 1)[0] == cache_module.hashlib.sha256(raw.split(b"\n", 1)[1]).hexdigest().encode()


def test_an_entry_under_another_key_is_not_trusted(tmp_path):
    store = ResultCache(tmp_path)
    store.put("a" * 64, {"findings": []})
    # Copied (e.g. by hand) to another key's name: its checksum holds but the key does not.
    (tmp_path / "bb").mkdir()
    (tmp_path / "aa" / ("a" * 64 + ".json")).rename(tmp_path / "bb" / ("b" * 64 + ".json"))
    assert store.get("b" * 64) is None


def test_concurrent_runs_share_the_cache(tmp_path):
    _tree(tmp_path)
    for i in range(30):
        (tmp_path / "pkg" / f"gen{i}.py").write_text(SOURCE.replace("x", f"x{i}"), encoding="utf-8")
    expected = run_cli(["check", "--format", "json", "--no-cache"], tmp_path).stdout
    command = [sys.executable, "-m", "groundrules", "check", "--format", "json", "--jobs", "1"]
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(tmp_path)}
    procs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True, env=env) for _ in range(4)]
    outputs = [p.communicate()[0] for p in procs]
    assert outputs == [expected] * 4
    assert run_cli(["check", "--format", "json"], tmp_path).stdout == expected
    assert not list((tmp_path / ".groundrules_cache").glob("*/.tmp-*"))


def test_the_cache_is_bounded_least_recently_used_first(tmp_path):
    import os

    store = ResultCache(tmp_path, max_bytes=2000)
    keys = [f"{i:064x}" for i in range(20)]
    for age, key in enumerate(keys):
        store.put(key, {"payload": "x" * 200})
        path = store._path(key)
        os.utime(path, ns=(age * 10**9, age * 10**9))
    assert store.get(keys[0]) is not None  # used now: the newest
    assert store.prune() > 0
    total = sum(p.stat().st_size for p in tmp_path.glob("*/*.json"))
    assert total <= 2000
    assert store.get(keys[0]) is not None
    assert store.get(keys[1]) is None  # least recently used: gone
    assert store.get(keys[-1]) is not None


def test_bandit_results_are_cached_per_file(tmp_path):
    _tree(tmp_path)
    args = ["check", "--with", "bandit", "--format", "json"]
    uncached = run_cli(args + ["--no-cache"], tmp_path)
    cold = run_cli(args, tmp_path)
    assert len(_entries(tmp_path / ".groundrules_cache")) == 3 + 2  # ours on 3 files, bandit on 2
    warm = run_cli(args, tmp_path)
    assert uncached.stdout == cold.stdout == warm.stdout
    assert any(f["source"] == "bandit" for f in json.loads(warm.stdout)["findings"])
    # The bandit entry holds bandit's issues; another excluded test set is another entry.
    run_cli(args + ["--ignore", "GR206"], tmp_path)  # drops B506 with its peer
    assert len(_entries(tmp_path / ".groundrules_cache")) == 5 + 3 + 2


def test_a_finding_built_from_its_values_is_the_finding():
    import dataclasses as _dc

    from groundrules.rules.framework import Finding as _Finding
    from groundrules.standards.schema import Category as _Category, FixClass as _FixClass, Severity as _Severity

    made = _Finding("GR101", "print-instead-of-logging", "m", "a.py", 3, 1, 3, 9, _Severity.WARNING,
                    _Category.CODING, "groundrules", _FixClass.SAFE, 2)
    rebuilt = _Finding.from_values([getattr(made, f.name) for f in _dc.fields(_Finding)])
    assert rebuilt == made and hash(rebuilt) == hash(made) and repr(rebuilt) == repr(made)
    with pytest.raises(_dc.FrozenInstanceError):
        rebuilt.line = 4  # type: ignore[misc]


def test_the_fast_constructor_knows_every_field_in_order():
    import dataclasses as _dc

    from groundrules.rules import framework

    assert framework._FINDING_FIELDS == tuple(f.name for f in _dc.fields(framework.Finding))
