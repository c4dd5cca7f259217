"""The ``retroline`` command: a thin shell over the library (Typer + Rich).

Every command parses its options, calls one library function and formats the result. Errors
from the library arrive as RetrolineError and leave as one line on stderr and an exit code;
``--debug`` shows the traceback instead. What comes from the evidence (titles, file names,
texts, error messages quoting them) is printed inert (``retroline.inert``) and never as Rich
markup.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from retroline import __version__
from retroline.errors import RetrolineError, RetrolineWarning, UsageError
from retroline.inert import inert, inert_json
from retroline.store.url import ENV_VAR, describe

if TYPE_CHECKING:
    from rich.console import Console

    from retroline.analysis.similar import SeenBefore
    from retroline.store import Library

# The documents, the store (SQLAlchemy, Alembic) and the models (pydantic) are imported by
# the commands that use them: a command that needs none of them, such as
# 'retroline logs parse', starts in a third of the time.

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
            from retroline.store import Library

            self._library = Library(self.db)
        return self._library

    def close(self) -> None:
        if self._library is not None:
            self._library.close()


class _Group(TyperGroup):
    """The top-level group: turns our errors into one line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        # One console of each kind per run, made for this run's terminal: a run in the same
        # process before (the API's users, tests) may have had another width.
        _consoles.clear()
        try:
            with warnings.catch_warnings(record=True) as told:
                warnings.simplefilter("always", RetrolineWarning)
                try:
                    return super().invoke(ctx)
                finally:
                    _tell(told)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except RetrolineError as exc:
            if _debug(ctx):
                raise
            _err().print(
                inert(f"error: {exc}", lines=False), markup=False, highlight=False, soft_wrap=True
            )
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            _err().print("interrupted", markup=False)
            raise typer.Exit(130) from None
        except Exception as exc:
            if _debug(ctx):
                raise
            _err().print(
                inert(
                    f"internal error: {type(exc).__name__}: {exc} (run with --debug for the "
                    "traceback and report it)",
                    lines=False,
                ),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(INTERNAL_ERROR_EXIT) from None


def _tell(told: list[warnings.WarningMessage]) -> None:
    """Our warnings, one line each on stderr after the output; any other shown as Python
    shows it."""
    for warning in told:
        if issubclass(warning.category, RetrolineWarning):
            _err().print(
                inert(f"warning: {warning.message}", lines=False),
                style="yellow",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        else:
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )


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


# The consoles of the run under way, made on first use ('logs parse --json' prints none).
_consoles: dict[bool, Console] = {}


def _out() -> Console:
    """The console for results."""
    return _console(stderr=False)


def _err() -> Console:
    """The console for messages to people, on stderr."""
    return _console(stderr=True)


def _console(stderr: bool) -> Console:
    found = _consoles.get(stderr)
    if found is None:
        from rich.console import Console

        found = _consoles[stderr] = Console(stderr=stderr)
    return found


def _state(ctx: typer.Context) -> State:
    state = ctx.find_root().obj
    assert isinstance(state, State)
    return state


def _print_json(data: Any) -> None:
    sys.stdout.write(inert_json(json.dumps(data, indent=2, ensure_ascii=False)) + "\n")


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
    from retroline.api import extract
    from retroline.report.terminal import render_incident

    incident = extract(file, tz=tz, format=format)
    if as_json:
        sys.stdout.write(incident.to_json() + "\n")
    else:
        render_incident(_out(), incident)


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
    from rich.text import Text

    from retroline.ingest import import_documents
    from retroline.store import SaveStatus

    library = _state(ctx).library
    with _steps("reading", len(files), show=not as_json and len(files) > 1) as step:
        results = import_documents(
            library, files, tz=tz, format=format, progress=lambda p: step(f"reading {p}")
        )
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
            told = f"  {inert(str(path), lines=False)}: {inert(result.title, lines=False)}"
            _out().print(Text.assemble((result.id, "bold"), f"{told} ({what})"), highlight=False)
    if not quiet:
        _err().print(f"library: {describe(library.url)}", style="dim", highlight=False)


@app.command("list")
def list_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the incidents in the library.

    Example: retroline list --json
    """
    from retroline.report.terminal import summaries_table

    summaries = _state(ctx).library.summaries()
    if as_json:
        _print_json([s.to_json() for s in summaries])
    elif not summaries:
        _err().print("The library is empty: add incidents with 'retroline import FILE'.")
    else:
        _out().print(summaries_table(summaries))


@app.command("show")
def show_command(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id or its start.")],
    as_json: JsonOption = False,
) -> None:
    """Show one incident: its timeline in UTC, action items and findings.

    Example: retroline show 3f2a
    """
    from retroline.report.terminal import render_incident

    incident = _state(ctx).library.get(incident_id)
    if as_json:
        sys.stdout.write(incident.to_json() + "\n")
    else:
        render_incident(_out(), incident)


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
    data = _state(ctx).library.get(incident_id).to_json() + "\n"
    if output is None:
        sys.stdout.write(data)
    else:
        from retroline.output import write_text

        write_text(output, data)
        _err().print(f"wrote {output}", highlight=False)


# -- edits -----------------------------------------------------------------------------------

edits_app = typer.Typer(
    help=(
        "Correct an incident as people know it: change an event's kind, time or text, mark "
        "it wrong, add an event, accept or dismiss a finding, and undo any of it. Each "
        "correction is kept beside the extracted value, with who made it and when.\n\n"
        "Example: retroline edits list 3f2a && retroline edits kind 3f2a e2 detection"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(edits_app, name="edits")

IdArgument = Annotated[str, typer.Argument(metavar="ID", help="Incident id or its start.")]
TargetArgument = Annotated[
    str,
    typer.Argument(
        metavar="TARGET", help="e1, e2, … for an event, f1, f2, … for a finding (edits list)."
    ),
]


def _who() -> str:
    """Who corrects, when --by is not given: the login name."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise UsageError("say who makes the correction: --by NAME") from None


ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who makes the correction (default: your login name)."),
]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why, in a few words.")]


