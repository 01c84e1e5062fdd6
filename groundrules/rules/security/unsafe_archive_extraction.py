"""GR212: extracting a tar archive without a filter, or a downloaded zip archive."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, Optional, Set, Tuple

from groundrules.rules.context import has_kwargs_splat, keyword, literal_string
from groundrules.rules.framework import Example, Rule
from groundrules.rules.security._http_clients import target_key
from groundrules.rules.shared_options import TARGET_PYTHON
from groundrules.standards.schema import Category, FixClass, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_TAR_OPENERS = frozenset(
    {
        "tarfile.open",
        "tarfile.TarFile",
        "tarfile.TarFile.open",
        "tarfile.TarFile.taropen",
        "tarfile.TarFile.gzopen",
        "tarfile.TarFile.bz2open",
        "tarfile.TarFile.xzopen",
    }
)
_ZIP_OPENERS = frozenset({"zipfile.ZipFile"})
_OPENER_NAMES = frozenset(
    q.rsplit(".", 1)[1] for q in _TAR_OPENERS | _ZIP_OPENERS
)
#: Calls that fetch data over the network (their result, or the file they write, is downloaded).
_DOWNLOADS = frozenset(
    {
        "requests.get",
        "requests.request",
        "requests.post",
        "requests.api.get",
        "httpx.get",
        "httpx.request",
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "wget.download",
        "gdown.download",
        "huggingface_hub.hf_hub_download",
        "kaggle.api.dataset_download_files",
        "tensorflow.keras.utils.get_file",
        "keras.utils.get_file",
        "torchvision.datasets.utils.download_url",
    }
)
#: Download functions taking the destination path as their second argument (or ``out``/...).
_DEST_ARGS: Dict[str, Tuple[int, Tuple[str, ...]]] = {
    "urllib.request.urlretrieve": (1, ("filename",)),
    "wget.download": (1, ("out",)),
    "gdown.download": (1, ("output",)),
}
_DEST_NAMES = frozenset(q.rsplit(".", 1)[1] for q in _DEST_ARGS)
#: Methods fetching to a local file (boto3 ``download_file(bucket, key, dest)``).
_DOWNLOAD_METHODS = {"download_file": 2}
#: Attributes/methods that read a response's body.
_BODY = frozenset({"content", "raw", "read", "body", "data"})


def _tar_version_ok(target: str) -> bool:
    try:
        major, minor = (int(p) for p in target.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (3, 12)


class UnsafeArchiveExtraction(Rule):
    code = "GR212"
    name = "unsafe-archive-extraction"
    category = Category.SECURITY
    severity = Severity.ERROR
    fix = FixClass.UNSAFE
    message = (
        "`{call}` without `filter=`: a crafted archive can write outside the target directory; "
        'pass `filter="data"`'
    )
    trusted_message = (
        '`TarFile.extractall(filter="fully_trusted")` does no checking: a crafted archive can write '
        'outside the target directory; pass `filter="data"`'
    )
    zip_message = (
        "`{call}` on a downloaded zip archive: check each member's resolved path stays inside the "
        "target directory before extracting"
    )
    what = """
Finds `extractall()` on a tar archive (opened with `tarfile.open(...)` or `tarfile.TarFile(...)`,
directly or through a name bound in the same scope, including `with tarfile.open(...) as tar:`)
that passes no `filter=` or `filter="fully_trusted"`, and `extractall()` on a `zipfile.ZipFile` built from a download: a
`requests`/`urllib`/`httpx` response body, the result of `urlretrieve`, `hf_hub_download`,
`wget.download`, `gdown.download` or `get_file`, or the path such a function wrote in the same
scope.

`extractall()` on anything else (a local class, an archive the code built itself) is not reported.
"""
    why = """
