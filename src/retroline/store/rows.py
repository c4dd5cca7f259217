"""Model objects to table rows and back, one rule for every child table.

A child model's fields map to columns of the same name, except ``source``, which is flattened
to ``source_path``, ``source_line`` and ``source_page``, and instants, which are stored as
naive UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Table

from retroline.model import (
    ActionItem,
    Document,
    Edit,
    Event,
    Finding,
    Hypothesis,
    Incident,
    Link,
    LogChange,
    MetricChange,
    Section,
    Source,
    Window,
)
from retroline.store import schema

M = TypeVar("M", bound=BaseModel)

# Incident attribute -> (table, model) for every list of rows an incident owns.
CHILDREN: dict[str, tuple[Table, type[BaseModel]]] = {
    "events": (schema.events, Event),
    "sections": (schema.sections, Section),
    "action_items": (schema.action_items, ActionItem),
    "links": (schema.links, Link),
    "hypotheses": (schema.hypotheses, Hypothesis),
    "findings": (schema.findings, Finding),
    "stated_windows": (schema.windows, Window),
    "log_changes": (schema.log_changes, LogChange),
    "metric_changes": (schema.metric_changes, MetricChange),
}


def naive_utc(value: dt.datetime) -> dt.datetime:
    """An aware instant as the naive UTC value the tables hold."""
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def aware_utc(value: dt.datetime) -> dt.datetime:
    """A naive UTC value from the tables as an aware instant."""
    return value.replace(tzinfo=dt.UTC)


def child_row(item: BaseModel, incident_id: str, position: int) -> dict[str, Any]:
    """One row of a child table for ``item``."""
    row: dict[str, Any] = {"incident_id": incident_id, "position": position}
    for name, value in item.model_dump(mode="python").items():
        if name == "source":
            row["source_path"] = value["path"] if value else None
            row["source_line"] = value["line"] if value else None
            row["source_page"] = value.get("page") if value else None
        elif isinstance(value, dt.datetime):
            row[name] = naive_utc(value)
        elif hasattr(value, "value"):  # an enum member
            row[name] = value.value
        else:
            row[name] = value
    return row


def child_model(model: type[M], row: Any) -> M:
    """The model object stored in ``row`` of a child table."""
    data = dict(row._mapping)
    path, line, page = data.pop("source_path"), data.pop("source_line"), data.pop("source_page")
    data.pop("incident_id")
    data.pop("position")
    for name, value in list(data.items()):
        if isinstance(value, dt.datetime):
            data[name] = aware_utc(value)
        elif (
            value is None
            and name in model.model_fields
            and not model.model_fields[name].is_required()
        ):
            del data[name]  # a column added later, empty in older rows: the model's default
    if "source" in model.model_fields:
        data["source"] = Source(path=path, line=line, page=page) if path is not None else None
    return model.model_validate(data)


def document_row(
    doc: Document, incident_id: str, position: int, now: dt.datetime
) -> dict[str, Any]:
    """The row recording that ``doc`` went into the incident."""
    return {
        **doc.model_dump(mode="python"),
        "incident_id": incident_id,
        "position": position,
        "imported_at": now,
    }


def document_model(row: Any) -> Document:
    """A document record from its row."""
    data = dict(row._mapping)
    for extra in ("incident_id", "position", "imported_at"):
        data.pop(extra)
    return Document.model_validate(data)


def incident_row(incident: Incident) -> dict[str, Any]:
    """The scalar part of an incident (its lists go to the child tables)."""
    return {
        "title": incident.title,
        "document_date": incident.document_date,
        "summary": incident.summary,
    }


def edit_row(edit: Edit, incident_id: str) -> dict[str, Any]:
    """The row of a correction made to the incident (its id is the table's to give)."""
    return {
        "incident_id": incident_id,
        "action": edit.action.value,
        "target": edit.target,
        "subject": edit.subject,
        "before": edit.before,
        "after": edit.after,
        "author": edit.by,
        "at": naive_utc(edit.at),
        "reason": edit.reason,
    }


def edit_model(row: Any) -> Edit:
    """A correction from its row."""
    return Edit(
        id=row.id,
        action=row.action,
        target=row.target,
        subject=row.subject,
        before=row.before,
        after=row.after,
        by=row.author,
        at=aware_utc(row.at),
        reason=row.reason,
        undone_at=aware_utc(row.undone_at) if row.undone_at else None,
        undone_by=row.undone_by,
    )
