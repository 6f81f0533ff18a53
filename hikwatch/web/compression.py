"""Compressed responses (Flask-Compress): pages, scripts, styles and JSON travel 3-10x smaller.

The borough outlines alone are 360 KB of JSON and Leaflet 145 KB of script; compressed,
the home page's first load stays well under 300 KB. Photos and PNGs are compressed
already and are left alone. `FLASK_COMPRESS_REGISTER=false` turns compression off (the
benchmarks use that for their uncompressed baseline).
"""

from __future__ import annotations

from flask import Flask, Response
from flask_compress import Compress

# Set on responses that are sent as they are: files compressed when they were built.
AS_IS = "hikwatch_send_as_is"


def leave_uncompressed(response: Response) -> Response:
    """Mark a response to be sent as it is (a prebuilt file, or its prebuilt .gz)."""
    setattr(response, AS_IS, True)
    return response


def init_app(app: Flask) -> None:
    # COMPRESS_REGISTER and COMPRESS_MIMETYPES come from hikwatch.config.
    enabled = app.config["COMPRESS_REGISTER"]
    # Flask-Compress would register its own hook; ours wraps it (see below) instead.
    app.config["COMPRESS_REGISTER"] = False
    # One per app, not one per module: Flask-Compress keeps the app's settings on it.
    compress = Compress(app)
    if not enabled:
        return

    def compress_whole_responses(response: Response) -> Response:
        # A 206 is a slice of a file whose Content-Range counts uncompressed bytes;
        # Flask-Compress would compress the slice and leave the two disagreeing. The
        # export files come with their own .gz, built once rather than per request.
        if response.status_code == 206 or getattr(response, AS_IS, False):
            return response
        return compress.after_request(response)

    app.after_request(compress_whole_responses)
