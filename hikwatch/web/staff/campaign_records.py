"""Admins keep each borough's campaign record: motion, removal timetable, FOI finding."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from hikwatch.evidence import campaign
from hikwatch.security.accounts import admin_required
from hikwatch.vocab import FoiFinding, MotionStatus
from hikwatch.web.evidence_support import borough_or_404
from hikwatch.web.forms import choices
from models import BoroughCampaign, db

bp = Blueprint("campaign", __name__, url_prefix="/admin/boroughs")


def web_address(form, field) -> None:
    """Sources must be ordinary web links that any reader can open."""
    if not field.data:
        return
    parts = urlsplit(field.data.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("Give a web address starting with http:// or https://.")


def url_field(label: str) -> StringField:
    return StringField(
        label,
        validators=[Optional(), Length(max=500), web_address],
        filters=[lambda v: (v or "").strip() or None],
    )


def text_filter(value: str | None) -> str | None:
    return (value or "").strip() or None


class CampaignForm(FlaskForm):
    motion_status = SelectField("Motion status", choices=choices(MotionStatus))
    motion_date = DateField("Date of the motion or of its latest step", validators=[Optional()])
    motion_source_url = url_field("Source: the council's minutes or agenda")
    timetable_target = DateField("Committed target date for removal", validators=[Optional()])
    timetable_scope = TextAreaField(
        "What the council committed to remove, in its words",
        validators=[Optional(), Length(max=2000)],
        filters=[text_filter],
    )
    timetable_source_url = url_field("Source of the timetable")
    foi_finding = SelectField("FOI finding", choices=choices(FoiFinding))
    foi_date = DateField("Date of the FOI answer", validators=[Optional()])
    foi_source = StringField(
        "FOI source (who asked, what reference)",
        validators=[Optional(), Length(max=300)],
        filters=[text_filter],
    )
    foi_source_url = url_field("FOI source link")
    note = TextAreaField(
        "Note for the public record (optional, shown publicly: no names)",
        validators=[Optional(), Length(max=1000)],
        filters=[text_filter],
    )


@bp.route("/<slug>/campaign", methods=["GET", "POST"])
@admin_required
def edit(slug: str):
    """Edit one borough's record; each change is audited and shown on the borough page."""
    borough = borough_or_404(slug)
    record = db.session.get(BoroughCampaign, borough.code)
    if record is None:
        record = BoroughCampaign(borough_code=borough.code, motion_status="none",
                                 foi_finding="unknown")  # fmt: skip
        db.session.add(record)
    form = CampaignForm(obj=record)
    if form.validate_on_submit():
        values = {name: form[name].data for name in campaign.FIELDS}
        event = campaign.update_campaign(record, values, current_user, form.note.data)
        db.session.commit()
        flash("Campaign record saved." if event else "Nothing changed.", "success")
        return redirect(url_for("boroughs.show", slug=borough.slug) + "#record", 303)
    status = 400 if form.is_submitted() else 200
    return render_template("campaign/edit.html", borough=borough, form=form), status
