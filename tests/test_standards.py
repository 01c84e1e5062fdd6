"""Loading and resolving the standards: packs, extends, profiles, and errors that name the fix."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from groundrules.rules.registry import catalog
from groundrules.standards.errors import StandardsError
from groundrules.standards.loader import find_config, load_standards
from groundrules.standards.schema import Severity


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_closest_config_wins_and_pyproject_without_table_is_skipped(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.groundrules]\nignore = ['GR101']\n")
    write(tmp_path / "sub" / "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path / "sub" / "deeper" / "groundrules.toml", "ignore = ['GR102']\n")
    assert find_config(tmp_path / "sub" / "a.py") == (tmp_path / "pyproject.toml").resolve()
    assert find_config(tmp_path / "sub" / "deeper" / "a.py") == (
        tmp_path / "sub" / "deeper" / "groundrules.toml"
    ).resolve()


def test_defaults_enable_rules_but_not_off_by_default_ones(tmp_path):
    std = load_standards(None, catalog(), tmp_path)
    fs = std.resolve(tmp_path / "a.py", catalog())
    assert "GR101" in fs.enabled and "GR201" in fs.enabled
    assert "GR122" not in fs.enabled  # off by default
    assert std.fail_on is Severity.ERROR


def test_select_ignore_specificity_and_off_by_default_by_code(tmp_path):
    cfg = write(tmp_path / "groundrules.toml", "select = ['GR1', 'GR122', 'GR201']\nignore = ['GR10']\n")
    fs = load_standards(cfg, catalog()).resolve(tmp_path / "a.py", catalog())
    assert "GR122" in fs.enabled and "GR201" in fs.enabled and "GR111" in fs.enabled
    assert "GR101" not in fs.enabled and "GR202" not in fs.enabled


def test_profiles_by_path_with_packs_and_severity(tmp_path):
    cfg = write(
        tmp_path / "pyproject.toml",
        """
[tool.groundrules]
fail-on = "warning"
[tool.groundrules.profiles.prototype]
paths = ["notebooks/**"]
extends = ["groundrules:prototype"]
severity = { "GR4" = "info" }
[tool.groundrules.profiles.strict]
paths = ["src/**"]
ignore = ["GR3"]
""",
    )
    std = load_standards(cfg, catalog())
    proto = std.resolve(tmp_path / "notebooks" / "eda.py", catalog())
    strict = std.resolve(tmp_path / "src" / "pkg" / "m.py", catalog())
    other = std.resolve(tmp_path / "other.py", catalog())
    assert proto.profile == "prototype" and strict.profile == "strict" and other.profile is None
    # The prototype pack makes its paths exploration code, whatever the file looks like.
    assert "GR102" not in proto.in_context(False).enabled and "GR102" in other.in_context(False).enabled
    assert proto.severities["GR111"] is Severity.WARNING
    assert proto.severities["GR201"] is Severity.ERROR  # security stays an error
    assert proto.severities["GR401"] is Severity.INFO
    assert not any(c.startswith("GR3") for c in strict.enabled)
    assert std.fail_on is Severity.WARNING


def test_options_are_typed_and_reach_the_file(tmp_path):
    cfg = write(tmp_path / "groundrules.toml", "[security]\ndefault-timeout = 5\n")
    fs = load_standards(cfg, catalog()).resolve(tmp_path / "a.py", catalog())
    assert fs.options["security.default-timeout"] == 5


def test_all_errors_reported_together_with_file_key_and_hint(tmp_path):
    cfg = write(
        tmp_path / "pyproject.toml",
        """
