"""Small helpers the blueprints share."""

from __future__ import annotations

import secrets

from flask import current_app, request, session

from hikwatch.geo import BoroughIndex
from hikwatch.hashing import salted_hash
from hikwatch.storage import FileStore
from hikwatch.submissions import PhotoLimits, owner_hash


def borough_index() -> BoroughIndex:
    return current_app.extensions["borough_index"]


def file_store() -> FileStore:
    return current_app.extensions["file_store"]


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
