"""The 33 councils side by side, each council's evidence, its lists, pack and feed."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import Blueprint, abort, render_template, request, url_for

from hikwatch.clock import london_today
from hikwatch.evidence import borough_report, charts, counts, exports
from hikwatch.vocab import CameraType, Count, FoiFinding, MotionStatus, OperatorType
from hikwatch.web.common import borough_index
from hikwatch.web.evidence_support import (
    borough_counts,
    borough_or_404,
    borough_summaries,
    cached,
    page_number,
    shading,
)
from models import Camera, db, utcnow

bp = Blueprint("boroughs", __name__)


@bp.app_template_filter("longdate")
def long_date(value: date | datetime | str | None) -> str:
    return exports.long_date(value)


@bp.app_template_filter("weblink")
def web_link(value: str | None) -> str | None:
    """Only http(s) addresses become links, whatever was stored."""
    if value and urlsplit(value).scheme in ("http", "https"):
        return value
    return None


LIST_PAGE_SIZE = 100

# ?sort= key -> (value to sort by, natural order is descending)
SORTS = {
    "name": (lambda s: s.borough.name, False),
    Count.ACTIVE: (lambda s: s.counts[Count.ACTIVE], True),
    Count.COUNCIL: (lambda s: s.counts[Count.COUNCIL], True),
    Count.VERIFIED: (lambda s: s.counts[Count.VERIFIED], True),
    Count.REMOVED: (lambda s: s.counts[Count.REMOVED], True),
    "progress": (lambda s: -1 if s.progress is None else s.progress, True),
    "foi": (lambda s: {FoiFinding.YES: 0, FoiFinding.NO: 2}.get(s.campaign.foi_finding, 1), False),
    "motion": (lambda s: list(MotionStatus).index(s.campaign.motion_status), True),
    "target": (lambda s: s.campaign.timetable_target or date.max, False),
}


@bp.get("/boroughs")
def index():
    """All 33 councils: counts, FOI finding, motion and timetable, sortable."""
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "name"
    key, descending = SORTS[sort]
    order = request.args.get("order")
    if order not in ("asc", "desc"):
        order = "desc" if descending else "asc"
    # Alphabetical first, then the chosen column: ties stay alphabetical either way.
    rows = sorted(borough_summaries(), key=lambda s: s.borough.name)
    rows.sort(key=key, reverse=order == "desc")
    chart = bar_chart(rows)
    breaks, legend = shading()
    return render_template(
        "boroughs/index.html",
        breaks=breaks,
        legend=legend,
        rows=rows,
        totals=counts.london_totals(borough_counts()),
        chart=chart,
        sort=sort,
        order=order,
        sorts=SORTS,
        generated_at=utcnow(),
    )


def bar_chart(rows: list[counts.BoroughSummary]) -> charts.BarChart:
    """One stacked bar per council, in the table's order: council, other active, gone."""
    return charts.stacked_bars(
        [
            (
                row.borough.name,
                url_for("boroughs.show", slug=row.borough.slug),
                [
                    ("council", row.counts[Count.COUNCIL]),
                    ("other", row.counts[Count.ACTIVE] - row.counts[Count.COUNCIL]),
                    ("removed", row.counts[Count.REMOVED]),
                ],
            )
            for row in rows
        ]
    )


@bp.get("/boroughs/<slug>")
def show(slug: str):
    """One council's evidence: counts traced to cameras, FOI, motion and timetable."""
    borough = borough_or_404(slug)
    figures = borough_counts().get(borough.code, counts.empty_counts())
    report = borough_report.build(db.session, borough, figures, london_today(), cached)
    return render_template("boroughs/show.html", report=report, generated_at=utcnow())


@bp.get("/boroughs/<slug>/cameras")
def cameras(slug: str):
    """The cameras behind one figure on the borough page: ?count=council[&operator=…]."""
    borough = borough_or_404(slug)
    kind = counts.count_kind(request.args.get("count", Count.ACTIVE))
    operator = request.args.get("operator") or None
    camera_type = request.args.get("type") or None
    if (
        kind is None
        or (operator is not None and not OperatorType.has(operator))
        or (camera_type is not None and not CameraType.has(camera_type))
    ):
        abort(404, "That list does not exist: check the link.")
    query = counts.camera_ids_query(
        borough.code, kind, operator_type=operator, camera_type=camera_type
    )
    total = db.session.execute(
        db.select(db.func.count()).select_from(query.subquery())
    ).scalar_one()
    page = page_number(request.args.get("page"))
    ids = query.limit(LIST_PAGE_SIZE).offset((page - 1) * LIST_PAGE_SIZE)
    rows = db.session.execute(db.select(Camera).where(Camera.id.in_(ids)).order_by(Camera.id))
    return render_template(
        "boroughs/cameras.html",
        borough=borough,
        kind=kind,
        operator=operator,
        camera_type=camera_type,
        cameras=rows.scalars().all(),
        total=total,
        page=page,
        pages=max(1, -(-total // LIST_PAGE_SIZE)),
        generated_at=utcnow(),
    )


@bp.get("/boroughs/<slug>/pack")
def pack(slug: str):
    """A printable A4 motion pack: map, counts, council cameras, FOI, record, method."""
    borough = borough_or_404(slug)
    figures = borough_counts().get(borough.code, counts.empty_counts())
    report = borough_report.build(db.session, borough, figures, london_today(), cached)
    limit = borough_report.PACK_COUNCIL_CAMERAS
    geometry = borough_index().geometry(borough.code)
    return render_template(
        "boroughs/pack.html",
        report=report,
        static_map=cached(
            ("static_map", borough.code),
            lambda: borough_report.static_map(db.session, borough.code, geometry),
        ),
        council=borough_report.council_cameras(db.session, borough.code, limit),
        council_limit=limit,
        generated_at=utcnow(),
    )


@bp.get("/boroughs/<slug>/feed.atom")
def feed(slug: str):
    """Atom feed of the borough's newly verified cameras and status changes."""
    borough = borough_or_404(slug)
    entries = borough_report.feed_entries(db.session, borough.code)
    body = render_template(
        "boroughs/feed.atom.xml",
        borough=borough,
        entries=entries,
        updated=entries[0].at if entries else utcnow(),
    )
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}