[tool.groundrules]
selcet = ["GR1"]
ignore = ["GR999"]
fail-on = "fatal"
exclude = ["build/[abc"]
extends = ["groundrules:nonexistent"]
[tool.groundrules.security]
default-timeout = "thirty"
unknown-option = 1
[tool.groundrules.profiles.p]
paths = "src/**"
""",
    )
    with pytest.raises(StandardsError) as info:
        load_standards(cfg, catalog())
    text = str(info.value)
    for needle in (
        "selcet: unknown key (hint: did you mean 'select'?)",
        "ignore: unknown rule code or prefix 'GR999'",
        "fail-on: 'fatal' is not a severity",
        "exclude[0]: bad glob",
        "no built-in pack 'nonexistent'",
        "security.default-timeout: expected an integer",
        "security.unknown-option: unknown key",
        "profiles.p.paths: expected a list of strings",
    ):
        assert needle in text, needle
    assert all(str(cfg) in line for line in text.splitlines())


def test_invalid_toml_is_an_error_naming_the_file(tmp_path):
    cfg = write(tmp_path / "groundrules.toml", "select = [\n")
    with pytest.raises(StandardsError, match="invalid TOML"):
        load_standards(cfg, catalog())


def test_extends_relative_path_and_cycles(tmp_path):
    write(tmp_path / "team.toml", "ignore = ['GR101']\n[security]\ndefault-timeout = 7\n")
    cfg = write(tmp_path / "proj" / "groundrules.toml", "extends = ['groundrules:recommended', '../team.toml']\n")
    fs = load_standards(cfg, catalog()).resolve(tmp_path / "proj" / "a.py", catalog())
    assert "GR101" not in fs.enabled and fs.options["security.default-timeout"] == 7
    write(tmp_path / "a.toml", "extends = ['b.toml']\n")
    write(tmp_path / "b.toml", "extends = ['a.toml']\n")
    cyc = write(tmp_path / "c" / "groundrules.toml", "extends = ['../a.toml']\n")
    with pytest.raises(StandardsError, match="extends itself"):
        load_standards(cyc, catalog())


def test_extends_a_pack_published_by_an_installed_package(tmp_path, monkeypatch):
    site = tmp_path / "site"
    write(site / "acme_standards" / "__init__.py", "")
    write(site / "acme_standards" / "team.toml", "ignore = ['GR105']\n")
    dist = site / "acme_standards-1.0.dist-info"
    write(dist / "METADATA", "Metadata-Version: 2.1\nName: acme-standards\nVersion: 1.0\n")
    write(dist / "entry_points.txt", "[groundrules.packs]\nacme_standards = acme_standards\n")
    monkeypatch.syspath_prepend(str(site))
    cfg = write(tmp_path / "proj" / "groundrules.toml", "extends = ['acme_standards:team']\n")
    fs = load_standards(cfg, catalog()).resolve(tmp_path / "proj" / "a.py", catalog())
    assert "GR105" not in fs.enabled and "GR101" in fs.enabled
    assert "acme_standards" not in sys.modules  # located, never imported
    bad = write(tmp_path / "proj2" / "groundrules.toml", "extends = ['nobody:team']\n")
    with pytest.raises(StandardsError, match="no installed package publishes packs as 'nobody'"):
        load_standards(bad, catalog())


def test_banned_api_codes_are_selectable(tmp_path):
    cfg = write(
        tmp_path / "groundrules.toml",
        "ignore = ['GR801']\n[[banned-api]]\ncode = 'GR801'\nname = 'pandas.read_sql'\nmessage = 'use acme'\n",
    )
    fs = load_standards(cfg, catalog()).resolve(tmp_path / "a.py", catalog())
    assert "GR801" not in fs.enabled
    bad = write(tmp_path / "b" / "groundrules.toml", "[[banned-api]]\ncode = 'GR201'\nname = 'x'\nmessage = 'm'\n")
    with pytest.raises(StandardsError, match="GR801-GR899"):
        load_standards(bad, catalog())


def test_standards_are_frozen(tmp_path):
    fs = load_standards(None, catalog(), tmp_path).resolve(tmp_path / "a.py", catalog())
    with pytest.raises(Exception):
        fs.profile = "x"  # type: ignore[misc]
