"""The resident answers a moderator's question through a private reply link: words, a new
photo, a moved pin. The public reference alone never lets anyone answer."""

from __future__ import annotations

import hashlib
import io
import re

import pytest

from hikwatch.moderation import replies
from models import AuditEvent, Photo, ReplyKey, ResidentReply, Sighting, db
from tests.conftest import csrf_token, plain_jpeg, resource_bytes
from tests.moderation_support import CAMDEN, WATFORD, WESTMINSTER, post_form

REPLY_PATH = re.compile(r"/reply/([A-Za-z0-9_-]{22})")


class Resident:
    """A resident's browser that sent one report through the API."""

    def __init__(self, app, photo: bytes | None = None, **fields):
        self.client = app.test_client()
        self.token = csrf_token(self.client)
        data = {"photo": (io.BytesIO(photo or resource_bytes("big_ben.jpg")), "camera.jpg")}
        uploaded = self.client.post("/api/uploads", data=data, headers={"X-CSRFToken": self.token})
        payload = {
            "upload_id": uploaded.get_json()["upload_id"],
            "location_source": "map",
            **WESTMINSTER,
            **fields,
        }
        sent = self.client.post("/api/sightings", json=payload, headers={"X-CSRFToken": self.token})
        assert sent.status_code == 201, sent.get_json()
        body = sent.get_json()
        self.id, self.reference, self.reply_url = body["id"], body["reference"], body["reply_url"]
        self.key = REPLY_PATH.search(self.reply_url).group(1)
        self.path = f"/reply/{self.key}"

    def answer(self, data: dict, **files):
        form = {"csrf_token": self.token, **data}
        for name, content in files.items():
            form[name] = (io.BytesIO(content), f"{name}.jpg")
        return self.client.post(self.path, data=form, content_type="multipart/form-data")


