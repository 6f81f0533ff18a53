"""Blueprints, one per audience; hikwatch.errors answers their refusals and errors."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from hikwatch.web import (
        api,
        boroughs,
        cameras,
        opendata,
        public,
        removal_reports,
        snapshots,
        submit,
    )
    from hikwatch.web.staff import (
        admin,
        campaign_records,
        login,
        moderate,
    )
    from hikwatch.web.staff import cameras as staff_cameras
    from hikwatch.web.staff import photos as staff_photos
    from hikwatch.web.staff import removals as staff_removals

    blueprints = (
        # Residents and everyone
        public.bp,
        submit.bp,
        api.bp,
        cameras.bp,
        boroughs.bp,
        opendata.bp,
        snapshots.bp,
        removal_reports.bp,
        # Moderators and admins
        login.bp,
        moderate.bp,
        staff_photos.bp,
        staff_cameras.bp,
        staff_removals.bp,
        admin.bp,
        campaign_records.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
