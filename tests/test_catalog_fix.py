"""GR303/GR309 catalog rewrites through the real CLI: the catalog file is read with the standards."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

from groundrules.standards.catalog_file import CatalogFileError, parse_catalog

CATALOG = """\
raw.events:
  type: pandas.ParquetDataset
  filepath: s3://lake/raw/events.parquet
  load_args:
    columns: [id, ts]
sales.orders:
  type: pandas.CSVDataset
  filepath: data/orders.csv
reports.daily:
  type: pandas.ParquetDataset
  filepath: data/out/daily.parquet
reports.csv:
  type: pandas.CSVDataset
  filepath: data/out/daily.csv
dup.a:
  type: pandas.CSVDataset
  filepath: data/dup.csv
dup.b:
  type: pandas.CSVDataset
  filepath: ./data/dup.csv
odd.thing:
  type: acme.CustomDataset
  filepath: data/odd.parquet
_anchor: &csv
  type: pandas.CSVDataset
"""


def _project(tmp_path: Path, source: str, catalog_object: str = "acme_data.catalog",
             catalog: str = CATALOG, name: str = "conf/catalog.yml") -> Path:
    extra = f'catalog-object = "{catalog_object}"\n' if catalog_object else ""
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.groundrules]\nselect = ["GR303", "GR309"]\n\n'
        f'[tool.groundrules.data-access]\ncatalog = "{name}"\n{extra}',
        encoding="utf-8",
    )
    (tmp_path / "conf").mkdir(exist_ok=True)
    (tmp_path / name).write_text(catalog, encoding="utf-8")
    (tmp_path / "src").mkdir(exist_ok=True)
    target = tmp_path / "src" / "job.py"
    target.write_text(source, encoding="utf-8")
    return target


def test_fixes_read_and_write_and_adds_the_import(tmp_path):
    target = _project(
        tmp_path,
        "import pandas as pd\n\n"
        "events = pd.read_parquet('s3://lake/raw/events.parquet', columns=['id', 'ts'])\n"
        'orders = pd.read_csv("./data/orders.csv")\n\n\n'
        "def save(df):\n"
        '    df.to_parquet("data/out/daily.parquet")\n'
        '    df.to_csv("data/out/daily.csv", index=False)\n',
    )
    proc = run_cli(["fix", "src"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert target.read_text(encoding="utf-8") == (
        "import pandas as pd\nfrom acme_data import catalog\n\n"
        "events = catalog.load('raw.events')\n"
        'orders = catalog.load("sales.orders")\n\n\n'
        "def save(df):\n"
        '    catalog.save("reports.daily", df)\n'
        '    catalog.save("reports.csv", df)\n'
    )
    assert "GR303 x1" in proc.stdout and "GR309 x3" in proc.stdout
    again = run_cli(["fix", "src"], tmp_path)
    assert again.returncode == 0 and "Nothing to fix." in again.stdout
    assert run_cli(["check", "src"], tmp_path).returncode == 0


def test_near_misses_are_reported_without_a_fix(tmp_path):
    source = (
        "import pandas as pd\n\n"
        "a = pd.read_parquet('s3://lake/raw/events.parquet')\n"  # load_args differ
        "b = pd.read_parquet('s3://lake/raw/events.parquet', columns=('id', 'ts'), engine='pyarrow')\n"
        "c = pd.read_csv('data/dup.csv')\n"  # two keys map
        "d = pd.read_parquet('data/orders.csv')\n"  # reader does not match the type
        "e = pd.read_parquet('data/odd.parquet')\n"  # unknown type
        "f = pd.read_csv('data/unknown.csv')\n"  # not in the catalog
        "g = pd.read_csv(BASE / 'orders.csv')\n"  # not a literal path
        "h = pd.read_csv('data/orders.csv', sep=sep)\n"  # non-literal argument


        "def save(df):\n"
        "    df.to_csv('data/out/daily.csv')\n"  # CSVDataset saves with index=False
    )
    target = _project(tmp_path, source)
    check = run_cli(["check", "src"], tmp_path)
    assert check.returncode == 1, check.stderr
    assert "[*" not in check.stdout and "fixable" not in check.stdout
    fix = run_cli(["fix", "src"], tmp_path)
    assert "Nothing to fix." in fix.stdout
    assert target.read_text(encoding="utf-8") == source


def test_without_catalog_object_only_an_existing_import_makes_it_fixable(tmp_path):
    plain = "import pandas as pd\n\norders = pd.read_csv('data/orders.csv')\n"
    target = _project(tmp_path, plain, catalog_object="")
    check = run_cli(["check", "src"], tmp_path)
    assert check.returncode == 1 and "GR309" in check.stdout and "[*" not in check.stdout
    assert "Nothing to fix." in run_cli(["fix", "src"], tmp_path).stdout
    assert target.read_text(encoding="utf-8") == plain

    imported = "import pandas as pd\nfrom kedro_project import catalog\n\norders = pd.read_csv('data/orders.csv')\n"
    target.write_text(imported, encoding="utf-8")
    assert "[*]" in run_cli(["check", "src"], tmp_path).stdout
    assert run_cli(["fix", "src"], tmp_path).returncode == 1
    assert target.read_text(encoding="utf-8") == imported.replace(
        "pd.read_csv('data/orders.csv')", "catalog.load('sales.orders')"
    )

    clash = "import pandas as pd\nfrom kedro_project import catalog\n\ndef f(catalog):\n    return pd.read_csv('data/orders.csv')\n"
    target.write_text(clash, encoding="utf-8")
    assert "[*" not in run_cli(["check", "src"], tmp_path).stdout
    run_cli(["fix", "src"], tmp_path)
    assert target.read_text(encoding="utf-8") == clash


def test_a_local_catalog_name_blocks_the_import(tmp_path):
    source = "import pandas as pd\n\ncatalog = {}\norders = pd.read_csv('data/orders.csv')\n"
    target = _project(tmp_path, source)
    out = run_cli(["check", "src"], tmp_path).stdout
    assert "GR309" in out and "[*" not in out
    run_cli(["fix", "src"], tmp_path)
    assert target.read_text(encoding="utf-8") == source


def test_check_marks_only_the_fixable_finding(tmp_path):
    _project(
        tmp_path,
        "import pandas as pd\n\n"
        "a = pd.read_csv('data/orders.csv')\n"
        "b = pd.read_csv('data/dup.csv')\n",
    )
    lines = [line for line in run_cli(["check", "src"], tmp_path).stdout.splitlines() if "GR309" in line and ":" in line]
    assert len(lines) == 2
    assert lines[0].startswith("src/job.py:3:") and "[*] (" in lines[0]
    assert lines[1].startswith("src/job.py:4:") and "[*" not in lines[1]


def test_json_catalog(tmp_path):
    data = {"sales.orders": {"type": "pandas.CSVDataset", "filepath": "data/orders.csv",
                             "load_args": {"sep": ";"}}}
    target = _project(tmp_path, "import pandas as pd\n\norders = pd.read_csv('data/orders.csv', sep=';')\n",
                      catalog=json.dumps(data), name="conf/catalog.json")
    assert run_cli(["fix", "src"], tmp_path).returncode == 1
    assert "orders = catalog.load('sales.orders')\n" in target.read_text(encoding="utf-8")


def test_bad_catalog_file_is_a_one_line_standards_error(tmp_path):
    _project(tmp_path, "x = 1\n", catalog="a: [unclosed\n  b: {\n")
    proc = run_cli(["check", "src"], tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "catalog.yml" in lines[0] and "data-access.catalog" in lines[0] and "hint:" in lines[0]

    (tmp_path / "conf" / "catalog.yml").unlink()
    missing = run_cli(["check", "src"], tmp_path)
    assert missing.returncode == 2
    assert "conf/catalog.yml" in missing.stderr and "not found" in missing.stderr
    assert "data-access.catalog" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1


def test_parse_catalog_rejects_bad_entries():
    for text in ("- a\n- b\n", "k:\n  filepath: x.csv\n", "k:\n  type: pandas.CSVDataset\n  filepath: 3\n",
                 "k:\n  type: pandas.CSVDataset\n  filepath: x.csv\n  load_args: [1]\n"):
        try:
            parse_catalog(text, "c.yml", is_json=False)
        except CatalogFileError:
            continue
        raise AssertionError(text)
    parsed = parse_catalog("k:\n  type: pandas.CSVDataset\n  filepath: x.csv\n  versioned: true\n"
                           "'{name}.raw':\n  type: pandas.CSVDataset\n  filepath: '{name}.csv'\n",
                           "c.yml", is_json=False)
    assert [e.key for e in parsed.entries] == ["k"] and parsed.entries[0].versioned
