"""Forms for moderators' decisions and admins' account changes.

Each form on a page has its own prefix (approve-lat, reject-note...), so several can share
one page without clashing ids. CSRF is checked for every POST by the app-wide CSRFProtect;
the templates put the token in each form with the csrf_field() macro, so these forms do
not carry a second, prefixed copy of it.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from hikwatch.moderation.decisions import NOTE_MAX_CHARS, CameraDetails
from hikwatch.vocab import (
    Brand,
    BrandEvidence,
    CameraType,
    Mount,
    OperatorType,
    RejectReason,
    Role,
)
from hikwatch.web.forms import FiniteFloatField, choices, not_in_future


class ModerationForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect already refuses any POST without the session's token

    @classmethod
    def blank(cls, **kwargs) -> ModerationForm:
        """A form that ignores the request's data: for the forms not being submitted."""
        return cls(formdata=None, **kwargs)


def note_field(label: str, *validators) -> TextAreaField:
    return TextAreaField(label, validators=[*validators, Length(max=NOTE_MAX_CHARS)])


class CameraForm(ModerationForm):
    """Where a camera is and what it is, as the moderator settles it."""

    lat = FiniteFloatField("Latitude", validators=[InputRequired(), NumberRange(-90, 90)])
    lon = FiniteFloatField("Longitude", validators=[InputRequired(), NumberRange(-180, 180)])
    brand = SelectField("Brand", choices=choices(Brand))
    brand_evidence = SelectField("Brand evidence", choices=choices(BrandEvidence))
    camera_type = SelectField("Camera type", choices=choices(CameraType))
    mount = SelectField("Mounted on", choices=choices(Mount))
    direction = IntegerField(
        "Direction (degrees from north)",
        validators=[Optional(), NumberRange(0, 359, "Direction is 0 to 359 degrees.")],
    )
    operator_type = SelectField("Operator", choices=choices(OperatorType))
    brand_verified = BooleanField("Brand verified from the evidence")

    def details(self) -> CameraDetails:
        return CameraDetails(**{name: getattr(self, name).data for name in CameraDetails.FIELDS})


class ApproveForm(CameraForm):
    """Approve as a new camera: what the camera is, and, when known cameras are close, the
    moderator's word that this is another one."""

    different_camera = BooleanField("This is a different camera from the known ones listed")


class ConfirmForm(ModerationForm):
    camera_id = IntegerField(
        "Camera number", validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)]
    )
    verify_brand = BooleanField("Brand verified from the evidence")


class RejectForm(ModerationForm):
    reason = SelectField("Reason", choices=choices(RejectReason))
    note = note_field("Note (required for 'Other')", Optional())


class InfoRequestForm(ModerationForm):
    message = note_field(
        "What do you need to know? (shown on the resident's tracking page)",
        InputRequired("Write what you need to know."),
    )


class NoteForm(ModerationForm):
    note = note_field("Note (optional)", Optional())


class MergeForm(ModerationForm):
    into_id = IntegerField(
        "Merge into camera number",
        validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)],
    )
    note = note_field("Why (optional, kept in the audit trail)", Optional())


class RetractForm(ModerationForm):
    reason = note_field(
        "Why it was recorded in error (shown on the camera's public page)",
        InputRequired("Say why the camera was recorded in error."),
    )


class ReactivateForm(ModerationForm):
    on = DateField("Active again since (blank: today)", validators=[Optional(), not_in_future])
    note = note_field("Why (optional)", Optional())


class NewAccountForm(ModerationForm):
    email = EmailField(
        "Email",
        validators=[InputRequired(), Length(max=254), Email(check_deliverability=False)],
    )
    role = SelectField("Role", choices=choices(Role))
    password = PasswordField(
        "One-time password (blank: we make one and show it once)",
        validators=[Optional(), Length(min=12, max=200)],
    )


class RoleForm(ModerationForm):
    role = SelectField("Role", choices=choices(Role))
