"""Snapshots: every borough's counts frozen at one moment, with the camera ids behind them.

A campaigner cites "Hikwatch snapshot 2026-12-02T09-41Z"; that page must say the same thing
forever. So a snapshot is written once, never updated, and carries a SHA-256 of its
canonical JSON, which anyone can recompute from the published `.json` file. Counts in a
snapshot are the lengths of its id lists, so each figure is exactly the cameras listed
beside it.

Snapshots are named by their UTC time to the minute (`2026-12-02T09-41Z`), with seconds
only when two are taken in the same minute (`2026-12-02T09-41-07Z`), so several can be
taken in a day. Each carries its own definitions: a snapshot of an earlier format
(`hikwatch-snapshot/1`: active, council, verified, removed) still reads as it was taken.
The motion pack and the borough page's citation print their figures from one (`cited`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
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

FORMAT = "hikwatch-snapshot/2"
NAME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}(-\d{2})?Z$")


def names_for(moment: datetime) -> tuple[str, str]:
    """The name to the minute, and the name to the second for a second one that minute."""
    return moment.strftime("%Y-%m-%dT%H-%MZ"), moment.strftime("%Y-%m-%dT%H-%M-%SZ")


def build_payload(session: DbSession, taken_at: datetime, name: str) -> dict[str, Any]:
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
        "name": name,
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
    """Freeze the figures now and commit them with their audit event (user_id None: the
    server console); SnapshotExists if the name is taken."""
    now = (now or utcnow()).replace(microsecond=0)
    minute, second = names_for(now)
    name = minute if by_name(session, minute) is None else second
    if by_name(session, name) is not None:
        raise SnapshotExists(name)
    payload = build_payload(session, now, name)
    snapshot = Snapshot(
        name=name, taken_on=london_date(now), taken_at=now, taken_by_id=user_id,
        payload=payload, payload_sha256=digest(payload),
    )  # fmt: skip
    session.add(snapshot)
    # Audited in the same transaction: a snapshot is taken and recorded, or neither.
    session.add(
        AuditEvent(
            user_id=user_id,
            action=AuditAction.SNAPSHOT_TAKE,
            object_type=AuditObject.SNAPSHOT,
            object_id=name,
            after={"name": name, "payload_sha256": snapshot.payload_sha256},
        )
    )
    try:
        session.commit()
    except IntegrityError:  # another request took this name between our check and commit
        session.rollback()
        raise SnapshotExists(name) from None
    return snapshot


def verified(snapshot: Snapshot) -> bool:
    """True while the stored payload still hashes to the digest recorded with it."""
    return digest(snapshot.payload) == snapshot.payload_sha256


def by_name(session: DbSession, name: str) -> Snapshot | None:
    return session.execute(select(Snapshot).filter_by(name=name)).scalar_one_or_none()


def first_of_day(session: DbSession, day: date) -> Snapshot | None:
    """The first snapshot of a London day: what a link cited as /snapshots/<date> meant
    when snapshots were one a day."""
    return session.execute(
        select(Snapshot).filter_by(taken_on=day).order_by(Snapshot.taken_at, Snapshot.id).limit(1)
    ).scalar_one_or_none()


def latest(session: DbSession) -> Snapshot | None:
    return session.execute(
        select(Snapshot).order_by(Snapshot.taken_at.desc(), Snapshot.id.desc()).limit(1)
    ).scalar_one_or_none()


def listing(session: DbSession) -> list[tuple[str, datetime, str]]:
    """(name, taken_at, sha256) of every snapshot, newest first."""
    rows = session.execute(
        select(Snapshot.name, Snapshot.taken_at, Snapshot.payload_sha256).order_by(
            Snapshot.taken_at.desc(), Snapshot.id.desc()
        )
    )
    return [(name, taken_at, sha256) for name, taken_at, sha256 in rows]


def figure_keys(payload: dict[str, Any]) -> list[str]:
    """The figures this snapshot holds, in its own order (its format's definitions)."""
    return list(payload["definitions"])


def borough_row(payload: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((row for row in payload["boroughs"] if row["code"] == code), None)


def csv_columns(payload: dict[str, Any]) -> list[str]:
    keys = figure_keys(payload)
    return (
        ["code", "name"]
        + keys
        + ["progress_percent", "foi_finding", "motion_status", "motion_date", "timetable_target"]
        + [f"{key}_camera_ids" for key in keys]
    )


def csv_rows(snapshot: Snapshot) -> Iterator[list[Any]]:
    """Header then one row per borough; id lists are space-separated. Provenance (time,
    SHA-256, licence) is on the snapshot's page and in its JSON, not in the CSV."""
    payload = snapshot.payload
    keys = figure_keys(payload)
    yield csv_columns(payload)
    for row in payload["boroughs"]:
        record = row["campaign"]
        yield safe_row(
            [row["code"], row["name"]]
            + [row["counts"][key] for key in keys]
            + [row["progress_percent"], record["foi_finding"], record["motion_status"],
               record["motion_date"], record["timetable_target"]]
            + [" ".join(map(str, row["camera_ids"][key])) for key in keys]
        )  # fmt: skip


# --------------------------------------------------------------------------- citing


@dataclass
class Cited:
    """A borough's figures as a citation prints them: from a snapshot when there is one.

    `changes` says how the live figures differ ("+2 verified"), for snapshots of the current
    format only: an earlier format's figures were defined differently, so they are printed
    as they were and not compared.
    """

    snapshot: Snapshot | None
    counts: dict[str, int]
    camera_ids: dict[str, list[int]] | None
    definitions: dict[str, dict[str, str]]
    current_format: bool
    changes: list[tuple[str, int]] = field(default_factory=list)
    progress: float | None = None

    def count(self, key: str) -> int:
        return self.counts.get(key, 0)


def cited(snapshot: Snapshot | None, borough_code: str, live: dict[str, int]) -> Cited:
    """What to print for one borough: the snapshot's row (and its differences from `live`),
    or the live figures when no snapshot exists yet."""
    definitions: dict[str, dict[str, str]] = {
        key: {"label": kind.label, "definition": kind.definition}
        for key, kind in counts.COUNT_KINDS.items()
    }
    if snapshot is None:
        return Cited(None, dict(live), None, definitions, True, [], counts.progress(live))
    payload = snapshot.payload
    row = borough_row(payload, borough_code) or {"counts": {}, "camera_ids": {}}
    current = payload.get("format") == FORMAT
    frozen = {key: row["counts"].get(key, 0) for key in figure_keys(payload)}
    changes = []
    if current:
        changes = [
            (key, live.get(key, 0) - n) for key, n in frozen.items() if live.get(key, 0) != n
        ]
    percent = row.get("progress_percent")
    progress = None if percent is None else percent / 100
    return Cited(
        snapshot, frozen, row["camera_ids"], payload["definitions"], current, changes, progress
    )


@event.listens_for(Snapshot, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    """Snapshots are cited as fixed records: the app must never rewrite one."""
    raise RuntimeError("snapshots are immutable")
