"""Blueprints, one per audience, and the words every template shares; hikwatch.errors answers
their refusals and errors."""

from __future__ import annotations

from flask import Flask

from hikwatch import vocab
from hikwatch.evidence import charts, counts, exports

# The only way words reach templates: every vocabulary enum by its class name (so a
# template writes `CameraStatus.ACTIVE` or `Brand.label_of(camera.brand)`), and the
# evidence pages' shared definitions and phrasing.
TEMPLATE_WORDS = {
    **vocab.TEMPLATE_WORDS,
    "count_kinds": counts.COUNT_KINDS,
    "shades": charts.SHADES,
    "describe": exports.plain_description,
    "osm_link": exports.osm_link,
}


def template_words() -> dict:
    return TEMPLATE_WORDS


def register_blueprints(app: Flask) -> None:
    from hikwatch.web import (
        api,
        apidocs,
        boroughs,
        cameras,
        opendata,
        postcodes,
        public,
        removal_reports,
        reply,
        snapshots,
        submit,
    )
    from hikwatch.web.staff import (
        admin,
        campaign_records,
        login,
        moderate,
        two_factor,
    )
    from hikwatch.web.staff import cameras as staff_cameras
    from hikwatch.web.staff import photos as staff_photos
    from hikwatch.web.staff import removals as staff_removals

    blueprints = (
        # Residents and everyone
        public.bp,
        submit.bp,
        reply.bp,
        api.bp,
        postcodes.bp,
        cameras.bp,
        boroughs.bp,
        opendata.bp,
        apidocs.bp,
        snapshots.bp,
        removal_reports.bp,
        # Moderators and admins
        login.bp,
        two_factor.bp,
        moderate.bp,
        staff_photos.bp,
        staff_cameras.bp,
        staff_removals.bp,
        admin.bp,
        campaign_records.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.context_processor(template_words)
