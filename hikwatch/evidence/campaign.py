"""Each borough's campaign record (motion, removal timetable, FOI finding) and its history.

The current record lives in BoroughCampaign; every change is an audit event holding only
the fields that changed, and the public history is read back from those events. The
history shows when and what, with sources, never who.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from hikwatch import audit
from hikwatch.evidence import exports
from hikwatch.vocab import AuditAction, AuditObject, FoiFinding, MotionStatus
from models import AuditEvent, BoroughCampaign, DbSession, User, utcnow

AUDIT_ACTION = AuditAction.CAMPAIGN_UPDATE
AUDIT_OBJECT = AuditObject.BOROUGH_CAMPAIGN

FIELD_LABELS = {
    "motion_status": "Motion status",
    "motion_date": "Motion date",
    "motion_source_url": "Motion source",
    "timetable_target": "Removal target date",
    "timetable_scope": "Removal scope",
    "timetable_source_url": "Timetable source",
    "foi_finding": "FOI finding",
    "foi_date": "FOI date",
    "foi_source": "FOI source",
    "foi_source_url": "FOI source link",
}
FIELDS = tuple(FIELD_LABELS)
DATE_FIELDS = frozenset({"motion_date", "timetable_target", "foi_date"})
URL_FIELDS = frozenset(name for name in FIELDS if name.endswith("_url"))


def update_campaign(
    campaign: BoroughCampaign,
    values: dict[str, Any],
    user: User | None,
    reason: str | None = None,
) -> AuditEvent | None:
    """Apply changed values and stage one audit event with them; None if nothing changed."""
    changed = [
        name for name in FIELDS if name in values and values[name] != getattr(campaign, name)
    ]
    if not changed:
        return None
    before = audit.snapshot_of(campaign, changed)
    for name in changed:
        setattr(campaign, name, values[name])
    campaign.updated_at = utcnow()
    after = audit.snapshot_of(campaign, changed)
    return audit.record(
        user, AUDIT_ACTION, AUDIT_OBJECT, campaign.borough_code,
        before=before, after=after, reason=reason,
    )  # fmt: skip


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: Any
    after: Any

    @property
    def is_url(self) -> bool:
        return self.field in URL_FIELDS


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    changes: list[Change]
    note: str | None


def history(session: DbSession, borough_code: str) -> list[HistoryEntry]:
    """The public record of changes, newest first: dates, values, sources; no accounts."""
    events = session.execute(
        select(AuditEvent.at, AuditEvent.before, AuditEvent.after, AuditEvent.reason)
        .where(
            AuditEvent.object_type == AUDIT_OBJECT,
            AuditEvent.object_id == borough_code,
            AuditEvent.action == AUDIT_ACTION,
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    entries = []
    for at, before, after, reason in events:
        before, after = before or {}, after or {}
        changes = [
            Change(name, FIELD_LABELS[name], display_value(name, before.get(name)),
                   display_value(name, after.get(name)))
            for name in FIELDS
            if name in after or name in before
        ]  # fmt: skip
        entries.append(HistoryEntry(at, changes, reason))
    return entries


def display_value(field: str, value: Any) -> str | None:
    """A stored value in words: labels for codes, dates spelt out; None when empty."""
    if value is None or value == "":
        return None
    if field == "motion_status":
        return MotionStatus.label_of(value)
    if field == "foi_finding":
        finding = FoiFinding.of(value)
        return finding.short if finding else value
    if field in DATE_FIELDS:
        return exports.long_date(value)
    return str(value)


def public_fields(campaign: BoroughCampaign | None) -> dict[str, Any]:
    """The campaign record as JSON-safe values, for the API, CSV and snapshots."""
    if campaign is None:
        return dict.fromkeys(FIELDS)
    return {name: audit.json_safe(getattr(campaign, name)) for name in FIELDS}


def days_to_target(campaign: BoroughCampaign | None, today: date) -> int | None:
    if campaign is None or campaign.timetable_target is None:
        return None
    return (campaign.timetable_target - today).days
