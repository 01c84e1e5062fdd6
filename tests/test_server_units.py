"""The server's pure parts: positions, options, suppression comments, and the light core."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lsprotocol import types

from groundrules.rules.framework import Finding
from groundrules.server.convert import diagnostic, replacement
from groundrules.server.documents import noqa_line
from groundrules.server.options import read_options
from groundrules.standards.schema import Category, Severity


def _finding(line: int, column: int, end_column: int, code: str = "GR201") -> Finding:
    return Finding(code, "hardcoded-secret", "m", "x.py", line, column, line, end_column,
                   Severity.ERROR, Category.SECURITY)


def test_columns_are_converted_from_utf8_bytes_to_the_clients_units() -> None:
    line = 'café = "🔑" + key'  # é is 2 bytes (1 UTF-16 unit), 🔑 is 4 bytes (2 units)
    start = line.encode().index(b"key")
    found = diagnostic(_finding(1, start + 1, start + 4), [line])
    assert found.range.start == types.Position(line=0, character=line.index("key") + 1)
    assert found.range.end.character - found.range.start.character == 3
    utf8 = diagnostic(_finding(1, start + 1, start + 4), [line], types.PositionEncodingKind.Utf8)
    assert utf8.range.start.character == start
    utf32 = diagnostic(_finding(1, start + 1, start + 4), [line], types.PositionEncodingKind.Utf32)
    assert utf32.range.start.character == line.index("key")


def test_point_findings_underline_to_the_end_of_the_line() -> None:
    found = diagnostic(_finding(2, 1, 1), ["a = 1", "import os"])
    assert found.range == types.Range(start=types.Position(line=1, character=0),
                                      end=types.Position(line=1, character=9))


def test_replacement_is_the_changed_span_only() -> None:
    old = "import os\nprint(x)\nvalue = 1\n"
    new = "import os\nlogger.info(x)\nvalue = 1\n"
    edit = replacement(old, new)
    assert edit is not None and edit.range.start == types.Position(line=1, character=0)
    assert edit.new_text == "logger.info" and edit.range.end == types.Position(line=1, character=5)
    assert replacement(old, old) is None


def test_noqa_is_added_or_extended_with_room_for_a_reason() -> None:
    assert noqa_line("x = load(s)\n", "GR206") == ("x = load(s)  # noqa: GR206 -- \n", len("x = load(s)  # noqa: GR206 -- "))
    line, at = noqa_line("x = load(s)  # noqa: GR201 -- trusted\n", "GR206")
    assert line == "x = load(s)  # noqa: GR201, GR206 -- trusted\n" and line[:at].endswith("-- ")
    assert noqa_line("x = 1  # noqa: GR206\n", "GR206")[0] == "x = 1  # noqa: GR206 -- \n"


def test_initialization_options_are_checked(tmp_path: Path) -> None:
    options, problems = read_options({"select": "GR2, gr3", "ignore": ["GR113"]}, tmp_path)
    assert options.select == ("GR2", "GR3") and options.ignore == ("GR113",) and not problems
    (tmp_path / "team.toml").write_text("", encoding="utf-8")
    options, problems = read_options({"config": "team.toml", "colour": True, "ignore": 3}, tmp_path)
    assert options.config == tmp_path / "team.toml"
    assert problems == ["initializationOptions: unknown key `colour` (known: select, ignore, config)",
                        'initializationOptions: `ignore` must be a list of rule codes or prefixes, e.g. ["GR2"]']
    _, problems = read_options({"config": "missing.toml"}, tmp_path)
    assert problems == ["initializationOptions: `config`: missing.toml: configuration file not found"]


def test_server_without_the_extra_says_how_to_install_it() -> None:
    code = ("import sys; sys.modules['pygls'] = None; sys.modules['lsprotocol'] = None; "
            "from groundrules.hooks.cli import main; raise SystemExit(main(['server']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "pip install 'groundrules[server]'" in proc.stderr


def test_check_does_not_import_the_server_stack(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("x = 1\n", encoding="utf-8")
    code = ("import sys; from groundrules.hooks.cli import main; main(['check', 'm.py']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.stdout.strip().splitlines()[-1] == "[]"
