"""Who may use which route: every rule in the URL map × (anonymous, moderator, admin).

ACCESS below is the declared table. A route that is not in it fails the first test with
its name: add a line for it. Levels:

    "public"     anyone, no account
    "moderator"  moderators and admins; anonymous visitors are sent to the login page
    "admin"      admins only; moderators get 403, anonymous visitors the login page
    "login step" a step of logging in (the code, two-factor set-up): it serves staff and
                 browsers half way through logging in, and sends anyone else to log in

Views protected with auth.role_required carry `view.required_role`; the table must agree
with it, and the requests below check what actually happens.
"""

from __future__ import annotations

import pytest

from tests.accounts import log_in, make_user
from tests.conftest import csrf_token
from tests.security.routes import fetch, sample_path

ACCESS: dict[str, str] = {
    # resident and public pages
    "public.home": "public",
    "public.about": "public",
    "public.methodology": "public",
    "submit.submit": "public",
    "submit.preview": "public",  # answers only the uploading browser (owner hash)
    "submit.track": "public",
    "submit.track_lookup": "public",
    "reply.reply": "public",  # opens only with a private reply key (test_resident_replies)
    "removal_reports.report_removal": "public",
    "removal_reports.removal_status": "public",
    "boroughs.index": "public",
    "boroughs.show": "public",
    "boroughs.cameras": "public",
    "boroughs.feed": "public",
    "boroughs.pack": "public",
    "boroughs.needs_photo": "public",
    "cameras.show": "public",
    "cameras.photo": "public",  # only photos of approved reports (see test_privacy)
    "cameras.map_data": "public",
    "cameras.summary": "public",
    "snapshots.index": "public",
    "snapshots.show": "public",
    "snapshots.download_csv": "public",
    "snapshots.download_json": "public",
    "snapshots.borough_ids": "public",
    "static": "public",
    # JSON API and open data
    "api.upload_photo": "public",
    "api.submit_sighting": "public",
    "api.locate_borough": "public",
    "api.borough_boundaries": "public",
    "postcodes.lookup": "public",
    "postcodes.search": "public",
    "opendata.boroughs_json": "public",
    "opendata.boroughs_csv": "public",
    "opendata.cameras_csv": "public",
    "opendata.cameras_geojson": "public",
    "apidocs.openapi": "public",
    "apidocs.docs": "public",
    # accounts
    "auth.login": "public",
    "auth.logout": "public",
    "auth.code": "login step",
    "two_factor.enrol": "login step",
    "two_factor.new_recovery_codes": "moderator",
    # moderation
    "moderate.queue": "moderator",
    "moderate.sighting": "moderator",
    "moderate.claim": "moderator",
    "moderate.release": "moderator",
    "moderate.claim_state": "moderator",
    "moderate.approve": "moderator",
    "moderate.confirm": "moderator",
    "moderate.reject": "moderator",
    "moderate.request_info": "moderator",
    "moderate_cameras.cameras": "moderator",
    "moderate_cameras.camera": "moderator",
    "moderate_cameras.edit": "moderator",
    "moderate_cameras.reactivate": "moderator",
    "moderate_cameras.merge": "moderator",
    "moderate_cameras.retract": "moderator",
    "moderate_photos.photo_page": "moderator",
    "moderate_photos.display": "moderator",
    "moderate_photos.thumb": "moderator",
    "moderate_photos.original": "moderator",
    "moderate_photos.save_redactions": "moderator",
    "moderate_removals.removal": "moderator",
    "moderate_removals.claim": "moderator",
    "moderate_removals.claim_state": "moderator",
    "moderate_removals.release": "moderator",
    "moderate_removals.confirm": "moderator",
    "moderate_removals.reject": "moderator",
    # administration
    "admin.index": "admin",
    "admin.users": "admin",
    "admin.create_user": "admin",
    "admin.disable_user": "admin",
    "admin.enable_user": "admin",
    "admin.set_role": "admin",
    "admin.audit": "admin",
    "two_factor.require_two_factor": "admin",
    "campaign.edit": "admin",
    "moderate_cameras.unmerge": "admin",
    "moderate_cameras.unretract": "admin",
    "snapshots.take": "admin",
}

