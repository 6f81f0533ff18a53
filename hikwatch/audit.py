"""Recording moderation and admin actions in the append-only audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from models import AuditEvent, User, db


def snapshot_of(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of a row as JSON-safe values, for 'before' and 'after'."""
    return {name: json_safe(getattr(obj, name)) for name in fields}


def json_safe(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def record(
    user: User | None,
    action: str,
    object_type: str,
    object_id: int | str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Stage an audit event in the current transaction, so it commits with the change."""
    event = AuditEvent(
        user_id=user.id if user is not None and getattr(user, "id", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        reason=reason,
    )
    db.session.add(event)
    return event


def record_changes(
    user: User | None,
    action: str,
    obj: Any,
    before: dict[str, Any],
    fields: list[str] | tuple[str, ...],
    *,
    reason: str | None = None,
    object_type: str | None = None,
) -> AuditEvent | None:
    """Stage an event holding only the fields that changed since `before`; None (and no
    event) when nothing did, so an unchanged form save leaves no noise in the trail."""
    after = snapshot_of(obj, fields)
    changed = [name for name in fields if before.get(name) != after[name]]
    if not changed:
        return None
    return record(
        user,
        action,
        object_type or obj.__tablename__,
        obj.id,
        before={name: before.get(name) for name in changed},
        after={name: after[name] for name in changed},
        reason=reason,
    )


@contextmanager
def recording(
    user: User | None,
    action: str,
    obj: Any,
    fields: list[str] | tuple[str, ...],
    *,
    reason: str | None = None,
    only_changes: bool = False,
) -> Iterator[None]:
    """Stage an event for what the `with` block does to `obj`: `fields` before and after.

    With `only_changes`, the event holds only the fields that changed, and there is no
    event when none did (see `record_changes`). A block that raises records nothing.
    """
    before = snapshot_of(obj, fields)
    yield
    if only_changes:
        record_changes(user, action, obj, before, fields, reason=reason)
    else:
        after = snapshot_of(obj, fields)
        record(user, action, obj.__tablename__, obj.id, before=before, after=after, reason=reason)


# ---------- append-only: the ORM refuses to change or remove a recorded event ----------


class AuditTrailIsAppendOnly(RuntimeError):
    """Code tried to update or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target: AuditEvent) -> None:
    raise AuditTrailIsAppendOnly(f"audit event {target.id} cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target: AuditEvent) -> None:
    raise AuditTrailIsAppendOnly(f"audit event {target.id} cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    """Bulk `update(AuditEvent)` / `delete(AuditEvent)` skip the per-row hooks above."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise AuditTrailIsAppendOnly("audit events cannot be changed or deleted")
