"""GR302: cloud storage clients created outside the approved data-access layer."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional, Tuple

from groundrules.rules.context import keyword, literal_string
from groundrules.rules.data_access._options import (
    CLOUD_CLIENTS,
    in_allowed_module,
    name_matches,
    tops_of,
)
from groundrules.rules.framework import Example, Rule
from groundrules.rules.shared_options import ALLOWED_MODULES
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

#: Constructors that are storage clients whatever their arguments.
CLIENTS = (
    "google.cloud.storage.Client",
    "azure.storage.blob.BlobServiceClient",
    "azure.storage.blob.DataLakeServiceClient",
    "azure.storage.filedatalake.DataLakeServiceClient",
    "s3fs.S3FileSystem",
    "s3fs.core.S3FileSystem",
    "gcsfs.GCSFileSystem",
    "adlfs",
)
#: boto3 factories, storage only for the ``s3`` service.
BOTO3_FACTORIES = frozenset(
    {"boto3.client", "boto3.resource", "boto3.session.Session.client", "boto3.Session.client"}
)
BOTO3_SESSIONS = frozenset({"boto3.Session", "boto3.session.Session"})
STORAGE_PROTOCOLS = frozenset({"s3", "s3a", "gcs", "gs", "abfs", "abfss", "az", "adl"})
_TOPS = frozenset(tops_of(CLIENTS) + ("boto3", "fsspec"))


class CloudStorageClientOutsideDal(Rule):
    code = "GR302"
    name = "cloud-storage-client-outside-dal"
    category = Category.DATA_ACCESS
    severity = Severity.ERROR
    message = (
        "`{api}` storage client outside the data-access layer: use the approved storage helper"
    )
    what = """
Finds, in modules outside `allowed-modules`, cloud storage clients: `boto3.client("s3")` /
`boto3.resource("s3")`, `google.cloud.storage.Client`, `azure.storage.blob.BlobServiceClient` /
`DataLakeServiceClient`, `s3fs.S3FileSystem`, `gcsfs.GCSFileSystem`, `adlfs` file systems and
`fsspec.filesystem("s3" | "gcs" | "abfs")`. `cloud-clients` adds APIs or modules.
"""
    why = """
Egress and IAM scope go through one audited client. A client made in an analysis module carries
whatever credentials happen to be around and leaves no trace of what was read or written.
"""
    use_instead = """\
from acme_data import storage

blob = storage.read_bytes("raw/events/2024-01-01.json")
"""
    fix_safety = """
No automatic fix: the approved storage helper is team-specific; the message names it.
"""
    options = (ALLOWED_MODULES, CLOUD_CLIENTS)
    bad = (
        "import boto3\n\ns3 = boto3.client('s3')\n",
        "import boto3\n\nbucket = boto3.resource(service_name='s3').Bucket('raw')\n",
        "from google.cloud import storage\n\nclient = storage.Client()\n",
        "import s3fs\n\nfs = s3fs.S3FileSystem(anon=False)\n",
        "import fsspec\n\nfs = fsspec.filesystem('gcs')\n",
        "from azure.storage.blob import BlobServiceClient\n\n"
        "svc = BlobServiceClient.from_connection_string(conn_str)\n",
        "import boto3\n\ns3 = boto3.Session(profile_name='dev').client('s3')\n",
        Example(
            "import minio\n\nclient = minio.Minio('play.min.io')\n",
            options={"data-access.cloud-clients": ["minio.Minio"]},
        ),
    )
    good = (
        # Other AWS services are not storage.
        "import boto3\n\nsqs = boto3.client('sqs')\n",
        "import fsspec\n\nfs = fsspec.filesystem('file')\n",
        "from acme_data import storage\n\ndata = storage.read_bytes('raw/x.json')\n",
        Example(
            "import boto3\n\ns3 = boto3.client('s3')\n",
            path="acme_data/storage.py",
            options={"data-access.allowed-modules": ["acme_data.*"]},
        ),
        # A local class named Client is not google.cloud.storage.Client.
        "class Client:\n    pass\n\nclient = Client()\n",
        # The service name is not known statically.
        "import boto3\n\nclient = boto3.client(service)\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        extra: Tuple[str, ...] = self.option(CLOUD_CLIENTS)
        self._clients = CLIENTS + extra
        tops = _TOPS | frozenset(tops_of(extra))
        self._active = ctx.imports.imports_any(tops) and not in_allowed_module(ctx)

    def visit_Call(self, node: ast.Call) -> None:
        if not self._active:
            return
        func = node.func
        if not isinstance(func, (ast.Name, ast.Attribute)):
            return
        qualname = self.ctx.qualname(func)
        if qualname is None and isinstance(func, ast.Attribute):
            # A client made from a boto3 session object.
            inner = func.value
            if (
                func.attr in ("client", "resource")
                and isinstance(inner, ast.Call)
                and self.ctx.qualname(inner.func) in BOTO3_SESSIONS
            ):
                qualname = "boto3.Session." + func.attr
        if qualname is None:
            return
        if qualname in BOTO3_FACTORIES or qualname in ("boto3.Session.resource",):
            if _service(node, "service_name") == "s3":
                self.report(node, api=f"{qualname.rsplit('.', 1)[0]}.{func_attr(func)}('s3')")
            return
        if qualname == "fsspec.filesystem":
            protocol = _service(node, "protocol")
            if protocol in STORAGE_PROTOCOLS:
                self.report(node, api=f"fsspec.filesystem({protocol!r})")
            return
        if name_matches(qualname, self._clients):
            self.report(node, api=qualname)


def func_attr(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _service(node: ast.Call, name: str) -> Optional[str]:
    if node.args:
        return literal_string(node.args[0])
    kw = keyword(node, name)
    return literal_string(kw.value) if kw is not None else None
