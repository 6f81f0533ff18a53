"""The 33 councils side by side, each council's evidence, its lists, pack and feed."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, render_template, request, url_for

from hikwatch.clock import london_today
from hikwatch.evidence import borough_report, charts, counts, exports, freshness, snapshots
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
from models import Borough, Camera, Snapshot, db, utcnow

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
def by_figure(key: str):
    return lambda s: s.counts[key]


SORTS = {
    "name": (lambda s: s.borough.name, False),
    **{key: (by_figure(key), True) for key in counts.COUNT_KINDS},
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
    """One stacked bar per council, in the table's order: council, other verified, gone."""
    return charts.stacked_bars(
        [
            (
                row.borough.name,
                url_for("boroughs.show", slug=row.borough.slug),
                [
                    ("council", row.counts[Count.COUNCIL_OPERATED]),
                    ("other", row.counts[Count.VERIFIED] - row.counts[Count.COUNCIL_OPERATED]),
                    ("removed", row.counts[Count.REMOVED]),
                ],
            )
            for row in rows
        ]
    )


def report_for(borough: Borough, snapshot: Snapshot | None = None) -> borough_report.BoroughReport:
    figures = borough_counts().get(borough.code, counts.empty_counts())
    return borough_report.build(
        db.session,
        borough,
        figures,
        london_today(),
        cached,
        recheck_months=current_app.config["RECHECK_MONTHS"],
        snapshot=snapshot,
    )


@bp.get("/boroughs/<slug>")
def show(slug: str):
    """One council's evidence: counts traced to cameras, FOI, motion and timetable."""
    report = report_for(borough_or_404(slug))
    return render_template("boroughs/show.html", report=report, generated_at=utcnow())


@bp.get("/boroughs/<slug>/cameras")
def cameras(slug: str):
    """The cameras behind one figure on the borough page: ?count=council_operated[&operator=…]."""
    borough = borough_or_404(slug)
    kind = counts.count_kind(request.args.get("count", Count.VERIFIED))
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


@bp.get("/boroughs/<slug>/needs-photo")
def needs_photo(slug: str):
    """Cameras still counted whose last confirmation is older than RECHECK_MONTHS."""
    borough = borough_or_404(slug)
    months = current_app.config["RECHECK_MONTHS"]
    before = freshness.cutoff(london_today(), months)
    total = freshness.needs_photo_count(db.session, borough.code, before)
    page = page_number(request.args.get("page"))
    query = freshness.needs_photo_query(borough.code, before)
    rows = db.session.execute(query.limit(LIST_PAGE_SIZE).offset((page - 1) * LIST_PAGE_SIZE))
    return render_template(
        "boroughs/needs_photo.html",
        borough=borough,
        cameras=rows.scalars().all(),
        total=total,
        months=months,
        before=before,
        page=page,
        pages=max(1, -(-total // LIST_PAGE_SIZE)),
    )


@bp.get("/boroughs/<slug>/pack")
def pack(slug: str):
    """A printable A4 motion pack: map, counts, council cameras, FOI, record, method.

    Its figures come from a snapshot (?snapshot=<name>, by default the latest), so every
    printed figure can be reproduced from that snapshot's files."""
    borough = borough_or_404(slug)
    chosen = None
    name = request.args.get("snapshot", "").strip()
    if name:
        chosen = snapshots.by_name(db.session, name) if snapshots.NAME.match(name) else None
        if chosen is None:
            abort(404, "There is no snapshot of that name. See the list of snapshots.")
    report = report_for(borough, chosen)
    cited = report.cited
    limit = borough_report.PACK_COUNCIL_CAMERAS
    geometry = borough_index().geometry(borough.code)
    snapshot_name = cited.snapshot.name if cited.snapshot else None
    return render_template(
        "boroughs/pack.html",
        report=report,
        static_map=cached(
            ("static_map", borough.code, snapshot_name),
            lambda: borough_report.static_map(db.session, borough.code, geometry, cited),
        ),
        council=borough_report.council_cameras(db.session, borough.code, limit, cited),
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
