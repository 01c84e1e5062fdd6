"""``groundrules server`` end to end: the real server in a subprocess, driven by pytest-lsp's client
over stdio, as an editor drives it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "groundrules", "server"])

#: A client that takes pushed diagnostics only (as Neovim before 0.10 and most plain clients).
PUSH_ONLY = types.ClientCapabilities(
    text_document=types.TextDocumentClientCapabilities(
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
            tag_support=types.ClientDiagnosticsTagOptions(value_set=[types.DiagnosticTag.Unnecessary]),
            code_description_support=True,
        ),
        code_action=types.CodeActionClientCapabilities(),
        hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
    ),
    workspace=types.WorkspaceClientCapabilities(
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
    ),
    window=types.WindowClientCapabilities(show_document=types.ShowDocumentClientCapabilities(support=True)),
    notebook_document=types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities()
    ),
)

MODULE = '''import yaml


def load(text):
    print("loading")
    return yaml.load(text)


LIMIT = 3  # noqa: GR201
'''


def _code_action_or_command(converter: Any) -> None:
    """lsprotocol's client-side converter reads a CodeAction that carries a ``command`` as a
    Command (it tries Command first); editors tell them apart by ``command`` being an object."""
    def structure(obj: Any, _: Any) -> Any:
        if isinstance(obj, dict) and not isinstance(obj.get("command"), str):
            return converter.structure(obj, types.CodeAction)
        return converter.structure(obj, types.Command)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], structure)


async def _start(client: LanguageClient, root: Path, capabilities: types.ClientCapabilities,
                 options: Optional[Dict[str, Any]] = None) -> None:
    _code_action_or_command(client.protocol._converter)
    client.registrations = []  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
            initialization_options=options,
        )
    )


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    await _start(lsp_client, tmp_path, PUSH_ONLY)
    yield
    await lsp_client.shutdown_session()


#: A client that pulls diagnostics (LSP 3.17), as VS Code does.
PULLS = client_capabilities("visual-studio-code")
assert PULLS.text_document is not None
PULLS.text_document.diagnostic = types.DiagnosticClientCapabilities(related_document_support=True)


@pytest_lsp.fixture(config=SERVER)
async def vscode(lsp_client: LanguageClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    await _start(lsp_client, tmp_path, PULLS)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER)
async def configured(lsp_client: LanguageClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    await _start(lsp_client, tmp_path, PUSH_ONLY, {"ignore": ["GR206"]})
    yield
    await lsp_client.shutdown_session()


async def wait_for(client: LanguageClient, uri: str,
                   accept: Callable[[Sequence[types.Diagnostic]], bool] = lambda d: True,
                   timeout: float = 20.0) -> Sequence[types.Diagnostic]:
    """The diagnostics pushed for ``uri`` once they satisfy ``accept``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        found = client.diagnostics.get(uri)
        if found is not None and accept(found):
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"no matching diagnostics for {uri}: {client.diagnostics.get(uri)}")


def open_file(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))
    return uri


def codes(diagnostics: Sequence[types.Diagnostic]) -> List[str]:
    return sorted(str(d.code) for d in diagnostics)


def apply_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """Apply LSP edits (UTF-16 positions; the texts here are ASCII) as an editor does."""
    lines = text.splitlines(keepends=True)

    def offset(position: types.Position) -> int:
        return sum(len(line) for line in lines[: position.line]) + position.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
        lines = text.splitlines(keepends=True)
    return text


def cli_codes(path: Path) -> List[str]:
    out = subprocess.run([sys.executable, "-m", "groundrules", "check", "--format", "json", path.name],
                         cwd=path.parent, capture_output=True, text=True, check=False)
    return sorted(f["code"] for f in json.loads(out.stdout)["findings"])


