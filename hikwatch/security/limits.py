"""Rate limits on the views that accept uploads, reports and logins or look reports up,
and limits on what a request body may hold.

Views are marked with `@rate_limit("uploads" | "submissions" | "removals" | "login" |
"lookups")`; `apply_rate_limits` wraps them with this app's own Flask-Limiter once the
blueprints are registered. Limits are keyed on a salted hash of the client address, never
the raw address, so the limiter's storage (Redis in production) holds nothing that
identifies a resident. Counting in memory only works for one process: `storage_problem`
says so when several workers serve (gunicorn.conf.py asks it at start-up).

JSON and form bodies are capped at JSON_MAX_BYTES however they are framed: a
Content-Length over it is refused before anything is read, and a chunked body stops being
read there (`BodyLimitedRequest`). JSON nested deeper than JSON_MAX_DEPTH is refused
before the parser recurses into it (`DepthLimitedJSONProvider`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import IO, Any, cast

from flask import Flask, Request, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue, RouteCallable
from flask_limiter import Limiter
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.local import LocalProxy
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from hikwatch.errors import error_response
from hikwatch.hashing import salted_hash

# Limit names -> config key holding the limit string ("10 per minute;60 per hour").
LIMIT_CONFIG_KEYS = {
    "uploads": "RATELIMIT_UPLOADS",
    "submissions": "RATELIMIT_SUBMISSIONS",
    "removals": "RATELIMIT_REMOVALS",
    "login": "RATELIMIT_LOGIN",
    "lookups": "RATELIMIT_LOOKUPS",
}

LIMIT_MESSAGES = {
    "uploads": "You have uploaded a lot of photos in a short time; please wait a while and "
    "try again.",
    "submissions": "You have sent a lot of reports in a short time; please wait a while and "
    "try again.",
    "removals": "You have sent a lot of removal reports in a short time; please wait a while "
    "and try again.",
    "login": "Too many login attempts from your connection; please wait a few minutes.",
    "lookups": "You have looked up a lot of references in a short time; please wait a while "
    "and try again.",
}

# Only requests that change something are counted: looking at a form is free…
LIMITED_METHODS = ["POST", "PUT", "PATCH", "DELETE"]
# …except where looking is the point: a reference lookup counts each time.
LIMIT_METHODS = {"lookups": ["GET"]}

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
            methods=LIMIT_METHODS.get(name, LIMITED_METHODS),
            error_message=LIMIT_MESSAGES[name],
        )
        app.view_functions[endpoint] = cast(RouteCallable, decorator(view))
        limited.append(endpoint)
    return limited


def current_limiter() -> Limiter:
    return current_app.extensions[EXTENSION_KEY]


# The running app's limiter, e.g. `limiter.reset()`; decorate views with rate_limit().
limiter: Limiter = LocalProxy(current_limiter)  # type: ignore[assignment]


def storage_problem(config: Mapping[str, Any], workers: int) -> str | None:
    """Why these rate limits would not hold with `workers` processes, or None."""
    uri = str(config["RATELIMIT_STORAGE_URI"])
    if workers <= 1 or not config["RATELIMIT_ENABLED"] or not uri.startswith("memory://"):
        return None
    return (
        f"Rate limits are counted in memory ({uri}) but {workers} workers serve: each "
        f"counts on its own, so every limit lets {workers} times as much through. Set "
        "FLASK_RATELIMIT_STORAGE_URI=redis://HOST:6379/0 so the workers share counts."
    )


def check_workers(config: Mapping[str, Any], workers: int, warn: Callable[[str], Any]) -> None:
    """At start-up: warn when the rate limits would not hold with `workers` processes, and
    refuse to start (SystemExit) when the settings say this is production."""
    problem = storage_problem(config, workers)
    if problem is None:
        return
    if config["PRODUCTION"]:
        raise SystemExit(f"Hikwatch will not start: {problem} (FLASK_PRODUCTION is true.)")
    warn(problem)


def too_large(limit: int) -> str:
    return f"The request is too large: send at most {limit // 1024} KB."


def limit_small_bodies() -> ResponseReturnValue | None:
    """Refuse a JSON or form body whose Content-Length is too big before reading it."""
    if request.method not in LIMITED_METHODS or request.mimetype == "multipart/form-data":
        return None
    limit = current_app.config["JSON_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        return error_response(413, too_large(limit))
    return None


class StrictLimitedStream(LimitedStream):
    """Werkzeug's limited stream stops quietly at its maximum when a body is read whole
    (get_data, the form parser), so a 19 MB chunked body became 64 KB of truncated JSON.
    This one looks one byte further and answers 413 when the body goes on."""

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return data


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


class BodyLimitedRequest(WellFormedFieldsRequest):
    """Every body but a multipart upload is read up to JSON_MAX_BYTES and no further, with
    a Content-Length or chunked: the stream is built with this limit whenever the first
    reader (CSRF protection, the form parser, get_json) asks for it, and raises 413."""

    @cached_property
    def stream(self) -> IO[bytes]:
        if self.shallow:
            raise RuntimeError("This request was created with 'shallow=True'.")
        limit = self.max_content_length
        chunked = "wsgi.input_terminated" in self.environ and self.content_length is None
        if not chunked or limit is None:
            return get_input_stream(self.environ, max_content_length=limit)
        return cast(IO[bytes], StrictLimitedStream(self.environ["wsgi.input"], limit, True))

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:
            return self._max_content_length
        if not current_app:
            return None
        if self.mimetype == "multipart/form-data":
            return current_app.config["MAX_CONTENT_LENGTH"]
        return current_app.config["JSON_MAX_BYTES"]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


# A JSON string (with its escapes) or a bracket; brackets inside strings do not nest.
JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def nested_deeper_than(data: str | bytes, limit: int) -> bool:
    """True if JSON text opens more than `limit` arrays or objects inside each other."""
    raw = data.encode() if isinstance(data, str) else bytes(data)
    depth = 0
    for token in JSON_TOKENS.finditer(raw):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in (b"]", b"}"):
            depth -= 1
    return False


class DepthLimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing deep nesting (a ValueError, so get_json answers 400) instead
    of letting the parser recurse until Python's stack runs out."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        limit = current_app.config["JSON_MAX_DEPTH"] if current_app else 100
        if nested_deeper_than(s, limit):
            raise ValueError(f"JSON nested more than {limit} levels deep")
        return super().loads(s, **kwargs)
