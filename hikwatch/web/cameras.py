"""One camera: its public page, its popup JSON, its public photos, and the map's data."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from hikwatch.clock import london_today
from hikwatch.evidence import exports, freshness, mapdata, mapindex, public_photos
from hikwatch.evidence.counts import figures_of
from hikwatch.moderation.merges import corrections_of
from hikwatch.vocab import CameraStatus, CorrectionKind, PhotoVariant
from hikwatch.web.common import borough_index, file_store, send_stored
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


def merged_away(camera: Camera, endpoint: str):
    """A camera merged into another is that camera now: a permanent redirect there."""
    if camera.status == CameraStatus.MERGED and camera.merged_into_id is not None:
        return redirect(url_for(endpoint, camera_id=camera.merged_into_id), 301)
    return None


@bp.get("/cameras/<int:camera_id>")
def show(camera_id: int):
    """Everything public about one camera, in words and as OpenStreetMap tags. A merged
    camera redirects to the one it was merged into; a retracted one says why."""
    camera = db.get_or_404(Camera, camera_id, description="No camera has that number.")
    moved = merged_away(camera, "cameras.show")
    if moved is not None:
        return moved
    recheck_before = freshness.cutoff(london_today(), current_app.config["RECHECK_MONTHS"])
    history = db.session.execute(
        db.select(CameraStatusChange.status, CameraStatusChange.changed_on, CameraStatusChange.note)
        .filter_by(camera_id=camera.id)
        .order_by(CameraStatusChange.changed_on, CameraStatusChange.id)
    ).all()
    return render_template(
        "cameras/show.html",
        camera=camera,
        photos=public_photos.camera_photos(db.session, camera.id),
        confirmations=public_photos.confirmations(db.session, camera.id),
        history=history,
        merged_in=[
            c
            for c in corrections_of(camera.id)
            if c.kind == CorrectionKind.MERGE and c.into_camera_id == camera.id and not c.undone_at
        ],
        figures=figures_of(camera),
        needs_photo=freshness.needs_photo(camera, recheck_before),
        recheck_months=current_app.config["RECHECK_MONTHS"],
        tags=exports.osm_tags(camera),
        description=exports.plain_description(camera),
        permalink=camera_url(camera.id),
        osm_link=exports.osm_link(camera.lat, camera.lon),
    )


@bp.get("/api/cameras/<int:camera_id>")
def summary(camera_id: int):
    """What the map popup shows about a camera."""
    camera = db.get_or_404(Camera, camera_id, description="No camera has that number.")
    moved = merged_away(camera, "cameras.summary")
    if moved is not None:
        return moved
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
    arrays = cached(("map_arrays",), lambda: mapindex.load(db.session))
    limits = mapdata.BBox(*borough_index().bounds)
    payload = mapdata.map_payload(arrays, camera_filter, bbox, zoom, limits)
    response = jsonify(payload)
    response.cache_control.public = True
    response.cache_control.max_age = 30
    return with_licence(response)


@bp.get(f"/photos/<int:photo_id>/<any({PHOTO_VARIANTS}):variant>.jpg")
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
