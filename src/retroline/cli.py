"""The ``retroline`` command: a thin shell over the library (Typer + Rich).

Every command parses its options, calls one library function and formats the result. Errors
from the library arrive as RetrolineError and leave as one line on stderr and an exit code;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from retroline import __version__
from retroline.documents import read_document
from retroline.errors import RetrolineError, UsageError
from retroline.ingest import import_documents
from retroline.model import incident_schema
from retroline.report.terminal import render_incident, summaries_table
from retroline.store import Library, SaveStatus
from retroline.store.url import ENV_VAR, describe

INTERNAL_ERROR_EXIT = 70  # sysexits EX_SOFTWARE: a bug of ours, not the user's input


@dataclass
class State:
    """What the global options set up for the commands."""

    db: str | None
    debug: bool
    _library: Library | None = None

    @property
    def library(self) -> Library:
        if self._library is None:
            self._library = Library(self.db)
        return self._library

    def close(self) -> None:
        if self._library is not None:
            self._library.close()


class _Group(TyperGroup):
    """The top-level group: turns our errors into one line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except RetrolineError as exc:
            if _debug(ctx):
                raise
            _err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            _err.print("interrupted", markup=False)
            raise typer.Exit(130) from None
        except Exception as exc:
            if _debug(ctx):
                raise
            _err.print(
                f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback "
                "and report it)",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(INTERNAL_ERROR_EXIT) from None


def _debug(ctx: typer.Context) -> bool:
    obj = ctx.find_root().obj
    return bool(getattr(obj, "debug", False)) or "--debug" in sys.argv


app = typer.Typer(
    cls=_Group,
    help=(
        "Retroline turns the evidence of an outage into a UTC timeline, a postmortem and a "
        "library of past incidents.\n\n"
        "Examples:\n\n"
        "  retroline extract postmortem.md --tz Europe/Zurich\n\n"
        "  retroline import notes/*.md && retroline list\n\n"
        "  retroline --db postgresql://localhost/incidents show 3f2a"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
_out = Console()
_err = Console(stderr=True)


def _state(ctx: typer.Context) -> State:
    state = ctx.find_root().obj
    assert isinstance(state, State)
    return state


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"retroline {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar=ENV_VAR,
            help="The library: a SQLite file path or an SQLAlchemy URL (sqlite:///x.db, "
            "postgresql://user@host/db). Default: a file in your user data folder.",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Global options, given before the command."""
    state = State(db=db, debug=debug)
    ctx.obj = state
    ctx.call_on_close(state.close)


TzOption = Annotated[
    str | None,
    typer.Option("--tz", help="IANA zone for times that state none (e.g. Europe/Zurich)."),
]
FormatOption = Annotated[
    str | None, typer.Option("--format", help="Document format, instead of detecting it.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command("extract")
def extract_command(
    file: Annotated[Path, typer.Argument(help="The postmortem document to read.")],
    tz: TzOption = None,
    format: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read one document and print the incident, storing nothing.

    Example: retroline extract postmortem.md --tz Europe/Zurich --json
    """
    incident = read_document(file, tz=tz, format=format)
    if as_json:
        _print_json(incident.model_dump(mode="json"))
    else:
        render_incident(_out, incident)


@app.command("import")
def import_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Postmortem documents to store.")],
    tz: TzOption = None,
    format: FormatOption = None,
    as_json: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the ids.")] = False,
) -> None:
    """Extract documents and store them in the library, all or nothing.

    Importing the same file again changes nothing.

    Example: retroline import postmortems/*.md --tz America/Los_Angeles
    """
    library = _state(ctx).library
    results = import_documents(library, files, tz=tz, format=format)
    if as_json:
        _print_json(
            [
                {"id": r.id, "status": r.status.value, "title": r.title, "path": str(p)}
                for r, p in zip(results, files, strict=True)
            ]
        )
        return
    for result, path in zip(results, files, strict=True):
        if quiet:
            typer.echo(result.id)
        else:
            what = (
                "unchanged, already in the library"
                if result.status is SaveStatus.UNCHANGED
                else (f"{result.status.value}, {result.events} events")
            )
            _out.print(
                f"[bold]{result.id}[/bold]  {path}: {result.title} ({what})", highlight=False
            )
    if not quiet:
        _err.print(f"library: {describe(library.url)}", style="dim", highlight=False)


@app.command("list")
def list_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the incidents in the library.

    Example: retroline list --json
    """
    summaries = _state(ctx).library.summaries()
    if as_json:
        _print_json([s.to_json() for s in summaries])
    elif not summaries:
        _err.print("The library is empty: add incidents with 'retroline import FILE'.")
    else:
        _out.print(summaries_table(summaries))


@app.command("show")
def show_command(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id or its start.")],
    as_json: JsonOption = False,
) -> None:
    """Show one incident: its timeline in UTC, action items and findings.

    Example: retroline show 3f2a
    """
    incident = _state(ctx).library.get(incident_id)
    if as_json:
        _print_json(incident.model_dump(mode="json"))
    else:
        render_incident(_out, incident)


@app.command("export")
def export_command(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id or its start.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON (the only format so far).")] = True,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
) -> None:
    """Export one incident as JSON, the same shape as 'extract --json'.

    Example: retroline export 3f2a --json -o incident.json
    """
    if not as_json:
        raise UsageError("export writes JSON; for Markdown or HTML use 'retroline report'")
    data = (
        json.dumps(
            _state(ctx).library.get(incident_id).model_dump(mode="json"),
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    if output is None:
        sys.stdout.write(data)
    else:
        output.write_text(data, encoding="utf-8")
        _err.print(f"wrote {output}", highlight=False)


@app.command("rm")
def rm_command(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id or its start.")],
) -> None:
    """Remove an incident and everything stored with it.

    Example: retroline rm 3f2a
    """
    removed = _state(ctx).library.remove(incident_id)
    _out.print(f"removed {removed}", highlight=False)


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of an incident (what 'extract --json' writes).

    Example: retroline schema > incident.schema.json
    """
    _print_json(incident_schema())


def main() -> None:
    """Entry point of the ``retroline`` command."""
    app()
