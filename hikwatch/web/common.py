"""Small helpers the blueprints share."""

from __future__ import annotations

import hashlib
import io
import secrets

from flask import Response, abort, current_app, request, send_file, session

from hikwatch.geo import BoroughIndex
from hikwatch.hashing import salted_hash
from hikwatch.storage import FileStore
from hikwatch.submissions import PhotoLimits, owner_hash


def borough_index() -> BoroughIndex:
    return current_app.extensions["borough_index"]


def file_store() -> FileStore:
    return current_app.extensions["file_store"]


def send_stored(relative: str, mimetype: str, **options) -> Response:
    """A stored file as a conditional response (ETag, 304), from the folder or the bucket;
    404 when it is gone."""
    store = file_store()
    try:
        path = store.local_path(relative)
        if path is not None:
            return send_file(path, mimetype=mimetype, conditional=True, **options)
        data = store.read(relative)
    except FileNotFoundError:
        abort(404)
    etag = hashlib.sha256(data).hexdigest()[:32]
    return send_file(io.BytesIO(data), mimetype=mimetype, etag=etag, conditional=True, **options)


def photo_limits() -> PhotoLimits:
    return PhotoLimits.from_config(current_app.config)


def upload_owner() -> str:
    """This browser's upload-owner hash, creating its random session id on first use."""
    if "uploader" not in session:
        session["uploader"] = secrets.token_hex(16)
    return owner_hash(current_app.config["SECRET_KEY"], session["uploader"])


def upload_client() -> str:
    """A salted hash of the client address, to count its unsent uploads; never the address."""
    secret = current_app.config["SECRET_KEY"]
    return salted_hash(secret, "upload-client", request.remote_addr or "unknown")