def _correct(
    ctx: typer.Context,
    ident: str,
    action: str,
    target: str | None,
    value: Any,
    by: str | None,
    reason: str,
    as_json: bool,
) -> None:
    """Make one correction of incident ``ident`` and say what it did."""
    from rich.text import Text

    from retroline.analysis.edits import describe
    from retroline.api import correct, corrections

    library = _state(ctx).library
    if target is not None:
        target = corrections(ident, library=library).target(target)
    made = correct(
        ident, [(action, target, value)], by=by or _who(), reason=reason, library=library
    )
    if as_json:
        _print_json([e.model_dump(mode="json") for e in made])
        return
    for edit in made:
        line = f"edit {edit.id}: {describe(edit)}: {edit.subject}"
        _out().print(Text(inert(line)), highlight=False)


@edits_app.command("list")
def edits_list_command(
    ctx: typer.Context, incident_id: IdArgument, as_json: JsonOption = False
) -> None:
    """Show an incident as corrected: its events and findings numbered as the other
    commands name them (e1, f1), and its corrections.

    Example: retroline edits list 3f2a
    """
    from retroline.api import corrections
    from retroline.report.terminal import render_review

    review = corrections(incident_id, library=_state(ctx).library)
    if as_json:
        _print_json(review.to_json())
    else:
        render_review(_out(), review)


ValueArgument = Annotated[
    str, typer.Argument(metavar="VALUE", help="The event's new kind, time or text.")
]


def _event_edit(action: str, what: str, example: str) -> None:
    """Add the command that changes one field of an event (kind, time, text)."""

    def command(
        ctx: typer.Context,
        incident_id: IdArgument,
        target: TargetArgument,
        value: ValueArgument,
        by: ByOption = None,
        reason: ReasonOption = "",
        as_json: JsonOption = False,
    ) -> None:
        _correct(ctx, incident_id, action, target, value, by, reason, as_json)

    help_text = f"Correct an event's {action}: {what}\n\nExample: {example}"
    edits_app.command(action, help=help_text)(command)


def _verdict(action: str, doc: str, example: str) -> None:
    """Add the command that marks an event or a finding (wrong, accept, dismiss)."""

    def command(
        ctx: typer.Context,
        incident_id: IdArgument,
        target: TargetArgument,
        by: ByOption = None,
        reason: ReasonOption = "",
        as_json: JsonOption = False,
    ) -> None:
        _correct(ctx, incident_id, action, target, None, by, reason, as_json)

    edits_app.command(action, help=f"{doc}\n\nExample: {example}")(command)


_event_edit(
    "kind",
    "one of impact_start, detection, engagement, mitigation, resolution, change, "
    "communication, other.",
    "retroline edits kind 3f2a e2 detection",
)
_event_edit(
    "time",
    "the instant, YYYY-MM-DD HH:MM[:SS] in UTC, or with its offset (+02:00).",
    "retroline edits time 3f2a e3 '2024-03-01 10:05'",
)
_event_edit("text", "the event's words.", "retroline edits text 3f2a e2 'DBA paged'")
_verdict(
    "wrong",
    "Mark an event wrong: it leaves the timeline (the correction can be undone).",
    "retroline edits wrong 3f2a e4 --reason 'a test alert'",
)
_verdict("accept", "Accept a finding: it is right.", "retroline edits accept 3f2a f1")
_verdict(
    "dismiss",
    "Dismiss a finding: it is wrong, or does not matter.",
    "retroline edits dismiss 3f2a f2 --reason 'the zone is known'",
)


@edits_app.command("add")
def edits_add_command(
    ctx: typer.Context,
    incident_id: IdArgument,
    at: Annotated[
        str,
        typer.Argument(metavar="TIME", help="YYYY-MM-DD HH:MM[:SS] in UTC, or with its offset."),
    ],
    text: Annotated[str, typer.Argument(help="What happened.")],
    kind: Annotated[str, typer.Option("--kind", help="The event's kind.")] = "other",
    by: ByOption = None,
    reason: ReasonOption = "",
    as_json: JsonOption = False,
) -> None:
    """Add an event the evidence does not show.

    Example: retroline edits add 3f2a '2024-03-01 10:02' 'customer reports' --kind detection
    """
    value = {"at": at, "kind": kind, "text": text}
    _correct(ctx, incident_id, "add", None, value, by, reason, as_json)


