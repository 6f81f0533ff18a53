"""Why an upload is refused: :class:`PhotoError` and the messages a resident sees.

PhotoError is one of the app's refusals (hikwatch.errors): the web layer answers it like
any other, pointing at the form's photo field.
"""

from __future__ import annotations

from hikwatch.errors import PhotoError

MSG_EMPTY = "The file is empty. Please choose a photo and try again."
MSG_UNSUPPORTED = "This file is not a photo we can read (JPEG, PNG, WebP or HEIC)."
MSG_DAMAGED = (
    "This photo appears to be damaged or incomplete, so we could not read it. "
    "Please try uploading it again."
)
MSG_ANIMATED = "Animated images are not accepted. Please upload a single still photo."


def too_many_bytes(max_bytes: int) -> PhotoError:
    return PhotoError(
        413, f"This file is too large. Photos must be {max_bytes / (1024 * 1024):g} MB or smaller."
    )


def too_many_pixels(max_pixels: int) -> PhotoError:
    return PhotoError(
        413,
        "This photo has too many pixels for us to process. "
        f"Photos must be {max_pixels / 1_000_000:g} megapixels or smaller.",
    )


def too_much_memory(width: int, height: int, bands: int, budget: int) -> PhotoError:
    mb = 1024 * 1024
    return PhotoError(
        413,
        f"This photo is too large to open: {width:,} x {height:,} pixels with {bands} colour "
        f"channel{'s' if bands != 1 else ''} would take {width * height * bands / mb:,.0f} MB "
        f"of memory, and we open photos of up to {budget / mb:,.0f} MB. Please send a smaller "
        "copy (your phone's usual camera settings are fine).",
    )
