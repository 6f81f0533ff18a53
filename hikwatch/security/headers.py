"""Browser hardening on every response: Content-Security-Policy and the other headers.

The policy allows no inline scripts, no plugins and no framing, and names third parties
(the Leaflet CDN, the tile server) only when the configuration uses them. Pages for
logged-in staff carry residents' details and are kept out of shared and disk caches.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, request
from flask_login import current_user

PERMISSIONS_POLICY = (
    "camera=(self), geolocation=(self), microphone=(), payment=(), usb=(), "
    "magnetometer=(), gyroscope=(), accelerometer=()"
)


def origin_of(url: str) -> str | None:
    """'https://host' of a URL or URL template; None when there is none (empty, relative)."""
    if not url:
        return None
    parts = urlsplit(url.replace("{s}", "SUBDOMAIN"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    # Tile templates like https://{s}.tile.example/ spread over subdomains.
    host = parts.netloc.replace("SUBDOMAIN", "*")
    return f"{parts.scheme}://{host}"


def leaflet_sources(config: Any) -> tuple[str | None, str | None, str | None]:
    """The exact pinned Leaflet script and stylesheet, and the folder of its images, when
    Leaflet comes from the CDN; (None, None, None) when it is served from here ('self').

    Naming the files, not the CDN's origin, matters: unpkg serves every npm package, so
    an origin-wide allowance would let an injected tag load any script from it."""
    if config["LEAFLET_SOURCE"] != "cdn" or origin_of(config["LEAFLET_CDN"]) is None:
        return None, None, None
    base = config["LEAFLET_CDN"].rstrip("/") + "/"
    return base + "leaflet.js", base + "leaflet.css", base + "images/"


def content_security_policy(config: Any) -> str:
    """No inline scripts, no plugins, no framing; third parties only where configured."""
    leaflet_js, leaflet_css, leaflet_images = leaflet_sources(config)
    tiles = origin_of(config.get("TILE_URL") or "")
    # Leaflet positions tiles and markers through element.style (the CSSOM), which CSP
    # does not restrict, so styles need no 'unsafe-inline' either.
    directives: dict[str, list[str | None]] = {
        "default-src": ["'self'"],
        "script-src": ["'self'", leaflet_js],
        "style-src": ["'self'", leaflet_css],
        # Leaflet's CSS loads its marker and control images from beside itself.
        "img-src": ["'self'", "data:", tiles, leaflet_images, config.get("_PHOTO_URL_ORIGIN")],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(
        " ".join([name, *dict.fromkeys(value for value in values if value)])
        for name, values in directives.items()
    )


def add_security_headers(response: Response) -> Response:
    config = current_app.config
    headers = response.headers
    headers.setdefault("Content-Security-Policy", config["_CSP"])
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure and config["HSTS_SECONDS"]:
        headers.setdefault("Strict-Transport-Security", f"max-age={config['HSTS_SECONDS']}")
    return response


def keep_private_pages_out_of_caches(response: Response) -> Response:
    """Pages for logged-in moderators carry residents' details: no shared or disk caches."""
    if "Cache-Control" not in response.headers and current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
    return response