@edits_app.command("undo")
def edits_undo_command(
    ctx: typer.Context,
    incident_id: IdArgument,
    number: Annotated[int, typer.Argument(metavar="NUMBER", help="The correction's number.")],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Undo a correction: it stays in the record, marked undone by you.

    Example: retroline edits undo 3f2a 2
    """
    from rich.text import Text

    from retroline.analysis.edits import describe
    from retroline.api import undo_correction

    undone = undo_correction(incident_id, number, by=by or _who(), library=_state(ctx).library)
    if as_json:
        _print_json(undone.model_dump(mode="json"))
    else:
        _out().print(Text(inert(f"edit {undone.id} undone: {describe(undone)}")), highlight=False)


@app.command("rm")
def rm_command(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id or its start.")],
) -> None:
    """Remove an incident and everything stored with it.

    Example: retroline rm 3f2a
    """
    removed = _state(ctx).library.remove(incident_id)
    _out().print(f"removed {removed}", highlight=False)


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of an incident (what 'extract --json' writes).

    Example: retroline schema > incident.schema.json
    """
    from retroline.model import incident_schema

    _print_json(incident_schema())


@app.command("report")
def report_command(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id or its start.")],
    format: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="md (Markdown), html (one self-contained page) or json."
        ),
    ] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
) -> None:
    """Write the postmortem of an incident: summary, durations, timeline, findings.

    Example: retroline report 3f2a --format html -o postmortem.html
    """
    from retroline.report.write import render, write_report

    incident = _state(ctx).library.get(incident_id)
    if output is None:
        sys.stdout.write(render(incident, format))
        return
    write_report(incident, format, output)
    _err().print(f"wrote {output}", highlight=False)


def _zones(values: list[str]) -> dict[str, str]:
    from retroline.evidence.kinds import by_pattern

    return by_pattern(values, "--zone", "ZONE", "db-*.log=Europe/Berlin")


def _hosts(values: list[str] | None) -> dict[str, str]:
    from retroline.evidence.kinds import by_pattern

    return by_pattern(values or [], "--host", "HOST", "snapshot-*.txt=db02")


HostOption = Annotated[
    list[str] | None,
    typer.Option(
        "--host",
        help="The host of the files matching a name pattern, as PATTERN=HOST (repeatable), "
        "for host-state files whose name and first line do not say it.",
    ),
]


@app.command("investigate")
def investigate_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Folders or files of evidence.")],
    tz: TzOption = None,
    zone: Annotated[
        list[str] | None,
        typer.Option(
            "--zone",
            help="The zone of the files matching a name pattern, as PATTERN=ZONE "
            "(repeatable): logs from hosts in other zones.",
        ),
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", help="Year of log lines written without one.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Folder for the report (default: retroline-report)."),
    ] = None,
    good: Annotated[
        str | None,
        typer.Option(
            "--good",
            help="The host that works: the other hosts' package lists are compared with its "
            "(default: the first host by name, and the finding says so).",
        ),
    ] = None,
    socket_limit: Annotated[
        int | None,
        typer.Option(
            "--socket-limit",
            help="The limit on a host's open sockets (its open-file limit, a pool's size): "
            "socket tables are counted against it, and its crossing is a change "
            "(default: the limits of a sysctl -a file among the evidence).",
        ),
    ] = None,
    host: HostOption = None,
    as_json: JsonOption = False,
) -> None:
    """Turn a folder of evidence into one incident and its postmortem.

    Every file is recognised (postmortem document or log); the documents become one
    incident, the logs are read at its onset and their strongest changes join the
    timeline; the checks run, the incident is stored and the report written.

    Example: retroline investigate evidence/ --zone 'db-*.syslog=Europe/Berlin' -o report/
    """
    from rich.text import Text

    from retroline.api import investigate

    out_dir = output or Path("retroline-report")
    with _steps("investigating", None, show=not as_json) as step:
        result = investigate(
            paths,
            library=_state(ctx).library,
            tz=tz,
            zones=_zones(zone or []),
            year=year,
            out_dir=out_dir,
            progress=step,
            good=good,
            socket_limit=socket_limit,
            hosts=_hosts(host),
        )
    if as_json:
        _print_json(result.to_dict())
        return
    incident = result.incident
    _out().print(
        Text.assemble((incident.id or "", "bold"), "  " + inert(incident.title, lines=False)),
        highlight=False,
    )
    _out().print(
        f"  {len(result.documents)} document(s), {len(result.logs)} log(s), "
        f"{len(result.metrics)} metric file(s), {len(result.hosts)} host-state file(s); "
        f"{len(incident.events)} timeline entries; {len(incident.findings)} finding(s)",
        highlight=False,
    )
    for path, reason in result.skipped:
        _err().print(
            inert(f"  skipped {path}: {reason}", lines=False),
            style="yellow",
            markup=False,
            highlight=False,
        )
    for line in seen_lines(result.seen, limit=3):
        _out().print(inert(line, lines=False), markup=False, highlight=False)
    for fmt, path in result.reports.items():
        _out().print(inert(f"  {fmt:5} {path}", lines=False), markup=False, highlight=False)


