"""GR314: data or model files committed to git."""

from __future__ import annotations

from typing import Tuple

from groundrules.rules.data_access._options import MAX_ARTIFACT_KB
from groundrules.rules.framework import Example, Rule
from groundrules.rules.shared_options import DATA_EXTENSIONS
from groundrules.standards.schema import Category, Severity

#: Model and array formats, always artifacts; `data-extensions` adds the team's data formats.
MODEL_EXTENSIONS = (".pkl", ".joblib", ".h5", ".pt", ".pth", ".onnx", ".npy", ".npz", ".safetensors")
#: Text formats that are usually configuration (`package.json`, `tsconfig.json`): the default
#: `data-extensions` list names `.json` for the GR303/GR309 path rules, but a staged `.json` file is
#: blocked only over the size limit, unless the team lists the suffix in `data-extensions` itself.
CONFIG_EXTENSIONS = (".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".xml")


class DataOrModelArtifactCommitted(Rule):
    code = "GR314"
    name = "data-or-model-artifact-committed"
    category = Category.DATA_ACCESS
    severity = Severity.ERROR
    file_kind = "artifact"
    message = "{what}: keep data and models in versioned storage (`dvc add`), not in git"
    what = """
Checks the non-Python files it is given (pre-commit passes the staged ones): a file whose suffix is
a data format (`data-extensions`) or a model/array format (`.pkl`, `.joblib`, `.h5`, `.pt`, `.onnx`,
`.npy`, ...), and any file, text or not, larger than `max-artifact-kb`. Configuration formats
(`.json`, `.yaml`, `.toml`, ...) are data only when `data-extensions` is set and lists them, so
`package.json` passes under the default list.
"""
    why = """
Data belongs in versioned storage (DVC, the lake) with access control; in git it bloats every clone
forever, escapes governance and may carry personal data.
"""
    use_instead = "# track it with DVC instead: dvc add data/train.csv\n"
    fix_safety = "No automatic fix: the commit is blocked; move the file to DVC or the lake."
    options = (DATA_EXTENSIONS, MAX_ARTIFACT_KB)
    bad = (
        Example("a,b\n1,2\n", path="data/train.csv"),
        Example("binary", path="models/model.pt"),
        Example("x" * 2048, path="notes/dump.log", options={"data-access.max-artifact-kb": 1}),
        Example("x" * 2048, path="data.txt", options={"data-access.max-artifact-kb": 1}),
        Example("[1, 2]", path="rows.json", options={"data-access.data-extensions": [".json"]}),
    )
    good = (
        Example("small", path="notes/readme.log"),
        Example("{}", path="package.json"),
        Example("x" * 1000, path="docs/guide.md", options={"data-access.max-artifact-kb": 1}),
        Example("a,b\n", path="data/train.csv", options={"data-access.data-extensions": [".parquet"]}),
    )

    def check_file(self, data: bytes) -> None:
        path = self.ctx.source.rel_path.lower()
        limit_kb = self.option(MAX_ARTIFACT_KB)
        if path.endswith(self._data_suffixes() + MODEL_EXTENSIONS):
            self.report((1, 0), what="a data or model file is staged")
        elif len(data) > limit_kb * 1024:
            size_kb = -(-len(data) // 1024)  # rounded up: a file just over the limit never shows as at it
            self.report((1, 0), what=f"{size_kb} KB file, over max-artifact-kb ({limit_kb})")

    def _data_suffixes(self) -> Tuple[str, ...]:
        suffixes = tuple(s.lower() for s in self.option(DATA_EXTENSIONS))
        if DATA_EXTENSIONS.key in self.ctx.standards.options:  # the team's own list is authoritative
            return suffixes
        return tuple(s for s in suffixes if s not in CONFIG_EXTENSIONS)
