"""The public API's OpenAPI description (/api/openapi.json) and a page to read it (/api/docs).

The description is written in openapi.yaml beside this file. Lists of words come from the
vocabulary when it is loaded: a schema marked `x-vocab: CameraStatus` gets the enum's
values (plus any `x-vocab-extra`), so the description accepts exactly what the app does.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, jsonify, render_template

from hikwatch import vocab
from hikwatch.evidence import counts

bp = Blueprint("apidocs", __name__, url_prefix="/api")

SPEC_FILE = Path(__file__).with_name("openapi.yaml")
SWAGGER_UI_VERSION = "5.35.0"


def vocabulary_values(name: str) -> list[str]:
    if name == "CountKind":
        return list(counts.COUNT_KINDS)
    words = getattr(vocab, name, None)
    if not (isinstance(words, type) and issubclass(words, vocab.Word)):
        raise ValueError(f"openapi.yaml names {name!r}, which hikwatch.vocab does not have")
    return [word.value for word in words]


def with_vocabulary(node: Any) -> Any:
    """The document with every `x-vocab` schema given its enum."""
    if isinstance(node, list):
        return [with_vocabulary(item) for item in node]
    if not isinstance(node, dict):
        return node
    filled = {key: with_vocabulary(value) for key, value in node.items()}
    if "x-vocab" in node:
        filled["enum"] = vocabulary_values(node["x-vocab"]) + list(node.get("x-vocab-extra", []))
    return filled


@functools.cache
def description() -> dict[str, Any]:
    """The OpenAPI document, read once per process."""
    return with_vocabulary(yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8")))


@bp.get("/openapi.json")
def openapi():
    response = jsonify(description())
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/docs")
def docs():
    """The description made readable by Swagger UI, served from this machine."""
    return render_template("api/docs.html", swagger_ui_version=SWAGGER_UI_VERSION)
