"""How Hikwatch counts cameras: one definition for pages, API, CSV, snapshots and packs.

A count is a count of Camera rows (physical cameras moderators have confirmed), never
of sightings: three residents reporting one camera make one camera. Each kind of count
is declared once, as a `CountKind`, and both the SQL that lists the cameras behind a
figure and the aggregate that totals them derive from that declaration, so every figure
traces to exactly the rows it counts.

No Flask here: functions take a SQLAlchemy session, so the CLI and tests use them too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select

from hikwatch.vocab import COUNCIL_OPERATOR_TYPES, GONE_STATUSES, CameraStatus, Count
from models import Borough, BoroughCampaign, Camera, DbSession

CAVEAT = "Known minimum: coverage is incomplete."


def camera_where(
    *,
    statuses: Iterable[str] | None = None,
    borough_code: str | None = None,
    operator_types: Iterable[str] | None = None,
    brand_verified: bool | None = None,
    camera_types: Iterable[str] | None = None,
) -> list[ColumnElement[bool]]:
    """SQL conditions selecting cameras; a criterion left None selects every camera.

    The one place camera criteria become SQL: the figures below and the map's and
    exports' filters (evidence.mapdata.CameraFilter) both select cameras through it.
    """
    clauses: list[ColumnElement[bool]] = []
    if statuses is not None:
        clauses.append(Camera.status.in_(tuple(statuses)))
    if borough_code is not None:
        clauses.append(Camera.borough_code == borough_code)
    if operator_types is not None:
        clauses.append(Camera.operator_type.in_(sorted(operator_types)))
    if brand_verified is not None:
        clauses.append(Camera.brand_verified.is_(brand_verified))
    if camera_types is not None:
        clauses.append(Camera.camera_type.in_(sorted(camera_types)))
    return clauses


@dataclass(frozen=True)
class CountKind:
    """One kind of figure, e.g. 'council-operated': which cameras it counts."""

    key: Count
    definition: str
    statuses: tuple[CameraStatus, ...]
    operator_types: frozenset[str] | None = None
    brand_verified: bool | None = None

    @property
    def label(self) -> str:
        return self.key.label

    def where(self) -> list[ColumnElement[bool]]:
        """SQL conditions selecting exactly the cameras this kind counts."""
        return camera_where(
            statuses=self.statuses,
            operator_types=self.operator_types,
            brand_verified=self.brand_verified,
        )

    def matches(self, status: str, operator_type: str, brand_verified: bool) -> bool:
        """The same test in Python, for rows already grouped by these columns."""
        return (
            status in self.statuses
            and (self.operator_types is None or operator_type in self.operator_types)
            and (self.brand_verified is None or bool(brand_verified) == self.brand_verified)
        )


ACTIVE_ONLY = (CameraStatus.ACTIVE,)

COUNT_KINDS: dict[str, CountKind] = {
    kind.key: kind
    for kind in (
        CountKind(
            Count.ACTIVE,
            "Cameras a moderator confirmed from a resident's photo and that have not since "
            "been recorded as removed, replaced or covered.",
            ACTIVE_ONLY,
        ),
        CountKind(
            Count.COUNCIL,
            "Active cameras that moderators judged to be run by the council: street CCTV, "
            "cameras on council buildings and on council housing estates.",
            ACTIVE_ONLY,
            operator_types=COUNCIL_OPERATOR_TYPES,
        ),
        CountKind(
            Count.VERIFIED,
            "Active cameras whose Hikvision-group brand a moderator confirmed from the photo "
            "(a logo or a label), not from the camera's shape alone.",
            ACTIVE_ONLY,
            brand_verified=True,
        ),
        CountKind(
            Count.REMOVED,
            "Cameras once confirmed and since recorded, from a confirmed report, as removed, "
            "replaced by another brand, or covered.",
            GONE_STATUSES,
        ),
    )
}


def count_kind(key: str | None) -> CountKind | None:
    return COUNT_KINDS.get(key or "")


@dataclass
class BoroughSummary:
    """One borough's figures and campaign record, as every page and export shows them."""

    borough: Borough
    campaign: BoroughCampaign | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def progress(self) -> float | None:
        """Share of known cameras that are gone: removed / (active + removed); None if none."""
        return progress(self.counts)


