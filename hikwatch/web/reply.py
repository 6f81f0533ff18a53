"""The resident's private reply page: answer a moderator's question with words, a photo or a
moved pin. Only the private key opens it; the public reference never does.

Works without JavaScript (one multipart form; coordinates can be typed); with it, a map
moves the pin. The page and its answers are kept out of caches and referrers, since the
key is in its address.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from hikwatch.errors import PhotoError, SubmissionError
from hikwatch.moderation import replies
from hikwatch.security.limits import rate_limit
from hikwatch.submissions import add_photo, commit_with_files, process_upload
from hikwatch.vocab import ReplyPhotoUse
from hikwatch.web.common import borough_index, file_store, photo_limits, upload_owner
from hikwatch.web.forms import FiniteFloatField, choices
from models import Sighting

bp = Blueprint("reply", __name__)

# This browser's reply keys by reference, so /track can show the link again to the
# browser that sent the report (and to nobody else). The session cookie is HTTP-only and
# lasts until the browser closes; only the newest few are kept.
SESSION_KEY = "reply_keys"
REMEMBERED = 5


class ReplyForm(FlaskForm):
    message = TextAreaField(
        "Your answer",
        validators=[Optional(), Length(max=replies.MESSAGE_MAX_CHARS)],
    )
    photo = FileField("A new photo (optional)")
    photo_use = RadioField(
        "What is the new photo for?",
        choices=choices(ReplyPhotoUse),
        default=ReplyPhotoUse.EXTRA,
    )
    lat = FiniteFloatField("Latitude", validators=[Optional(), NumberRange(-90, 90)])
    lon = FiniteFloatField("Longitude", validators=[Optional(), NumberRange(-180, 180)])


def remember_key(reference: str, key: str) -> None:
    keys = {ref: k for ref, k in dict(session.get(SESSION_KEY, {})).items() if ref != reference}
    keys[reference] = key
    session[SESSION_KEY] = dict(list(keys.items())[-REMEMBERED:])


def remembered_key(sighting: Sighting) -> str | None:
    """The reply key this browser was given for the report, if it still opens it."""
    key = dict(session.get(SESSION_KEY, {})).get(sighting.reference)
    found = replies.sighting_for_key(key)
    return key if found is not None and found.id == sighting.id else None


def reply_url(key: str) -> str:
    return url_for("reply.reply", key=key, _external=True)


def private(response: ResponseReturnValue) -> ResponseReturnValue:
    """The key is in the address: keep the page out of caches and other sites' logs."""
    page = make_response(response)
    page.headers["Cache-Control"] = "private, no-store"
    page.headers["Referrer-Policy"] = "no-referrer"
    return page


@bp.route("/reply/<key>", methods=["GET", "POST"])
@rate_limit("uploads")  # counts POSTs only: the form may carry a photo
def reply(key: str):
    """The report's status and, while a question is open, the form to answer it."""
    sighting = replies.sighting_for_key(key)
    if sighting is None:
        abort(404, "This reply link does not open any report. Check that you copied all of it.")
    form = ReplyForm(data={"lat": sighting.lat, "lon": sighting.lon})
    error, status = None, 200
    if form.validate_on_submit():
        try:
            answer(sighting, form)
        except (SubmissionError, PhotoError) as refusal:
            field = form._fields.get(refusal.field or "")
            if field is not None:
                field.errors = [*field.errors, refusal.message]
            error, status = refusal.message, refusal.status
        else:
            flash("Thank you: your answer is with the moderators.", "success")
            return private(redirect(url_for(".reply", key=key), 303))
    elif form.is_submitted():
        error, status = "Please correct the highlighted fields.", 400
    return private(
        (
            render_template(
                "reply/reply.html",
                sighting=sighting,
                form=form,
                error=error,
                open_question=replies.awaiting_reply(sighting),
                answers=replies.replies_to(sighting.id),
            ),
            status,
        )
    )


def answer(sighting: Sighting, form: ReplyForm) -> None:
    """Store the answer and any photo together: whole, or not at all."""
    upload = chosen_file(request.files.getlist("photo"))
    processed = original = None
    if upload is not None:
        original = upload.read()
        processed = process_upload(original, photo_limits())
    store = file_store()
    with commit_with_files(store) as written:
        photo = None
        if processed is not None and original is not None:
            photo = add_photo(original, processed, store, written, upload_owner())
        replies.record_answer(
            sighting,
            replies.Answer(
                message=form.message.data,
                photo=photo,
                photo_use=ReplyPhotoUse.of(form.photo_use.data) or ReplyPhotoUse.EXTRA,
                lat=form.lat.data,
                lon=form.lon.data,
            ),
            borough_index(),
        )


def chosen_file(files: list[FileStorage]) -> FileStorage | None:
    return next((f for f in files if f and f.filename), None)
