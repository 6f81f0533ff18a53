"""Security headers, rate limits and request-size limits for every response.

`init_app(app)` is called by `create_app` once the blueprints are registered. It:

- sets Content-Security-Policy and the other browser hardening headers on every response;
- caps request bodies that are not file uploads (JSON, forms) at JSON_MAX_BYTES;
- builds this app's own Flask-Limiter and applies the named limits to the views marked
  with `@rate_limit("uploads" | "submissions" | "removals" | "login")`;
- optionally trusts X-Forwarded-* from a TLS proxy (PROXY_FIX = number of proxies).

Rate limits are keyed on a salted hash of the client address, never the raw address, so
the limiter's storage (Redis in production) holds nothing that identifies a resident.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, request
from flask_limiter import Limiter
from werkzeug.local import LocalProxy
from werkzeug.middleware.proxy_fix import ProxyFix

# Limit names -> config key holding the limit string ("10 per minute;60 per hour").
LIMIT_CONFIG_KEYS = {
    "uploads": "RATELIMIT_UPLOADS",
    "submissions": "RATELIMIT_SUBMISSIONS",
    "removals": "RATELIMIT_REMOVALS",
    "login": "RATELIMIT_LOGIN",
}

LIMIT_MESSAGES = {
    "uploads": "You have uploaded a lot of photos in a short time; please wait a while and "
    "try again.",
    "submissions": "You have sent a lot of reports in a short time; please wait a while and "
    "try again.",
    "removals": "You have sent a lot of removal reports in a short time; please wait a while "
    "and try again.",
    "login": "Too many login attempts from your connection; please wait a few minutes.",
}

# Only requests that change something are counted: looking at a form is free.
LIMITED_METHODS = ["POST", "PUT", "PATCH", "DELETE"]

EXTENSION_KEY = "hikwatch_limiter"


def default_config() -> dict:
    """Defaults merged under create_app's own; every one can be set with FLASK_<NAME>."""
    return {
        "RATELIMIT_ENABLED": True,
        # memory:// is per process: with several gunicorn workers set
        # FLASK_RATELIMIT_STORAGE_URI=redis://host:6379/0 so the workers share counts.
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        # A resident on a walk may photograph dozens of cameras, and a whole campaign
        # group may share one mobile-carrier address: generous per hour, slower per minute.
        "RATELIMIT_UPLOADS": "20 per minute;200 per hour",
        "RATELIMIT_SUBMISSIONS": "20 per minute;200 per hour",
        "RATELIMIT_REMOVALS": "10 per minute;60 per hour",
        "RATELIMIT_LOGIN": "10 per minute;50 per hour",
        # JSON and form bodies are small; photos travel as multipart and have their own limit.
        "JSON_MAX_BYTES": 64 * 1024,
        # Number of TLS proxies in front of the app whose X-Forwarded-* headers to trust.
        "PROXY_FIX": 0,
        # Set FLASK_SESSION_COOKIE_SECURE=true when served over HTTPS.
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "HSTS_SECONDS": 365 * 24 * 3600,
    }


# ---------------------------------------------------------------- rate limits


def rate_limit(name: str) -> Callable:
    """Mark a view for the named limit; init_app applies it with this app's limiter.

    Put it directly above the function (under the route decorator), e.g.

        @bp.post("/cameras/<int:camera_id>/report-removal")
        @rate_limit("removals")
        def report_removal(camera_id): ...
    """
    if name not in LIMIT_CONFIG_KEYS:
        raise ValueError(f"unknown rate limit {name!r}; one of {sorted(LIMIT_CONFIG_KEYS)}")

    def mark(view: Callable) -> Callable:
        view.rate_limit = name  # read by apply_rate_limits (survives functools.wraps)
        return view

    return mark


def client_key() -> str:
    """A salted hash of the client address: stable per client, meaningless without the key."""
    salt = current_app.config["SECRET_KEY"]
    address = request.remote_addr or "unknown"
    return hashlib.sha256(f"{salt}:ratelimit:{address}".encode()).hexdigest()


def build_limiter(app: Flask) -> Limiter:
    """One limiter per app, so two apps in one process (tests) never share counts or flags."""
    limiter = Limiter(key_func=client_key, key_prefix="hikwatch")
    limiter.init_app(app)
    app.extensions[EXTENSION_KEY] = limiter
    return limiter


def apply_rate_limits(app: Flask, limiter: Limiter) -> list[str]:
    """Wrap every view marked with @rate_limit; returns the endpoints limited."""
    limited = []
    for endpoint, view in list(app.view_functions.items()):
        name = getattr(view, "rate_limit", None)
        if name is None:
            continue
        config_key = LIMIT_CONFIG_KEYS[name]
        # shared_limit: the API upload and the no-JavaScript form draw on one allowance.
        decorator = limiter.shared_limit(
            lambda key=config_key: current_app.config[key],
            scope=name,
            methods=LIMITED_METHODS,
            error_message=LIMIT_MESSAGES[name],
        )
        app.view_functions[endpoint] = decorator(view)
        limited.append(endpoint)
    return limited


def current_limiter() -> Limiter:
    return current_app.extensions[EXTENSION_KEY]


# The running app's limiter, e.g. `limiter.reset()`; decorate views with rate_limit().
limiter: Limiter = LocalProxy(current_limiter)  # type: ignore[assignment]


# ---------------------------------------------------------------- headers


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


def content_security_policy(config) -> str:
    """No inline scripts, no plugins, no framing; third parties only where configured."""
    cdn = origin_of(config["LEAFLET_CDN"]) if config["LEAFLET_SOURCE"] == "cdn" else None
    tiles = origin_of(config.get("TILE_URL") or "")
    # Leaflet positions tiles and markers through element.style (the CSSOM), which CSP
    # does not restrict, so styles need no 'unsafe-inline' either.
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", cdn],
        "style-src": ["'self'", cdn],
        # Leaflet's CSS loads its marker and control images from beside itself.
        "img-src": ["'self'", "data:", tiles, cdn],
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


PERMISSIONS_POLICY = (
    "camera=(self), geolocation=(self), microphone=(), payment=(), usb=(), "
    "magnetometer=(), gyroscope=(), accelerometer=()"
)


def add_security_headers(response):
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


def keep_private_pages_out_of_caches(response):
    """Pages for logged-in moderators carry residents' details: no shared or disk caches."""
    from flask_login import current_user

    if "Cache-Control" not in response.headers and current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- request sizes


def limit_small_bodies():
    """Refuse oversized JSON and form bodies before anything parses them."""
    if request.method not in LIMITED_METHODS or request.mimetype == "multipart/form-data":
        return None
    limit = current_app.config["JSON_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        message = f"The request is too large: send at most {limit // 1024} KB."
        if request.path.startswith("/api/"):
            return jsonify(error=message), 413
        from hikwatch.web import error_response

        return error_response(413, message)
    # A chunked body has no length up front: Werkzeug stops reading it at this size.
    request.max_content_length = limit
    return None


# ---------------------------------------------------------------- wiring


def init_app(app: Flask) -> None:
    """Register headers, limits and proxy handling; call after the blueprints."""
    for key, value in default_config().items():
        app.config.setdefault(key, value)
    app.config["_CSP"] = content_security_policy(app.config)

    proxies = int(app.config["PROXY_FIX"] or 0)
    if proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    app.before_request(limit_small_bodies)
    app.after_request(add_security_headers)
    app.after_request(keep_private_pages_out_of_caches)
    apply_rate_limits(app, build_limiter(app))
