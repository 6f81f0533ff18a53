"""What moderation keeps private: pending and rejected photos, originals, contact details.

The public photo routes belong to the public pages; they are found here from the URL map
(every public GET route that takes a photo id), so this test keeps holding if they move.
"""

from __future__ import annotations

from hikwatch.web.staff.common import STAFF_BLUEPRINTS
from models import Photo, Sighting, db
from tests.conftest import resource_bytes
from tests.moderation_support import approve_new, post_form, submit_report

CONTACT = "private.resident@example.org"


def public_photo_urls(app, photo_id: int) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        staff = rule.endpoint.partition(".")[0] in STAFF_BLUEPRINTS
        if staff or "GET" not in rule.methods or "photo_id" not in rule.arguments:
            continue
        # Every value an any(...) argument allows (thumb, display...); "x" for the rest.
        choices = [{"photo_id": photo_id}]
        for name, converter in rule._converters.items():
            if name != "photo_id":
                options = sorted(getattr(converter, "items", None) or ["x"])
                choices = [{**values, name: option} for values in choices for option in options]
        urls += [rule.build(values, append_unknown=False)[1] for values in choices]
    return urls


def photo_of(app, sighting_id: int) -> Photo:
    with app.app_context():
        photo = db.session.get(Sighting, sighting_id).photo
        db.session.expunge(photo)
        return photo


def test_only_approved_photos_reach_the_public(app, moderator_client, client):
    pending = submit_report(app, resource_bytes("big_ben.jpg"))
    rejected = submit_report(app, resource_bytes("newyear_london.jpg"))
    post_form(
        moderator_client,
        f"/moderate/sightings/{rejected}/reject",
        {"reject-reason": "photo_unusable"},
    )
    approved = submit_report(app, resource_bytes("gps.jpg"))
    assert approve_new(moderator_client, approved).status_code == 302

    assert public_photo_urls(app, 1), "the public pages serve photos somewhere"
    for sighting_id in (pending, rejected):
        for url in public_photo_urls(app, photo_of(app, sighting_id).id):
            assert client.get(url).status_code == 404, url

    photo = photo_of(app, approved)
    store = app.extensions["file_store"]
    served = {client.get(url).get_data() for url in public_photo_urls(app, photo.id)}
    assert served <= {store.read(photo.display_path), store.read(photo.thumb_path)}
    assert store.read(photo.original_path) not in served


def test_originals_and_contact_details_stay_with_moderators(app, moderator_client, client):
    sighting_id = submit_report(app, contact_email=CONTACT, note="Near the bus stop")
    review = moderator_client.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
    assert CONTACT in review
    assert approve_new(moderator_client, sighting_id).status_code == 302
    photo = photo_of(app, sighting_id)
    # The moderator routes send the public to log in; the files are not in any static folder.
    for kind in ("original", "display.jpg", "thumb.jpg"):
        response = client.get(f"/moderate/photos/{photo.id}/{kind}")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    for relative in (photo.original_path, photo.display_path):
        assert client.get(f"/uploads/{relative}").status_code == 404
        assert client.get(f"/static/{relative}").status_code == 404
    for url in ("/cameras/1", "/cameras/1/report-removal"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert CONTACT not in page.get_data(as_text=True), url
    # Decided, with no email left to send: the address is erased, even for moderators.
    review = moderator_client.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
    assert CONTACT not in review