Archive member names can be absolute or contain `..`, and tar members can be links: extracting a
downloaded dataset as-is can overwrite files anywhere the job can write (CVE-2007-4559, still
the default before Python 3.14). The `data` filter (Python 3.12+, backported to 3.8-3.11 security
releases) rejects those members.
"""
    use_instead = """\
import tarfile

with tarfile.open("dataset.tar.gz") as tar:
    tar.extractall("data/raw", filter="data")
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes` or in `handoff`): adds `filter="data"` to tar
extraction when `target-python` is 3.12 or later (members the filter rejects now raise); with an
older `target-python` the finding carries no fix. Zip archives: no automatic fix (SUGGEST),
validate member paths by hand.
"""
    options = (TARGET_PYTHON,)
    requires = frozenset({"tarfile", "zipfile"})
    bad = (
        'import tarfile\nwith tarfile.open("data.tgz") as tar:\n    tar.extractall("out")\n',
        'import tarfile\ntarfile.open(path).extractall()\n',
        'import tarfile\ntarfile.open(path).extractall("out", filter="fully_trusted")\n',
        'import tarfile\n\ndef unpack(p):\n    tf = tarfile.TarFile(p)\n    tf.extractall(path="x")\n',
        'import io, zipfile, requests\nr = requests.get(URL, timeout=9)\n'
        'zipfile.ZipFile(io.BytesIO(r.content)).extractall("data")\n',
        'import zipfile\nfrom urllib.request import urlretrieve\n'
        'urlretrieve(URL, "data.zip")\nwith zipfile.ZipFile("data.zip") as z:\n    z.extractall()\n',
        'import zipfile\nfrom huggingface_hub import hf_hub_download\n'
        'p = hf_hub_download("org/ds", "a.zip", revision=REV)\nzipfile.ZipFile(p).extractall()\n',
        Example(
            'from tarfile import open as topen\ntopen("a.tar").extractall()\n',
            options={"target-python": "3.11"},
        ),
    )
    good = (
        'import tarfile\nwith tarfile.open("data.tgz") as tar:\n'
        '    tar.extractall("out", filter="data")\n',
        # A zip archive the code did not download.
        'import zipfile\nwith zipfile.ZipFile("fixtures.zip") as z:\n    z.extractall("tmp")\n',
        # extractall on something that is not a tar archive, and a local function named open.
        'import tarfile\n\ndef open(p):\n    return Archive(p)\n\nopen("x").extractall()\n'
        'arc = Archive()\narc.extractall()\n',
        # A module that imports neither tarfile nor zipfile.
        'import shutil\narchive = load()\narchive.extractall()\n',
        # The filter may be passed through **kwargs.
        'import tarfile\n\ndef unpack(p, **kw):\n    tarfile.open(p).extractall(**kw)\n',
        # Rebound to something else in the same scope.
        'import tarfile\ntar = tarfile.open("a.tar")\ntar = Other()\ntar.extractall()\n',
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        #: scope -> name -> "tar" or "zip-downloaded" / "zip"
        self._archives: Dict[Optional[ast.AST], Dict[str, str]] = {}
        #: scope -> keys of names and paths holding downloaded content.
        self._downloaded: Dict[Optional[ast.AST], Set[str]] = {}
        self._new_python = _tar_version_ok(self.option(TARGET_PYTHON))

    # -- evidence --------------------------------------------------------------------------
    def _scope_downloads(self) -> Set[str]:
        return self._downloaded.setdefault(self.ctx.enclosing_scope(), set())

    def _download_call(self, node: Optional[ast.AST]) -> bool:
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _DOWNLOAD_METHODS:
            return True
        return self.ctx.qualname(func) in _DOWNLOADS

    def _is_downloaded(self, node: ast.AST, depth: int = 0) -> bool:
        """Evidence that ``node`` is downloaded bytes, a downloaded file or a response."""
        if depth > 4:
            return False
        if self._download_call(node):
            return True
        if isinstance(node, ast.Subscript):  # urlretrieve(...)[0]
            return self._is_downloaded(node.value, depth + 1)
        if isinstance(node, ast.Attribute) and node.attr in _BODY:
            return self._is_downloaded(node.value, depth + 1)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _BODY:  # resp.read()
                return self._is_downloaded(func.value, depth + 1)
            if self.ctx.qualname(func) in ("io.BytesIO", "pathlib.Path") and node.args:
                return self._is_downloaded(node.args[0], depth + 1)
            return False
        key = _key(node)
        return key is not None and key in self._scope_downloads()

    def _archive_kind(self, node: ast.AST) -> Optional[str]:
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr not in _OPENER_NAMES:
            return None
        qualname = self.ctx.qualname(func)
        if qualname in _TAR_OPENERS:
            return "tar"
        if qualname in _ZIP_OPENERS:
            source = node.args[0] if node.args else None
            if source is None:
                kw = keyword(node, "file")
                source = kw.value if kw is not None else None
            if source is not None and self._is_downloaded(source):
                return "zip"
        return None

    def _bind(self, target: ast.AST, value: Optional[ast.AST]) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            # ``path, headers = urlretrieve(...)``: the first element is the downloaded file.
            first = True
            for elt in target.elts:
                self._bind(elt, value if first and self._download_call(value) else None)
                first = False
            return
        key = target_key(target)
        if key is None:
            return
        scope = self.ctx.enclosing_scope()
        archives = self._archives.setdefault(scope, {})
        downloads = self._scope_downloads()
        kind = self._archive_kind(value) if value is not None else None
        if kind is not None:
            archives[key] = kind
        else:
            archives.pop(key, None)
        if value is not None and self._is_downloaded(value):
            downloads.add(key)
        else:
            downloads.discard(key)

    # -- visitors --------------------------------------------------------------------------
    def leave_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind(target, node.value)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bind(node.target, node.value)

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._bind(node.optional_vars, node.context_expr)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "extractall":
            self._check_extract(node, func)
            return
        # A download writing to a path: remember the path.
        dest: Optional[ast.AST] = None
        if isinstance(func, ast.Attribute) and func.attr in _DOWNLOAD_METHODS:
            index = _DOWNLOAD_METHODS[func.attr]
            dest = node.args[index] if len(node.args) > index else None
        elif not isinstance(func, ast.Attribute) or func.attr in _DEST_NAMES:
            spec = _DEST_ARGS.get(self.ctx.qualname(func) or "")
            if spec is not None:
                dest = self._dest(node, spec)
        if dest is not None:
            key = _key(dest)
            if key is not None:
                self._scope_downloads().add(key)

    def _dest(self, node: ast.Call, spec: Tuple[int, Tuple[str, ...]]) -> Optional[ast.AST]:
        index, names = spec
        if len(node.args) > index:
            return node.args[index]
        for name in names:
            kw = keyword(node, name)
            if kw is not None:
                return kw.value
        return None

    def _check_extract(self, node: ast.Call, func: ast.Attribute) -> None:
        receiver = func.value
        kind = self._archive_kind(receiver)
        if kind is None:
            key = target_key(receiver)
            archives = self._archives.get(self.ctx.enclosing_scope(), {})
            kind = archives.get(key) if key is not None else None
        if kind is None or has_kwargs_splat(node):
            return
        if kind == "zip":
            self.report(node, self.zip_message, call="ZipFile.extractall()", fixable=False)
        else:
            flt = keyword(node, "filter")
            if flt is None:
                self.report(node, call="TarFile.extractall()", fixable=self._new_python)
            elif literal_string(flt.value) == "fully_trusted":
                # The named filter that does no checking: the unsafe default, spelled out.
                self.report(node, self.trusted_message, fixable=False)


def _key(node: ast.AST) -> Optional[str]:
    """A name's key, or a string literal's (a path), for matching downloads to archives."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "'" + node.value
    return target_key(node)
