"""The `groundrules` command, run for real in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT, run_cli

BAD = "import yaml\n\ndef load(path):\n    print(path)\n    return yaml.load(open(path, encoding='utf-8'))\n"


def test_check_text_output_summary_hint_and_exit_code(tmp_path):
    (tmp_path / "mod.py").write_text(BAD, encoding="utf-8")
    proc = run_cli(["check", "."], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "mod.py:5:12: GR206 " in proc.stdout
    assert "mod.py:4:5: GR101 " in proc.stdout
    assert "GR206  unsafe-yaml-load" in proc.stdout
    assert "groundrules explain" in proc.stdout
    assert "\033[" not in proc.stdout  # not a terminal: no colour


def test_check_json_contract(tmp_path):
    (tmp_path / "mod.py").write_text(BAD, encoding="utf-8")
    proc = run_cli(["check", "--format", "json", "mod.py"], tmp_path)
    doc = json.loads(proc.stdout)
    assert set(doc) == {"version", "findings", "summary"}
    finding = next(f for f in doc["findings"] if f["code"] == "GR206")
    for key in ("code", "name", "message", "path", "line", "column", "end_line", "end_column",
                "severity", "category", "source", "fix"):
        assert key in finding
    assert finding["path"] == "mod.py" and finding["source"] == "groundrules"
    assert finding["severity"] == "error" and finding["category"] == "security"


def test_select_ignore_exit_zero_statistics(tmp_path):
    (tmp_path / "mod.py").write_text(BAD, encoding="utf-8")
    only = run_cli(["check", "--select", "GR101", "--format", "json"], tmp_path)
    assert {f["code"] for f in json.loads(only.stdout)["findings"]} == {"GR101"}
    # GR101 is a warning: under the default fail-on = "error" it does not fail the run.
    assert only.returncode == 0
    ignored = run_cli(["check", "--ignore", "GR2", "--format", "json"], tmp_path)
    assert not any(f["code"].startswith("GR2") for f in json.loads(ignored.stdout)["findings"])
    zero = run_cli(["check", "--exit-zero"], tmp_path)
    assert zero.returncode == 0 and "GR206" in zero.stdout
    stats = run_cli(["check", "--statistics"], tmp_path)
    assert "mod.py:" not in stats.stdout and "GR206  unsafe-yaml-load" in stats.stdout


def test_noqa_is_honoured_with_codes_prefixes_and_reasons(tmp_path):
    src = (
        "import yaml\n"
        "a = yaml.load(x)  # noqa: GR206 -- loader checked upstream\n"
        "b = yaml.load(x)  # noqa: GR2\n"
        "c = yaml.load(x)  # noqa\n"
        "d = yaml.load(x)  # noqa: GR101\n"
    )
    (tmp_path / "m.py").write_text(src, encoding="utf-8")
    doc = json.loads(run_cli(["check", "--format", "json", "--select", "GR206"], tmp_path).stdout)
    assert [f["line"] for f in doc["findings"]] == [5]


def test_unparsable_file_is_a_finding_and_the_run_goes_on(tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n", encoding="utf-8")
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: utf-8 -*-\nx = '\xff'\n")
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00\n")
    (tmp_path / "ok.py").write_text(BAD, encoding="utf-8")
    proc = run_cli(["check", "--format", "json"], tmp_path)
    doc = json.loads(proc.stdout)
    gr901 = {f["path"] for f in doc["findings"] if f["code"] == "GR901"}
    assert gr901 == {"broken.py", "latin.py", "nul.py"}
    assert any(f["path"] == "ok.py" and f["code"] == "GR206" for f in doc["findings"])
    assert proc.returncode == 1


def test_bad_config_exits_2_one_line_per_problem_other_files_checked(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "groundrules.toml").write_text("selcet = ['GR1']\nfail-on = 'x'\n", encoding="utf-8")
    (bad / "m.py").write_text(BAD, encoding="utf-8")
    good = tmp_path / "good"
    good.mkdir()
    (good / "m.py").write_text(BAD, encoding="utf-8")
    proc = run_cli(["check", "bad", "good"], tmp_path)
    assert proc.returncode == 2
    errors = [l for l in proc.stderr.splitlines() if l]
    assert len(errors) == 2 and all("groundrules.toml" in l for l in errors)
    assert "selcet: unknown key" in proc.stderr
    assert "good/m.py:5:12: GR206" in proc.stdout and "bad/m.py" not in proc.stdout


def test_missing_path_and_config_exit_2(tmp_path):
    assert run_cli(["check", "nope.py"], tmp_path).returncode == 2
    assert run_cli(["check", "--config", "none.toml"], tmp_path).returncode == 2
    assert run_cli(["check", "--format", "yaml"], tmp_path).returncode == 2


def test_exclude_and_gitignore(tmp_path):
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text("generated/\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.groundrules]\nexclude = ['legacy/**']\n", encoding="utf-8")
    for folder in ("generated", "legacy", "src"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "m.py").write_text(BAD, encoding="utf-8")
    doc = json.loads(run_cli(["check", "--format", "json"], tmp_path).stdout)
    assert {f["path"].split("/")[0] for f in doc["findings"]} == {"src"}


def test_rules_and_explain(tmp_path):
    text = run_cli(["rules"], tmp_path).stdout
    assert "GR201  hardcoded-secret" in text
    rules = json.loads(run_cli(["rules", "--format", "json"], tmp_path).stdout)
    assert {"code", "name", "category", "severity", "fix", "summary"} <= set(rules[0])
    for arg in ("GR201", "hardcoded-secret"):
        out = run_cli(["explain", arg], tmp_path)
        assert out.returncode == 0
        for section in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "Options"):
            assert f"## {section}" in out.stdout
    assert run_cli(["explain", "GR999"], tmp_path).returncode == 2


def test_example_project_profiles(tmp_path):
    proc = run_cli(["check", "--format", "json", str(ROOT / "examples")], tmp_path)
    doc = json.loads(proc.stdout)
    proto = [f for f in doc["findings"] if "notebooks" in f["path"]]
    prod = [f for f in doc["findings"] if "/src/" in f["path"]]
    # Prototype profile: coding rules warn, GR102 is off; production: a print fails.
    assert all(f["severity"] == "warning" for f in proto if f["code"].startswith("GR1"))
    assert not any(f["code"] == "GR102" for f in proto)
    assert any(f["code"] == "GR201" and f["severity"] == "error" for f in proto)
    assert "sk-live" not in proc.stdout  # secrets are never echoed
    assert [f["code"] for f in prod] == ["GR101"]
    assert proc.returncode == 1


def test_python_dash_m_is_the_same_cli(tmp_path):
    assert run_cli(["--version"], tmp_path).stdout.startswith("groundrules ")


def test_gr902_gr903_through_the_cli(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.groundrules]\nreason-required = ['GR2']\n", encoding="utf-8")
    src = (
        "import yaml\n"
        "a = yaml.load(x)  # noqa: GR206\n"
        "b = yaml.load(x)  # noqa: GR206 -- our own file\n"
        "c = 1  # noqa: GR206 -- stale\n"
        "d = '# noqa: GR206 inside a string is not a comment'\n"
    )
    (tmp_path / "m.py").write_text(src, encoding="utf-8")
    doc = json.loads(run_cli(["check", "--format", "json"], tmp_path).stdout)
    got = sorted((f["line"], f["code"]) for f in doc["findings"] if f["code"].startswith("GR9"))
    assert got == [(2, "GR902"), (4, "GR903")]
    assert not any(f["code"] == "GR206" for f in doc["findings"])  # all three silenced


def test_banned_api_through_the_cli(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.groundrules]\n[[tool.groundrules.banned-api]]\ncode = 'GR801'\nname = 'pandas.read_sql'\n"
        "message = 'read tables through acme.data.read_table'\nallowed-in = ['data/**']\n",
        encoding="utf-8",
    )
    (tmp_path / "data").mkdir()
    src = "import pandas as pd\nframe = pd.read_sql(q, conn)\n"
    (tmp_path / "job.py").write_text(src, encoding="utf-8")
    (tmp_path / "data" / "io.py").write_text(src, encoding="utf-8")
    doc = json.loads(run_cli(["check", "--format", "json", "--select", "GR801"], tmp_path).stdout)
    assert [(f["path"], f["line"], f["code"]) for f in doc["findings"]] == [("job.py", 2, "GR801")]
    assert "acme.data.read_table" in doc["findings"][0]["message"]


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    from groundrules.hooks.cli import _colour

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert _colour(Tty()) is True
    assert _colour(object()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert _colour(Tty()) is False


def test_notebook_outputs_and_artifacts(tmp_path):
    nb = {"cells": [{"cell_type": "code", "execution_count": 2, "metadata": {}, "source": "x = 1",
                     "outputs": [{"output_type": "stream", "name": "stdout", "text": "1"}]},
                    {"cell_type": "code", "execution_count": None, "metadata": {}, "source": "y = x + 1",
                     "outputs": []}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "eda.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (tmp_path / "train.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "model.pt").write_bytes(b"\x80\x02")
    # Directories are walked for notebooks; data files are judged when named (as pre-commit does).
    proc = run_cli(["check", "--format", "json", ".", "train.csv", "model.pt"], tmp_path)
    doc = json.loads(proc.stdout)
    got = sorted((f["path"], f["code"], f.get("cell")) for f in doc["findings"])
    assert got == [("model.pt", "GR314", None), ("notebooks/eda.ipynb", "GR313", 1), ("train.csv", "GR314", None)]
    assert proc.returncode == 1
