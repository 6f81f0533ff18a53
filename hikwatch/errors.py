"""Refusals: requests the app turns down on purpose, and how every error reaches a person.

A `Refusal` carries an HTTP status, a sentence for the person and, when there is one, the
form field at fault. Each part of the app refuses through its own subclass, all here so
the whole family reads in one place:

- `PhotoError`: an upload that is not a photo we can take (hikwatch.photos);
- `SubmissionError`: a resident's report we refuse (hikwatch.submissions);
- `ModerationError`: a moderator's decision we refuse (hikwatch.moderation);
- `AccountError`: an account change we refuse (hikwatch.moderation.staff);
- `PossibleDuplicate`: a new camera close to known ones, not confirmed as different
  (hikwatch.moderation.decisions);
- `SnapshotExists`: a snapshot of that name is already taken (hikwatch.evidence.snapshots).

A view may catch a refusal to show it on its own form; otherwise the app-wide handler
(`register_handlers`) undoes whatever the refused action had staged and answers with
`error_response`: JSON {"error": ...} for the API and scripts, a friendly page for people.

The classes import nothing: hikwatch.photos and the other domain packages raise them
without pulling in Flask (a test checks that importing hikwatch.photos loads no Flask).
The three functions that answer requests import Flask when they are called, which only
ever happens inside the web app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from flask.typing import ResponseReturnValue


class Refusal(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        # The form field at fault, when there is one, so pages and scripts can point at it.
        self.field = field


class PhotoError(Refusal):
    """An upload we refuse; ``status`` is the HTTP code, ``message`` is shown to the resident."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message, "photo")

    def __repr__(self) -> str:
        return f"PhotoError({self.status}, {self.message!r})"


class SubmissionError(Refusal):
    """A resident's request we refuse, with the HTTP status and a sentence for them."""


class ModerationError(Refusal):
    """A moderator's decision we refuse: a stale page, a taken claim, a bad location."""


class AccountError(Refusal):
    """An account change we refuse, with a sentence for the person asking."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message)


class SnapshotExists(Refusal):
    """Snapshots are named by the moment they are taken and never replaced."""

    def __init__(self, name: str) -> None:
        message = (
            f"A snapshot named {name} already exists, and snapshots are never replaced. "
            "Take the next one in a second."
        )
        super().__init__(409, message)
        self.name = name


class PossibleDuplicate(ModerationError):
    """Known cameras lie close to a report being approved as a new camera: the moderator
    must say it is a different camera. `candidates` are plain dicts (id, distance_m,
    status), so the API can list them."""

    def __init__(self, candidates: list[dict[str, object]], radius_m: float) -> None:
        listed = ", ".join(f"#{c['id']} ({c['distance_m']:.0f} m)" for c in candidates)
        message = (
            f"Known cameras lie within {radius_m:g} m: {listed}. Confirm the report as one of "
            'them, or tick "This is a different camera" to add a new one.'
        )
        super().__init__(409, message, "different_camera")
        self.candidates = candidates


# ---------------------------------------------------------------- answering requests

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
    from flask import request

    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, message: str, field: str | None = None) -> ResponseReturnValue:
    """JSON {"error": ...} (and the field at fault) for the API, a friendly page for people."""
    from flask import jsonify, render_template

    if wants_json():
        body = {"error": message, "field": field} if field else {"error": message}
        return jsonify(body), status
    title = FRIENDLY_TITLES.get(status, "Something went wrong")
    return render_template("errors/error.html", status=status, title=title, message=message), status


def too_large_message(app: Flask) -> str:
    from flask import request

    if request.mimetype != "multipart/form-data":  # a JSON or form body, however framed
        return f"The request is too large: send at most {app.config['JSON_MAX_BYTES'] // 1024} KB."
    limit_mb = app.config["PHOTO_MAX_BYTES"] // (1024 * 1024)
    return f"The file is too large: photos can be up to {limit_mb} MB."


def register_handlers(app: Flask) -> None:
    """Turn every refusal and error into error_response: never a bare 500 or a traceback."""
    from flask import request
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    from models import db

    @app.errorhandler(Refusal)
    def refused(refusal: Refusal) -> ResponseReturnValue:
        # Undo whatever the refused action had staged before explaining why.
        db.session.rollback()
        return error_response(refusal.status, refusal.message, refusal.field)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        message = "Your session expired or the form was sent from elsewhere; reload and retry."
        return error_response(400, message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        message = error.description if error.code != 413 else too_large_message(app)
        return error_response(error.code or 500, message or "")

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        app.logger.exception("Unhandled error on %s", request.path)
        return error_response(500, "Something went wrong on our side; please try again.")