@pytest.mark.asyncio
async def test_diagnostics_on_open_match_the_command_line(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "loader.py"
    uri = open_file(client, path, MODULE)
    found = await wait_for(client, uri)
    assert codes(found) == cli_codes(path)
    assert {"GR101", "GR206", "GR903"} <= set(codes(found))
    by_code = {d.code: d for d in found}
    yaml_load = by_code["GR206"]
    assert yaml_load.severity == types.DiagnosticSeverity.Error
    assert yaml_load.source == "groundrules"
    assert yaml_load.range.start == types.Position(line=5, character=11)
    assert yaml_load.code_description is not None and "gr206" in yaml_load.code_description.href
    assert list(by_code["GR903"].tags or ()) == [types.DiagnosticTag.Unnecessary]
    assert by_code["GR101"].tags is None


@pytest.mark.asyncio
async def test_changes_are_debounced_and_the_latest_text_wins(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "edit.py", "x = 1\n")
    await wait_for(client, uri)
    text = "x = 1\n"
    for version, line in enumerate(["import yaml\n", "y = yaml.load(s)\n", "z = yaml.load(t)\n"], start=2):
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text + line)]))
        text += line
    final = await wait_for(client, uri, lambda d: codes(d).count("GR206") == 2)
    assert [d.range.start.line for d in final if d.code == "GR206"] == [2, 3]
    # Nothing older arrives after the latest result.
    await asyncio.sleep(0.3)
    assert codes(client.diagnostics[uri]).count("GR206") == 2


@pytest.mark.asyncio
async def test_notebook_cells_get_their_own_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    notebook = tmp_path / "eda.ipynb"
    notebook.write_text("{}", encoding="utf-8")
    uri = notebook.as_uri()
    texts = ["# Exploring", "import yaml\n", "%matplotlib inline\nrows = yaml.load(open('r.yml'))\n"]
    kinds = [types.NotebookCellKind.Markup, types.NotebookCellKind.Code, types.NotebookCellKind.Code]
    cells = [f"vscode-notebook-cell:{notebook}#cell{i}" for i in range(3)]
    client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(
            uri=uri, notebook_type="jupyter-notebook", version=1,
            cells=[types.NotebookCell(kind=k, document=c) for k, c in zip(kinds, cells)]),
        cell_text_documents=[types.TextDocumentItem(uri=c, language_id="markdown" if i == 0 else "python",
                                                    version=1, text=t)
                             for i, (c, t) in enumerate(zip(cells, texts))],
    ))
    third = await wait_for(client, cells[2], lambda d: "GR206" in codes(d))
    yaml_load = next(d for d in third if d.code == "GR206")
    # Cell-relative: line 2 of the third cell, after the magic that is masked for the check.
    assert yaml_load.range.start == types.Position(line=1, character=7)
    assert "GR206" not in codes(client.diagnostics.get(cells[1], []))

    # An edit to one cell re-checks the notebook: the finding goes away.
    client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        notebook_document=types.VersionedNotebookDocumentIdentifier(uri=uri, version=2),
        change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(text_content=[
            types.NotebookDocumentCellContentChanges(
                document=types.VersionedTextDocumentIdentifier(uri=cells[2], version=2),
                changes=[types.TextDocumentContentChangeWholeDocument(
                    text="rows = yaml.safe_load(open('r.yml', encoding='utf-8'))\n")])]))))
    await wait_for(client, cells[2], lambda d: "GR206" not in codes(d))


@pytest.mark.asyncio
async def test_pull_diagnostics_for_clients_that_pull(vscode: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(vscode, tmp_path / "pulled.py", MODULE)
    report = await vscode.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert {"GR101", "GR206", "GR903"} <= {str(d.code) for d in report.items}
    again = await vscode.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=report.result_id))
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    assert uri not in vscode.diagnostics  # pulled, not pushed: no duplicates in the editor


async def _actions(client: LanguageClient, uri: str, diagnostic: types.Diagnostic,
                   only: Optional[List[str]] = None) -> List[types.CodeAction]:
    result = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic], only=only)))
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


