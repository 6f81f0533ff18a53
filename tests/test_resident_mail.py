"""Email to residents through a real SMTP server on localhost (aiosmtpd): what arrives,
what it links to, the outbox that keeps it while the server is down, and the address
forgotten once the report is decided."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from hikwatch import create_app
from hikwatch.mail import delivery, outbox
from hikwatch.web import resident_mail
from models import OutboundMail, ReplyKey, Sighting, db, utcnow
from tests.conftest import base_config, resource_bytes
from tests.mail_server import REPLY_LINK, SmtpServer, body_of, mail_config
from tests.moderation_support import approve_new, post_form, submit_report

RESIDENT = "resident@example.org"


@pytest.fixture
def smtp():
    """A mail server whose port is chosen but which is not started yet."""
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def mail_app(tmp_path, database_uri, smtp):
    config = base_config(tmp_path, tmp_path / "hikwatch.db")
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": database_uri, **mail_config(smtp)})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def mail_moderator(mail_app):
    from tests.accounts import log_in, make_user

    make_user(mail_app, "moderator@example.org", "moderator")
    client = mail_app.test_client()
    assert log_in(client, "moderator@example.org").status_code == 302
    return client


def sent_in_background(app) -> None:
    """Wait for the app's background sender to finish what the last decision started."""
    resident_mail.sender(app).wait(timeout=30)