def ask(moderator_client, sighting_id: int, question: str = "Which way does it face?"):
    response = post_form(
        moderator_client,
        f"/moderate/sightings/{sighting_id}/request-info",
        {"info-message": question},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def report(app, sighting_id: int) -> dict:
    with app.app_context():
        sighting = db.session.get(Sighting, sighting_id)
        answers = replies.replies_to(sighting_id)
        return {
            "info_request": sighting.info_request,
            "replied_at": sighting.replied_at,
            "photo_id": sighting.photo_id,
            "lat": sighting.lat,
            "lon": sighting.lon,
            "borough_code": sighting.borough_code,
            "answers": [
                {
                    "question": a.question,
                    "message": a.message,
                    "photo_id": a.photo_id,
                    "photo_use": a.photo_use,
                    "replaced_photo_id": a.replaced_photo_id,
                    "moved_to": (a.moved_to_lat, a.moved_to_lon),
                }
                for a in answers
            ],
        }


def stored_files(app) -> list[str]:
    return sorted(app.extensions["file_store"].walk())


# ---------- the link: shown to the sender, stored only as a hash ----------


def test_the_sender_gets_a_private_link_kept_only_as_a_hash(app):
    resident = Resident(app)
    assert resident.reply_url.startswith("http://localhost/reply/")
    with app.app_context():
        stored = db.session.execute(db.select(ReplyKey.key_hash)).scalars().all()
    assert stored == [hashlib.sha256(resident.key.encode()).hexdigest()]
    assert resident.key not in str(stored)
    # The sending browser's tracking page shows the link again, with the advice to save it.
    html = resident.client.get(f"/track/{resident.reference}").get_data(as_text=True)
    assert resident.reply_url in html and "Save this link" in html


def test_the_reference_alone_lets_no_one_answer(app, moderator_client):
    resident = Resident(app)
    ask(moderator_client, resident.id)
    stranger = app.test_client()
    html = stranger.get(f"/track/{resident.reference}").get_data(as_text=True)
    assert "Which way does it face?" in html
    assert "/reply/" not in html and "The reference alone cannot be used to answer" in html
    for path in (f"/reply/{resident.reference}", f"/reply/{resident.id}", "/reply/" + "A" * 22):
        assert stranger.get(path).status_code == 404
        token = csrf_token(stranger)
        posted = stranger.post(path, data={"csrf_token": token, "message": "It faces north"})
        assert posted.status_code == 404
    assert report(app, resident.id)["answers"] == []


def test_the_form_without_javascript_shows_the_link_on_the_thank_you_page(app):
    client = app.test_client()
    form = {
        "csrf_token": csrf_token(client),
        "lat": str(WESTMINSTER["lat"]),
        "lon": str(WESTMINSTER["lon"]),
        "photo": (io.BytesIO(resource_bytes("big_ben.jpg")), "camera.jpg"),
    }
    sent = client.post("/submit", data=form, content_type="multipart/form-data")
    assert sent.status_code == 302 and "submitted=1" in sent.headers["Location"]
    html = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Thank you: your report is in" in html
    key = REPLY_PATH.search(html).group(1)
    assert client.get(f"/reply/{key}").status_code == 200


def test_the_reply_page_stays_out_of_caches_and_referrers(app):
    resident = Resident(app)
    response = resident.client.get(resident.path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


# ---------- answering ----------


def test_a_text_answer_sends_the_report_back_to_the_top_of_the_queue(
    app, moderator_client, moderator
):
    older = Resident(app)
    answering = Resident(app, resource_bytes("newyear_london.jpg"))
    ask(moderator_client, answering.id, "Is there a logo on it?")
    page = answering.client.get(answering.path).get_data(as_text=True)
    assert "Is there a logo on it?" in page and 'name="message"' in page

    sent = answering.answer({"message": "Yes, HIKVISION on the front."})
    assert sent.status_code == 303
    after = report(app, answering.id)
    assert after["info_request"] is None and after["replied_at"] is not None
    assert after["answers"][0]["question"] == "Is there a logo on it?"
    assert after["answers"][0]["message"] == "Yes, HIKVISION on the front."

    queue = moderator_client.get("/moderate/").get_data(as_text=True)
    assert queue.index(answering.reference) < queue.index(older.reference)
    assert "Resident replied" in queue
    review = moderator_client.get(f"/moderate/sightings/{answering.id}").get_data(as_text=True)
    assert "Yes, HIKVISION on the front." in review and "Resident replied" in review
    with app.app_context():
        event = db.session.execute(
            db.select(AuditEvent).filter_by(action="sighting.resident_reply")
        ).scalar_one()
        assert event.user_id is None and event.object_id == str(answering.id)
        assert event.before["info_request"] == "Is there a logo on it?"
        assert event.after["info_request"] is None

    # The question is answered: the page says so and takes no second answer.
    page = answering.client.get(answering.path).get_data(as_text=True)
    assert "Thank you: your answer is with the moderators." in page
    assert 'name="message"' not in page
    assert answering.answer({"message": "And again"}).status_code == 409


def test_a_replacement_photo_becomes_the_reports_photo_and_the_first_is_kept(app, moderator_client):
    resident = Resident(app)
    first_photo = report(app, resident.id)["photo_id"]
    ask(moderator_client, resident.id, "The logo is blurred: another photo?")
    sent = resident.answer({"photo_use": "replace"}, photo=resource_bytes("gps.jpg"))
    assert sent.status_code == 303
    after = report(app, resident.id)
    assert after["photo_id"] != first_photo
    assert after["answers"][0]["photo_use"] == "replace"
    assert after["answers"][0]["replaced_photo_id"] == first_photo
    # Moderators can see both; neither is public before approval.
    for photo_id in (first_photo, after["photo_id"]):
        assert moderator_client.get(f"/moderate/photos/{photo_id}/display.jpg").status_code == 200
        assert app.test_client().get(f"/photos/{photo_id}/display.jpg").status_code == 404


def test_an_extra_photo_is_kept_beside_the_first_for_moderators_only(app, moderator_client):
    resident = Resident(app)
    first_photo = report(app, resident.id)["photo_id"]
    ask(moderator_client, resident.id)
    sent = resident.answer(
        {"message": "Here it is from the side", "photo_use": "extra"},
        photo=resource_bytes("newyear_london.jpg"),
    )
    assert sent.status_code == 303
    after = report(app, resident.id)
    extra = after["answers"][0]["photo_id"]
    assert after["photo_id"] == first_photo and extra not in (None, first_photo)
    assert moderator_client.get(f"/moderate/photos/{extra}/display.jpg").status_code == 200
    review = moderator_client.get(f"/moderate/sightings/{resident.id}").get_data(as_text=True)
    assert f"/moderate/photos/{extra}/thumb.jpg" in review


def test_a_moved_pin_gets_its_council_area_again(app, moderator_client):
    resident = Resident(app)
    ask(moderator_client, resident.id, "Is it really on that building?")
    sent = resident.answer({"lat": str(CAMDEN["lat"]), "lon": str(CAMDEN["lon"])})
    assert sent.status_code == 303
    after = report(app, resident.id)
    assert (after["lat"], after["lon"]) == (CAMDEN["lat"], CAMDEN["lon"])
    assert after["borough_code"] == "E09000007"  # Camden
    assert after["answers"][0]["moved_to"] == (CAMDEN["lat"], CAMDEN["lon"])


def test_a_pin_outside_london_is_refused_and_nothing_is_stored(app, moderator_client):
    resident = Resident(app)
    ask(moderator_client, resident.id)
    before, files = report(app, resident.id), stored_files(app)
    refused = resident.answer(
        {"message": "It is here", "lat": str(WATFORD["lat"]), "lon": str(WATFORD["lon"])},
        photo=resource_bytes("gps.jpg"),
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "outside the 33 London council areas" in html
    assert report(app, resident.id) == before and stored_files(app) == files
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Photo)).scalar() == 1


@pytest.mark.parametrize(
    ("data", "files", "status", "says"),
    [
        ({}, {}, 400, "Write an answer, add a photo or move the pin."),
        ({"message": "x" * 2001}, {}, 400, "2000"),
        ({"lat": "north"}, {}, 400, "Enter a number"),
        ({"message": "see photo"}, {"photo": b"not a photo at all"}, 415, "photo"),
    ],
)
def test_answers_we_cannot_take_are_refused_with_a_reason(
    app, moderator_client, data, files, status, says
):
    resident = Resident(app)
    ask(moderator_client, resident.id)
    before, stored = report(app, resident.id), stored_files(app)
    refused = resident.answer(data, **files)
    assert refused.status_code == status, refused.get_data(as_text=True)[:2000]
    assert says in refused.get_data(as_text=True)
    assert report(app, resident.id) == before and stored_files(app) == stored


def test_a_plain_photo_without_metadata_is_taken(app, moderator_client):
    resident = Resident(app)
    ask(moderator_client, resident.id)
    assert resident.answer({}, photo=plain_jpeg()).status_code == 303
    assert report(app, resident.id)["answers"][0]["photo_use"] == "extra"


def test_asking_again_clears_the_replied_mark(app, moderator_client):
    resident = Resident(app)
    ask(moderator_client, resident.id)
    resident.answer({"message": "North"})
    ask(moderator_client, resident.id, "North-east or north-west?")
    after = report(app, resident.id)
    assert after["replied_at"] is None and after["info_request"] == "North-east or north-west?"
    assert resident.answer({"message": "North-west"}).status_code == 303
    assert [a["message"] for a in report(app, resident.id)["answers"]] == ["North", "North-west"]


def test_replies_are_counted_as_photos_in_use(app, moderator_client):
    """A photo kept only by an answer is never swept as an abandoned upload."""
    from hikwatch.submissions import photos_in_use

    resident = Resident(app)
    ask(moderator_client, resident.id)
    resident.answer({"photo_use": "replace"}, photo=resource_bytes("gps.jpg"))
    with app.app_context():
        in_use = set(db.session.execute(photos_in_use()).scalars())
        reply = db.session.execute(db.select(ResidentReply)).scalar_one()
    assert {reply.photo_id, reply.replaced_photo_id} <= in_use
