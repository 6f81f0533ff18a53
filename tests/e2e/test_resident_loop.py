"""Closing the loop with the resident, in a real browser with a real mail server: a
moderator asks, the email arrives, the resident follows its link from another phone and
answers with words and a new photo, and the report is back at the top of the queue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import DESKTOP, PHONE
from tests.e2e.live_server import RESOURCES, LiveServer, create_account, live_server
from tests.e2e.staff_pages import flash_message, log_in, queue_item
from tests.e2e.submit_page import SubmitPage
from tests.mail_server import REPLY_LINK, SmtpServer, body_of, mail_config

pytestmark = pytest.mark.e2e

RESIDENT = "resident@example.org"
QUESTION = "We cannot read the logo. Could you send a closer photo?"
WATFORD = ("51.6565", "-0.3903")
CAMDEN = ("51.539000", "-0.142600")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def server(tmp_path: Path, migrated_database: Path, smtp: SmtpServer) -> Iterator[LiveServer]:
    """A server of this journey's own, sending email to the local SMTP server; links in
    the email use the address the moderator's browser used."""
    settings = {**mail_config(smtp), "PUBLIC_URL": ""}
    with live_server(tmp_path / "live-server", migrated_database, settings) as running:
        yield running


def ask_for_more(page: Page, reference: str, question: str) -> None:
    """A moderator opens the report from the queue and asks the resident a question."""
    page.goto("/moderate/")
    queue_item(page, reference).click()
    page.locator("summary", has_text="Needs more information").click()
    page.locator("#info-message").fill(question)
    page.get_by_role("button", name="Ask and keep it pending").click()
    assert "Asked for more information" in flash_message(page)


def test_a_resident_answers_through_the_link_in_the_email(
    make_context: Callable[..., BrowserContext], server: LiveServer, smtp: SmtpServer
):
    # A resident reports a camera from their phone and leaves their address.
    phone = make_context(PHONE).new_page()
    submit = SubmitPage(phone).open()
    submit.upload("big_ben.jpg")
    expect(submit.borough).to_have_text("Council area: Westminster")
    phone.locator("#contact_email").fill(RESIDENT)
    reference = submit.send()
    saved = phone.locator("#thanks-reply")
    expect(saved).to_have_text(REPLY_LINK)
    saved_link = saved.inner_text()
    assert_accessible(phone)  # the thank-you message with the private link

    moderator = make_context(DESKTOP).new_page()
    log_in(moderator, create_account(server.app, "loop-moderator@example.org"))
    ask_for_more(moderator, reference, QUESTION)

    # The email arrives at the mail server, with a link back to the site.
    (message,) = smtp.wait_for(1)
    assert message["To"] == RESIDENT and reference in message["Subject"]
    link = REPLY_LINK.search(body_of(message)).group(0)
    assert link.startswith(server.url + "/reply/")

    # The resident opens it on another phone (no cookies from the first) and answers.
    other_phone = make_context(PHONE).new_page()
    other_phone.goto(link)
    expect(other_phone.locator(".question")).to_have_text(QUESTION)
    expect(other_phone.locator("#reply-map")).to_be_visible()
    assert_accessible(other_phone)
    other_phone.locator("#message").fill("Here is a closer one, from under the camera.")
    other_phone.locator("#photo").set_input_files(RESOURCES / "newyear_london.jpg")
    other_phone.get_by_label("Use it instead of my first photo").check()
    other_phone.get_by_role("button", name="Send my answer").click()
    expect(other_phone.locator("main > .alert-success")).to_have_text(
        "Thank you: your answer is with the moderators."
    )
    expect(other_phone.locator(".answers")).to_contain_text("Here is a closer one")
    assert_accessible(other_phone)

    # Back at the top of the queue, marked; the answer and the new photo on the report.
    moderator.goto("/moderate/")
    first = moderator.locator(".queue-item").first
    expect(first).to_contain_text(reference)
    expect(first).to_contain_text("Resident replied")
    first.click()
    loop = moderator.locator(".resident-loop")
    expect(loop).to_contain_text("Resident replied")
    expect(loop).to_contain_text("Here is a closer one, from under the camera.")
    expect(loop).to_contain_text("now the report's photo")
    expect(loop).to_contain_text("“We need more information”: Sent")
    assert_accessible(moderator)

    # The resident's first browser still finds its own link on the tracking page.
    phone.goto(f"/track/{reference}")
    expect(phone.locator("#reply-link")).to_have_text(saved_link)
    expect(phone.locator(".facts")).to_contain_text("You answered the moderator's question")
    assert_accessible(phone)


def test_answering_without_javascript_by_typing_where_the_camera_is(
    make_context: Callable[..., BrowserContext], server: LiveServer, smtp: SmtpServer
):
    phone = make_context(PHONE).new_page()
    submit = SubmitPage(phone).open()
    submit.upload("big_ben.jpg")
    expect(submit.borough).to_have_text("Council area: Westminster")
    phone.locator("#contact_email").fill(RESIDENT)
    reference = submit.send()

    moderator = make_context(DESKTOP).new_page()
    log_in(moderator, create_account(server.app, "nojs-moderator@example.org"))
    ask_for_more(moderator, reference, "Is it on the corner of the next street?")
    link = REPLY_LINK.search(body_of(smtp.wait_for(1)[0])).group(0)

    plain = make_context(PHONE, java_script_enabled=False).new_page()
    plain.goto(link)
    expect(plain.locator("#reply-map")).to_be_hidden()
    # Outside London is refused, clearly, and nothing changes.
    plain.locator("#lat").fill(WATFORD[0])
    plain.locator("#lon").fill(WATFORD[1])
    plain.get_by_role("button", name="Send my answer").click()
    expect(plain.locator(".alert-error")).to_contain_text("outside the 33 London council areas")
    expect(plain.locator("#lat-error")).to_contain_text("outside the 33 London council areas")
    # In Camden it is taken, and the council area follows the pin.
    plain.locator("#lat").fill(CAMDEN[0])
    plain.locator("#lon").fill(CAMDEN[1])
    plain.get_by_role("button", name="Send my answer").click()
    expect(plain.locator("main > .alert-success")).to_be_visible()
    expect(plain.locator(".facts")).to_contain_text("Camden")
    expect(plain.locator(".answers")).to_contain_text("You moved the pin.")