def seen_lines(seen: SeenBefore, limit: int | None = None) -> list[str]:
    """The "Seen before" of an incident in a few lines for the terminal."""
    lines = []
    for match in seen.matches[:limit]:
        why = "; ".join(f"{r.kind} {r.value!r} ({r.weight:.2f})" for r in match.reasons[:3])
        when = f" {match.date}" if match.date else ""
        lines.append(
            f"  seen before: {match.id}{when} {match.title} (score {match.score:.2f}: {why})"
        )
    for r in seen.recurrences:
        earlier = ", ".join(f"{i} {d}" if d else i for i, d in r.earlier)
        lines.append(
            f"  {r.kind} {r.value!r}: {r.frequency}" + (f" (earlier: {earlier})" if earlier else "")
        )
    return lines


# -- logs ------------------------------------------------------------------------------------

logs_app = typer.Typer(
    help=(
        "Log evidence: templates of log lines, and what changed at an incident's onset.\n\n"
        "Example: retroline logs parse /var/log/syslog --year 2016 --json"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(logs_app, name="logs")

LogFiles = Annotated[
    list[str], typer.Argument(metavar="FILE...", help="Log files (.gz, .bz2, .xz too); - is stdin.")
]
YearOption = Annotated[
    int | None,
    typer.Option(
        "--year",
        help="Year of timestamps that state none (syslog); default: the year the file was "
        "last written, or the year before for a log that starts on a day after that (said "
        "as year_assumed).",
    ),
]
LOG_TZ_HELP = (
    "IANA zone of timestamps that state none (default UTC); explicit offsets win. It also "
    "settles an abbreviation with several meanings (IST with Europe/Dublin is Irish)."
)

#: Files smaller than this are parsed without a progress bar.
PROGRESS_MIN_BYTES = 16 * 1024 * 1024


@contextmanager
def _progress(paths: list[str], what: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for big inputs, only when stderr is a terminal."""
    sizes = [Path(p).stat().st_size for p in paths if p != "-" and Path(p).is_file()]
    if not sys.stderr.isatty() or sum(sizes) < PROGRESS_MIN_BYTES:
        yield None
        return
    from rich.progress import Progress

    # stdout is the data: Rich must not capture it to print it above the bar.
    with Progress(
        console=_err(), transient=True, redirect_stdout=False, redirect_stderr=False
    ) as bar:
        task = bar.add_task(what, total=sum(sizes))
        yield lambda done: bar.update(task, completed=done)


@contextmanager
def _steps(what: str, total: int | None, show: bool) -> Iterator[Callable[[str], None]]:
    """A progress display on stderr for work in steps (files read, stages of an
    investigation), only when ``show`` and stderr is a terminal: a spinner with the step
    under way, and a bar of ``total`` steps when it is known. Gone when the work ends."""
    if not show or not _err().is_terminal:
        yield lambda _message: None
        return
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
    if total:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=_err(), transient=True, redirect_stdout=False) as bar:
        task = bar.add_task(what, total=total)

        def step(message: str) -> None:
            shown = escape(inert(message, lines=False))  # the description is read as markup
            bar.update(task, description=shown, advance=1 if total else None)

        yield step


@contextmanager
def _stdout_may_close() -> Iterator[None]:
    """``retroline logs parse ... | head`` closes the pipe early: stop quietly, exit 0."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would report the pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


AllowRotationOption = Annotated[
    bool,
    typer.Option(
        "--allow-rotation",
        help="A log truncated or replaced while it is read (rotated) is a warning, not an "
        "error (exit 3): for logs still being written.",
    ),
]


@contextmanager
def _rotation(allowed: bool) -> Iterator[None]:
    """A file rotated while it was read ends the command with its error after the output,
    or, when allowed, with a warning on stderr."""
    from retroline.errors import ChangedError

    try:
        yield
    except ChangedError as exc:
        if not allowed:
            raise
        _warn_rotated([exc])


def _warn_rotated(rotated: list[Exception]) -> None:
    for exc in rotated:
        _err().print(
            f"warning: {inert(str(exc), lines=False)}",
            style="yellow",
            markup=False,
            highlight=False,
        )


@logs_app.command("parse")
def logs_parse_command(
    ctx: typer.Context,
    files: LogFiles,
    tz: Annotated[str | None, typer.Option("--tz", help=LOG_TZ_HELP)] = None,
    year: YearOption = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help='One JSON object per line: {"line", "at" (UTC, or null), "template_id", '
            '"template"}, plus "zone_source" with "at" (explicit: the line writes its zone '
            'or a Unix time; option: --tz; assumed: UTC for want of either), "host", '
            '"process", "pid", "level" when the header has them, "file" when several files '
            'are given, and "continuation", "truncated", "binary", "year_assumed", '
            '"date_assumed" (a time of day put on the date the file\'s first lines write, '
            "else on the day it was last written, or a day and month in an "
            'order no line showed), "zone_ambiguous" (a zone abbreviation with other '
            "meanings, such as IST or CST, read as its most common one) when true.",
        ),
    ] = False,
    limit: Annotated[int, typer.Option("--limit", help="Templates shown without --json.")] = 50,
    allow_rotation: AllowRotationOption = False,
    use_library: Annotated[
        bool,
        typer.Option(
            "--use-library",
            help="Start from the templates stored in the library (--db), so that messages get "
            "the ids earlier runs gave them; writes nothing.",
        ),
    ] = False,
    store: Annotated[
        bool,
        typer.Option(
            "--store",
            help="As --use-library, then save the templates (ids, counts, first and last "
            "seen) back to the library in one transaction, if the whole run succeeded.",
        ),
    ] = False,
) -> None:
    """Group log lines into templates: a summary, or one JSON object per line.

    Files are read twice with --json, so that every line gets the final form of its
    template; standard input (-) is read once. The library is only used when asked
    (--use-library, --store): by default a run starts from no templates. A line whose
    stamp names no instant (30 February) keeps no time, and a warning names the first
    such line of each file; an empty or binary file is an error.

    Example: retroline logs parse syslog app.log.gz --year 2016 --tz Europe/Zurich --json
    """
    from retroline.logs.run import summarise, write_json_lines
    from retroline.logs.state import load_miner, store_miner
    from retroline.logs.templates import TemplateMiner

    library = _state(ctx).library if use_library or store else None
    miner = load_miner(library) if library is not None else TemplateMiner()
    with _progress(files, "parsing") as progress, _rotation(allow_rotation):
        if as_json:
            with _stdout_may_close():
                stats = write_json_lines(
                    sys.stdout, files, tz=tz, year=year, miner=miner, progress=progress, stats=store
                )
        else:
            from retroline.logs.render import templates_table

            stats, errors = summarise(files, tz=tz, year=year, miner=miner, progress=progress)
            if stats or not errors:  # no table of nothing before the error of every file
                _out().print(templates_table(stats, limit or None))
            if errors:
                raise errors[0]
    if store and library is not None:
        saved = store_miner(library, miner, stats)
        _err().print(f"{saved} templates saved to {describe(library.url)}", highlight=False)


BeforeOption = Annotated[
    str, typer.Option("--before", help="Window before the onset (90s, 15m, 1h30m, 2d).")
]
AfterOption = Annotated[str, typer.Option("--after", help="Window after the onset.")]


@logs_app.command("onset")
def logs_onset_command(
    files: LogFiles,
    at: Annotated[
        str,
        typer.Option("--at", help="The onset: ISO 8601 (2016-09-08T20:31Z); --tz if no offset."),
    ],
    before: BeforeOption = "1h",
    after: AfterOption = "30m",
    tz: Annotated[str | None, typer.Option("--tz", help=LOG_TZ_HELP)] = None,
    year: YearOption = None,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option("--limit", help="Changes shown without --json.")] = 20,
    allow_rotation: AllowRotationOption = False,
) -> None:
    """The log templates that appeared, spiked, dropped or vanished at the onset.

    Counts in the window before and after the onset are compared per template (a
    binomial likelihood-ratio test); the score is -log10 of its p-value, and a change is
    listed when it passes 0.01 divided by the number of templates (Bonferroni).

    Example: retroline logs onset app.log syslog.gz --at 2016-09-08T20:31Z --before 2h --json
    """
    from retroline.logs.onset import analyse, parse_duration, parse_instant
    from retroline.logs.render import onset_table

    result = analyse(
        files,
        parse_instant(at, tz),
        before=parse_duration(before),
        after=parse_duration(after),
        tz=tz,
        year=year,
        allow_rotation=allow_rotation,
    )
    if as_json:
        _print_json(result.to_json())
    else:
        _out().print(onset_table(result, limit or None))
    _warn_rotated(list(result.rotated))


