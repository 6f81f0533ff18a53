"""Postcode search for the maps: where a London postcode is, and completions as one types.

Answers come from the ONS Postcode Directory file built at set-up
(scripts/build_postcodes.py), so nothing here needs the network. A postcode only moves a
map: the resident still places the camera's pin.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from hikwatch import postcodes
from hikwatch.postcodes import NotAPostcode, PostcodeDirectory, PostcodePlace
from hikwatch.web.common import borough_index

bp = Blueprint("postcodes", __name__, url_prefix="/api")

# The data changes only with a new edition of the directory, i.e. a new release.
CACHE_SECONDS = 86400
MAX_MATCHES = 10


class PostcodesUnavailable(Exception):
    """The postcode file has not been built on this server."""


@bp.get("/postcodes/<postcode>")
def lookup(postcode: str):
    """One postcode, in any case and spacing: its point and the council area the ONS gives."""
    try:
        written = postcodes.parse_postcode(postcode)
    except NotAPostcode as refusal:
        return jsonify(error=str(refusal)), 400
    place = directory().lookup(written)
    if place is None:
        message = f"{written} is not a London postcode we know. Check it, or move the map."
        return jsonify(error=message), 404
    return cached(jsonify(place_json(place)))


@bp.get("/postcodes")
def search():
    """Up to ten postcodes starting with ?q=, for the postcode box's suggestions."""
    query = request.args.get("q", "")
    if not query.strip():
        return jsonify(error="Add the start of a postcode: /api/postcodes?q=SW1A 1"), 400
    try:
        matches = directory().search(query, limit=MAX_MATCHES)
    except NotAPostcode as refusal:
        return jsonify(error=str(refusal)), 400
    return cached(jsonify(query=query, postcodes=[place_json(place) for place in matches]))


@bp.app_context_processor
def onspd_attribution() -> dict:
    """The edition and copyright year the About page's attribution lines name."""
    return {"onspd_edition": postcodes.ONSPD_EDITION, "onspd_year": postcodes.ONSPD_YEAR}


@bp.errorhandler(PostcodesUnavailable)
def unavailable(error: PostcodesUnavailable):
    return jsonify(error="Postcode search is not available on this server yet."), 503


def directory() -> PostcodeDirectory:
    path = current_app.config["POSTCODES_FILE"]
    try:
        return postcodes.load(path)
    except FileNotFoundError:
        current_app.logger.error(
            "No postcode file at %s: run `python scripts/build_postcodes.py`", path
        )
        raise PostcodesUnavailable from None


def place_json(place: PostcodePlace) -> dict:
    borough = borough_index().by_code(place.authority_code)
    return {
        "postcode": place.postcode,
        "lat": place.lat,
        "lon": place.lon,
        "borough": {"code": borough.code, "name": borough.name} if borough else None,
    }


def cached(response):
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response
