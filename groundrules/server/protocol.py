"""The language server: LSP messages in, the engine's findings, fixes and docs out.

Checks and fixes run in worker threads, so the event loop keeps answering while a large file
is checked.  A change schedules a check after a short pause (typing bursts coalesce); a result is
published only if the document is still at the version that was checked (stale results are
dropped), and a newer change cancels the pending check.  Requests are coroutines, so a client's
``$/cancelRequest`` cancels them.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from groundrules import __version__
from groundrules.hooks.rule_docs import explain
from groundrules.rules.framework import Finding
from groundrules.rules.registry import by_code
from groundrules.server import convert
from groundrules.server.documents import (
    CONFIG_NAMES,
    CellText,
    Fixed,
    Resolver,
    Target,
    check,
    fix,
    noqa_line,
    notebook_target,
)
from groundrules.server.options import read_options
from groundrules.standards.schema import FixClass

logger = logging.getLogger(__name__)

FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.groundrules"
PLACE_CURSOR = "groundrules.placeCursor"
#: Pause after a change before checking: long enough to coalesce a burst of keystrokes, short
#: enough that a 1,000-line file has its diagnostics well within 150 ms.
DEBOUNCE_SECONDS = 0.02
SAFE = frozenset({FixClass.SAFE})
ANY_FIX = frozenset({FixClass.SAFE, FixClass.UNSAFE})


@dataclass
class Checked:
    """The findings of one document at one version, with the text they count positions in."""

    version: Optional[int]
    target: Target
    # Per LSP document (the file, or each notebook cell): its uri -> (findings, lines).
    by_uri: Dict[str, Tuple[List[Finding], List[str]]] = field(default_factory=dict)


class GroundrulesServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "groundrules",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(
                        notebook="jupyter-notebook", cells=[types.NotebookCellLanguage(language="python")]
                    )
                ],
                save=True,
            ),
        )
        self.resolver = Resolver()
        self.checked: Dict[str, Checked] = {}  # by document uri (text file or notebook)
        self.pending: Dict[str, "asyncio.Future[Optional[Checked]]"] = {}
        # Two threads: a long fix or check (even one whose request was cancelled, which cannot be
        # interrupted mid-parse) never holds up the diagnostics of the file being typed in.
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="groundrules-check")

    # -- documents ---------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or convert.UTF16)

    def owner(self, uri: str) -> str:
        """The document a uri's findings belong to: the notebook of a cell, else itself."""
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        return notebook.uri if notebook is not None else uri

    def snapshot(self, uri: str) -> Optional[Tuple[Target, Optional[int], List[str]]]:
        """The document's text as the editor has it now, its version and its LSP documents."""
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is not None:
            cells = [
                CellText("code" if c.kind == types.NotebookCellKind.Code else "markdown",
                         self.workspace.get_text_document(c.document).source)
                for c in notebook.cells
            ]
            return notebook_target(_path(uri), cells), notebook.version, [c.document for c in notebook.cells]
        if uri not in self.workspace.text_documents:
            return None
        document = self.workspace.get_text_document(uri)
        return Target(_path(uri), document.source), document.version, [uri]

    def analyse(self, target: Target, uris: Sequence[str]) -> Tuple[Dict[str, Tuple[List[Finding], List[str]]], List[str]]:
        """Run in the worker thread: the findings of ``target`` by LSP document, and problems to log."""
        standards, rel_path, problems = self.resolver.resolve(target.path)
        if standards is None:
            findings: Tuple[Finding, ...] = ()
        else:
            try:
                findings = check(target, standards, rel_path)
            except Exception as exc:  # the engine turns rule crashes into GR900; this is a last guard
                logger.exception("checking %s failed", target.path)
                problems.append(f"{target.path}: the check failed: {type(exc).__name__}: {exc}")
                findings = ()
        by_uri: Dict[str, Tuple[List[Finding], List[str]]] = {}
        if target.cells is None:
            by_uri[uris[0]] = (list(findings), target.text.splitlines() or [""])
            return by_uri, problems
        for index, uri in enumerate(uris):
            by_uri[uri] = ([], target.cells[index].text.splitlines() or [""])
        for finding in findings:
            cell = (finding.cell or 1) - 1
            if 0 <= cell < len(uris):
                by_uri[uris[cell]][0].append(finding)
        return by_uri, problems

    async def refresh(self, uri: str, delay: float = 0.0) -> Optional[Checked]:
        """Check ``uri`` (after ``delay``) unless a newer change overtakes it; push the result
        when the client does not pull diagnostics."""
        if delay:
            await asyncio.sleep(delay)
        state = self.snapshot(uri)
        if state is None:
            return None
        target, version, uris = state
        loop = asyncio.get_running_loop()
        by_uri, problems = await loop.run_in_executor(self.executor, self.analyse, target, uris)
        for problem in problems:
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Warning, message=problem))
        current = self.snapshot(uri)
        if current is None or current[1] != version:
            return None  # stale: the document changed while it was checked
        checked = Checked(version, target, by_uri)
        previous = self.checked.get(uri)
        self.checked[uri] = checked
        if not self.pulls():
            gone = set(previous.by_uri) - set(by_uri) if previous else set()
            for cell_uri in sorted(gone):
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=cell_uri, diagnostics=[]))
            for doc_uri, (findings, lines) in by_uri.items():
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(
                        uri=doc_uri,
                        version=version if target.cells is None else None,
                        diagnostics=[convert.diagnostic(f, lines, self.encoding) for f in findings],
                    )
                )
        return checked

    def schedule(self, uri: str, delay: float = DEBOUNCE_SECONDS) -> None:
        task = self.pending.get(uri)
        if task is not None and not task.done():
            task.cancel()  # a newer change takes over
        task = asyncio.ensure_future(self.refresh(uri, delay))
        task.add_done_callback(self._report_failure)
        self.pending[uri] = task

    def _report_failure(self, task: "asyncio.Future[Optional[Checked]]") -> None:
        """One document's failure is logged; it never takes the server down."""
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        logger.error("groundrules: diagnostics failed: %r", exc)
        self.window_log_message(types.LogMessageParams(type=types.MessageType.Error,
                                                       message=f"groundrules: diagnostics failed: {exc!r}"))

    def pulls(self) -> bool:
        text = self.client_capabilities.text_document
        return text is not None and text.diagnostic is not None

    async def current(self, uri: str) -> Optional[Checked]:
        """The findings for the document as it is now (checked again if it changed since)."""
        state = self.snapshot(uri)
        if state is None:
            return None
        known = self.checked.get(uri)
        if known is not None and known.version == state[1]:
            return known
        return await self.refresh(uri)

    def forget(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        previous = self.checked.pop(uri, None)
        if previous is not None and not self.pulls():
            for doc_uri in previous.by_uri:
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=doc_uri, diagnostics=[]))

    def reload(self) -> None:
        """A configuration file changed: read the standards again and re-check everything open."""
        self.resolver.reload()
        for uri in list(self.checked):
            self.schedule(uri, 0.0)

    # -- code actions --------------------------------------------------------------------------

    async def fixed(self, checked: Checked, allowed: frozenset[FixClass],
                    only: Optional[Callable[[Finding], bool]]) -> Fixed:
        standards, rel_path, _ = self.resolver.resolve(checked.target.path)
        if standards is None:
            return Fixed()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, fix, checked.target, standards, rel_path, allowed, only)

    def workspace_edit(self, checked: Checked, result: Fixed) -> Optional[types.WorkspaceEdit]:
        changes: Dict[str, List[types.TextEdit]] = {}
        uris = list(checked.by_uri)
        if checked.target.cells is None and result.text is not None:
            edit = convert.replacement(checked.target.text, result.text, self.encoding)
            if edit is not None:
                changes[uris[0]] = [edit]
        for index, text in sorted(result.cells.items()):
            if index < len(uris) and checked.target.cells is not None:
                edit = convert.replacement(checked.target.cells[index].text, text, self.encoding)
                if edit is not None:
                    changes[uris[index]] = [edit]
        return types.WorkspaceEdit(changes=changes) if changes else None