@logs_app.command("add")
def logs_add_command(
    ctx: typer.Context,
    incident_id: Annotated[
        str, typer.Argument(metavar="INCIDENT", help="Incident id or its start.")
    ],
    files: LogFiles,
    at: Annotated[
        str | None,
        typer.Option("--at", help="The onset (ISO 8601); default: the incident's impact start."),
    ] = None,
    before: BeforeOption = "1h",
    after: AfterOption = "30m",
    tz: Annotated[str | None, typer.Option("--tz", help=LOG_TZ_HELP)] = None,
    year: YearOption = None,
    limit: Annotated[int, typer.Option("--limit", help="Changes to attach.")] = 5,
) -> None:
    """Attach the strongest log changes at the onset to an incident, as events of kind log.

    Each event links to an example line (file and line number). Adding the same files
    again replaces their events.

    Example: retroline logs add 3f2a app.log syslog.gz --year 2016 --before 2h
    """
    from retroline.logs.attach import attach
    from retroline.logs.onset import parse_duration, parse_instant

    result = attach(
        _state(ctx).library,
        incident_id,
        files,
        at=parse_instant(at, tz) if at else None,
        before=parse_duration(before),
        after=parse_duration(after),
        tz=tz,
        year=year,
        limit=limit,
    )
    for event in result.events:
        _out().print(
            f"{event.at:%Y-%m-%d %H:%M:%S}  {inert(event.text, lines=False)}",
            markup=False,
            highlight=False,
        )
    _err().print(
        f"{len(result.events)} log events added to {result.incident_id} "
        f"({len(result.onset.changes)} changes at {result.onset.at:%Y-%m-%d %H:%M:%S} UTC)",
        highlight=False,
    )


# -- metrics ---------------------------------------------------------------------------------

