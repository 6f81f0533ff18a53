"""Blueprints, one per audience, and the app-wide error pages."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from hikwatch.errors import Refusal
from models import db

FRIENDLY_TITLES = {
    400: "We could not understand that request",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "That has already been done",
    413: "That file is too large",
    415: "That file type is not supported",
    422: "We could not use that",
    429: "Too many requests",
}


def wants_json() -> bool:
    """The API, and scripts on pages (e.g. renewing a claim) that ask for JSON."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_blueprints(app: Flask) -> None:
    from hikwatch.web import (
        api,
        boroughs,
        cameras,
        opendata,
        postcodes,
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
        postcodes.bp,
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

    @app.errorhandler(Refusal)
    def refused(refusal: Refusal):
        # Undo whatever the refused action had staged before explaining why.
        db.session.rollback()
        return error_response(refusal.status, refusal.message, refusal.field)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = "Your session expired or the form was sent from elsewhere; reload and retry."
        return error_response(400, message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        message = error.description if error.code != 413 else too_large_message(app)
        return error_response(error.code or 500, message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error on %s", request.path)
        return error_response(500, "Something went wrong on our side; please try again.")


def too_large_message(app: Flask) -> str:
    limit_mb = app.config["PHOTO_MAX_BYTES"] // (1024 * 1024)
    return f"The file is too large: photos can be up to {limit_mb} MB."


def error_response(status: int, message: str, field: str | None = None):
    """JSON {"error": ...} (and the field at fault) for the API, a friendly page for people."""
    if wants_json():
        body = {"error": message, "field": field} if field else {"error": message}
        return jsonify(body), status
    title = FRIENDLY_TITLES.get(status, "Something went wrong")
    return render_template("errors/error.html", status=status, title=title, message=message), status
