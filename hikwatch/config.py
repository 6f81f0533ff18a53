"""Every setting Hikwatch reads, with its default, in one place.

`create_app` layers three sources, each overriding the one before:

1. `defaults(instance_path)` below;
2. `FLASK_<NAME>` environment variables (values parsed as JSON where they can be, so
   `FLASK_RATELIMIT_ENABLED=false` is the boolean false);
3. the mapping passed to `create_app` (tests and benchmarks).

The README's configuration table lists every key here (a test checks it). Flask and the
extensions have further settings of their own; only the ones Hikwatch sets are here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# The project folder: templates/, static/, data/, migrations/ and uploads/ sit at its top.
ROOT = Path(__file__).resolve().parent.parent

LEAFLET_VERSION = "1.9.4"

# Computed by the app from other settings, never set by hand (and so not in the README).
INTERNAL_KEYS = frozenset({"_CSP", "_PHOTO_URL_ORIGIN"})

# What Flask-Compress compresses; photos and PNGs are compressed already.
COMPRESSED_MIMETYPES = [
    "text/html",
    "text/css",
    "text/javascript",  # what Flask sends .js files as
    "application/javascript",
    "application/json",
    "image/svg+xml",
]


def defaults(instance_path: str) -> dict[str, Any]:
    """The defaults, before FLASK_* environment variables and test config."""
    return {
        # ---- storage and data
        # Any SQLAlchemy URL; PostgreSQL in production.
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "hikwatch.db"),
        # Photos: private originals and the public, metadata-free derivatives.
        "UPLOAD_FOLDER": str(ROOT / "uploads"),
        # Empty: photos in UPLOAD_FOLDER. s3://bucket/prefix: in an S3-compatible bucket
        # (credentials and region from the usual AWS_* variables), shared by every server.
        "PHOTO_STORE": "",
        # The object storage server when it is not AWS (e.g. http://127.0.0.1:9000 for MinIO).
        "PHOTO_STORE_ENDPOINT_URL": "",
        # Who serves public display images and thumbnails: "app" (the app reads and sends
        # them), "presigned" (a redirect to a short-lived signed URL) or "public" (a
        # redirect under PHOTO_PUBLIC_BASE_URL). Originals are only ever served by the app.
        "PHOTO_URLS": "app",
        "PHOTO_PUBLIC_BASE_URL": "",
        # How long a presigned URL stays valid, in seconds.
        "PHOTO_URL_SECONDS": 300,
        # The 33 council areas' boundaries, read once per process.
        "BOROUGHS_GEOJSON": str(ROOT / "data" / "london_boroughs.geojson"),
        # The Freedom of Information findings quoted on the About page.
        "FOI_CSV": str(ROOT / "data" / "foi_hikvision_london.csv"),
        # London's postcodes (ONS Postcode Directory), built by scripts/build_postcodes.py.
        "POSTCODES_FILE": str(ROOT / "data" / "london_postcodes.npz"),
        # ---- open data exports
        # Where the full exports are built (with a .gz beside each), once per data change.
        "EXPORTS_FOLDER": os.path.join(instance_path, "exports"),
        # A request that finds the files missing or older than the data starts a builder
        # process (one at a time across workers) and is sent the previous files meanwhile.
        # False: only `flask --app app exports build` builds (e.g. from a timer).
        "EXPORTS_AUTO_BUILD": True,
        # A build starts once the data has not changed for this many seconds (at most six
        # times as long after the first change): twenty approvals cause one build.
        "EXPORTS_DEBOUNCE_SECONDS": 10,
        # The site's public address for the camera links inside the files, e.g.
        # https://hikwatch.example/. Empty: the address of the request that started the build.
        "EXPORTS_BASE_URL": "",
        # Empty: the app sends the files. A path prefix such as /_exports/: the proxy does,
        # from an internal location over EXPORTS_FOLDER (nginx's X-Accel-Redirect).
        "EXPORTS_ACCEL_REDIRECT": "",
        # Filtered exports (?borough=, ?bbox=, ...) are made per request, at most this many
        # features at a time; longer answers are paged (limit, offset, Link: rel="next").
        "EXPORT_PAGE_SIZE": 10_000,
        # ---- photos
        # At most 20 MB per photo.
        "PHOTO_MAX_BYTES": 20 * 1024 * 1024,
        # Whole request: one photo plus a little form data besides.
        "MAX_CONTENT_LENGTH": 21 * 1024 * 1024,
        # Decompression-bomb guard: more pixels than this are refused before decoding.
        "PHOTO_MAX_PIXELS": 100_000_000,
        # Memory guard: a photo whose decoded size (width x height x bands, in bytes) is
        # larger than this is refused from its header, before any pixel is decoded.
        "DECODE_BUDGET_BYTES": 256 * 1024 * 1024,
        # Longest side of the public display image and of the thumbnail, in pixels.
        "DISPLAY_PX": 1600,
        "THUMB_PX": 400,
        # Uploads the resident never submitted are swept after this many hours.
        "UPLOAD_MAX_AGE_HOURS": 24,
        # At most this many uploads not yet sent as reports per client address.
        "MAX_PENDING_UPLOADS": 20,
        # ---- maps
        # "cdn" (the design card's default) or "local" (served from static/vendor,
        # fetched by `make run`/`make test`; what tests and offline machines use).
        "LEAFLET_SOURCE": "cdn",
        # Where Leaflet comes from with LEAFLET_SOURCE=cdn, and the subresource-integrity
        # hashes of its script and stylesheet (pinned to LEAFLET_VERSION).
        "LEAFLET_CDN": f"https://unpkg.com/leaflet@{LEAFLET_VERSION}/dist/",
        "LEAFLET_JS_SRI": "sha256-20nQCchB9co0qIjJZRGuk2/Z9VM+kNiyxNV1lvTlZBo=",
        "LEAFLET_CSS_SRI": "sha256-p4NxAoJBhIIN+hmNHrzRCf9tD/miZyoHS5obTRR9BMY=",
        # The map tiles (empty: boundaries and pins on a plain background) and their credit.
        "TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "TILE_ATTRIBUTION": (
            '&copy; <a href="https://www.openstreetmap.org/copyright">'
            "OpenStreetMap</a> contributors"
        ),
        # ---- sessions and accounts
        # CSRF tokens last as long as the session: a resident may take a while to send.
        "WTF_CSRF_TIME_LIMIT": None,
        # Session cookies: never readable by scripts, not sent on cross-site requests.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Set FLASK_SESSION_COOKIE_SECURE=true when served over HTTPS.
        "SESSION_COOKIE_SECURE": False,
        # The same for Flask-Login's "remember me" cookie.
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Werkzeug's password hash for staff accounts: scrypt is memory-hard. Tests use a
        # cheap one, since every test that logs in would otherwise pay for scrypt.
        "PASSWORD_HASH_METHOD": "scrypt",
        # A staff session unused this long has ended (checked on the server).
        "SESSION_IDLE_MINUTES": 8 * 60,
        # Failed logins are slowed, never locked: after this many failures for one email
        # from one client, and this many from one client for any emails…
        "LOGIN_FAILURE_LIMIT": 5,
        "LOGIN_CLIENT_FAILURE_LIMIT": 20,
        # …each further failure waits twice as long as the last, from this up to that…
        "LOGIN_DELAY_SECONDS": 30,
        "LOGIN_MAX_DELAY_SECONDS": 15 * 60,
        # …and failures older than this are forgotten.
        "LOGIN_FAILURE_WINDOW_MINUTES": 60,
        # ---- moderation
        # Opening a report reserves it for its moderator this long.
        "CLAIM_MINUTES": 10,
        # Duplicate suggestions: known cameras this close to the pin (metres)…
        "DUPLICATE_RADIUS_M": 30,
        # …and photos whose 64-bit perceptual hashes differ in at most this many bits.
        "PHASH_MAX_DISTANCE": 8,
        # The map on a report shows known cameras this close (metres).
        "NEARBY_CAMERAS_M": 50,
        # Cameras nobody has confirmed for longer than this are listed per borough as
        # "needs a fresh photo" (they still count: the figures are a known minimum).
        "RECHECK_MONTHS": 12,
        # Events per page of /admin/audit.
        "AUDIT_PAGE_SIZE": 50,
        # ---- email to residents (Flask-Mailman), off until a server and a sender are set
        # The SMTP server; empty turns email off (nothing is queued).
        "MAIL_SERVER": "",
        "MAIL_PORT": 587,
        # STARTTLS on a plain connection (port 587), or TLS from the start (port 465).
        "MAIL_USE_TLS": True,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        # "Hikwatch London <hello@example.org>"; empty turns email off as well.
        "MAIL_DEFAULT_SENDER": "",
        # Seconds to wait for the server before trying again later.
        "MAIL_TIMEOUT": 10,
        # "smtp" sends; "console" prints messages instead (trying the app out).
        "MAIL_BACKEND": "smtp",
        # The site's public address for links in emails, e.g. "https://hikwatch.example";
        # empty: the address the moderator's browser used when deciding.
        "PUBLIC_URL": "",
        # ---- rate limits (Flask-Limiter) and request sizes
        # False turns every rate limit off (tests do; tests/security turns them on).
        "RATELIMIT_ENABLED": True,
        # memory:// is per process: with several gunicorn workers set
        # FLASK_RATELIMIT_STORAGE_URI=redis://host:6379/0 so the workers share counts.
        "RATELIMIT_STORAGE_URI": "memory://",
        # X-RateLimit-* and Retry-After headers, so scripts can tell when to try again.
        "RATELIMIT_HEADERS_ENABLED": True,
        # Counts over a sliding window: no burst allowed at the turn of each minute.
        "RATELIMIT_STRATEGY": "moving-window",
        # A resident on a walk may photograph dozens of cameras, and a whole campaign
        # group may share one mobile-carrier address: generous per hour, slower per minute.
        "RATELIMIT_UPLOADS": "20 per minute;200 per hour",
        "RATELIMIT_SUBMISSIONS": "20 per minute;200 per hour",
        "RATELIMIT_REMOVALS": "10 per minute;60 per hour",
        "RATELIMIT_LOGIN": "10 per minute;50 per hour",
        # Looking a report up by its reference (/track, /removal-reports): enough for a
        # resident checking theirs, far too few to walk the space of references.
        "RATELIMIT_LOOKUPS": "30 per minute;300 per hour",
        # JSON and form bodies are small, however they are framed (Content-Length or
        # chunked); photos travel as multipart and have their own limit.
        "JSON_MAX_BYTES": 64 * 1024,
        # JSON nested deeper than this is refused before it is parsed.
        "JSON_MAX_DEPTH": 20,
        # ---- deployment
        # True on a production server: settings that only suit one process on a laptop
        # (memory:// rate limits with several workers) then stop the server from starting.
        "PRODUCTION": False,
        # ---- proxies and headers
        # Number of TLS proxies in front of the app whose X-Forwarded-* headers to trust.
        "PROXY_FIX": 0,
        # Strict-Transport-Security max-age on HTTPS responses (0: no header).
        "HSTS_SECONDS": 365 * 24 * 3600,
        # ---- compression (Flask-Compress)
        # False turns response compression off (the benchmarks' uncompressed baseline).
        "COMPRESS_REGISTER": True,
        "COMPRESS_MIMETYPES": list(COMPRESSED_MIMETYPES),
    }


def from_environment() -> dict[str, Any]:
    """The settings as `create_app` sees them without a test config: the defaults, then
    FLASK_* variables. For gunicorn's start-up check, which runs before any app exists."""
    from flask import Config

    settings = Config(str(ROOT))
    settings.from_mapping(defaults(str(ROOT / "instance")))
    settings.from_prefixed_env()
    return dict(settings)
