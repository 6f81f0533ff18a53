"""Forms. The JSON API validates through the same classes as the HTML pages."""

from __future__ import annotations

import math

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from hikwatch import vocab
from hikwatch.clock import london_today
from hikwatch.vocab import (
    Brand,
    BrandEvidence,
    CameraType,
    LocationSource,
    Mount,
    OperatorType,
    Word,
)


def choices(words: type[Word]) -> list[SelectChoice]:
    """A select's options: each stored value with its label, in the vocabulary's order."""
    return [SelectChoice(word.value, word.label) for word in words]


def contact_email_field() -> StringField:
    """The optional email a resident leaves on a report; only moderators ever see it."""
    return StringField(
        "Your email (optional, never published)",
        validators=[
            Optional(),
            Length(max=254),
            Email("Enter an email address like name@example.org.", check_deliverability=False),
        ],
    )


class FiniteFloatField(StringField):
    """A decimal number that must be finite: float() alone accepts 'nan' and 'inf'."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        raw = valuelist[0]
        try:
            number = float(raw) if not isinstance(raw, bool) else math.nan
        except (TypeError, ValueError):
            self.data = None
            raise ValueError(self.gettext("Enter a number.")) from None
        if not math.isfinite(number):
            self.data = None
            raise ValueError("Enter a finite number.")
        self.data = number

    def _value(self):
        return "" if self.data is None else repr(self.data)


def not_in_future(form, field):
    # London's today: just after midnight a resident's date is already ahead of UTC's.
    if field.data and field.data > london_today():
        raise ValidationError("The date seen cannot be in the future.")


class SightingFields(FlaskForm):
    """What a resident says about a camera (everything but the photo)."""

    upload_id = HiddenField("Photo", validators=[Optional(), Length(max=64)])
    lat = FiniteFloatField(
        "Latitude",
        validators=[InputRequired("Set the camera's location."), NumberRange(-90, 90)],
    )
    lon = FiniteFloatField(
        "Longitude",
        validators=[InputRequired("Set the camera's location."), NumberRange(-180, 180)],
    )
    location_source = SelectField(
        "How the location was found",
        choices=choices(LocationSource),
        default=LocationSource.TYPED,
    )
    accuracy_m = FiniteFloatField(
        "Accuracy (metres)", validators=[Optional(), NumberRange(0, 100_000)]
    )
    brand = SelectField(
        "Brand on the camera", choices=choices(Brand), default=vocab.DEFAULTS["brand"]
    )
    brand_evidence = SelectField(
        "How you know the brand",
        choices=choices(BrandEvidence),
        default=vocab.DEFAULTS["brand_evidence"],
    )
    camera_type = SelectField(
        "Camera type",
        choices=choices(CameraType),
        default=vocab.DEFAULTS["camera_type"],
    )
    mount = SelectField("Mounted on", choices=choices(Mount), default=vocab.DEFAULTS["mount"])
    direction = IntegerField(
        "Direction it faces (degrees from north, optional)",
        validators=[Optional(), NumberRange(0, 359, "Direction is 0 to 359 degrees.")],
    )
    operator_type = SelectField(
        "Who seems to run it",
        choices=choices(OperatorType),
        default=vocab.DEFAULTS["operator_type"],
    )
    seen_on = DateField("Date seen", validators=[Optional(), not_in_future])
    note = TextAreaField("Anything else (optional)", validators=[Optional(), Length(max=2000)])
    contact_email = contact_email_field()
    # "It's still there": the known camera this photo shows again (from its page).
    recheck_camera_id = IntegerField(
        "Camera photographed again",
        widget=HiddenInput(),
        validators=[Optional(), NumberRange(1, 2**31 - 1, "That camera number is not valid.")],
    )


class SubmitForm(SightingFields):
    """The no-JavaScript page: the photo travels with the form."""

    photo = FileField("Photo of the camera")
    lat = FiniteFloatField("Latitude", validators=[Optional(), NumberRange(-90, 90)])
    lon = FiniteFloatField("Longitude", validators=[Optional(), NumberRange(-180, 180)])
