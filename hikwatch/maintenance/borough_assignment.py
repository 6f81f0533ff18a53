"""Re-assigning cameras and reports to boroughs in bulk, e.g. after a boundary change.

One vectorised lookup over every row (geo.BoroughIndex.locate_many) instead of a
query per camera, so a city's worth of cameras is re-assigned in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select, update

from hikwatch import audit
from hikwatch.geo import BoroughIndex
from hikwatch.vocab import AuditAction, AuditObject
from models import Camera, DbSession, Sighting

CHUNK = 50_000


@dataclass
class Reassignment:
    checked: int = 0
    changed: dict[str, int] = field(default_factory=dict)  # "E09000001→E09000033" → count
    outside: list[int] = field(default_factory=list)  # ids now outside every borough


def reassign(
    session: DbSession,
    index: BoroughIndex,
    model: type[Camera] | type[Sighting] = Camera,
    *,
    dry_run: bool = False,
) -> Reassignment:
    """Recompute borough_code for every row of `model` (Camera, or Sighting for reports).

    Rows that now fall outside all 33 areas keep their old code and are listed,
    for a moderator to look at: we never snap a point to the nearest borough.
    """
    result = Reassignment()
    last_id = 0
    while True:
        rows = session.execute(
            select(model.id, model.lat, model.lon, model.borough_code)
            .where(model.id > last_id)
            .order_by(model.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        last_id = rows[-1][0]
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        lats = np.fromiter((row[1] for row in rows), dtype=np.float64, count=len(rows))
        lons = np.fromiter((row[2] for row in rows), dtype=np.float64, count=len(rows))
        codes = index.codes_for(index.locate_many(lons, lats))
        updates = []
        for row_id, old, new in zip(ids.tolist(), (row[3] for row in rows), codes, strict=True):
            if new is None:
                result.outside.append(row_id)
            elif new != old:
                key = f"{old}→{new}"
                result.changed[key] = result.changed.get(key, 0) + 1
                updates.append({"id": row_id, "borough_code": new})
        result.checked += len(rows)
        if updates and not dry_run:
            # ORM bulk UPDATE by primary key: one executemany per chunk.
            session.execute(update(model), updates)
    if not dry_run:
        session.commit()
    return result


# What `flask boroughs reassign` re-assigns, in order, by the label it reports them under.
REASSIGNED_MODELS: dict[str, tuple[type[Camera] | type[Sighting], AuditAction]] = {
    "cameras": (Camera, AuditAction.BOROUGHS_REASSIGN_CAMERAS),
    "reports": (Sighting, AuditAction.BOROUGHS_REASSIGN_REPORTS),
}


def reassign_everything(
    session: DbSession, index: BoroughIndex, *, dry_run: bool = False
) -> dict[str, Reassignment]:
    """Re-assign cameras, then reports; each batch that moved rows is audited and committed.

    No user is recorded: this is run from the server's console after a boundary change.
    """
    results = {}
    for label, (model, action) in REASSIGNED_MODELS.items():
        result = reassign(session, index, model, dry_run=dry_run)
        if sum(result.changed.values()) and not dry_run:
            audit.record(
                None,
                action,
                AuditObject.BOROUGH,
                "*",
                after={"changed": result.changed, "outside": result.outside[:1000]},
            )
            session.commit()
        results[label] = result
    return results
