"""GR314: data or model files committed to git."""

from __future__ import annotations

from groundrules.rules.data_access._options import MAX_ARTIFACT_KB
from groundrules.rules.framework import Example, Rule
from groundrules.rules.shared_options import DATA_EXTENSIONS
from groundrules.standards.schema import Category, Severity

#: Model and array formats, always artifacts; `data-extensions` adds the team's data formats.
MODEL_EXTENSIONS = (".pkl", ".joblib", ".h5", ".pt", ".pth", ".onnx", ".npy", ".npz", ".safetensors")
#: Files that are source or configuration whatever their size.
_TEXT_SOURCES = (".py", ".pyi", ".ipynb", ".md", ".rst", ".toml", ".cfg", ".txt", ".yaml", ".yml")


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
`.npy`, ...), or any other file larger than `max-artifact-kb`.
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
        Example("{}", path="export.json"),
    )
    good = (
        Example("small", path="notes/readme.log"),
        Example("x" * 2048, path="docs/guide.md", options={"data-access.max-artifact-kb": 1}),
        Example("a,b\n", path="data/train.csv", options={"data-access.data-extensions": [".parquet"]}),
    )

    def check_file(self, data: bytes) -> None:
        path = self.ctx.source.rel_path.lower()
        suffixes = tuple(s.lower() for s in self.option(DATA_EXTENSIONS)) + MODEL_EXTENSIONS
        if path.endswith(suffixes):
            self.report((1, 0), what="a data or model file is staged")
        elif not path.endswith(_TEXT_SOURCES) and len(data) > self.option(MAX_ARTIFACT_KB) * 1024:
            self.report((1, 0), what=f"{len(data) // 1024} KB file, over max-artifact-kb")