@pytest.mark.asyncio
async def test_quick_fix_applies_and_the_finding_goes(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "quick.py", MODULE)
    found = await wait_for(client, uri)
    unused = next(d for d in found if d.code == "GR903")
    actions = await _actions(client, uri, unused)
    fix = next(a for a in actions if a.title.startswith("Fix GR903"))
    assert fix.is_preferred and "unsafe" not in fix.title
    assert fix.edit is not None and fix.edit.changes is not None
    fixed = apply_edits(MODULE, fix.edit.changes[uri])
    assert fixed.endswith("LIMIT = 3\n")
    assert fixed.replace("LIMIT = 3\n", "") == MODULE.replace("LIMIT = 3  # noqa: GR201\n", "")

    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)]))
    after = await wait_for(client, uri, lambda d: "GR903" not in codes(d))
    assert "GR206" in codes(after)

    # A policy fix is offered, labelled unsafe and not preferred.
    printed = next(d for d in after if d.code == "GR101")
    policy = [a for a in await _actions(client, uri, printed) if a.title.startswith("Fix GR101")]
    assert policy and "unsafe" in policy[0].title and not policy[0].is_preferred


@pytest.mark.asyncio
async def test_fix_all_applies_only_safe_fixes(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "all.py", MODULE)
    found = await wait_for(client, uri)
    actions = await _actions(client, uri, found[0], only=["source.fixAll.groundrules"])
    assert [a.kind for a in actions] == ["source.fixAll.groundrules"]
    assert actions[0].edit is not None and actions[0].edit.changes is not None
    fixed = apply_edits(MODULE, actions[0].edit.changes[uri])
    assert "# noqa" not in fixed  # the safe GR903 fix
    assert 'print("loading")' in fixed  # GR101's fix is a policy fix: not applied
    # `only: ["source"]` asks for every source action, fixAll included.
    assert [a.kind for a in await _actions(client, uri, found[0], only=["source"])] == ["source.fixAll.groundrules"]


@pytest.mark.asyncio
async def test_suppress_inserts_noqa_and_places_the_cursor(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "suppress.py", MODULE)
    found = await wait_for(client, uri)
    yaml_load = next(d for d in found if d.code == "GR206")
    action = next(a for a in await _actions(client, uri, yaml_load) if a.title.startswith("Suppress GR206"))
    assert action.edit is not None and action.edit.changes is not None
    fixed = apply_edits(MODULE, action.edit.changes[uri])
    line = fixed.splitlines()[5]
    assert line == "    return yaml.load(text)  # noqa: GR206 -- "
    assert action.command is not None
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=action.command.command, arguments=action.command.arguments))
    shown = client.shown_documents[-1]
    assert shown.uri == uri and shown.selection is not None
    assert shown.selection.start == types.Position(line=5, character=len(line))


@pytest.mark.asyncio
async def test_hover_shows_the_rule_explanation(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "hover.py", MODULE)
    found = await wait_for(client, uri)
    yaml_load = next(d for d in found if d.code == "GR206")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=yaml_load.range.start))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    explained = subprocess.run([sys.executable, "-m", "groundrules", "explain", "GR206"],
                               capture_output=True, text=True, check=True).stdout
    assert hover.contents.value.strip() == explained.strip()
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=2, character=0)))
    assert nothing is None


@pytest.mark.asyncio
async def test_config_file_change_reloads_the_standards(client: LanguageClient, tmp_path: Path) -> None:
    registrations = client.registrations  # type: ignore[attr-defined]
    for _ in range(200):  # the server registers its watchers after `initialized`, asynchronously
        if registrations:
            break
        await asyncio.sleep(0.02)
    watched = [r for r in registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert watched and {w["globPattern"] for w in watched[0].register_options["watchers"]} == {
        "**/pyproject.toml", "**/groundrules.toml"}
    uri = open_file(client, tmp_path / "cfg.py", MODULE)
    await wait_for(client, uri, lambda d: "GR206" in codes(d))
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.groundrules]\nignore = ["GR206"]\n', encoding="utf-8")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Created)]))
    after = await wait_for(client, uri, lambda d: "GR206" not in codes(d))
    assert "GR101" in codes(after)


