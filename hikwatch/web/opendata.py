"""Open data: cameras as GeoJSON or CSV, and the 33 boroughs as JSON or CSV.

By default the camera exports hold exactly the headline cameras (the `verified` figure),
so counting their features per borough gives /api/boroughs' figures. `?status=all` adds
every other record (unconfirmed, gone, merged away, retracted), each with its status;
`?count=<figure>`, `?status=`, `?verified=` and the other filters narrow either.

The full files (no filter, or `?status=all` alone) and the borough files are built once
per data change, outside any request, and sent as files (export_serving.py). Filtered
exports are made per request, at most EXPORT_PAGE_SIZE features at a time: a longer
answer is paged with `limit` and `offset`, and its `Link: <…>; rel="next"` header (and
the GeoJSON's `links`) points at the next page, as OGC API - Features does.

A page is streamed. If anything fails once it has begun, the transfer is broken (the
server closes the connection without the final chunk) and the log says why: a client
never takes a cut-short file for a whole one. HTTP/1.0 clients, which have no chunks to
tell them, get the page whole with its length, or an error.

Only Camera rows and campaign records go out: no sightings, no emails, no original photos.
CSV is RFC 4180 with the header on the first line; the licence is in the `Link` header.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from logging import Logger

from flask import Blueprint, Response, current_app, request, stream_with_context, url_for

from hikwatch.evidence import counts, export_files, exports
from hikwatch.evidence.export_files import ExportFile
from hikwatch.security.inputs import bounded_int
from hikwatch.vocab import CameraStatus
from hikwatch.web.evidence_support import camera_url, parse_bbox, parse_camera_filter, with_licence
from hikwatch.web.export_serving import serve
from models import Camera, db

bp = Blueprint("opendata", __name__, url_prefix="/api")

STREAM_BATCH = 2000
FILTERS = ("borough", "bbox", "status", "count", "operator", "verified", "type")
PAGING = ("limit", "offset")
MAX_OFFSET = 100_000_000


def full_file(headline: ExportFile, everything: ExportFile) -> ExportFile | None:
    """The built file this request asks for, or None when it filters or pages."""
    given = {name for name in FILTERS + PAGING if request.args.get(name, "").strip()}
    if not given:
        return headline
    if given == {"status"} and request.args.get("status", "").strip() == "all":
        return everything
    return None


def camera_page():
    """(query, limit, offset, has_next) for ?borough= ?bbox= ?status= ?count= etc.

    Parsed before the response starts, so a bad filter is a 400, not a broken download;
    the query runs inside the stream.
    """
    headline_by_default = not any(request.args.get(name) for name in ("status", "count"))
    camera_filter = parse_camera_filter(
        request.args,
        default_statuses=tuple(CameraStatus),
        allowed_statuses=tuple(CameraStatus),
        default_count=counts.HEADLINE.key if headline_by_default else None,
    )
    bbox = parse_bbox(request.args.get("bbox"), required=False)
    page_size = current_app.config["EXPORT_PAGE_SIZE"]
    limit = bounded_int(request.args.get("limit"), "limit", page_size, 1, page_size)
    offset = bounded_int(request.args.get("offset"), "offset", 0, 0, MAX_OFFSET)
    where = camera_filter.where() + (bbox.where() if bbox else [])
    ordered = db.select(Camera).where(*where).order_by(Camera.id)
    following = db.session.execute(
        db.select(Camera.id).where(*where).order_by(Camera.id).offset(offset + limit).limit(1)
    ).first()
    query = (
        ordered.options(db.joinedload(Camera.borough))
        .offset(offset)
        .limit(limit)
        .execution_options(yield_per=STREAM_BATCH)
    )
    return query, limit, offset, following is not None


def next_url(limit: int, offset: int) -> str:
    args = request.args.to_dict()
    args.update(limit=str(limit), offset=str(offset + limit))
    return url_for(request.endpoint or "", _external=True, **args)


def with_next(response: Response, url: str | None) -> Response:
    with_licence(response)
    if url:
        response.headers["Link"] += f', <{url}>; rel="next"'
    return response


def guarded(chunks: Iterator[str], what: str, logger: Logger) -> Iterator[str]:
    """Pass chunks on; if making one fails, log why and let the transfer break."""
    sent = 0
    try:
        for chunk in chunks:
            yield chunk
            sent += 1
    except Exception:
        logger.exception(
            "%s cut short after %d chunks: the connection is closed without the final "
            "chunk, so the client sees a broken transfer",
            what,
            sent,
        )
        raise


def page_response(make: Callable[[], Iterator[str]], mimetype: str) -> Response:
    """Streamed (chunked) for HTTP/1.1; whole, with its length, for HTTP/1.0."""
    if request.environ.get("SERVER_PROTOCOL") == "HTTP/1.0":
        return Response("".join(make()), mimetype=mimetype)
    what = f"GET {request.full_path}"
    chunks = guarded(make(), what, current_app.logger)
    return Response(stream_with_context(chunks), mimetype=mimetype)


@bp.get("/cameras.geojson")
def cameras_geojson():
    """GeoJSON FeatureCollection with OpenStreetMap tags plus hikwatch:* properties."""
    built = full_file(export_files.CAMERAS_GEOJSON, export_files.ALL_CAMERAS_GEOJSON)
    if built is not None:
        return serve(built)
    query, limit, offset, has_next = camera_page()
    following = next_url(limit, offset) if has_next else None
    links = [{"rel": "next", "type": "application/geo+json", "href": following}]
    head = export_files.geojson_head(
        export_files.generated_at(), **({"links": links} if following else {})
    )

    def body() -> Iterator[str]:
        yield export_files.geojson_opening(head)
        for i, camera in enumerate(db.session.execute(query).scalars()):
            feature = exports.geojson_feature(camera, camera_url(camera.id))
            yield ("," if i else "") + json.dumps(feature, ensure_ascii=False)
        yield "]}"

    return with_next(page_response(body, "application/geo+json"), following)


@bp.get("/cameras.csv")
def cameras_csv():
    """One row per camera; ?count=council_operated etc. gives exactly one figure's cameras."""
    built = full_file(export_files.CAMERAS_CSV, export_files.ALL_CAMERAS_CSV)
    if built is not None:
        return serve(built)
    query, limit, offset, has_next = camera_page()
    following = next_url(limit, offset) if has_next else None

    def body() -> Iterator[str]:
        yield export_files.csv_line(exports.CSV_COLUMNS)
        for camera in db.session.execute(query).scalars():
            yield export_files.csv_line(exports.csv_row(camera, camera_url(camera.id)))

    response = page_response(body, "text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="hikwatch-cameras.csv"'
    return with_next(response, following)


@bp.get("/boroughs")
def boroughs_json():
    """The 33 boroughs with counts and campaign fields (a file built per data change)."""
    return serve(export_files.BOROUGHS_JSON)


@bp.get("/boroughs.csv")
def boroughs_csv():
    return serve(export_files.BOROUGHS_CSV)