def decide(client, url: str, data: dict):
    """Post a decision; the app sends its email in the background once it is committed."""
    response = post_form(client, url, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    sent_in_background(client.application)
    return response


def ask(client, sighting_id: int, question: str = "Which way does it face?"):
    return decide(
        client, f"/moderate/sightings/{sighting_id}/request-info", {"info-message": question}
    )


def outbox_rows(app) -> list[dict]:
    with app.app_context():
        return [
            {
                "kind": m.kind,
                "attempts": m.attempts,
                "sent": m.sent_at is not None,
                "failed": m.failed_at is not None,
                "next_attempt_at": m.next_attempt_at,
                "last_error": m.last_error,
            }
            for m in db.session.execute(db.select(OutboundMail).order_by(OutboundMail.id))
            .scalars()
            .all()
        ]


def contact_of(app, sighting_id: int) -> str | None:
    with app.app_context():
        return db.session.get(Sighting, sighting_id).contact_email


def reply_keys(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(ReplyKey)).scalar()


# ---------- what arrives ----------


def test_needs_more_information_arrives_with_a_working_reply_link(mail_app, mail_moderator, smtp):
    smtp.start()
    sighting_id = submit_report(mail_app, contact_email=RESIDENT)
    ask(mail_moderator, sighting_id, "Is the logo on the front or the side?")
    (message,) = smtp.messages
    assert message["To"] == RESIDENT
    assert message["From"] == "Hikwatch London <hello@hikwatch.test>"
    assert message["Subject"].startswith("Hikwatch: a question about your report ")
    assert message["Auto-Submitted"] == "auto-generated"
    body = body_of(message)
    assert "Is the logo on the front or the side?" in body
    link = REPLY_LINK.search(body).group(0)
    assert link.startswith("https://hikwatch.test/reply/")
    # The link opens the reply page with the question, for a browser that never saw it.
    page = mail_app.test_client().get(link.removeprefix("https://hikwatch.test"))
    assert page.status_code == 200 and "Is the logo on the front or the side?" in page.text
    assert outbox_rows(mail_app)[0]["sent"] is True
    assert contact_of(mail_app, sighting_id) == RESIDENT  # still pending: kept to ask again


def test_verified_links_to_the_camera_and_the_address_is_then_forgotten(
    mail_app, mail_moderator, smtp
):
    smtp.start()
    sighting_id = submit_report(mail_app, contact_email=RESIDENT)
    assert approve_new(mail_moderator, sighting_id).status_code == 302
    sent_in_background(mail_app)
    (message,) = smtp.messages
    assert message["Subject"].endswith("is on the map")
    assert "https://hikwatch.test/cameras/1" in body_of(message)
    assert contact_of(mail_app, sighting_id) is None


def test_not_used_gives_the_listed_reason_never_the_moderators_note(mail_app, mail_moderator, smtp):
    smtp.start()
    sighting_id = submit_report(mail_app, contact_email=RESIDENT)
    data = {"reject-reason": "photo_unusable", "reject-note": "PRIVATE-NOTE blurry, and rude"}
    decide(mail_moderator, f"/moderate/sightings/{sighting_id}/reject", data)
    (message,) = smtp.messages
    body = body_of(message)
    assert message["Subject"].endswith("was not used")
    assert "Reason: Photo unusable" in body and "PRIVATE-NOTE" not in body
    assert contact_of(mail_app, sighting_id) is None


def test_no_address_no_email(mail_app, mail_moderator, smtp):
    smtp.start()
    sighting_id = submit_report(mail_app)
    ask(mail_moderator, sighting_id)
    assert outbox_rows(mail_app) == [] and smtp.messages == []


# ---------- nothing is lost while the server is down ----------


def test_a_message_waits_while_the_server_is_down_and_goes_once_it_is_up(
    mail_app, mail_moderator, smtp
):
    sighting_id = submit_report(mail_app, contact_email=RESIDENT)
    keys_before = reply_keys(mail_app)
    ask(mail_moderator, sighting_id, "Could you send a closer photo?")
    (row,) = outbox_rows(mail_app)
    assert row["sent"] is False and row["attempts"] == 1
    assert "Connection refused" in row["last_error"] or "ConnectionRefused" in row["last_error"]
    assert row["next_attempt_at"] > utcnow() + timedelta(seconds=30)
    # No key was kept for a link that nobody received.
    assert reply_keys(mail_app) == keys_before

    runner = mail_app.test_cli_runner()
    not_yet = runner.invoke(args=["mail", "send-pending"])
    assert not_yet.exit_code == 0 and "Sent 0" in not_yet.output
    still_down = runner.invoke(args=["mail", "send-pending", "--now"])
    assert "Sent 0; 1 to try again later" in still_down.output
    assert outbox_rows(mail_app)[0]["attempts"] == 2

    smtp.start()
    sent = runner.invoke(args=["mail", "send-pending", "--now"])
    assert sent.exit_code == 0 and "Sent 1" in sent.output, sent.output
    (message,) = smtp.messages
    body = body_of(message)
    assert "Could you send a closer photo?" in body
    link = REPLY_LINK.search(body).group(0).removeprefix("https://hikwatch.test")
    assert mail_app.test_client().get(link).status_code == 200
    assert outbox_rows(mail_app)[0]["sent"] is True
    # Sent once: running again sends nothing more.
    assert "Sent 0" in runner.invoke(args=["mail", "send-pending", "--now"]).output
    assert len(smtp.messages) == 1


def test_retries_wait_longer_each_time_up_to_an_hour():
    minutes = [outbox.retry_delay(n).total_seconds() / 60 for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_a_due_retry_goes_without_being_forced(mail_app, mail_moderator, smtp):
    sighting_id = submit_report(mail_app, contact_email=RESIDENT)
    ask(mail_moderator, sighting_id)
    smtp.start()
    with mail_app.app_context():
        assert delivery.send_due(utcnow()).sent == 0  # its minute has not passed
        later = utcnow() + timedelta(minutes=2)
        assert delivery.send_due(later).sent == 1
    assert len(smtp.messages) == 1


def test_an_address_the_server_refuses_is_not_retried(tmp_path, database_uri):
    with SmtpServer(refused=frozenset({"nobody@example.org"})) as server:
        app = create_app(
            {
                **base_config(tmp_path, tmp_path / "x.db"),
                "SQLALCHEMY_DATABASE_URI": database_uri,
                **mail_config(server),
            }
        )
        from tests.accounts import log_in, make_user

        make_user(app, "moderator@example.org", "moderator")
        client = app.test_client()
        log_in(client, "moderator@example.org")
        sighting_id = submit_report(app, contact_email="nobody@example.org")
        data = {"reject-reason": "not_hikvision"}
        decide(client, f"/moderate/sightings/{sighting_id}/reject", data)
        (row,) = outbox_rows(app)
        assert row["failed"] is True and "550" in row["last_error"]
        with app.app_context():
            assert delivery.send_due(utcnow() + timedelta(days=1), ignore_backoff=True).sent == 0
        assert server.messages == []
        assert contact_of(app, sighting_id) is None
        page = client.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
        assert "Refused by the mail server" in page
        with app.app_context():
            db.engine.dispose()


def test_two_senders_never_send_the_same_message(mail_app, mail_moderator, smtp):
    sighting_id = submit_report(mail_app, contact_email=RESIDENT)
    ask(mail_moderator, sighting_id)
    with mail_app.app_context():
        (message_id,) = db.session.execute(db.select(OutboundMail.id)).scalars()
        now = utcnow()
        assert outbox.hold(message_id, now) is True
        db.session.commit()
        assert outbox.hold(message_id, now) is False
        # A sender that died lets go after a while.
        assert outbox.hold(message_id, now + outbox.HOLD + timedelta(seconds=1)) is True


# ---------- email off ----------


def test_with_email_off_nothing_is_queued_and_the_address_goes_with_the_decision(
    app, moderator_client
):
    asked = submit_report(app, contact_email=RESIDENT)
    post_form(moderator_client, f"/moderate/sightings/{asked}/request-info", {"info-message": "?"})
    assert outbox_rows(app) == []
    assert contact_of(app, asked) == RESIDENT
    approved = submit_report(app, resource_bytes("newyear_london.jpg"), contact_email=RESIDENT)
    approve_new(moderator_client, approved)
    assert contact_of(app, approved) is None
    output = app.test_cli_runner().invoke(args=["mail", "send-pending"]).output
    assert "Email is off" in output


def test_the_outbox_has_no_address_on_the_site_and_keeps_no_key(mail_app, mail_moderator, smtp):
    smtp.start()
    sighting_id = submit_report(mail_app, contact_email=RESIDENT)
    ask(mail_moderator, sighting_id)
    key = REPLY_LINK.search(body_of(smtp.messages[0])).group(0).rsplit("/", 1)[1]
    with mail_app.app_context():
        rules = [rule.rule for rule in mail_app.url_map.iter_rules()]
        rows = db.session.execute(db.select(OutboundMail)).scalars().all()
        stored = repr([(row.details, row.site_url, row.last_error) for row in rows])
        hashes = db.session.execute(db.select(ReplyKey.key_hash)).scalars().all()
    assert [rule for rule in rules if "outbox" in rule or "mail" in rule] == []
    assert RESIDENT not in stored and key not in stored and key not in hashes
    assert hashlib.sha256(key.encode()).hexdigest() in hashes
