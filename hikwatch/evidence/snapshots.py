"""Snapshots: every borough's counts frozen at one moment, with the camera ids behind them.

A campaigner cites "Hikwatch snapshot of 2026-05-01"; that page must say the same thing
forever. So a snapshot is written once (one per London calendar day), never updated, and
carries a SHA-256 of its canonical JSON, which anyone can recompute from the published
`.json` file. Counts in a snapshot are the lengths of its id lists, so each figure is
exactly the cameras listed beside it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from hikwatch.clock import london_date
from hikwatch.errors import SnapshotExists
from hikwatch.evidence import campaign, counts
from hikwatch.evidence.exports import LICENCE_NOTE, safe_row
from hikwatch.vocab import AuditAction, AuditObject
from models import AuditEvent, DbSession, Snapshot, utcnow

FORMAT = "hikwatch-snapshot/1"


def build_payload(session: DbSession, taken_at: datetime) -> dict[str, Any]:
    ids = counts.ids_by_borough_and_kind(session)
    figures = {code: {key: len(v) for key, v in by_kind.items()} for code, by_kind in ids.items()}
    boroughs = []
    for summary in counts.summaries(session, figures):
        progress = summary.progress
        boroughs.append(
            {
                "code": summary.borough.code,
                "name": summary.borough.name,
                "slug": summary.borough.slug,
                "counts": summary.counts,
                "progress_percent": None if progress is None else round(progress * 100, 1),
                "camera_ids": ids[summary.borough.code],
                "campaign": campaign.public_fields(summary.campaign),
            }
        )
    return {
        "format": FORMAT,
        "taken_on": london_date(taken_at).isoformat(),
        "taken_at": taken_at.replace(microsecond=0).isoformat() + "Z",
        "caveat": counts.CAVEAT,
        "licence": LICENCE_NOTE,
        "definitions": {
            kind.key: {"label": kind.label, "definition": kind.definition}
            for kind in counts.COUNT_KINDS.values()
        },
        "totals": counts.london_totals(figures),
        "boroughs": boroughs,
    }


def canonical_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def take(session: DbSession, user_id: int | None, now: datetime | None = None) -> Snapshot:
    """Freeze today's figures and commit them with their audit event (user_id None: the
    server console); SnapshotExists if today already has one."""
    now = now or utcnow()
    day = london_date(now)
    if session.execute(select(Snapshot.id).filter_by(taken_on=day)).first():
        raise SnapshotExists(day)
    payload = build_payload(session, now)
    snapshot = Snapshot(
        taken_on=day, taken_at=now, taken_by_id=user_id, payload=payload,
        payload_sha256=digest(payload),
    )  # fmt: skip
    session.add(snapshot)
    # Audited in the same transaction: a snapshot is taken and recorded, or neither.
    session.add(
        AuditEvent(
            user_id=user_id,
            action=AuditAction.SNAPSHOT_TAKE,
            object_type=AuditObject.SNAPSHOT,
            object_id=day.isoformat(),
            after={"taken_on": day.isoformat(), "payload_sha256": snapshot.payload_sha256},
        )
    )
    try:
        session.commit()
    except IntegrityError:  # another request took today's between our check and commit
        session.rollback()
        raise SnapshotExists(day) from None
    return snapshot


def verified(snapshot: Snapshot) -> bool:
    """True while the stored payload still hashes to the digest recorded with it."""
    return digest(snapshot.payload) == snapshot.payload_sha256


def by_day(session: DbSession, day: date) -> Snapshot | None:
    return session.execute(select(Snapshot).filter_by(taken_on=day)).scalar_one_or_none()


def latest(session: DbSession) -> Snapshot | None:
    return session.execute(
        select(Snapshot).order_by(Snapshot.taken_on.desc()).limit(1)
    ).scalar_one_or_none()


def listing(session: DbSession) -> list[tuple[date, datetime, str]]:
    rows = session.execute(
        select(Snapshot.taken_on, Snapshot.taken_at, Snapshot.payload_sha256).order_by(
            Snapshot.taken_on.desc()
        )
    )
    return [(taken_on, taken_at, sha256) for taken_on, taken_at, sha256 in rows]


CSV_COLUMNS = (
    ["code", "name"]
    + list(counts.COUNT_KINDS)
    + ["progress_percent", "foi_finding", "motion_status", "motion_date", "timetable_target"]
    + [f"{key}_camera_ids" for key in counts.COUNT_KINDS]
)


def csv_preamble(snapshot: Snapshot) -> list[str]:
    payload = snapshot.payload
    return [
        f"Hikwatch snapshot {payload['taken_on']}, taken {payload['taken_at']}",
        f"{payload['caveat']} Counts are of cameras, not of reports.",
        f"SHA-256 of the canonical JSON ({payload['taken_on']}.json): {snapshot.payload_sha256}",
        payload["licence"],
    ]


def csv_rows(snapshot: Snapshot) -> Iterator[list[Any]]:
    """Header then one row per borough; id lists are space-separated."""
    yield CSV_COLUMNS
    for row in snapshot.payload["boroughs"]:
        record = row["campaign"]
        yield safe_row(
            [row["code"], row["name"]]
            + [row["counts"][key] for key in counts.COUNT_KINDS]
            + [row["progress_percent"], record["foi_finding"], record["motion_status"],
               record["motion_date"], record["timetable_target"]]
            + [" ".join(map(str, row["camera_ids"][key])) for key in counts.COUNT_KINDS]
        )  # fmt: skip


@event.listens_for(Snapshot, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    """Snapshots are cited as fixed records: the app must never rewrite one."""
    raise RuntimeError("snapshots are immutable")
