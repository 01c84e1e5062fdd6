"""`check --with bandit,mypy`: the real tools through the real command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

from conftest import ROOT, run_cli

SECRET = "hunter2-Zq9!"
RISKY = (
    "import subprocess\n"
    "import yaml\n"
    "\n"
    "\n"
    "def run(cmd: str) -> None:\n"
    "    subprocess.call(cmd, shell=True)\n"
    "\n"
    "\n"
    "def load(text: str) -> object:\n"
    "    return yaml.load(text)\n"
    "\n"
    "\n"
    "def connect(host: str) -> None:\n"
    "    subprocess.run(['ping', host], check=True)\n"
)
TYPED_WRONG = "def add(a: int) -> int:\n    return a + 'x'\n\n\ndef untyped(x):\n    return x\n"


def findings(proc: "subprocess.CompletedProcess[str]") -> List[Dict[str, Any]]:
    assert proc.returncode in (0, 1), proc.stderr
    result: List[Dict[str, Any]] = json.loads(proc.stdout)["findings"]
    return result


def codes(proc: "subprocess.CompletedProcess[str]") -> List[str]:
    return [f["code"] for f in findings(proc)]


def test_bandit_findings_become_ours_and_duplicates_are_reported_once(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(RISKY, encoding="utf-8")
    proc = run_cli(["check", "--with", "bandit", "--format", "json", "mod.py"], tmp_path)
    found = findings(proc)
    by_code = {f["code"]: f for f in found}
    # B602 and B506 repeat GR208 and GR206 on the same lines: reported once, as ours.
    assert "B602" not in by_code and "B506" not in by_code
    assert by_code["GR208"]["message"].endswith("(also bandit B602)")
    assert by_code["GR206"]["message"].endswith("(also bandit B506)")
    assert by_code["GR206"]["source"] == "groundrules"
    # B404 (importing subprocess) has no peer: it is bandit's, as a low-severity security finding.
    b404 = by_code["B404"]
    assert b404["source"] == "bandit" and b404["category"] == "security"
    assert b404["severity"] == "info" and (b404["path"], b404["line"], b404["column"]) == ("mod.py", 1, 1)
    assert proc.returncode == 1


def test_bandit_alone_with_select_b(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(RISKY, encoding="utf-8")
    proc = run_cli(["check", "--with", "bandit", "--select", "B", "--format", "json", "mod.py"], tmp_path)
    found = findings(proc)
    assert found and all(f["source"] == "bandit" for f in found)
    b602 = next(f for f in found if f["code"] == "B602")
    assert (b602["line"], b602["column"], b602["severity"]) == (6, 5, "error")
    assert proc.returncode == 1  # B602 is high severity: an error, at the default fail-on
    ignored = run_cli(["check", "--with", "bandit", "--select", "B", "--ignore", "B6", "--format", "json",
                       "mod.py"], tmp_path)
    assert not any(c.startswith("B6") for c in codes(ignored))


def test_mypy_alone_with_select_mypy_and_strict_only_for_production(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(TYPED_WRONG, encoding="utf-8")
    for select in ("mypy", "MYPY", "mypy:operator"):
        proc = run_cli(["check", "--with", "mypy", "--select", select, "--format", "json", "mod.py"], tmp_path)
        found = findings(proc)
        assert found and all(f["source"] == "mypy" for f in found), select
    proc = run_cli(["check", "--with", "mypy", "--select", "mypy", "--format", "json", "mod.py"], tmp_path)
    by_code = {f["code"]: f for f in findings(proc)}
    operator = by_code["mypy:operator"]
    assert (operator["path"], operator["line"], operator["column"]) == ("mod.py", 2, 16)
    assert operator["severity"] == "error" and operator["category"] == "coding"
    assert "mypy:no-untyped-def" not in by_code  # no profile: the project's own mypy configuration
    assert proc.returncode == 1
    (tmp_path / "pyproject.toml").write_text('[tool.groundrules]\nextends = ["groundrules:production"]\n',
                                             encoding="utf-8")
    proc = run_cli(["check", "--with", "mypy", "--select", "mypy", "--format", "json", "mod.py"], tmp_path)
    assert "mypy:no-untyped-def" in codes(proc)  # the production pack: --strict


def test_mypy_strict_for_production_lenient_for_prototype(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.groundrules]\n"
        "[tool.groundrules.profiles.prototype]\npaths = ['notebooks/**']\n"
        "[tool.groundrules.profiles.production]\npaths = ['src/**']\n",
        encoding="utf-8",
    )
    for folder in ("src", "notebooks"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / f"{folder}_mod.py").write_text(TYPED_WRONG, encoding="utf-8")
    proc = run_cli(["check", "--with", "mypy", "--select", "mypy", "--format", "json", "src", "notebooks"], tmp_path)
    found = findings(proc)
    prod = {f["code"] for f in found if f["path"] == "src/src_mod.py"}
    proto = {f["code"] for f in found if f["path"] == "notebooks/notebooks_mod.py"}
    assert prod == {"mypy:operator", "mypy:no-untyped-def"}
    assert proto == {"mypy:operator"}  # lenient: untyped functions are fine, type errors are not


def test_noqa_for_bandit_and_mypy_codes_and_unused_ones(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(
        "import subprocess  # noqa: B404\n"
        "\n"
        "\n"
        "def add(a: int) -> int:\n"
        "    return a + 'x'  # noqa: mypy:operator\n"
        "\n"
        "\n"
        "def two(a: int) -> int:\n"
        "    return a + 'x'  # NOQA: mypy\n"
        "\n"
        "\n"
        "X = 1  # noqa: B602, mypy:arg-type\n"
        "Y = subprocess.PIPE  # noqa\n",
        encoding="utf-8",
    )
    proc = run_cli(["check", "--with", "bandit,mypy", "--format", "json", "mod.py"], tmp_path)
    found = findings(proc)
    assert not [f for f in found if f["source"] != "groundrules"]
    unused = sorted((f["line"], f["column"], f["message"]) for f in found if f["code"] == "GR903")
    assert [(line, column) for line, column, _ in unused] == [(12, 16), (12, 22)]
    assert "`# noqa: B602`" in unused[0][2] and "bandit did not report it" in unused[0][2]
    assert "`# noqa: mypy:arg-type`" in unused[1][2]
    # Without the tools, their codes are not judged: they may well be in use.
    alone = run_cli(["check", "--format", "json", "mod.py"], tmp_path)
    assert "GR903" not in codes(alone)
    only_bandit = run_cli(["check", "--with", "bandit", "--format", "json", "mod.py"], tmp_path)
    assert [f["column"] for f in findings(only_bandit) if f["code"] == "GR903"] == [16]


def test_reason_required_for_bandit_codes_is_gr902(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.groundrules]\nreason-required = ['GR2', 'B']\n", encoding="utf-8"
    )
    (tmp_path / "mod.py").write_text(
        "import subprocess  # noqa: B404\n"
        "import pickle  # noqa: B403 -- reviewed: we only load our own files\n",
        encoding="utf-8",
    )
    proc = run_cli(["check", "--with", "bandit", "--format", "json", "mod.py"], tmp_path)
    missing = [f for f in findings(proc) if f["code"] == "GR902"]
    assert [(f["line"], f["column"]) for f in missing] == [(1, 20)]
    assert "B404" in missing[0]["message"]
    assert not [f for f in findings(proc) if f["source"] == "bandit"]


def test_noqa_for_our_code_also_silences_its_bandit_peer(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(
        "import yaml\n\n\ndef load(text: str) -> object:\n"
        "    return yaml.load(text)  # noqa: GR206 -- our own config files\n",
        encoding="utf-8",
    )
    proc = run_cli(["check", "--with", "bandit", "--format", "json", "mod.py"], tmp_path)
    assert "B506" not in codes(proc) and "GR206" not in codes(proc)


def test_bandit_secret_is_masked_in_text_and_json(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(f'def login(password: str = "{SECRET}") -> str:\n    return password\n'
                                     f'db_password = "{SECRET}"\n', encoding="utf-8")
    for fmt in ("text", "json"):
        proc = run_cli(["check", "--with", "bandit", "--select", "B", "--format", fmt, "mod.py"], tmp_path)
        assert proc.returncode in (0, 1), proc.stderr
        assert SECRET not in proc.stdout and SECRET not in proc.stderr
        assert "B105" in proc.stdout and "B107" in proc.stdout
        assert f"({len(SECRET)} chars)" in proc.stdout


def test_unknown_tool_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("x = 1\n", encoding="utf-8")
    proc = run_cli(["check", "--with", "bandit,pylint", "mod.py"], tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "groundrules: --with: unknown tool 'pylint' (the gate runs: bandit, mypy)\n"


def test_gate_tools_in_the_standards(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.groundrules.gate]\ntools = ['bandit']\n", encoding="utf-8")
    (tmp_path / "mod.py").write_text(RISKY, encoding="utf-8")
    found = findings(run_cli(["check", "--format", "json", "mod.py"], tmp_path))
    assert {f["source"] for f in found} == {"groundrules", "bandit"}


def test_a_mypy_configuration_error_is_one_line_and_our_findings_stay(tmp_path: Path) -> None:
    (tmp_path / "mypy.ini").write_text("[mypy]\nplugins = no_such_mypy_plugin\n", encoding="utf-8")
    (tmp_path / "mod.py").write_text(RISKY, encoding="utf-8")
    proc = run_cli(["check", "--with", "mypy", "--format", "json", "mod.py"], tmp_path)
    assert proc.returncode == 2
    assert "GR206" in [f["code"] for f in json.loads(proc.stdout)["findings"]]
    errors = proc.stderr.splitlines()
    assert errors == ["groundrules: mypy.ini: mypy rejected its configuration: Error importing plugin "
                      "\"no_such_mypy_plugin\": No module named 'no_such_mypy_plugin'"], proc.stderr


def test_plain_check_imports_neither_tool(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(RISKY, encoding="utf-8")
    script = (
        "import sys\nfrom groundrules.hooks.cli import main\n"
        "main(['check', 'mod.py'])\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('bandit', 'mypy')], 'imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)},
                          check=False)
    assert proc.returncode == 0, proc.stderr


def test_bandit_profile_follows_the_standards(tmp_path: Path) -> None:
    # The team ignores GR206, so bandit's B506 is skipped too; `assert` in tests is not B101.
    (tmp_path / "pyproject.toml").write_text("[tool.groundrules]\nignore = ['GR206']\n", encoding="utf-8")
    (tmp_path / "mod.py").write_text(RISKY, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_mod.py").write_text("def test_x() -> None:\n    assert 1 + 1 == 2\n", encoding="utf-8")
    (tmp_path / "check.py").write_text("def check(x: int) -> None:\n    assert x > 0\n", encoding="utf-8")
    found = findings(run_cli(["check", "--with", "bandit", "--select", "B", "--format", "json", "."], tmp_path))
    assert {(f["path"], f["code"]) for f in found if f["code"] in ("B506", "B101")} == {("check.py", "B101")}


MYPY_SECRET = "sk-Zq7vT3xW9kLm2Pq8Rs4"


def test_mypy_messages_do_not_leak_string_literals(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(
        "from typing import Final, Literal\n"
        "\n"
        f'API_KEY: Final = "{MYPY_SECRET}"\n'
        'PASSWORD: Final = "hunter2-Zq9!"\n'
        "\n"
        "\n"
        "def g(x: Literal['a']) -> None:\n"
        "    pass\n"
        "\n"
        "\n"
        "def h() -> None:\n"
        "    if API_KEY == 3:\n"
        "        pass\n"
        "    g(PASSWORD)\n",
        encoding="utf-8",
    )
    # --strict (for strict equality): the production pack
    (tmp_path / "pyproject.toml").write_text('[tool.groundrules]\nextends = ["groundrules:production"]\n',
                                             encoding="utf-8")
    for fmt in ("json", "sarif", "text"):
        proc = run_cli(["check", "--with", "mypy", "--select", "mypy", "--format", fmt, "mod.py"], tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert "comparison-overlap" in proc.stdout and "arg-type" in proc.stdout, proc.stdout
        assert MYPY_SECRET not in proc.stdout + proc.stderr and SECRET not in proc.stdout + proc.stderr, fmt
        assert "Literal['a']" in proc.stdout  # short literals stay readable


def test_nosec_does_not_bypass_our_suppression_rules(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.groundrules]\nreason-required = ['B']\n", encoding="utf-8")
    (tmp_path / "mod.py").write_text("import subprocess  # nosec\nimport pickle  # nosec B403\n", encoding="utf-8")
    found = codes(run_cli(["check", "--with", "bandit", "--format", "json", "mod.py"], tmp_path))
    assert "B404" in found and "B403" in found


def test_a_file_that_does_not_parse_does_not_turn_mypy_off(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("def f(:\n    pass\n", encoding="utf-8")
    (tmp_path / "mod.py").write_text(TYPED_WRONG, encoding="utf-8")
    proc = run_cli(["check", "--with", "mypy", "--format", "json", "."], tmp_path)
    assert proc.returncode == 1, proc.stderr
    found = findings(proc)
    assert ("bad.py", "GR901") in {(f["path"], f["code"]) for f in found}
    assert "mypy:operator" in {f["code"] for f in found if f["path"] == "mod.py"}
    assert not [f for f in found if f["path"] == "bad.py" and f["source"] == "mypy"]


def test_noqa_for_a_bandit_test_the_standards_skip_is_not_unused(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(
        "import subprocess  # noqa: B404\n\n\ndef run(cmd: str) -> None:\n"
        "    subprocess.call(cmd, shell=True)  # noqa: B602, GR208\n",
        encoding="utf-8",
    )
    proc = run_cli(["check", "--with", "bandit", "--ignore", "GR208", "--format", "json", "mod.py"], tmp_path)
    assert "GR903" not in codes(proc)
    (tmp_path / "pyproject.toml").write_text("[tool.groundrules]\nignore = ['GR208']\n", encoding="utf-8")
    proc = run_cli(["check", "--with", "bandit", "--format", "json", "mod.py"], tmp_path)
    assert "GR903" not in codes(proc)


def test_modules_with_the_same_name_in_two_folders(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "util.py").write_text(TYPED_WRONG, encoding="utf-8")
    proc = run_cli(["check", "--with", "mypy", "--select", "mypy", "--format", "json", "."], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert {f["path"] for f in findings(proc) if f["code"] == "mypy:operator"} == {"a/util.py", "b/util.py"}


def test_text_report_never_claims_success_when_a_tool_failed(tmp_path: Path) -> None:
    (tmp_path / "mypy.ini").write_text("[mypy]\nplugins = no_such_mypy_plugin\n", encoding="utf-8")
    (tmp_path / "mod.py").write_text("x = 1\n", encoding="utf-8")
    proc = run_cli(["check", "--with", "mypy", "mod.py"], tmp_path)
    assert proc.returncode == 2
    assert "All checks passed" not in proc.stdout


def test_mypy_configuration_problems_are_one_line_each_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "mypy.ini").write_text("[mypy\nstrict = True\n", encoding="utf-8")
    proc = run_cli(["check", "--with", "mypy", "mod.py"], tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "groundrules: mypy.ini: mypy rejected its configuration: File contains no section headers."
    ], proc.stderr
    (tmp_path / "mypy.ini").write_text("[mypy]\nno_such_option = 1\n", encoding="utf-8")
    proc = run_cli(["check", "--with", "mypy", "mod.py"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        "groundrules: mypy.ini: mypy ignored part of its configuration: [mypy]: Unrecognized option: "
        "no_such_option = 1"
    ], proc.stderr


def test_reason_after_a_prefix_only_bandit_code(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.groundrules]\nreason-required = ['B']\n", encoding="utf-8")
    (tmp_path / "mod.py").write_text("import subprocess  # noqa: B -- reviewed\n", encoding="utf-8")
    found = codes(run_cli(["check", "--with", "bandit", "--format", "json", "mod.py"], tmp_path))
    assert "GR902" not in found and "B404" not in found


def test_low_confidence_bandit_issues_are_dropped_and_severity_meets_fail_on(tmp_path: Path) -> None:
    # bandit rates B113 (request without timeout) LOW confidence: the gate drops it.
    (tmp_path / "net.py").write_text("import requests\n\n\ndef f(url):\n    return requests.get(url)\n",
                                     encoding="utf-8")
    proc = run_cli(["check", "--with", "bandit", "--select", "B", "--format", "json", "net.py"], tmp_path)
    assert "B113" not in codes(proc)
    # B404 (import subprocess) is LOW severity: info, below the default fail-on (error)...
    (tmp_path / "low.py").write_text("import subprocess\n", encoding="utf-8")
    low = run_cli(["check", "--with", "bandit", "--select", "B", "--format", "json", "low.py"], tmp_path)
    b404 = next(f for f in findings(low) if f["code"] == "B404")
    assert b404["severity"] == "info" and low.returncode == 0
    # ...and fails the gate once the standards lower fail-on to info.
    (tmp_path / "pyproject.toml").write_text('[tool.groundrules]\nfail-on = "info"\n', encoding="utf-8")
    strict = run_cli(["check", "--with", "bandit", "--select", "B", "low.py"], tmp_path)
    assert strict.returncode == 1
