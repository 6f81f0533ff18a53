"""Public pages that need no account."""

from __future__ import annotations

import csv
import functools

from flask import Blueprint, current_app, render_template

from hikwatch.evidence import counts
from hikwatch.web.evidence_support import borough_counts, borough_summaries, shading

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    """The home page: what Hikwatch is, the call to report a camera, and the map."""
    breaks, legend = shading()
    return render_template(
        "public/home.html",
        breaks=breaks,
        legend=legend,
        totals=counts.london_totals(borough_counts()),
        boroughs=borough_summaries(),
    )


@bp.get("/methodology")
def methodology():
    """How a camera becomes counted, and what each figure means."""
    return render_template("public/methodology.html")


@bp.get("/about")
def about():
    """What Hikwatch is, where its data comes from, and the attributions we owe."""
    foi_yes = councils_named_by_the_foi(current_app.config["FOI_CSV"])
    return render_template("public/about.html", foi_yes=foi_yes)


@functools.cache
def councils_named_by_the_foi(path: str) -> int:
    """How many councils the 2021 FOI investigation named: a fixed fact, read once."""
    with open(path, newline="", encoding="utf-8") as handle:
        return sum(1 for row in csv.DictReader(handle) if row["foi_reports_hikvision"] == "yes")
