"""Helpers shared by the public evidence pages and the open-data API.

Parsing of query strings lives here so the map, the exports and the lists accept the
same filters with the same words, and refuse bad ones with the same 400 messages.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import abort, current_app, g, url_for
from werkzeug.datastructures import MultiDict

from hikwatch.evidence import charts, counts
from hikwatch.evidence.datacache import DataCache, data_version
from hikwatch.evidence.exports import DATA_LICENCE_URL
from hikwatch.evidence.mapdata import MAX_ZOOM, MIN_ZOOM, BBox, CameraFilter
from hikwatch.security.inputs import MAX_PAGE, bounded_int
from hikwatch.vocab import (
    COUNCIL_OPERATOR_TYPES,
    GONE_STATUSES,
    MAPPED_STATUSES,
    CameraStatus,
    CameraType,
    Count,
    OperatorType,
    PhotoVariant,
)
from models import Borough, db

T = TypeVar("T")


def data_cache() -> DataCache:
    return current_app.extensions.setdefault("data_cache", DataCache())


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """Reuse a result derived from cameras until they change (see datacache.py)."""
    if "data_version" not in g:
        g.data_version = data_version(db.session)
    return data_cache().get(key, g.data_version, compute)


def borough_counts() -> dict[str, dict[str, int]]:
    return cached(("counts_by_borough",), lambda: counts.counts_by_borough(db.session))


def borough_summaries() -> list[counts.BoroughSummary]:
    return counts.summaries(db.session, borough_counts())


def borough_or_404(slug: str) -> Borough:
    borough = db.session.execute(db.select(Borough).filter_by(slug=slug)).scalar_one_or_none()
    if borough is None:
        abort(404, "There is no London council area at that address.")
    return borough


def find_borough(value: str) -> Borough | None:
    """A borough by GSS code (E09000007) or by slug (camden)."""
    value = value.strip()
    column = Borough.code if value.upper().startswith("E09") else Borough.slug
    lookup = value.upper() if column is Borough.code else value.lower()
    return db.session.execute(db.select(Borough).where(column == lookup)).scalar_one_or_none()


def camera_url(camera_id: int) -> str:
    return url_for("cameras.show", camera_id=camera_id, _external=True)


def photo_url(photo_id: int, variant: PhotoVariant = PhotoVariant.THUMB) -> str:
    return url_for("cameras.photo", photo_id=photo_id, variant=variant)


def with_licence(response):
    """Say under which licence the data may be reused, in a header machines read."""
    response.headers["Link"] = f'<{DATA_LICENCE_URL}>; rel="license"'
    return response


# ---------- query strings ----------


def listed(args: MultiDict, name: str) -> list[str]:
    """Values of a parameter given repeatedly or comma-separated."""
    return [part.strip() for raw in args.getlist(name) for part in raw.split(",") if part.strip()]


def parse_statuses(
    args: MultiDict, default: tuple[str, ...], allowed: tuple[str, ...]
) -> tuple[str, ...]:
    """?status=active,gone,all…: `all` is every status in `allowed` (the map shows no merged
    or retracted records; the exports, asked for all, show them with their status)."""
    values = listed(args, "status")
    if not values:
        return default
    chosen: set[str] = set()
    for value in values:
        if value == "all":
            chosen.update(allowed)
        elif value == "gone":
            chosen.update(GONE_STATUSES)
        elif value in allowed:
            chosen.add(value)
        else:
            abort(400, f"Unknown status '{value}': use {', '.join(allowed)}, "
                       "gone or all.")  # fmt: skip
    return tuple(s for s in CameraStatus if s in chosen)


def parse_operators(args: MultiDict) -> tuple[str, ...] | None:
    values = listed(args, "operator")
    if not values:
        return None
    chosen: set[str] = set()
    for value in values:
        if value == "council":
            chosen.update(COUNCIL_OPERATOR_TYPES)
        elif OperatorType.has(value):
            chosen.add(value)
        else:
            abort(400, f"Unknown operator '{value}': use council or one of "
                       f"{', '.join(OperatorType)}.")  # fmt: skip
    return tuple(sorted(chosen))


def parse_camera_types(args: MultiDict) -> tuple[str, ...] | None:
    values = listed(args, "type")
    unknown = [value for value in values if not CameraType.has(value)]
    if unknown:
        abort(400, f"Unknown camera type '{unknown[0]}': use {', '.join(CameraType)}.")
    return tuple(sorted(set(values))) or None


YES = {"yes", "true", "1"}
NO = {"no", "false", "0"}


def parse_verified(args: MultiDict) -> bool | None:
    raw = (args.get("verified") or "").strip().lower()
    if raw in ("", "any", "all"):
        return None
    if raw in YES | NO:
        return raw in YES
    abort(400, "'verified' must be yes or no.")


def parse_camera_filter(
    args: MultiDict,
    default_statuses: tuple[str, ...],
    allowed_statuses: tuple[str, ...] = MAPPED_STATUSES,
    default_count: str | None = None,
) -> CameraFilter:
    borough_code = None
    if args.get("borough", "").strip():
        borough = find_borough(args["borough"])
        if borough is None:
            abort(400, "Unknown borough: give its GSS code (E09000007) or slug (camden).")
        borough_code = borough.code
    count = args.get("count", "").strip() or default_count
    if count is not None and count not in counts.COUNT_KINDS:
        abort(400, f"Unknown count '{count}': use {', '.join(counts.COUNT_KINDS)}.")
    return CameraFilter(
        statuses=parse_statuses(args, default_statuses, allowed_statuses),
        borough_code=borough_code,
        operator_types=parse_operators(args),
        brand_verified=parse_verified(args),
        camera_types=parse_camera_types(args),
        count=count,
    )


def parse_bbox(raw: str | None, *, required: bool) -> BBox | None:
    if raw is None or not raw.strip():
        if required:
            abort(400, "Missing 'bbox': give min_lon,min_lat,max_lon,max_lat.")
        return None
    parts = raw.split(",")
    try:
        values = [float(part) for part in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        abort(400, "'bbox' must be four numbers: min_lon,min_lat,max_lon,max_lat.")
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        abort(400, "'bbox' must have min below max, longitudes within ±180 and "
                   "latitudes within ±90.")  # fmt: skip
    return BBox(min_lon, min_lat, max_lon, max_lat)


def parse_zoom(raw: str | None) -> int:
    try:
        zoom = int(raw or "")
    except ValueError:
        abort(400, f"'zoom' must be a whole number from {MIN_ZOOM} to {MAX_ZOOM}.")
    if not MIN_ZOOM <= zoom <= MAX_ZOOM:
        abort(400, f"'zoom' must be a whole number from {MIN_ZOOM} to {MAX_ZOOM}.")
    return zoom


def page_number(raw: Any) -> int:
    return bounded_int(raw, "page", 1, 1, MAX_PAGE)


def shading() -> tuple[list[int], list[tuple[str, str]]]:
    """Thresholds and legend for shading boroughs by verified cameras, from today's counts."""
    most = max((c[Count.VERIFIED] for c in borough_counts().values()), default=0)
    breaks = charts.shading_breaks(most)
    return breaks, charts.legend(breaks)