metrics_app = typer.Typer(
    help=(
        "Metric series as evidence: read exports (CSV, Grafana, Prometheus, Graphite, "
        "InfluxDB, sar, JSON lines), pull from Prometheus, find where they changed.\n\n"
        "Example: retroline metrics changes memory.csv --at 2016-09-08T20:31Z"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(metrics_app, name="metrics")

MetricFiles = Annotated[
    list[Path],
    typer.Argument(metavar="FILE...", help="Metric files; the format is read from them."),
]
METRICS_TZ_HELP = "IANA zone of times that state none (default UTC, said when assumed)."


@metrics_app.command("read")
def metrics_read_command(
    files: MetricFiles,
    tz: Annotated[str | None, typer.Option("--tz", help=METRICS_TZ_HELP)] = None,
    as_json: JsonOption = False,
) -> None:
    """The series in metric files: name, labels, unit, points, first and last time (UTC),
    the format found and where the times' zone came from.

    Example: retroline metrics read grafana-export.csv --tz Europe/Zurich
    """
    from retroline.api import read_metrics
    from retroline.metrics.render import series_rows, series_table

    found = [(path, read_metrics(path, tz=tz)) for path in files]
    if as_json:
        _print_json([row for path, series in found for row in series_rows(series)])
        return
    for path, series in found:
        _out().print(series_table(path, series))


@metrics_app.command("changes")
def metrics_changes_command(
    files: MetricFiles,
    at: Annotated[
        str | None,
        typer.Option("--at", help="The onset (ISO 8601): rank changes by strength and nearness."),
    ] = None,
    limit: Annotated[
        list[str] | None,
        typer.Option(
            "--limit",
            metavar="SERIES>VALUE",
            help="A limit whose crossing is a change (sockets>512, 'cpu*>=90'); repeatable.",
        ),
    ] = None,
    tz: Annotated[str | None, typer.Option("--tz", help=METRICS_TZ_HELP)] = None,
    top: Annotated[int, typer.Option("--top", help="Changes shown without --json (0: all).")] = 30,
    as_json: JsonOption = False,
) -> None:
    """The points where each series changed: level shifts, trends starting or stopping,
    variance changes, gaps (a series that stops), and limits crossed.

    With --json, one object per line and change: {"series", "at" (ISO UTC, the first point
    of the new regime), "kind" (level|trend|variance|gap|limit), "score", "before",
    "after", "source"}; then one closing line {"summary": {"files", "changes",
    "zone_assumed"}}, so that a reader knows the stream is whole even when it found
    nothing. Changes are in time order, or with --at ranked by strength and nearness to
    the onset.
    The same default settings serve every series: nothing is tuned per series.

    Example: retroline metrics changes sockets.csv --limit 'sockets>512' --at 2016-03-02T01:00Z
    """
    from retroline.api import metric_changes
    from retroline.logs.onset import parse_instant
    from retroline.metrics.render import changes_table

    onset = parse_instant(at, tz) if at else None
    changes = metric_changes(files, tz=tz, limits=limit or (), at=onset)
    assumed = sorted({c.source["path"] for c in changes if c.source["zone_source"] == "assumed"})
    if as_json:
        for change in changes:
            sys.stdout.write(inert_json(json.dumps(change.to_json(), ensure_ascii=False)) + "\n")
        summary = {"files": len(files), "changes": len(changes), "zone_assumed": assumed}
        sys.stdout.write(inert_json(json.dumps({"summary": summary}, ensure_ascii=False)) + "\n")
    else:
        _out().print(changes_table(changes, top or None, onset))
    for path in assumed:
        _err().print(
            inert(f"warning: {path}: times state no zone; read as UTC (give --tz)", lines=False),
            style="yellow",
            markup=False,
            highlight=False,
        )


@metrics_app.command("pull")
def metrics_pull_command(
    url: Annotated[str, typer.Argument(help="The Prometheus server (http://host:9090).")],
    query: Annotated[str, typer.Option("--query", help="The PromQL expression.")],
    start: Annotated[
        str, typer.Option("--from", help="Start: ISO 8601, now, or now-6h (in --tz if no offset).")
    ],
    end: Annotated[str, typer.Option("--to", help="End, written as --from.")] = "now",
    step: Annotated[
        float | None,
        typer.Option("--step", help="Seconds between points (default: about 1,000 points)."),
    ] = None,
    out: Annotated[Path, typer.Option("-o", "--out", help="The file to write (JSON).")] = Path(
        "metrics.json"
    ),
    tz: Annotated[
        str | None, typer.Option("--tz", help="Zone of --from/--to without offset.")
    ] = None,
) -> None:
    """Fetch series from a Prometheus server's HTTP API into a file that 'metrics changes'
    and 'investigate' read, with the server and query kept as its provenance. Ranges over
    Prometheus' 11,000 points per series are fetched in parts and joined.

    Example: retroline metrics pull http://prom:9090 --query 'node_sockstat_TCP_inuse'
    --from 2016-03-01T18:00Z --to 2016-03-02T06:00Z --step 60 -o sockets.json
    """
    from retroline.api import pull_metrics
    from retroline.metrics.pull import parse_when

    document = pull_metrics(url, query, parse_when(start, tz), parse_when(end, tz), step, out)
    result = document["data"]["result"]
    points = sum(len(item.get("values", ())) for item in result)
    _err().print(f"{len(result)} series, {points} points written to {out}", highlight=False)


# -- hosts -----------------------------------------------------------------------------------

hosts_app = typer.Typer(
    help=(
        "Host state as evidence: how the packages of a host that works and one that fails "
        "differ.\n\nExample: retroline hosts diff itb1-rpm-qa.txt prod-rpm-qa.txt --good itb1"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(hosts_app, name="hosts")


@hosts_app.command("diff")
def hosts_diff_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="A package list per host (rpm -qa, dpkg -l, dpkg-query -W, pip freeze, apk "
            "info -v); the host is named by the file (web01-rpm-qa.txt) or a '# host:' line.",
        ),
    ],
    good: Annotated[
        str | None,
        typer.Option("--good", help="The host that works, compared against (default: the first)."),
    ] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="Zone of install times without one.")
    ] = None,
    host: HostOption = None,
    as_json: JsonOption = False,
) -> None:
    """For each package: the same everywhere, only on some hosts, or newer on one, by each
    ecosystem's own version rules (rpm, Debian, PEP 440, apk); packages of one family that
    moved together are one line.

    Example: retroline hosts diff psds-itb1-rpm-qa.txt psds0-rpm-qa.txt --good psds-itb1
    """
    from retroline.api import host_drift
    from retroline.hosts.drift import drift_table, finding_text

    found = host_drift(files, good=good, tz=tz, hosts=_hosts(host))
    if as_json:
        _print_json(found.to_json())
        return
    _out().print(drift_table(found))
    for other in found.hosts:
        if other != found.reference:
            _out().print(
                inert(finding_text(found, found.reference, other), lines=False),
                markup=False,
                highlight=False,
            )


