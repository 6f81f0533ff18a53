"""Numbers from the address bar, bounded: out of range is a 400 (or, in a path, a 404),
never an integer the database cannot hold.

`<int:…>` in a route uses `BoundedIntConverter` (the factory installs it before any
blueprint), so /moderate/cameras/99999999999999999999 is simply not found. Query
parameters such as ?page= or ?user= go through `query_int`.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, request
from werkzeug.routing import IntegerConverter, Map

# PostgreSQL's integer: the largest id any table here can hold.
MAX_ID = 2**31 - 1
# Far past the last page of anything; the offset it implies still fits in 64 bits.
MAX_PAGE = 1_000_000
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,12}")


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's `int` converter with a default maximum of MAX_ID."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


def bounded_int(raw: Any, name: str, default: int, minimum: int = 1, maximum: int = MAX_ID) -> int:
    """`raw` as a whole number from `minimum` to `maximum`; `default` when blank; else 400."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    text = str(raw).strip()
    if WHOLE_NUMBER.fullmatch(text) and minimum <= int(text) <= maximum:
        return int(text)
    abort(400, f"'{name}' must be a whole number from {minimum} to {maximum}.")


def query_int(name: str, default: int, minimum: int = 1, maximum: int = MAX_ID) -> int:
    return bounded_int(request.args.get(name), name, default, minimum, maximum)


def query_page() -> int:
    """?page=, for lists that page through results."""
    return query_int("page", 1, 1, MAX_PAGE)


def refuse_nul_characters() -> None:
    """A NUL character is never part of a postcode, a slug, a name or a note, and
    PostgreSQL refuses any text holding one with an error: refuse it up front, wherever it
    comes (the path, the query string, a form or JSON), with a 400."""
    in_address = request.args.items(multi=True)
    if "\x00" in request.path or any("\x00" in k + v for k, v in in_address):
        abort(400, "The address contains a character that is not allowed.")
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        # A photo's bytes are files, not form values: only the text fields are checked.
        values = request.form.values()
    elif request.is_json:
        body = request.get_data(cache=True)
        if b"\\u0000" in body or b"\x00" in body:
            abort(400, "The request contains a character that is not allowed.")
        return
    else:
        return
    if any("\x00" in value for value in values):
        abort(400, "The form contains a character that is not allowed.")
