"""One camera: its public page, its popup JSON, its public photos, and the map's data."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request

from hikwatch.evidence import exports, mapdata, public_photos
from hikwatch.vocab import CameraStatus, PhotoVariant
from hikwatch.web.common import file_store, send_stored
from hikwatch.web.evidence_support import (
    cached,
    camera_url,
    parse_bbox,
    parse_camera_filter,
    parse_zoom,
    photo_url,
    with_licence,
)
from models import Camera, CameraStatusChange, db

bp = Blueprint("cameras", __name__)
PHOTO_VARIANTS = ", ".join(PhotoVariant)
# Row ids in URLs: a number larger than the id column holds is no row ("not found"), not a
# database error.
ROW_ID = "int(max=2147483647)"


@bp.get(f"/cameras/<{ROW_ID}:camera_id>")
def show(camera_id: int):
    """Everything public about one camera, in words and as OpenStreetMap tags."""
    camera = db.get_or_404(Camera, camera_id, description="No camera has that number.")
    history = db.session.execute(
        db.select(CameraStatusChange.status, CameraStatusChange.changed_on)
        .filter_by(camera_id=camera.id)
        .order_by(CameraStatusChange.changed_on, CameraStatusChange.id)
    ).all()
    return render_template(
        "cameras/show.html",
        camera=camera,
        photos=public_photos.camera_photos(db.session, camera.id),
        confirmations=public_photos.confirmations(db.session, camera.id),
        history=history,
        tags=exports.osm_tags(camera),
        description=exports.plain_description(camera),
        permalink=camera_url(camera.id),
        osm_link=exports.osm_link(camera.lat, camera.lon),
    )


@bp.get(f"/api/cameras/<{ROW_ID}:camera_id>")
def summary(camera_id: int):
    """What the map popup shows about a camera."""
    camera = db.get_or_404(Camera, camera_id, description="No camera has that number.")
    photo_ids = public_photos.latest_photo_ids(db.session, [camera.id])
    thumb = photo_url(photo_ids[camera.id]) if camera.id in photo_ids else None
    response = jsonify(exports.camera_summary(camera, camera_url(camera.id), thumb))
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return with_licence(response)


@bp.get("/api/map")
def map_data():
    """Clusters or cameras in a box: ?bbox=min_lon,min_lat,max_lon,max_lat&zoom=Z&filters."""
    bbox = parse_bbox(request.args.get("bbox"), required=True)
    zoom = parse_zoom(request.args.get("zoom"))
    camera_filter = parse_camera_filter(request.args, default_statuses=(CameraStatus.ACTIVE,))
    payload = mapdata.map_payload(db.session, camera_filter, bbox, zoom, grid_cache=cached)
    response = jsonify(payload)
    response.cache_control.public = True
    response.cache_control.max_age = 30
    return with_licence(response)


@bp.get(f"/photos/<{ROW_ID}:photo_id>/<any({PHOTO_VARIANTS}):variant>.jpg")
def photo(photo_id: int, variant: str):
    """A public photo's redacted derivative; anything not public is 'not found'."""
    found = public_photos.public_photo(db.session, photo_id)
    if found is None:
        abort(404, "No public photo has that number.")
    relative = found.thumb_path if variant == PhotoVariant.THUMB else found.display_path
    # Object storage may serve it (PHOTO_URLS); a redaction writes new keys, so a URL
    # handed out before one never shows the unredacted image again.
    url = file_store().public_url(relative)
    # Caches must revalidate (a cheap 304 by ETag) on every use: a moderator may re-redact a
    # published photo, and the unredacted version must not linger in any cache.
    response = redirect(url) if url else send_stored(relative, "image/jpeg", max_age=0)
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response