@pytest.mark.asyncio
async def test_initialization_options_select_and_ignore(configured: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(configured, tmp_path / "opts.py", MODULE)
    found = await wait_for(configured, uri)
    assert "GR206" not in codes(found) and "GR101" in codes(found)


@pytest.mark.asyncio
async def test_syntax_error_is_one_diagnostic_and_the_server_lives(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "broken.py", "def f(:\n    return 1\n")
    found = await wait_for(client, uri)
    assert codes(found) == ["GR901"]
    assert found[0].range.start.line == 0
    good = open_file(client, tmp_path / "good.py", MODULE)
    assert "GR206" in codes(await wait_for(client, good))


@pytest.mark.asyncio
async def test_cancelled_request_is_answered_as_cancelled(client: LanguageClient, tmp_path: Path) -> None:
    big = "import yaml\n" + "".join(f"v{i} = yaml.load(s{i})  # noqa: GR201\n" for i in range(1000))
    uri = open_file(client, tmp_path / "big.py", big)
    await wait_for(client, uri, lambda d: len(d) > 100, timeout=60)
    # fixAll on 1,000 fixable lines takes seconds (a LibCST parse and a re-check): cancel it.
    first = (await wait_for(client, uri))[0]
    request = asyncio.ensure_future(client.protocol.send_request_async(
        types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=first.range,
            context=types.CodeActionContext(diagnostics=[first], only=["source.fixAll.groundrules"])),
        msg_id="slow-fix-all"))
    await asyncio.sleep(0.3)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="slow-fix-all"))
    with pytest.raises(JsonRpcRequestCancelled):
        await request
    # The server still answers, and a small file is not held up by the abandoned work.
    started = asyncio.get_running_loop().time()
    small = open_file(client, tmp_path / "small.py", MODULE)
    assert "GR206" in codes(await wait_for(client, small))
    assert asyncio.get_running_loop().time() - started < 3.0


@pytest.mark.asyncio
async def test_each_project_uses_its_own_standards(client: LanguageClient, tmp_path: Path) -> None:
    strict, relaxed = tmp_path / "strict", tmp_path / "relaxed"
    strict.mkdir()
    (relaxed / "src").mkdir(parents=True)
    (relaxed / "pyproject.toml").write_text('[tool.groundrules]\nignore = ["GR206"]\n', encoding="utf-8")
    first = open_file(client, strict / "a.py", MODULE)
    second = open_file(client, relaxed / "src" / "b.py", MODULE)
    assert "GR206" in codes(await wait_for(client, first))
    assert "GR206" not in codes(await wait_for(client, second))


@pytest.mark.asyncio
async def test_notebook_quick_fix_edits_the_cell(client: LanguageClient, tmp_path: Path) -> None:
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text("{}", encoding="utf-8")
    cells = [f"vscode-notebook-cell:{notebook}#c{i}" for i in range(2)]
    texts = ["import os\n", "home = os.environ.get('HOME')  # noqa: GR201\n"]
    client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(
            uri=notebook.as_uri(), notebook_type="jupyter-notebook", version=1,
            cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=c) for c in cells]),
        cell_text_documents=[types.TextDocumentItem(uri=c, language_id="python", version=1, text=t)
                             for c, t in zip(cells, texts)]))
    unused = next(d for d in await wait_for(client, cells[1], lambda d: "GR903" in codes(d)) if d.code == "GR903")
    fix = next(a for a in await _actions(client, cells[1], unused) if a.title.startswith("Fix GR903"))
    assert fix.edit is not None and fix.edit.changes is not None and list(fix.edit.changes) == [cells[1]]
    assert apply_edits(texts[1], fix.edit.changes[cells[1]]) == "home = os.environ.get('HOME')\n"


@pytest.mark.asyncio
async def test_save_rechecks(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "saved.pyi"
    uri = open_file(client, path, "def f(x): ...\n")
    await wait_for(client, uri)
    client.diagnostics.pop(uri)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert codes(await wait_for(client, uri)) == cli_codes(path)
