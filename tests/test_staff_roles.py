"""Every route of the moderator and admin blueprints, walked from the URL map: anonymous
visitors go to the login page, moderators get 403 on admin routes, nobody gets in by a
route that forgot its decorator."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from hikwatch.web.staff.common import STAFF_BLUEPRINTS
from tests.conftest import csrf_token
from tests.moderation_support import page_token

METHODS = ("GET", "POST")


def staff_rules(app) -> list[Rule]:
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] in STAFF_BLUEPRINTS
    ]
    return sorted(rules, key=lambda rule: (rule.rule, rule.endpoint))


def sample_path(rule: Rule) -> str:
    values = {name: 1 for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def calls(app, blueprint_filter=None) -> list[tuple[str, str, str]]:
    found = []
    for rule in staff_rules(app):
        blueprint = rule.endpoint.partition(".")[0]
        if blueprint_filter and not blueprint_filter(blueprint):
            continue
        for method in METHODS:
            if method in rule.methods:
                found.append((method, sample_path(rule), rule.endpoint))
    return found


def send(client, method: str, path: str, token: str):
    if method == "GET":
        return client.get(path)
    # With a valid token, so it is the role check, not CSRF, that answers.
    return client.post(path, data={"csrf_token": token})


def test_the_walk_covers_every_staff_blueprint(app):
    endpoints = {rule.endpoint for rule in staff_rules(app)}
    assert {endpoint.partition(".")[0] for endpoint in endpoints} == set(STAFF_BLUEPRINTS)
    assert len(endpoints) >= 25
    assert {"admin.audit", "moderate.approve", "moderate_photos.original"} <= endpoints


# Undoing a merge or a retraction is for admins, though the views sit with the cameras'.
ADMIN_ONLY = {"moderate_cameras.unmerge", "moderate_cameras.unretract"}


def test_every_staff_view_declares_the_role_it_needs(app):
    for rule in staff_rules(app):
        view = app.view_functions[rule.endpoint]
        admin_only = rule.endpoint.startswith("admin.") or rule.endpoint in ADMIN_ONLY
        expected = "admin" if admin_only else "moderator"
        assert getattr(view, "required_role", None) == expected, rule.endpoint


def test_anonymous_visitors_are_sent_to_log_in(app, client):
    token = csrf_token(client)
    for method, path, endpoint in calls(app):
        response = send(client, method, path, token)
        assert response.status_code == 302, (method, path, endpoint)
        assert response.headers["Location"].startswith("/login"), (method, path)


def test_moderators_are_refused_admin_routes(app, moderator_client):
    token = page_token(moderator_client)
    admin_calls = calls(app, lambda blueprint: blueprint == "admin") + [
        call for call in calls(app) if call[2] in ADMIN_ONLY
    ]
    assert len(admin_calls) > len(ADMIN_ONLY)
    for method, path, _ in admin_calls:
        assert send(moderator_client, method, path, token).status_code == 403, (method, path)


@pytest.mark.parametrize(
    "path", ["/moderate/", "/moderate/cameras/", "/admin/users", "/admin/audit"]
)
def test_admins_can_do_what_moderators_do_and_more(admin_client, path):
    assert admin_client.get(path).status_code == 200


def test_moderators_reach_their_own_pages(moderator_client):
    for path in ("/moderate/", "/moderate/?tab=removals", "/moderate/cameras/"):
        assert moderator_client.get(path).status_code == 200, path
