"""Claims: removal reports are locked like camera reports, and an open report page can ask
who holds it now (the page polls this to follow others' claims)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import AuditEvent, RemovalReport, db, utcnow
from tests.moderation_support import (
    approve_new,
    page_token,
    post_form,
    second_moderator_client,
    submit_report,
)
from tests.test_removals import send_removal


@pytest.fixture
def removal_id(app, moderator_client) -> int:
    """A pending removal report on an approved camera."""
    assert approve_new(moderator_client, submit_report(app)).status_code == 302
    assert send_removal(app.test_client(), 1, note="Gone since Monday").status_code == 302
    return 1


def claim_json(client, url: str) -> dict:
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200
    return response.get_json()


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(db.select(AuditEvent.action).order_by("id")).scalars())


def test_opening_a_removal_report_claims_it_and_locks_out_a_second_moderator(
    app, moderator_client, removal_id
):
    html = moderator_client.get(f"/moderate/removals/{removal_id}").get_data(as_text=True)
    assert "You are checking this report until" in html
    assert "Release it to the queue" in html
    second = second_moderator_client(app)
    html = second.get(f"/moderate/removals/{removal_id}").get_data(as_text=True)
    assert "Being checked by moderator@example.org until" in html
    assert '<fieldset class="decision-set" disabled>' in html
    refused = post_form(second, f"/moderate/removals/{removal_id}/confirm", {"confirm-note": "x"})
    assert refused.status_code == 409
    assert "Being checked by moderator@example.org" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RemovalReport, removal_id).status == "pending"
    queue = second.get("/moderate/?tab=removals").get_data(as_text=True)
    assert "Being checked by moderator@example.org" in queue

    done = post_form(moderator_client, f"/moderate/removals/{removal_id}/confirm", {})
    assert done.status_code == 302
    with app.app_context():
        report = db.session.get(RemovalReport, removal_id)
        assert report.status == "confirmed" and report.claimed_by_id is None
    # Taking is audited once; renewing is not.
    assert audit_actions(app).count("removal.claim") == 1


def test_the_claim_state_follows_a_release_elsewhere(app, moderator_client, removal_id):
    second = second_moderator_client(app)
    moderator_client.get(f"/moderate/removals/{removal_id}")
    state_url = f"/moderate/removals/{removal_id}/claim"
    seen = claim_json(second, state_url)
    assert seen["held"] is True and seen["mine"] is False and seen["can_decide"] is False
    assert seen["holder"] == "moderator@example.org"
    assert claim_json(moderator_client, state_url)["mine"] is True

    post_form(moderator_client, f"/moderate/removals/{removal_id}/release")
    seen = claim_json(second, state_url)
    assert seen == {
        "status": "pending",
        "held": False,
        "mine": False,
        "holder": None,
        "until": None,
        "can_decide": True,
        "message": "Nobody is checking this report right now.",
    }
    # The second moderator's page takes it (what moderate.js does on seeing it free).
    token = page_token(second)
    taken = second.post(state_url, headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert taken.status_code == 200 and taken.get_json()["mine"] is True
    assert claim_json(moderator_client, state_url)["holder"] == "second@example.org"
    assert "removal.release" in audit_actions(app)


def test_the_claim_state_of_a_camera_report_follows_others(app, moderator_client, moderator):
    sighting_id = submit_report(app)
    second = second_moderator_client(app)
    state_url = f"/moderate/sightings/{sighting_id}/claim"
    assert claim_json(second, state_url)["held"] is False
    moderator_client.get(f"/moderate/sightings/{sighting_id}")
    seen = claim_json(second, state_url)
    assert seen["held"] is True and seen["can_decide"] is False
    assert seen["message"].startswith("Being checked by moderator@example.org until ")
    post_form(moderator_client, f"/moderate/sightings/{sighting_id}/release")
    assert claim_json(second, state_url)["can_decide"] is True
    approve_new(second, sighting_id)
    decided = claim_json(moderator_client, state_url)
    assert decided["status"] == "approved" and decided["can_decide"] is False
    assert "decided meanwhile" in decided["message"]


def test_an_expired_removal_claim_frees_the_report(app, moderator_client, removal_id):
    moderator_client.get(f"/moderate/removals/{removal_id}")
    with app.app_context():
        report = db.session.get(RemovalReport, removal_id)
        report.claimed_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    second = second_moderator_client(app)
    html = second.get(f"/moderate/removals/{removal_id}").get_data(as_text=True)
    assert "You are checking this report until" in html
    assert post_form(second, f"/moderate/removals/{removal_id}/reject", {}).status_code == 302


def test_claim_state_needs_a_moderator(app, client, removal_id):
    for url in (f"/moderate/removals/{removal_id}/claim", "/moderate/sightings/1/claim"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