def _path(uri: str) -> Path:
    return Path(to_fs_path(uri) or uri)


def _is_config(uri: str) -> bool:
    return _path(uri).name in CONFIG_NAMES


def _title(finding: Finding) -> str:
    return f"{finding.code} {finding.name}"


def _finding_filter(finding: Finding, notebook: bool) -> Callable[[Finding], bool]:
    """The findings a quick fix for ``finding`` fixes: that one (by code and position) in a
    file; in a notebook the fixer sees the joined cells, so every finding of that code."""
    if notebook:
        return lambda f: f.code == finding.code
    return lambda f: f.code == finding.code and (f.line, f.column) == (finding.line, finding.column)


def build() -> GroundrulesServer:
    server = GroundrulesServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: GroundrulesServer, params: types.InitializeParams) -> None:
        root = _path(ls.workspace.root_uri) if ls.workspace.root_uri else None
        options, problems = read_options(params.initialization_options, root)
        for problem in problems:
            logger.warning("%s", problem)
        ls.resolver.reload(options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: GroundrulesServer, params: types.InitializedParams) -> None:
        watch = ls.client_capabilities.workspace
        dynamic = watch is not None and watch.did_change_watched_files is not None and bool(
            watch.did_change_watched_files.dynamic_registration)
        if dynamic:
            await ls.client_register_capability_async(
                types.RegistrationParams(registrations=[types.Registration(
                    id="groundrules-config-files",
                    method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[
                        types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES
                    ]),
                )])
            )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: GroundrulesServer, params: types.DidOpenTextDocumentParams) -> None:
        if not _is_config(params.text_document.uri):
            ls.schedule(params.text_document.uri, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: GroundrulesServer, params: types.DidChangeTextDocumentParams) -> None:
        if not _is_config(params.text_document.uri):
            ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: GroundrulesServer, params: types.DidSaveTextDocumentParams) -> None:
        if _is_config(params.text_document.uri):
            ls.reload()
        else:
            ls.schedule(params.text_document.uri, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: GroundrulesServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: GroundrulesServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0.0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: GroundrulesServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: GroundrulesServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0.0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: GroundrulesServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.forget(params.notebook_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: GroundrulesServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(_is_config(change.uri) for change in params.changes):
            ls.reload()

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier="groundrules", inter_file_dependencies=False, workspace_diagnostics=False),
    )
    async def pull(ls: GroundrulesServer, params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport:
        uri = params.text_document.uri
        checked = await ls.current(ls.owner(uri))
        if checked is None or uri not in checked.by_uri:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        result_id = f"{checked.version}"
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        findings, lines = checked.by_uri[uri]
        return types.RelatedFullDocumentDiagnosticReport(
            items=[convert.diagnostic(f, lines, ls.encoding) for f in findings], result_id=result_id
        )

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: GroundrulesServer, params: types.HoverParams) -> Optional[types.Hover]:
        uri = params.text_document.uri
        checked = await ls.current(ls.owner(uri))
        if checked is None or uri not in checked.by_uri:
            return None
        findings, lines = checked.by_uri[uri]
        docs: List[str] = []
        for finding in findings:
            rule = by_code().get(finding.code)
            rng = convert.diagnostic(finding, lines, ls.encoding).range
            if rule is not None and convert.contains(rng, params.position):
                text = explain(rule)
                if text not in docs:
                    docs.append(text)
        if not docs:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n---\n\n".join(docs)))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False),
    )
    async def code_action(ls: GroundrulesServer, params: types.CodeActionParams) -> List[types.CodeAction]:
        uri = params.text_document.uri
        checked = await ls.current(ls.owner(uri))
        if checked is None or uri not in checked.by_uri:
            return []
        only = params.context.only

        def wants(kind: str) -> bool:
            return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)

        actions: List[types.CodeAction] = []
        findings, lines = checked.by_uri[uri]
        if wants(types.CodeActionKind.QuickFix.value):
            for finding in findings:
                diag = convert.diagnostic(finding, lines, ls.encoding)
                if not convert.overlaps(diag.range, params.range):
                    continue
                actions.extend(await _quick_fixes(ls, checked, uri, finding, diag, lines))
        if wants(FIX_ALL) and any(f.fix == FixClass.SAFE for fs, _ in checked.by_uri.values() for f in fs):
            result = await ls.fixed(checked, SAFE, None)
            edit = ls.workspace_edit(checked, result)
            if edit is not None:
                actions.append(types.CodeAction(title="groundrules: fix all safe findings",
                                                kind=FIX_ALL, edit=edit))
        return actions

    @server.command(PLACE_CURSOR)
    async def place_cursor(ls: GroundrulesServer, uri: str, line: int, character: int) -> None:
        """After a suppression is inserted: the cursor goes where the reason is typed."""
        position = types.Position(line=line, character=character)
        await ls.window_show_document_async(types.ShowDocumentParams(
            uri=uri, take_focus=True, selection=types.Range(start=position, end=position)))

    return server