def progress(counts: dict[str, int]) -> float | None:
    known = counts.get(Count.ACTIVE, 0) + counts.get(Count.REMOVED, 0)
    return None if known == 0 else counts.get(Count.REMOVED, 0) / known


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KINDS, 0)


def tally(rows: Iterable[Sequence]) -> dict[str, dict[str, int]]:
    """Fold (borough_code, status, operator_type, brand_verified, n) rows into counts."""
    result: dict[str, dict[str, int]] = {}
    for code, status, operator_type, verified, n in rows:
        counts = result.setdefault(code, empty_counts())
        for kind in COUNT_KINDS.values():
            if kind.matches(status, operator_type, verified):
                counts[kind.key] += n
    return result


def counts_by_borough(session: DbSession) -> dict[str, dict[str, int]]:
    """Every borough's counts from one aggregate query (a few thousand groups at most)."""
    grouped = session.execute(
        select(
            Camera.borough_code,
            Camera.status,
            Camera.operator_type,
            Camera.brand_verified,
            func.count(),
        ).group_by(Camera.borough_code, Camera.status, Camera.operator_type, Camera.brand_verified)
    )
    return tally(grouped)


def summaries(
    session: DbSession, counts: dict[str, dict[str, int]] | None = None
) -> list[BoroughSummary]:
    """All 33 boroughs by name, with counts (computed unless given) and campaign records."""
    if counts is None:
        counts = counts_by_borough(session)
    rows = session.execute(
        select(Borough, BoroughCampaign)
        .outerjoin(BoroughCampaign, BoroughCampaign.borough_code == Borough.code)
        .order_by(Borough.name)
    )
    return [
        BoroughSummary(borough, campaign, counts.get(borough.code, empty_counts()))
        for borough, campaign in rows
    ]


def london_totals(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    totals = empty_counts()
    for per_borough in counts.values():
        for key, n in per_borough.items():
            totals[key] += n
    return totals


def breakdown(session: DbSession, borough_code: str, column: str) -> list[tuple[str, int]]:
    """Active cameras in a borough by `operator_type` or `camera_type`, largest first."""
    if column not in ("operator_type", "camera_type"):
        raise ValueError(f"cannot break counts down by {column!r}")
    attribute = getattr(Camera, column)
    rows = session.execute(
        select(attribute, func.count())
        .where(Camera.borough_code == borough_code, *COUNT_KINDS[Count.ACTIVE].where())
        .group_by(attribute)
        .order_by(func.count().desc(), attribute)
    )
    return [(value, n) for value, n in rows]


def camera_ids_query(
    borough_code: str,
    kind: CountKind,
    *,
    operator_type: str | None = None,
    camera_type: str | None = None,
):
    """SELECT of the ids behind one figure, in id order (refinable by a breakdown value)."""
    query = select(Camera.id).where(Camera.borough_code == borough_code, *kind.where())
    if operator_type is not None:
        query = query.where(Camera.operator_type == operator_type)
    if camera_type is not None:
        query = query.where(Camera.camera_type == camera_type)
    return query.order_by(Camera.id)


def camera_ids(session: DbSession, borough_code: str, kind: CountKind, **refine) -> list[int]:
    return list(session.execute(camera_ids_query(borough_code, kind, **refine)).scalars())


def ids_by_borough_and_kind(session: DbSession) -> dict[str, dict[str, list[int]]]:
    """For snapshots: every borough's camera ids behind every count, from one pass."""
    result: dict[str, dict[str, list[int]]] = {
        code: {key: [] for key in COUNT_KINDS}
        for code in session.execute(select(Borough.code)).scalars()
    }
    rows = session.execute(
        select(
            Camera.id,
            Camera.borough_code,
            Camera.status,
            Camera.operator_type,
            Camera.brand_verified,
        ).order_by(Camera.id)
    )
    for camera_id, code, status, operator_type, verified in rows:
        for kind in COUNT_KINDS.values():
            if kind.matches(status, operator_type, verified):
                result[code][kind.key].append(camera_id)
    return result
