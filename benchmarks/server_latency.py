"""How long after a change the editor has its diagnostics: `groundrules server` over stdio.

Usage: python benchmarks/server_latency.py [FILE] [--changes N]
(default FILE: the first 1,000 lines of this interpreter's argparse.py, cut at a statement).

A real client (pygls') starts the server, opens FILE, then sends N edits one at a time (a comment
line appended, so the file stays valid) and times each from the `didChange` notification to the
`publishDiagnostics` for that version.  Prints the median, the 90th percentile and the worst, in
milliseconds; the target is diagnostics for a 1,000-line file within 150 ms of a change.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from lsprotocol import types
from pygls.lsp.client import BaseLanguageClient


def thousand_lines() -> str:
    """The longest prefix of argparse.py of at most 1,000 lines that parses."""
    lines = (Path(sysconfig.get_paths()["stdlib"]) / "argparse.py").read_text(encoding="utf-8").splitlines(True)
    for end in range(min(1000, len(lines)), 0, -1):
        text = "".join(lines[:end])
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        return text
    raise SystemExit("argparse.py has no parsable prefix")


async def measure(text: str, changes: int) -> List[float]:
    client = BaseLanguageClient("latency-benchmark", "1")
    published: Dict[int, float] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params: types.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            published.setdefault(params.version, time.perf_counter())

    await client.start_io(sys.executable, "-m", "groundrules", "server")
    with tempfile.TemporaryDirectory() as root:
        path = Path(root) / "module.py"
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=Path(root).as_uri()))
        client.initialized(types.InitializedParams())
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        await _until(published, 1, timeout=30.0)
        timings: List[float] = []
        for version in range(2, changes + 2):
            text += f"# edit {version}\n"
            sent = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
            await _until(published, version, timeout=30.0)
            timings.append((published[version] - sent) * 1000)
            await asyncio.sleep(0.2)  # a typing pause, so each change is measured on its own
        await client.shutdown_async(None)
        client.exit(None)
    await client.stop()
    return timings


async def _until(published: Dict[int, float], version: int, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while version not in published:
        if time.perf_counter() > deadline:
            raise SystemExit(f"no diagnostics for version {version} within {timeout} s")
        await asyncio.sleep(0.001)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args(argv)
    text = Path(args.file).read_text(encoding="utf-8") if args.file else thousand_lines()
    timings = sorted(asyncio.run(measure(text, args.changes)))
    p90 = timings[max(int(len(timings) * 0.9) - 1, 0)]
    print(f"{len(text.splitlines())} lines, {len(timings)} changes: median {statistics.median(timings):.0f} ms, "
          f"p90 {p90:.0f} ms, worst {timings[-1]:.0f} ms (target: 150 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
