"""JSON API used by the pages (and open to scripts): uploads, sightings, borough lookup."""

from __future__ import annotations

import functools
import math

from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.datastructures import MultiDict
from wtforms.fields.core import UnboundField

from hikwatch.errors import SubmissionError
from hikwatch.moderation import replies
from hikwatch.security.limits import rate_limit
from hikwatch.submissions import (
    create_sighting,
    find_own_upload,
    refuse_too_many_pending,
    store_upload,
)
from hikwatch.vocab import LocationSource
from hikwatch.web.common import (
    borough_index,
    file_store,
    photo_limits,
    upload_client,
    upload_owner,
)
from hikwatch.web.forms import SightingFields
from hikwatch.web.reply import remember_key, reply_url
from models import db

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/boroughs/boundaries.geojson")
def borough_boundaries():
    """The 33 boundaries, simplified for drawing on a map (about 10 m tolerance)."""
    response = jsonify(boundaries_for_maps(borough_index()))
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@functools.cache
def boundaries_for_maps(index) -> dict:
    return index.feature_collection(simplify_tolerance=0.0001)


@bp.get("/boroughs/locate")
def locate_borough():
    """Which London council area a point is in."""
    lat = parse_coordinate(request.args.get("lat"), "lat", 90)
    lon = parse_coordinate(request.args.get("lon"), "lon", 180)
    borough = borough_index().locate(lon, lat)
    if borough is None:
        return jsonify(error="That point is outside the 33 London council areas."), 404
    return jsonify(code=borough.code, name=borough.name)


def parse_coordinate(raw: str | None, name: str, limit: float) -> float:
    if raw is None or raw.strip() == "":
        raise SubmissionError(400, f"Missing '{name}'.", name)
    try:
        value = float(raw)
    except ValueError:
        raise SubmissionError(400, f"'{name}' must be a number.", name) from None
    if not math.isfinite(value) or abs(value) > limit:
        raise SubmissionError(400, f"'{name}' must be a number between -{limit} and {limit}.", name)
    return value


@bp.post("/uploads")
@rate_limit("uploads")
def upload_photo():
    """Step 1: keep the photo, read its location and say which council area it is in."""
    upload = request.files.get("photo")
    if upload is None or upload.filename == "" and upload.content_length == 0:
        raise SubmissionError(400, "Choose a photo to upload (form field 'photo').", "photo")
    client, config = upload_client(), current_app.config
    refuse_too_many_pending(client, config["MAX_PENDING_UPLOADS"], config["UPLOAD_MAX_AGE_HOURS"])
    photo = store_upload(upload.read(), photo_limits(), file_store(), upload_owner(), client)
    return jsonify(upload_json(photo)), 201


def upload_json(photo) -> dict:
    location = borough = None
    if photo.exif_lat is not None and photo.exif_lon is not None:
        location = {"lat": photo.exif_lat, "lon": photo.exif_lon, "source": LocationSource.EXIF}
        found = borough_index().locate(photo.exif_lon, photo.exif_lat)
        borough = {"code": found.code, "name": found.name} if found else None
    return {
        "upload_id": photo.token,
        "location": location,
        "taken_at": photo.exif_taken_at.isoformat() if photo.exif_taken_at else None,
        "borough": borough,
        "preview_url": url_for("submit.preview", token=photo.token),
        "width": photo.width,
        "height": photo.height,
    }


# The form's own fields: a key the form does not know is a typo or a probe, refused with 400.
ALLOWED_SIGHTING_KEYS = frozenset(
    name for name, value in vars(SightingFields).items() if isinstance(value, UnboundField)
)


@bp.post("/sightings")
@rate_limit("submissions")
def submit_sighting():
    """Step 2: the resident's report, stored as pending for moderators."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise SubmissionError(400, "Send the report as a JSON object.")
    unknown = sorted(set(payload) - ALLOWED_SIGHTING_KEYS)
    if unknown:
        raise SubmissionError(400, f"Unknown field '{unknown[0]}'.", unknown[0])
    form = SightingFields(formdata=json_formdata(payload), meta={"csrf": False})
    if not form.validate():
        field, messages = next(iter(form.errors.items()))
        raise SubmissionError(400, f"{form[field].label.text}: {messages[0]}", field)
    photo = find_own_upload(form.upload_id.data, upload_owner())
    sighting = create_sighting(form.data, photo, borough_index())
    db.session.flush()  # the report's id, for its reply key
    key = replies.issue_key(sighting)
    db.session.commit()
    remember_key(sighting.reference, key)
    return jsonify(
        id=sighting.id,
        reference=sighting.reference,
        status=sighting.status,
        track_url=url_for("submit.track", reference=sighting.reference),
        # Private: answers a moderator's question. Shown once; only its hash is stored.
        reply_url=reply_url(key),
    ), 201


def json_formdata(payload: dict) -> MultiDict:
    """Feed JSON to WTForms as if it were form data; nested values are refused."""
    pairs = []
    for key, value in payload.items():
        if value is None:
            continue
        if isinstance(value, dict | list):
            raise SubmissionError(400, f"'{key}' must be a single value.", key)
        # WTForms parses strings; JSON numbers go through the same parsing and checks.
        pairs.append((key, value if isinstance(value, str) else json_scalar_text(value)))
    return MultiDict(pairs)


def json_scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
