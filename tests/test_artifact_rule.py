"""GR314 through the real ``groundrules check``, on files named as pre-commit names staged ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Tuple

from conftest import run_cli

CONFIG_FILES = {
    "package.json": '{"name": "web", "version": "1.0.0"}\n',
    "tsconfig.json": '{"compilerOptions": {"strict": true}}\n',
    ".vscode/settings.json": '{"python.analysis.typeCheckingMode": "strict"}\n',
}


def _check(root: Path, files: Dict[str, bytes], pyproject: str = "") -> Tuple[int, List[Tuple[str, str]]]:
    if pyproject:
        (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    proc = run_cli(["check", "--select", "GR314", "--format", "json", *files], root)
    assert proc.returncode in (0, 1), proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    return proc.returncode, sorted((f["path"], f["message"]) for f in findings)


def test_configuration_json_is_not_data_by_extension(tmp_path):
    code, findings = _check(tmp_path, {k: v.encode() for k, v in CONFIG_FILES.items()})
    assert (code, findings) == (0, [])


def test_json_over_the_size_limit_is_still_blocked(tmp_path):
    limit = '[tool.groundrules.data-access]\nmax-artifact-kb = 1\n'
    code, findings = _check(tmp_path, {"export.json": b'{"rows": [' + b"1," * 1500 + b"1]}"}, limit)
    assert code == 1 and [path for path, _ in findings] == ["export.json"]


def test_explicit_data_extensions_are_authoritative(tmp_path):
    config = '[tool.groundrules.data-access]\ndata-extensions = [".json"]\n'
    code, findings = _check(tmp_path, {"rows.json": b"[1, 2]\n"}, config)
    assert code == 1 and [path for path, _ in findings] == ["rows.json"]


def test_every_file_over_the_limit_is_blocked_whatever_its_suffix(tmp_path):
    limit = '[tool.groundrules.data-access]\nmax-artifact-kb = 2\n'
    big = b"x" * 3000
    names = ["data.txt", "dump.md", "rows.yaml", "table.toml", "notes.log"]
    code, findings = _check(tmp_path, {name: big for name in names} | {"small.txt": b"x" * 100}, limit)
    assert code == 1
    assert [path for path, _ in findings] == sorted(names)


def test_size_message_rounds_up(tmp_path):
    limit = '[tool.groundrules.data-access]\nmax-artifact-kb = 2\n'
    _, findings = _check(tmp_path, {"data.txt": b"x" * 3000}, limit)
    assert "3 KB file" in findings[0][1] and "2 KB" not in findings[0][1], findings


def test_binary_model_files_are_blocked_at_any_size(tmp_path):
    code, findings = _check(tmp_path, {"models/net.pt": b"\x80\x02", "models/net.onnx": b"\x08\x07"})
    assert code == 1 and [path for path, _ in findings] == ["models/net.onnx", "models/net.pt"]


def test_default_limit_applies_without_configuration(tmp_path):
    code, findings = _check(tmp_path, {"big.txt": b"x" * (501 * 1024), "ok.txt": b"x" * (499 * 1024)})
    assert code == 1 and [path for path, _ in findings] == ["big.txt"]
