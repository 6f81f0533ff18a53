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

from sqlalchemy import ColumnElement, and_, func, or_, select

from hikwatch.vocab import (
    COUNCIL_OPERATOR_TYPES,
    GONE_STATUSES,
    HIKVISION_GROUP,
    CameraStatus,
    Count,
)
from models import Borough, BoroughCampaign, Camera, DbSession

CAVEAT = "Known minimum: coverage is incomplete."


def camera_where(
    *,
    statuses: Iterable[str] | None = None,
    borough_code: str | None = None,
    operator_types: Iterable[str] | None = None,
    brand_verified: bool | None = None,
    camera_types: Iterable[str] | None = None,
    brands: Iterable[str] | None = None,
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
    if brands is not None:
        clauses.append(Camera.brand.in_(sorted(brands)))
    return clauses


@dataclass(frozen=True)
class CountKind:
    """One kind of figure, e.g. 'council-operated': which cameras it counts, in words (with
    an example, for the methodology page) and as criteria (for SQL and for Python)."""

    key: Count
    definition: str
    example: str
    statuses: tuple[CameraStatus, ...]
    brand_verified: bool
    operator_types: frozenset[str] | None = None
    # Every figure counts Hikvision-group cameras only: any other brand is in none.
    brands: frozenset[str] = HIKVISION_GROUP

    @property
    def label(self) -> str:
        return self.key.label

    def where(self) -> list[ColumnElement[bool]]:
        """SQL conditions selecting exactly the cameras this kind counts."""
        return camera_where(
            statuses=self.statuses,
            operator_types=self.operator_types,
            brand_verified=self.brand_verified,
            brands=self.brands,
        )

    def matches(self, status: str, operator_type: str, brand_verified: bool, brand: str) -> bool:
        """The same test in Python, for rows already grouped by these columns."""
        return (
            status in self.statuses
            and brand in self.brands
            and bool(brand_verified) == self.brand_verified
            and (self.operator_types is None or operator_type in self.operator_types)
        )


ACTIVE_ONLY = (CameraStatus.ACTIVE,)

# The four figures, in the order every page, export and snapshot shows them. Merged and
# retracted records (WITHDRAWN_STATUSES) and brands outside the group are in none of them.
COUNT_KINDS: dict[str, CountKind] = {
    kind.key: kind
    for kind in (
        CountKind(
            Count.VERIFIED,
            "Cameras still in place whose Hikvision-group brand (Hikvision, HiLook, HiWatch "
            "or EZVIZ) a moderator confirmed from a logo or a label readable in a resident's "
            "photo. This is the headline figure.",
            "A resident photographs a camera on a lamp post with HIKVISION printed on its "
            "housing; a moderator reads the logo and marks the brand verified: the council's "
            "verified figure goes up by one.",
            ACTIVE_ONLY,
            brand_verified=True,
        ),
        CountKind(
            Count.COUNCIL_OPERATED,
            "The verified cameras that moderators judged to be run by the council: street "
            "CCTV, cameras on council buildings and on council housing estates. It is part of "
            "the verified figure, never added to it.",
            "If 12 cameras are verified in a borough and 5 of them are council street CCTV, "
            "council-operated is 5 and the headline stays 12.",
            ACTIVE_ONLY,
            brand_verified=True,
            operator_types=COUNCIL_OPERATOR_TYPES,
        ),
        CountKind(
            Count.UNCONFIRMED,
            "Cameras still in place reported as a Hikvision-group brand whose brand no "
            "moderator has confirmed (yet) from a logo or a label, for example because the "
            "photo shows only the camera's shape. Shown beside the headline, never added "
            "into it.",
            "A resident recognises a HiLook dome by its shape but the logo is too far away to "
            "read: the camera is unconfirmed until a closer photo shows the logo.",
            ACTIVE_ONLY,
            brand_verified=False,
        ),
        CountKind(
            Count.REMOVED,
            "Verified cameras since recorded, from a report a moderator confirmed, as "
            "removed, replaced by another brand, or covered. Unconfirmed cameras that go are "
            "not counted here.",
            "The council takes a verified Hikvision camera down and a resident photographs "
            "the empty bracket; once a moderator confirms the report, verified goes down by "
            "one and removed goes up by one.",
            GONE_STATUSES,
            brand_verified=True,
        ),
    )
}

HEADLINE = COUNT_KINDS[Count.VERIFIED]


def count_kind(key: str | None) -> CountKind | None:
    return COUNT_KINDS.get(key or "")


def figures_of(camera: Camera) -> list[str]:
    """The keys of every figure that counts this camera (none for a merged or retracted one)."""
    return [
        key
        for key, kind in COUNT_KINDS.items()
        if kind.matches(camera.status, camera.operator_type, camera.brand_verified, camera.brand)
    ]


def in_any_figure() -> ColumnElement[bool]:
    """SQL: the camera is counted in some figure (so it belongs in lists and feeds)."""
    return or_(*(and_(*kind.where()) for kind in COUNT_KINDS.values()))


@dataclass
class BoroughSummary:
    """One borough's figures and campaign record, as every page and export shows them."""

    borough: Borough
    campaign: BoroughCampaign | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def progress(self) -> float | None:
        """Share of verified cameras that are gone: removed / (verified + removed)."""
        return progress(self.counts)


def progress(counts: dict[str, int]) -> float | None:
    """removed / (verified + removed): both count verified cameras only. None if none."""
    known = counts.get(Count.VERIFIED, 0) + counts.get(Count.REMOVED, 0)
    return None if known == 0 else counts.get(Count.REMOVED, 0) / known


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KINDS, 0)


def tally(rows: Iterable[Sequence]) -> dict[str, dict[str, int]]:
    """Fold (borough_code, status, operator_type, brand_verified, brand, n) rows into counts."""
    result: dict[str, dict[str, int]] = {}
    for code, status, operator_type, verified, brand, n in rows:
        counts = result.setdefault(code, empty_counts())
        for kind in COUNT_KINDS.values():
            if kind.matches(status, operator_type, verified, brand):
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
            Camera.brand,
            func.count(),
        ).group_by(
            Camera.borough_code,
            Camera.status,
            Camera.operator_type,
            Camera.brand_verified,
            Camera.brand,
        )
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
    """Verified cameras in a borough by `operator_type` or `camera_type`, largest first."""
    if column not in ("operator_type", "camera_type"):
        raise ValueError(f"cannot break counts down by {column!r}")
    attribute = getattr(Camera, column)
    rows = session.execute(
        select(attribute, func.count())
        .where(Camera.borough_code == borough_code, *HEADLINE.where())
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
            Camera.brand,
        ).order_by(Camera.id)
    )
    for camera_id, code, status, operator_type, verified, brand in rows:
        for kind in COUNT_KINDS.values():
            if kind.matches(status, operator_type, verified, brand):
                result[code][kind.key].append(camera_id)
    return result
