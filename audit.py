"""Recording moderation and admin actions in the append-only audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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
