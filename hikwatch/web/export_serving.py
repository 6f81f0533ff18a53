"""Serving the built export files, and asking for a build when they are missing or stale.

A request never builds a full export: it compares the files' data version with the
database's (three index look-ups), starts a builder process when they differ (see
hikwatch.evidence.export_builder), and sends the files it has. Before the very first
build there is nothing honest to send but 503 with Retry-After; `flask --app app exports
build` at setup (the Makefile and deploy/ run it) means visitors never see that.

The file is sent by `send_file` (ETag, Last-Modified, Range, conditional requests) or,
with EXPORTS_ACCEL_REDIRECT, by the proxy (nginx's X-Accel-Redirect) from the same
folder. Clients that accept gzip get the .gz built beside it, marked Content-Encoding:
gzip; compression.py leaves both as they are.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Response, current_app, g, has_request_context, jsonify, request, send_file

from hikwatch.evidence import export_builder, export_files
from hikwatch.evidence.datacache import data_version
from hikwatch.evidence.export_builder import Starter
from hikwatch.evidence.export_files import ExportFile, Manifest
from hikwatch.web.compression import leave_uncompressed
from hikwatch.web.evidence_support import with_licence
from models import db

RETRY_AFTER_SECONDS = 30
FALLBACK_BASE_URL = "http://localhost/"
MAX_AGE_SECONDS = 60


def folder() -> Path:
    return Path(current_app.config["EXPORTS_FOLDER"])


def base_url() -> str:
    """Where the camera links inside the files point: the configured public address, else
    the address this request came to (from the console: the last build's address)."""
    if current_app.config["EXPORTS_BASE_URL"]:
        return current_app.config["EXPORTS_BASE_URL"]
    if has_request_context():
        return request.url_root
    previous = manifest()
    return previous.base_url if previous else FALLBACK_BASE_URL


def manifest() -> Manifest | None:
    """The current manifest, re-read only when the file changes."""
    path = folder() / export_files.MANIFEST
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)
    cached = current_app.extensions.get("export_manifest")
    if cached is None or cached[0] != key:
        cached = (key, export_files.read_manifest(path.parent))
        current_app.extensions["export_manifest"] = cached
    return cached[1]


def request_build(now: bool = False) -> bool:
    """Start a builder process unless one is running (or automatic builds are off)."""
    config = current_app.config
    if not config["EXPORTS_AUTO_BUILD"]:
        return False
    starter = current_app.extensions.setdefault("export_starter", Starter())
    return starter.start(
        database_url=config["SQLALCHEMY_DATABASE_URI"],
        folder=folder(),
        base_url=base_url(),
        debounce=float(config["EXPORTS_DEBOUNCE_SECONDS"]),
        now=now,
    )


def build_now(if_stale: bool = False, base: str | None = None) -> Manifest | None:
    """Build the files in this process, after any build already running (app context).

    For `flask --app app exports build` and set-up, never for a request. None when
    `if_stale` and the files already match the data.
    """
    with export_builder.build_lock(folder(), wait=True):
        previous = export_files.read_manifest(folder())
        if if_stale and previous and previous.is_fresh(export_builder.current_version(db.engine)):
            return None
        return export_builder.build_once(db.engine, folder(), base or base_url())


def accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def serve(export: ExportFile) -> Response:
    """The built file for `export`; its previous build while a newer one is made."""
    current = manifest()
    if "data_version" not in g:
        g.data_version = data_version(db.session)
    if current is None or not current.is_fresh(g.data_version):
        request_build()
    if current is None or export.name not in current.files:
        response = jsonify(
            error="This download is being prepared; please try again in a minute.",
            retry_after_seconds=RETRY_AFTER_SECONDS,
        )
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    name = current.files[export.name]
    if current_app.config["EXPORTS_ACCEL_REDIRECT"]:
        response = accel_redirect(export, name)
    else:
        response = send_built_file(export, name)
    response.headers["X-Hikwatch-Data-Built"] = current.built_at
    return with_licence(leave_uncompressed(response))


def send_built_file(export: ExportFile, name: str) -> Response:
    gzipped = accepts_gzip()
    path = folder() / (f"{name}.gz" if gzipped else name)
    response = send_file(
        path,
        mimetype=export.mimetype,
        as_attachment=export.download_name is not None,
        download_name=export.download_name or export.name,
        conditional=True,
        etag=True,
        max_age=MAX_AGE_SECONDS,
    )
    if export.download_name is None:
        del response.headers["Content-Disposition"]
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.cache_control.public = True
    return response


def accel_redirect(export: ExportFile, name: str) -> Response:
    """An empty answer naming the file: the proxy sends it (gzip, ranges and ETag its own)."""
    response = Response(status=200, mimetype=export.mimetype)
    response.headers["X-Accel-Redirect"] = current_app.config["EXPORTS_ACCEL_REDIRECT"] + name
    if export.download_name:
        response.headers["Content-Disposition"] = f'attachment; filename="{export.download_name}"'
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_SECONDS
    return response
