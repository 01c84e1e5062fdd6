"""Messages a new repo can follow: the advice of one rule never raises another, and names a
setting that exists rather than a helper the repo does not have (issue 12, first-hour trial)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


def _findings(tmp_path: Path, *args: str) -> list:
    done = run_cli(["check", "--format", "json", "--exit-zero", *args], tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["findings"]


def test_secret_advice_agrees_with_env_rule(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.groundrules]\n", encoding="utf-8")
    (tmp_path / "app.py").write_text('DB_PASSWORD = "Hunter2pass"\n', encoding="utf-8")
    [secret] = _findings(tmp_path, "--select", "GR201,GR311", "app.py")
    assert secret["code"] == "GR201"
    assert "`config.py`" in secret["message"] and "`config-modules`" in secret["message"]
    # Done as told: the read moves to config.py, the code imports the value.
    (tmp_path / "config.py").write_text('import os\n\ndb_password = os.environ["DB_PASSWORD"]\n', encoding="utf-8")
    (tmp_path / "app.py").write_text("from config import db_password\n\nDB = db_password\n", encoding="utf-8")
    assert _findings(tmp_path, "--select", "GR201,GR311", ".") == []
    # Done half-way (the read left in app.py): GR311 sends it to the same place.
    (tmp_path / "app.py").write_text('import os\n\nDB = os.environ["DB_PASSWORD"]\n', encoding="utf-8")
    [env] = _findings(tmp_path, "--select", "GR201,GR311", ".")
    assert env["code"] == "GR311"
    assert "`config.py`" in env["message"] and "`config-modules`" in env["message"]
    assert "settings." not in env["message"]


def test_raw_db_message_names_the_setting_then_respects_it(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.groundrules]\n", encoding="utf-8")
    pkg = tmp_path / "team"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "data_access.py").write_text(
        "import psycopg2\n\n\ndef connection() -> object:\n    return psycopg2.connect('dbname=x')\n",
        encoding="utf-8",
    )
    [raw] = _findings(tmp_path, "--select", "GR301", ".")
    assert raw["line"] == 5
    assert "allowed-modules" in raw["message"] and "get_connection" not in raw["message"]
    (tmp_path / "pyproject.toml").write_text(
        "[tool.groundrules.data-access]\nallowed-modules = ['team.data_access']\n", encoding="utf-8"
    )
    assert _findings(tmp_path, "--select", "GR301", ".") == []
    # Elsewhere, the message now names the declared layer.
    (pkg / "train.py").write_text(
        "import pymysql\n\n\ndef train() -> None:\n    pymysql.connect(host='db')\n", encoding="utf-8"
    )
    [other] = _findings(tmp_path, "--select", "GR301", ".")
    assert other["path"].endswith("train.py") and "`team.data_access`" in other["message"]


def test_notebook_outputs_are_one_finding_per_notebook() -> None:
    from groundrules.rules.examples import run_example
    from groundrules.rules.registry import by_code

    rule = by_code()["GR313"]
    [finding] = run_example(rule, rule.bad[-1])
    assert finding.cell == 2
    assert finding.message == (
        "notebook keeps outputs in 1 cell and execution counts in 1 cell and widget state in its "
        "metadata (first: cell 2): strip outputs before committing"
    )


def test_late_import_in_a_notebook_names_the_cell_not_the_joined_line() -> None:
    from groundrules.rules.examples import run_example
    from groundrules.rules.registry import by_code

    rule = by_code()["GR120"]
    [finding] = run_example(rule, rule.bad[1])
    assert finding.cell == 2
    assert finding.message.startswith(
        "import below code (cell 1, line 2 is the first statement that is not an import)"
    )


def test_print_message_says_what_applies_where() -> None:
    from groundrules.rules.examples import run_example
    from groundrules.rules.registry import by_code

    rule = by_code()["GR101"]
    [library] = run_example(rule, rule.bad[0])
    assert "in library code" in library.message
    [entry] = run_example(rule, rule.bad[4])
    assert "an entry point outside its `__main__` block" in entry.message
    [cell] = run_example(rule, rule.bad[5])
    assert cell.cell == 1 and "library code" not in cell.message and "a notebook cell" in cell.message