@hosts_app.command("sockets")
def hosts_sockets_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="Socket tables (ss -tan[p], ss -s, netstat -an[p], /proc/net/tcp), one or "
            "many snapshots a file (a date line before each); the host is named by the file.",
        ),
    ],
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            help="The limit on the host's open sockets (its open-file limit, a pool's size).",
        ),
    ] = None,
    sysctl: Annotated[
        Path | None,
        typer.Option(
            "--sysctl",
            help="A sysctl -a file: tcp_max_orphans bounds FIN-WAIT sockets, "
            "tcp_max_tw_buckets TIME-WAIT ones, fs.file-max all.",
        ),
    ] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="Zone of date lines written without one.")
    ] = None,
    host: HostOption = None,
    as_json: JsonOption = False,
) -> None:
    """Count a host's TCP sockets by state, peer host, port and process, snapshot by
    snapshot; say which limit they reached and when first; and, for repeated snapshots,
    where their counts changed (a limit crossed among the changes).

    Example: retroline hosts sockets watch01-netstat.txt --limit 512
    """
    from rich.table import Table

    from retroline.api import host_sockets
    from retroline.metrics.render import changes_table

    reports = host_sockets(files, limit=limit, sysctl=sysctl, tz=tz, hosts=_hosts(host))
    if as_json:
        _print_json([r.to_json() for r in reports])
        return
    for report in reports:
        table = Table(title=inert(str(report.table.path), lines=False), title_justify="left")
        for column in ("UTC", "line", "sockets", "by state", "busiest port"):
            table.add_column(column, overflow="fold")
        for snapshot, c in zip(report.table.snapshots, report.counts, strict=True):
            states = ", ".join(f"{k} {v}" for k, v in list(c.by_state.items())[:3])
            port = next(iter(c.by_local_port.items()), None)
            table.add_row(
                f"{snapshot.at:%Y-%m-%d %H:%M:%S}" if snapshot.at else "—",
                str(snapshot.line),
                str(c.total),
                inert(states, lines=False),
                f"{port[0]}: {port[1]}" if port else "—",
            )
        _out().print(table)
        if report.finding is not None:
            _out().print(inert(report.finding.message, lines=False), markup=False, highlight=False)
        if report.changes:
            _out().print(changes_table(report.changes))


