"""Open data: cameras as GeoJSON or CSV, and the 33 boroughs as JSON or CSV.

By default the camera exports hold exactly the headline cameras (the `verified` figure),
so counting their features per borough gives /api/boroughs' figures. `?status=all` adds
every other record (unconfirmed, gone, merged away, retracted), each with its status;
`?count=<figure>`, `?status=`, `?verified=` and the other filters narrow either.

Responses are streamed, so a 300,000-camera download does not sit in memory. Only
Camera rows and campaign records go out: no sightings, no emails, no original photos.
CSV is RFC 4180 with the header on the first line; the licence is in the `Link` header.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import Blueprint, Response, jsonify, request, stream_with_context

from hikwatch.evidence import campaign, counts, exports
from hikwatch.vocab import CameraStatus
from hikwatch.web.evidence_support import (
    borough_counts,
    borough_summaries,
    camera_url,
    parse_bbox,
    parse_camera_filter,
    with_licence,
)
from models import Camera, db, utcnow

bp = Blueprint("opendata", __name__, url_prefix="/api")

STREAM_BATCH = 2000


def cameras_query():
    """Cameras chosen by ?borough= ?bbox= ?status= ?count= etc. (default: the headline).

    Parsed before the response starts, so a bad filter is a 400, not a broken download;
    run inside the stream, in whichever session serves it.
    """
    headline_by_default = not any(request.args.get(name) for name in ("status", "count"))
    camera_filter = parse_camera_filter(
        request.args,
        default_statuses=tuple(CameraStatus),
        allowed_statuses=tuple(CameraStatus),
        default_count=counts.HEADLINE.key if headline_by_default else None,
    )
    bbox = parse_bbox(request.args.get("bbox"), required=False)
    where = camera_filter.where() + (bbox.where() if bbox else [])
    return (
        db.select(Camera)
        .where(*where)
        .options(db.joinedload(Camera.borough))
        .order_by(Camera.id)
        .execution_options(yield_per=STREAM_BATCH)
    )


def streamed(query) -> Iterator[Camera]:
    yield from db.session.execute(query).scalars()


def generated_at() -> str:
    return utcnow().replace(microsecond=0).isoformat() + "Z"


@bp.get("/cameras.geojson")
def cameras_geojson():
    """GeoJSON FeatureCollection with OpenStreetMap tags plus hikwatch:* properties."""
    query = cameras_query()
    head = {
        "type": "FeatureCollection",
        "generated_at": generated_at(),
        "caveat": counts.CAVEAT,
        "licence": exports.LICENCE_NOTE,
    }

    def body() -> Iterator[str]:
        yield json.dumps(head)[:-1] + ', "features": ['
        for i, camera in enumerate(streamed(query)):
            feature = exports.geojson_feature(camera, camera_url(camera.id))
            yield ("," if i else "") + json.dumps(feature, ensure_ascii=False)
        yield "]}"

    response = Response(stream_with_context(body()), mimetype="application/geo+json")
    return with_licence(response)


@bp.get("/cameras.csv")
def cameras_csv():
    """One row per camera; ?count=council_operated etc. gives exactly one figure's cameras."""
    query = cameras_query()
    rows = (exports.csv_row(camera, camera_url(camera.id)) for camera in streamed(query))
    document = exports.csv_document(_with_header(exports.CSV_COLUMNS, rows))
    return csv_response(document, "hikwatch-cameras.csv")


@bp.get("/boroughs")
def boroughs_json():
    """The 33 boroughs with counts and campaign fields."""
    response = jsonify(
        generated_at=generated_at(),
        caveat=counts.CAVEAT,
        licence=exports.LICENCE_NOTE,
        headline=counts.HEADLINE.key,
        definitions={key: kind.definition for key, kind in counts.COUNT_KINDS.items()},
        totals=counts.london_totals(borough_counts()),
        boroughs=[borough_json(summary) for summary in borough_summaries()],
    )
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return with_licence(response)


def borough_json(summary: counts.BoroughSummary) -> dict:
    progress = summary.progress
    return {
        "code": summary.borough.code,
        "name": summary.borough.name,
        "slug": summary.borough.slug,
        "counts": summary.counts,
        "progress_percent": None if progress is None else round(progress * 100, 1),
        **campaign.public_fields(summary.campaign),
    }


BOROUGH_CSV_COLUMNS = (
    ["code", "name", "slug"]
    + list(counts.COUNT_KINDS)
    + ["progress_percent"]
    + list(campaign.FIELDS)
)


@bp.get("/boroughs.csv")
def boroughs_csv():
    rows = (
        exports.safe_row(
            [data["code"], data["name"], data["slug"]]
            + [data["counts"][key] for key in counts.COUNT_KINDS]
            + [data["progress_percent"]]
            + [data[name] for name in campaign.FIELDS]
        )
        for data in map(borough_json, borough_summaries())
    )
    document = exports.csv_document(_with_header(BOROUGH_CSV_COLUMNS, rows))
    return csv_response(document, "hikwatch-boroughs.csv")


def _with_header(header: list[str], rows: Iterator) -> Iterator:
    yield header
    yield from rows


def csv_response(document: Iterator[str], filename: str) -> Response:
    response = Response(stream_with_context(document), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return with_licence(response)
