"""Every GET route of the app with sample arguments, for tests that sweep the whole URL map."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import Rule

# Values for URL arguments by name; the tests put real ids and references in `extra`.
DEFAULT_SAMPLES: dict[str, Any] = {
    "slug": "westminster",
    "borough": "westminster",
    "borough_slug": "westminster",
    "code": "E09000033",
    "borough_code": "E09000033",
    "reference": "ZZZZ-ZZZZ",
    "token": "no-such-token",
    "filename": "css/app.css",
    "format": "json",
    "date": "2026-01-01",
    "day": "2026-01-01",
    "taken_on": "2026-01-01",
    "postcode": "SW1A 1AA",
}


def view_of(app: Flask, rule: Rule):
    return app.view_functions[rule.endpoint]


def required_role(app: Flask, rule: Rule) -> str | None:
    """The role auth.role_required put on the view, if any."""
    return getattr(view_of(app, rule), "required_role", None)


def get_rules(app: Flask) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())),
        key=lambda rule: rule.rule,
    )


def sample_value(name: str, converter, extra: dict[str, Any]) -> Any:
    if name in extra:
        return extra[name]
    if name in DEFAULT_SAMPLES:
        return DEFAULT_SAMPLES[name]
    if hasattr(converter, "items"):  # any(a, b): the first choice
        return sorted(converter.items)[0]
    if type(converter).__name__ == "IntegerConverter" or name == "id" or name.endswith("_id"):
        return extra.get("id", 1)
    return "sample"


def sample_path(rule: Rule, extra: dict[str, Any] | None = None) -> str:
    """The rule's path with every argument filled in."""
    extra = extra or {}
    values = {
        name: sample_value(name, converter, extra) for name, converter in rule._converters.items()
    }
    _, path = rule.build(values, append_unknown=False)
    return path


def html_pages_showing_a_report(app: Flask, reference: str, sighting_id: int) -> dict[str, str]:
    """path -> 'public' or 'moderator' for every GET page, with this report's ids filled in."""
    extra = {"reference": reference, "id": sighting_id, "sighting_id": sighting_id}
    pages = {}
    for rule in get_rules(app):
        if rule.endpoint == "static":
            continue
        audience = "moderator" if required_role(app, rule) else "public"
        pages[sample_path(rule, extra)] = audience
    return pages


def fetch(client, path: str, **kwargs):
    """GET and read the whole body, so streamed responses (CSV exports) finish and close."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response