ROLES = ("anonymous", "moderator", "admin")
EXPECTED = {
    "public": {"anonymous": "allowed", "moderator": "allowed", "admin": "allowed"},
    "moderator": {"anonymous": "login", "moderator": "allowed", "admin": "allowed"},
    "admin": {"anonymous": "login", "moderator": "forbidden", "admin": "allowed"},
    "login step": {"anonymous": "login", "moderator": "allowed", "admin": "allowed"},
}
# Ids that match no row: an allowed request then ends in a harmless 404, never a change.
NO_SUCH_ID = 999_999
SESSION_ENDING = {"auth.logout"}


def app_routes(app) -> list[tuple[str, str, object]]:
    """(endpoint, method, rule) for every rule and method, HEAD and OPTIONS aside."""
    return [
        (rule.endpoint, method, rule)
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]


def test_every_route_has_a_declared_access_level(app):
    endpoints = {endpoint for endpoint, _, _ in app_routes(app)}
    undeclared = sorted(endpoints - set(ACCESS))
    assert not undeclared, (
        "These routes have no line in ACCESS (tests/security/test_access_matrix.py). Add "
        'one per endpoint, e.g.  "blueprint.view": "public" | "moderator" | "admin",\n  '
        + "\n  ".join(undeclared)
    )
    stale = sorted(set(ACCESS) - endpoints)
    assert not stale, f"ACCESS names endpoints that no longer exist; remove them: {stale}"


def test_declared_levels_agree_with_role_required(app):
    disagreements = []
    for endpoint, level in ACCESS.items():
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        declared_role = level if level in ("moderator", "admin") else None
        actual = getattr(view, "required_role", None)
        if actual != declared_role:
            disagreements.append(f"{endpoint}: table says {level}, view requires {actual}")
    assert not disagreements, (
        "Protect the view with auth.role_required (or fix the table):\n" + "\n".join(disagreements)
    )


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303, 307, 308) and "/login" in location:
        return "login"
    if response.status_code == 401:
        return "login"
    if response.status_code == 403:
        return "forbidden"
    assert response.status_code < 500, (response.request.path, response.status_code)
    return "allowed"


ACCOUNTS = {"moderator": "matrix-moderator@example.org", "admin": "matrix-admin@example.org"}


@pytest.fixture
def role_clients(app):
    """A factory of (client, CSRF token) logged in as the given role."""
    for role, email in ACCOUNTS.items():
        make_user(app, email, role)

    def new_client(role: str):
        client = app.test_client()
        if role in ACCOUNTS:
            assert log_in(client, ACCOUNTS[role]).status_code == 302
        return client, csrf_token(client)

    return new_client


def test_authorisation_matrix(app, role_clients):
    clients = {role: role_clients(role) for role in ROLES}
    failures = []
    checked = 0
    for endpoint, method, rule in app_routes(app):
        level = ACCESS.get(endpoint)
        if level is None:
            continue  # reported by test_every_route_has_a_declared_access_level
        path = sample_path(rule, {"id": NO_SUCH_ID})
        for role in ROLES:
            client, token = role_clients(role) if endpoint in SESSION_ENDING else clients[role]
            if method == "GET":
                response = fetch(client, path)
            else:
                response = client.open(path, method=method, headers={"X-CSRFToken": token})
            got, expected = outcome(response), EXPECTED[level][role]
            checked += 1
            if got != expected:
                failures.append(
                    f"{method} {path} ({endpoint}) as {role}: {got} "
                    f"({response.status_code}), expected {expected}"
                )
    assert not failures, "\n".join(failures)
    assert checked >= 3 * len(ACCESS)