@app.command("search")
def search_command(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words to find; "a phrase", -word, or.')],
    since: Annotated[
        str | None, typer.Option("--since", help="Incidents on or after this day (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Incidents on or before this day (YYYY-MM-DD).")
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            help="Match in these fields only (repeatable): title, summary, sections, timeline, "
            "actions, findings, templates, metrics.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Incidents shown.")] = 20,
    service: Annotated[
        str | None, typer.Option("--service", help="Incidents of this service only.")
    ] = None,
    cause: Annotated[
        str | None, typer.Option("--cause", help="Incidents of this kind of cause only.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Full-text search of the library: titles, summaries, sections, timeline texts, action
    items, findings (package names among them), log templates and metric names, ranked
    (BM25 on SQLite, ts_rank on PostgreSQL; a title that holds every word first), each hit
    with a snippet where the words matched. Every word must appear, in any case and form;
    "a phrase" in that order; -word must not; "or" between words allows either.

    Example: retroline search "fin-wait sockets" --since 2016-01-01 --json
    """
    from rich.table import Table

    from retroline.api import search
    from retroline.instants import parse_day

    hits = search(
        query,
        since=parse_day(since, "--since"),
        until=parse_day(until, "--until"),
        kinds=kind or (),
        limit=limit,
        service=service,
        cause=cause,
        library=_state(ctx).library,
    )
    if as_json:
        _print_json([hit.to_json() for hit in hits])
        return
    if not hits:
        _out().print("nothing in the library matches", highlight=False)
        return
    table = Table("id", "date", "title", "where the words are", title_justify="left")
    for hit in hits:
        table.add_row(
            hit.id,
            hit.date.isoformat() if hit.date else "—",
            inert(hit.title, lines=False),
            inert(f"{hit.snippet} ({', '.join(hit.matched)})", lines=False),
        )
    _out().print(table)


@app.command("similar")
def similar_command(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="An incident of the library.")],
    limit: Annotated[int, typer.Option("--limit", help="Past incidents shown.")] = 5,
    as_json: JsonOption = False,
) -> None:
    """Past incidents of the library like this one, each with its reasons: the log
    templates, error strings, hosts, packages, metrics and words they share, each with the
    weight it brought (rare shared items weigh more than common ones); then whether the
    incident's service and strongest log patterns are new, rare or frequent in the library.

    Example: retroline similar 3f2a9c1e --json
    """
    from retroline.api import similar_incidents

    seen = similar_incidents(incident_id, library=_state(ctx).library, limit=limit)
    if as_json:
        _print_json([m.to_json() for m in seen.matches])
        return
    if not seen.matches:
        _out().print("no incident of the library is like this one", highlight=False)
    for line in seen_lines(seen):
        _out().print(inert(line.strip(), lines=False), markup=False, highlight=False)


@app.command("stats")
def stats_command(
    ctx: typer.Context,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Group by service, cause or month (default: all together)."),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Also write a page of small multiples to this file."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """How many incidents the library holds, and how long they took to detect, engage,
    mitigate and resolve: as distributions (median, 90th percentile, range, histogram) with
    the number of incidents behind each, never a mean alone. With tens or hundreds of
    incidents, durations have a heavy tail: a few long incidents move a mean time to
    resolve by chance from one quarter to the next, so compare medians and percentiles,
    and read n; fewer than 5 is marked too few to compare.

    Example: retroline stats --by month --html stats.html
    """
    from rich.table import Table

    from retroline.analysis.stats import stats_rows
    from retroline.api import incident_stats
    from retroline.output import write_text
    from retroline.report.stats_page import stats_html

    result = incident_stats(by=by, library=_state(ctx).library)
    if html is not None:
        page = stats_html(result, title="Incident library", now=dt.datetime.now(dt.UTC))
        write_text(html, page)
        _err().print(f"wrote {html}", highlight=False)
    if as_json:
        _print_json(result.to_dict())
        return
    header, *rows = stats_rows(result)
    table = Table(*header, title="Incident durations", title_justify="left")
    for row in rows:
        table.add_row(*(inert(cell, lines=False) for cell in row))
    _out().print(table)


#: Addresses only this machine reaches: serving on them needs no token.
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def serve_token(host: str, token: str | None) -> tuple[str | None, bool]:
    """The token a server on ``host`` asks for, and whether it was made up here: none on a
    loopback address unless given; on any other address the given one, else a new random
    one (printed for the user), so that the library is never open to the network."""
    import secrets

    if token is not None and not token.strip():
        raise UsageError("--token is empty: give a secret, or leave it out")
    if token is not None or host in LOOPBACK:
        return token, False
    return secrets.token_urlsafe(24), True


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="A secret every request must carry (header or login). Required off this "
            "machine: without it one is made up and printed.",
            envvar="RETROLINE_TOKEN",
        ),
    ] = None,
    upload_limit: Annotated[
        int,
        typer.Option(
            "--upload-limit",
            help="The most a new investigation may upload, in MiB (files and folders "
            "together); a larger upload is refused.",
        ),
    ] = 256,
) -> None:
    """A local web app over the library: browse and search it, read each incident as its
    report with the incidents like it, correct it (events and findings, each change kept
    and undoable), see the statistics, start an investigation of evidence uploaded; every
    page also as JSON under /api. Nothing leaves the machine: it listens on 127.0.0.1
    unless told otherwise, and on any other address every request needs the token.

    Example: retroline --db .demo/library.db serve --port 8765
    """
    import uvicorn

    from retroline.web.app import create_app
    from retroline.web.security import LOCAL_HOSTS

    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: give a port from 1 to 65535")
    if upload_limit < 1:
        raise UsageError(f"--upload-limit {upload_limit}: give a number of MiB above 0")
    secret, made = serve_token(host, token)
    library = _state(ctx).library
    library.summaries()  # opened now: a library that cannot be read fails here, not later
    # Off this machine, names other than localhost reach it; the token guards it there.
    application = create_app(
        library,
        token=secret,
        hosts=["*"] if host not in LOOPBACK else LOCAL_HOSTS,
        upload_limit=upload_limit * 1024 * 1024,
    )
    where = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    _err().print(f"serving the library at {where} (Ctrl-C to stop)", highlight=False)
    if made:
        _err().print(
            f"{host} is reachable from other machines: every request needs this token "
            f"(header 'Authorization: Bearer TOKEN' or the login page): {secret}",
            highlight=False,
        )
    uvicorn.run(application, host=host, port=port, log_level="warning")


def main() -> None:
    """Entry point of the ``retroline`` command."""
    app()