async def _quick_fixes(ls: GroundrulesServer, checked: Checked, uri: str, finding: Finding,
                       diag: types.Diagnostic, lines: List[str]) -> List[types.CodeAction]:
    actions: List[types.CodeAction] = []
    if finding.fix is not None:
        allowed = SAFE if finding.fix == FixClass.SAFE else ANY_FIX
        result = await ls.fixed(checked, allowed, _finding_filter(finding, checked.target.cells is not None))
        fixed = ls.workspace_edit(checked, result)
        if fixed is not None:
            unsafe = " (unsafe: changes behaviour)" if finding.fix == FixClass.UNSAFE else ""
            actions.append(types.CodeAction(
                title=f"Fix {_title(finding)}{unsafe}", kind=types.CodeActionKind.QuickFix,
                diagnostics=[diag], edit=fixed, is_preferred=finding.fix == FixClass.SAFE))
    line_index = diag.range.start.line
    if line_index < len(lines):
        old = lines[line_index]
        new, reason_at = noqa_line(old, finding.code)
        edit = types.TextEdit(
            range=types.Range(start=types.Position(line=line_index, character=0),
                              end=types.Position(line=line_index, character=convert.units(old, ls.encoding))),
            new_text=new,
        )
        cursor = convert.units(new[:reason_at], ls.encoding)
        actions.append(types.CodeAction(
            title=f"Suppress {finding.code} on this line (with a reason)", kind=types.CodeActionKind.QuickFix,
            diagnostics=[diag], edit=types.WorkspaceEdit(changes={uri: [edit]}),
            command=types.Command(title="Type the reason", command=PLACE_CURSOR,
                                  arguments=[uri, line_index, cursor])))
    return actions


def serve() -> int:
    """``groundrules server``: LSP over stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="groundrules server: %(message)s")
    build().start_io()
    return 0
