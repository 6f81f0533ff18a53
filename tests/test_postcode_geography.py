"""The borough boundaries agree with the ONS Postcode Directory on where London's
postcodes are, and the few disagreements sit on a boundary."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from hikwatch.geo import Borough, BoroughIndex
from hikwatch.postcode_geography import compare
from hikwatch.postcodes import PostcodeDirectory, PostcodePlace

# Measured with `flask --app app postcodes check` on the November 2025 edition: 331,952 of
# 331,981 agree (99.991%); the 29 others are all within 3 m of a boundary (14 of them
# share one point 3.0 m inside Kensington and Chelsea that the ONS puts in Westminster).
MEASURED_AGREEMENT = 0.9999
FARTHEST_DISAGREEMENT_M = 5


def test_ons_and_the_boundaries_agree_on_londons_postcodes(app, london_postcodes):
    result = compare(london_postcodes, app.extensions["borough_index"])
    assert result.total == len(london_postcodes)
    assert result.share >= MEASURED_AGREEMENT, f"{result.share:.5%}"
    assert result.outside_london() == 0
    farthest = max((d.boundary_m for d in result.disagreements), default=0)
    assert farthest <= FARTHEST_DISAGREEMENT_M, result.disagreements[:5]


# Two square "boroughs" side by side, 0.01° (about 700 m east-west) wide.
WEST = Borough("E09000001", "West", "west")
EAST = Borough("E09000002", "East", "east")
TWO_SQUARES = BoroughIndex(
    [WEST, EAST], [box(0.0, 51.5, 0.01, 51.51), box(0.01, 51.5, 0.02, 51.51)]
)


def test_disagreements_are_listed_with_their_distance_to_a_boundary():
    directory = PostcodeDirectory.from_places(
        [
            PostcodePlace("A1 1AA", 51.505, 0.005, "E09000001"),  # agrees
            PostcodePlace("A1 1AB", 51.505, 0.015, "E09000002"),  # agrees
            # ONS says West; the point is in East, 0.001° (about 69 m) past the boundary.
            PostcodePlace("A1 1AD", 51.505, 0.011, "E09000001"),
            # Outside both, 0.001° of latitude (about 111 m) north of them.
            PostcodePlace("A1 1AE", 51.511, 0.015, "E09000002"),
        ]
    )
    result = compare(directory, TWO_SQUARES)
    assert (result.total, result.agreeing, result.share) == (4, 2, 0.5)
    assert result.outside_london() == 1
    farthest, nearer = result.disagreements
    assert (farthest.postcode, farthest.index_code) == ("A1 1AE", None)
    assert farthest.boundary_m == pytest.approx(111.2, abs=1)
    assert (nearer.postcode, nearer.ons_code, nearer.index_code) == (
        "A1 1AD",
        "E09000001",
        "E09000002",
    )
    assert nearer.boundary_m == pytest.approx(69.2, abs=1)
    assert (result.within(100), result.within(200)) == (1, 2)


def test_the_check_command_reports_the_agreement_and_lists_disagreements(runner, london_postcodes):
    result = runner.invoke(args=["postcodes", "check", "--show", "3"])
    assert result.exit_code == 0, result.output
    assert f"{len(london_postcodes):,} London postcodes" in result.output
    assert "agree on" in result.output and "Disagreements by distance" in result.output
    listed = [line for line in result.output.splitlines() if line.endswith(" m")]
    assert len(listed) == 3


def test_the_check_command_says_how_to_build_a_missing_file(app, runner, tmp_path):
    app.config["POSTCODES_FILE"] = str(tmp_path / "not-built.npz")
    result = runner.invoke(args=["postcodes", "check"])
    assert result.exit_code != 0
    assert "scripts/build_postcodes.py" in result.output
