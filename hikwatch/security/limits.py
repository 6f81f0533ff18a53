"""Rate limits on the views that accept uploads, reports and logins, and body-size limits.

Views are marked with `@rate_limit("uploads" | "submissions" | "removals" | "login")`;
`apply_rate_limits` wraps them with this app's own Flask-Limiter once the blueprints are
registered. Limits are keyed on a salted hash of the client address, never the raw
address, so the limiter's storage (Redis in production) holds nothing that identifies a
resident. JSON and form bodies are capped at JSON_MAX_BYTES before anything parses them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from flask import Flask, Request, current_app, request
from flask.typing import ResponseReturnValue, RouteCallable
from flask_limiter import Limiter
from werkzeug.local import LocalProxy

from hikwatch.errors import error_response
from hikwatch.hashing import salted_hash

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

# The attribute `rate_limit` sets on a view (it survives functools.wraps).
VIEW_ATTRIBUTE = "rate_limit"


def rate_limit(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a view for the named limit; apply_rate_limits applies it with this app's limiter.

    Put it directly above the function (under the route decorator), e.g.

        @bp.post("/cameras/<int:camera_id>/report-removal")
        @rate_limit("removals")
        def report_removal(camera_id): ...
    """
    if name not in LIMIT_CONFIG_KEYS:
        raise ValueError(f"unknown rate limit {name!r}; one of {sorted(LIMIT_CONFIG_KEYS)}")

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        setattr(view, VIEW_ATTRIBUTE, name)  # survives functools.wraps
        return view

    return mark


def client_key() -> str:
    """A salted hash of the client address: stable per client, meaningless without the key."""
    return salted_hash(
        current_app.config["SECRET_KEY"], "ratelimit", request.remote_addr or "unknown"
    )


def build_limiter(app: Flask) -> Limiter:
    """One limiter per app, so two apps in one process (tests) never share counts or flags."""
    limiter = Limiter(key_func=client_key, key_prefix="hikwatch")
    limiter.init_app(app)
    app.extensions[EXTENSION_KEY] = limiter
    return limiter


def configured_limit(config_key: str) -> Callable[[], str]:
    """The limit string, read from the running app's config at each request."""
    return lambda: current_app.config[config_key]


def apply_rate_limits(app: Flask, limiter: Limiter) -> list[str]:
    """Wrap every view marked with @rate_limit; returns the endpoints limited."""
    limited = []
    for endpoint, view in list(app.view_functions.items()):
        name = getattr(view, VIEW_ATTRIBUTE, None)
        if name is None:
            continue
        # shared_limit: the API upload and the no-JavaScript form draw on one allowance.
        decorator = limiter.shared_limit(
            configured_limit(LIMIT_CONFIG_KEYS[name]),
            scope=name,
            methods=LIMITED_METHODS,
            error_message=LIMIT_MESSAGES[name],
        )
        app.view_functions[endpoint] = cast(RouteCallable, decorator(view))
        limited.append(endpoint)
    return limited


def current_limiter() -> Limiter:
    return current_app.extensions[EXTENSION_KEY]


# The running app's limiter, e.g. `limiter.reset()`; decorate views with rate_limit().
limiter: Limiter = LocalProxy(current_limiter)  # type: ignore[assignment]


def limit_small_bodies() -> ResponseReturnValue | None:
    """Refuse oversized JSON and form bodies before anything parses them."""
    if request.method not in LIMITED_METHODS or request.mimetype == "multipart/form-data":
        return None
    limit = current_app.config["JSON_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        return error_response(413, f"The request is too large: send at most {limit // 1024} KB.")
    # A chunked body has no length up front: Werkzeug stops reading it at this size.
    request.max_content_length = limit
    return None


class WellFormedFieldsRequest(Request):
    """Requests whose form fields all have names. Werkzeug keeps a multipart part whose
    name it cannot parse under the name None, on which CSRF checking (and any code that
    reads names) fails with a server error; such a part is no field, so it is dropped."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        for name in ("form", "files"):
            fields = self.__dict__.get(name)
            if fields is not None and None in fields:
                kept = [(key, value) for key, value in fields.items(multi=True) if key is not None]
                self.__dict__[name] = type(fields)(kept)
