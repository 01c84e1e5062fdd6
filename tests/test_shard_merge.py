"""``check --shard I/N`` + ``merge``: a CI matrix reports exactly what one unsharded run does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from groundrules.hooks.shard import Shard, parse_shard

SOURCES = [
    "import yaml\nconfig = yaml.load(text)  # noqa: GR206\nother = yaml.load(text)\n",
    "def f(items=[]):\n    try:\n        return eval(items)\n    except:\n        pass\n",
    "import os\nos.system('rm ' + path)\n",
    "def add(a: int, b: int) -> int:\n    return a + b\n",
    "def f(:\n",
]
NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "import pandas as pd\nx = 1",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "1"}]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": "df = pd.read_csv('data.csv')\ndf['a'][0] = 1\nbreakpoint()\n"},
    ],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    (root / "pyproject.toml").write_text("[tool.groundrules]\nfail-on = 'warning'\n", encoding="utf-8")
    for i in range(45):  # past the runner's parallel threshold
        package = root / f"pkg{i % 4}"
        package.mkdir(exist_ok=True)
        (package / f"m{i}.py").write_text(SOURCES[i % len(SOURCES)], encoding="utf-8")
    for i in range(3):
        (root / f"eda{i}.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    return root


def _check(root: Path, *args: str):
    return run_cli(["check", "--no-cache", *args], root)


def test_shards_partition_the_files(tree):
    total = json.loads(_check(tree, "--format", "json", "--exit-zero").stdout)["summary"]["files"]
    counts = [json.loads(_check(tree, "--format", "json", "--shard", f"{i}/3").stdout)["summary"]["files"]
              for i in (1, 2, 3)]
    assert sum(counts) == total == 48 and all(counts)
    paths = [f"dir{i}/file{i}.py" for i in range(1000)]
    owners = [[s for s in range(1, 6) if Shard(s, 5).owns(p)] for p in paths]
    assert all(len(o) == 1 for o in owners)  # every file in exactly one shard
    assert min(sum(1 for o in owners if o == [s]) for s in range(1, 6)) > 150  # and balanced
    assert Shard(1, 1).owns("anything")


@pytest.mark.parametrize("shard_format", ["json", "sarif"])
def test_sharded_and_merged_equals_the_unsharded_run(tree, tmp_path, shard_format):
    reports = []
    for i in (1, 2, 3):
        report = tmp_path / f"shard{i}.{shard_format}"
        proc = _check(tree, "--format", shard_format, "--shard", f"{i}/3", "--output", str(report))
        assert proc.returncode in (0, 1), proc.stderr
        reports.append(str(report))
    # SARIF points at a notebook's .ipynb lines, not its cell's columns: only JSON shards carry
    # everything every format shows.
    formats = ["sarif"] if shard_format == "sarif" else ["sarif", "github", "gitlab", "text", "json", "junit", "markdown"]
    for fmt in formats:
        whole = _check(tree, "--format", fmt)
        merged = run_cli(["merge", "--format", fmt, *reports], tree)
        assert merged.stdout == whole.stdout, fmt
        assert merged.returncode == whole.returncode == 1
        assert merged.stderr == ""
    if shard_format == "sarif":
        whole = json.loads(_check(tree, "--format", "json").stdout)
        merged = json.loads(run_cli(["merge", "--format", "json", *reports], tree).stdout)
        assert merged["summary"] == whole["summary"]
        lossy = ("column", "end_line", "end_column")
        assert [{k: v for k, v in f.items() if "cell" not in f or k not in lossy} for f in merged["findings"]] == \
            [{k: v for k, v in f.items() if "cell" not in f or k not in lossy} for f in whole["findings"]]


def test_merge_compares_with_one_baseline(tree, tmp_path):
    baseline = tmp_path / "baseline.json"
    assert run_cli(["baseline", "--no-cache", "--output", str(baseline)], tree).returncode == 0
    extra = tree / "pkg0" / "new.py"
    extra.write_text(SOURCES[2], encoding="utf-8")
    try:
        reports = []
        for i in (1, 2):
            report = tmp_path / f"b{i}.json"
            _check(tree, "--format", "json", "--shard", f"{i}/2", "--output", str(report))
            reports.append(str(report))
        whole = _check(tree, "--format", "json", "--baseline", str(baseline))
        merged = run_cli(["merge", "--format", "json", "--baseline", str(baseline), *reports], tree)
        assert json.loads(merged.stdout)["findings"] == json.loads(whole.stdout)["findings"]
        assert {f["path"] for f in json.loads(merged.stdout)["findings"]} == {"pkg0/new.py"}
        assert merged.returncode == whole.returncode == 1
        assert json.loads(merged.stdout)["summary"]["failing"] == json.loads(whole.stdout)["summary"]["failing"]
    finally:
        extra.unlink()
    # With the new file gone, the baseline covers every finding: exit 0.
    clean = run_cli(["merge", "--baseline", str(baseline), *[str(p) for p in _shard_reports(tree, tmp_path)]], tree)
    assert clean.returncode == 0, clean.stdout


def _shard_reports(root: Path, where: Path):
    for i in (1, 2):
        report = where / f"c{i}.json"
        _check(root, "--format", "json", "--shard", f"{i}/2", "--output", str(report))
        yield report


def test_results_do_not_depend_on_jobs(tree):
    one = _check(tree, "--format", "json", "--jobs", "1").stdout
    assert _check(tree, "--format", "json", "--jobs", "2").stdout == one
    assert _check(tree, "--format", "json", "--jobs", "3").stdout == one


def test_bad_shard_and_bad_reports_exit_2_with_one_line(tree, tmp_path):
    for value in ("0/3", "4/3", "x", "1/0", "2"):
        assert parse_shard(value)[1] is not None
        proc = _check(tree, "--shard", value)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--shard" in proc.stderr
    (tmp_path / "junk.json").write_text('{"something": "else"}', encoding="utf-8")
    (tmp_path / "torn.json").write_text('{"findings": [', encoding="utf-8")
    for name in ("junk.json", "torn.json", "missing.json"):
        out = tmp_path / "merged.json"
        proc = run_cli(["merge", "--output", str(out), str(tmp_path / name)], tree)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and name in proc.stderr
        assert not out.exists()
