"""Parts-list parser: golden files from the simulator builder, exact elevation choice, malformed input."""

import base64
import contextlib
import dataclasses
import hashlib
import json
import os
import random
import sqlite3
import tempfile
from pathlib import Path

import pytest

from logikal_connector.logikal import partslist
from logikal_connector.logikal.exceptions import (
    PartsListCorrupt,
    PartsListElevationNotFound,
    PartsListError,
    PartsListMissingColumn,
    PartsListMissingTable,
    PartsListNotSqlite,
    PartsListTooLarge,
)
from logikal_connector.logikal.partslist import (
    BomLine,
    ElevationInfo,
    GlassLine,
    decode_parts_payload,
    parse_parts_list,
)
from logikal_sim.partsdb import build_multi_parts_db, build_parts_db, plan_elevation

DATA = Path(__file__).parent / "data" / "parts"
# The project, phase and elevations below spell out their values on purpose (test_partsdb.py has look-alikes):
# each file's expectations read from its own inputs.
PROJECT = {"id": "5ddb1393-56eb-4280-9f7e-3c3aec51483c", "name": "DOS22309"}
PHASE = {"id": "00000000-0000-0000-0000-000000000000", "name": "Posities zonder levering"}
MASTERLINE = {
    "id": "15782e4d-8f0a-4c1e-9b2d-3a4b5c6d7e8f",
    "versionId": "a3c1d2e4-0000-4000-8000-00000000beef",
    "name": "P03",
    "automaticDescription": "Sliding door 2-part ",
    "systemDescription": "Reynaers MasterLine 8",
    "width": 3100.0,
    "height": 2245.0,
    "surfaceOfBaseElement": {"name": "RAL 7016 fine structure"},
}
ELEVATIONS = [
    MASTERLINE,
    {
        "id": "AB000000-0000-4000-8000-000000000002",
        "name": "P10",
        "systemDescription": "Schüco AWS 75.SI+",
        "width": 812.5,
        "height": 1333.3,
        "surfaceOfBaseElement": {"name": None, "colorOutside": "RAL 9005"},
    },
    {
        "id": "ab000000-0000-4000-8000-000000000003",
        "name": "V1",
        "systemDescription": "Generic",
        "width": "not a number",
        "surfaceOfBaseElement": None,
    },
    {"id": "ab000000-0000-4000-8000-000000000004"},
]
CASES = [
    (elevation, profile, variant)
    for elevation in ELEVATIONS
    for profile in ("real", "small")
    for variant in ("production", "legacy")
]
P1_GUID = "0a1b2c3d-0000-4000-8000-000000000001"
P10_GUID = "0a1b2c3d-0000-4000-8000-000000000010"


def fixture(name):
    return (DATA / name).read_bytes()


def expected_elevation(elevation):
    """The builder's documented derivation, written out independently of logikal_sim."""

    def size(key):
        try:
            return round(float(elevation.get(key)), 1)
        except (TypeError, ValueError):
            return 1000.0

    width, height = size("width"), size("height")
    area = round(width * height / 1e6, 3)
    long_name = (elevation.get("systemDescription") or "").strip() or "Generic System"
    words = long_name.split()
    name = " ".join(words[1:]) or long_name
    tail = "".join(w if w[0].isdigit() else w[0] for w in words[1:]).upper()
    surface = elevation.get("surfaceOfBaseElement") or {}
    colour = surface.get("name") or surface.get("colorOutside") or surface.get("colorInside") or None
    label = elevation.get("name") or "Elevation"
    automatic = (elevation.get("automaticDescription") or "").strip()
    return ElevationInfo(
        auto_description=automatic or f"{label} {width:g} x {height:g} mm",
        auto_description_short=f"{name} {width:g}x{height:g}",
        width=width,
        width_unit="mm",
        height=height,
        height_unit="mm",
        weight=round(area * 32.0, 2),
        weight_unit="kg",
        area=area,
        area_unit="m²",
        system_code=words[0][:3].upper() + (f"-{tail}" if tail else ""),
        system_name=name,
        system_long_name=long_name,
        color_base=colour,
    )


def expected_lines(elevation, profile):
    plan = plan_elevation(elevation, profile=profile)
    glass = tuple(
        GlassLine(str(g["glass_id"]), g["name"], g["width"], g["height"], g["area"], g["quantity"]) for g in plan.glass
    )
    columns = [field.name for field in dataclasses.fields(BomLine) if field.name != "kind"]
    bom = tuple(
        BomLine(kind, *(row[column] for column in columns))
        for kind, rows in (("article", plan.articles), ("profile", plan.profiles))
        for row in rows
    )
    return glass, bom


# --- golden files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("elevation", "profile", "variant"), CASES)
def test_every_field_matches_the_input_elevation(elevation, profile, variant):
    data = build_parts_db(PROJECT, PHASE, elevation, profile=profile, variant=variant)
    result = parse_parts_list(data, elevation_id=elevation["id"])
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.elevation == expected_elevation(elevation)
    glass, bom = expected_lines(elevation, profile)
    assert result.glass == glass
    assert result.bom == bom
    assert result.missing_tables == ()
    assert len(result.glass) >= 1 and {line.kind for line in result.bom} == {"article", "profile"}


def test_masterline_values_spelled_out():
    info = parse_parts_list(build_parts_db(PROJECT, PHASE, MASTERLINE, variant="legacy")).elevation
    assert (info.width, info.height, info.area, info.weight) == (3100.0, 2245.0, 6.96, 222.72)
    assert (info.system_code, info.system_name, info.system_long_name) == (
        "REY-M8",
        "MasterLine 8",
        "Reynaers MasterLine 8",
    )
    assert (info.auto_description, info.color_base) == ("Sliding door 2-part", "RAL 7016 fine structure")


@pytest.mark.parametrize("variant", ["production", "legacy"])
def test_golden_json(variant):
    spec = json.loads((DATA / f"golden_small_{variant}.json").read_text(encoding="utf-8"))
    elevation = dict(MASTERLINE, automaticDescription="Sliding door 2-part", amount=2.0)
    elevation["surfaceOfBaseElement"] = {
        "name": "RAL 7016 fine structure",
        "colorInside": "RAL 9016",
        "colorOutside": "RAL 7016",
    }
    data = build_parts_db(
        dict(PROJECT, name="DOS22309 ", jobNumber="0000003948"),
        PHASE,
        elevation,
        profile="small",
        variant=variant,
    )
    result = parse_parts_list(data, elevation_id=elevation["id"]).as_dict()
    assert result.pop("sha256") == hashlib.sha256(data).hexdigest()
    assert result == spec


@pytest.mark.parametrize(
    "selector",
    [
        {},
        {"elevation_name": "P03"},
        {"elevation_name": "  P03\t"},
        {"elevation_id": "{15782E4D-8F0A-4C1E-9B2D-3A4B5C6D7E8F}"},
        {"elevation_id": "15782e4d8f0a4c1e9b2d3a4b5c6d7e8f"},
    ],
)
def test_every_selector_finds_the_single_row(selector):
    data = build_parts_db(PROJECT, PHASE, MASTERLINE, profile="small")
    assert parse_parts_list(data, **selector).elevation == expected_elevation(MASTERLINE)


def test_result_is_frozen():
    result = parse_parts_list(build_parts_db(PROJECT, PHASE, MASTERLINE, profile="small"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.sha256 = "x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.elevation.width = 1.0
    assert isinstance(result.glass, tuple) and isinstance(result.bom, tuple)


def test_enrichment_declaration_drives_the_value_object():
    """ElevationInfo and the Elevations column map follow ENRICHMENT, in its order; only sizes are numbers."""
    names = [spec.name for spec in partslist.ENRICHMENT]
    assert [field.name for field in dataclasses.fields(ElevationInfo)] == names
    assert list(partslist.ELEVATION_COLUMNS) == names == list(partslist.REQUIRED["Elevations"])
    assert {spec.kind for spec in partslist.ENRICHMENT} <= {"text", "char", "float"}
    assert {spec.name for spec in partslist.ENRICHMENT if spec.numeric} == {"width", "height", "weight", "area"}
    assert len({spec.field for spec in partslist.ENRICHMENT}) == len(names), "one Odoo field per value"
    assert all(spec.label and spec.columns for spec in partslist.ENRICHMENT)


# --- choosing the elevation: exact, never LIKE, never "first row" -----------------------------------------


@pytest.mark.parametrize(
    ("selector", "width"),
    [
        ({"elevation_id": P1_GUID}, 1001.0),
        ({"elevation_id": "{" + P1_GUID.upper() + "}"}, 1001.0),
        ({"elevation_name": "P1"}, 1001.0),
        ({"elevation_name": "P10"}, 1010.0),
        ({"elevation_id": P10_GUID}, 1010.0),
        ({"elevation_id": P10_GUID, "elevation_name": "P1"}, 1010.0),
    ],
)
def test_multi_row_file_picks_exactly_the_requested_row(selector, width):
    result = parse_parts_list(fixture("multi_p1_p10.sqlite"), **selector)
    name = "P1" if width == 1001.0 else "P10"
    assert result.elevation.width == width
    assert [line.name for line in result.glass] == [f"glass of {name}"]
    assert [line.code for line in result.bom] == [f"ART-{name}", "ART-SHARED"]


@pytest.mark.parametrize(
    "selector",
    [
        {"elevation_name": "p1"},
        {"elevation_name": "P"},
        {"elevation_name": "P1%"},
        {"elevation_name": ""},
        {"elevation_id": "0a1b2c3d-0000-4000-8000-000000000099"},
    ],
)
def test_multi_row_file_without_exact_match_is_not_found(selector):
    with pytest.raises(PartsListElevationNotFound) as caught:
        parse_parts_list(fixture("multi_p1_p10.sqlite"), **selector)
    assert caught.value.table == "Elevations"
    assert "Elevations" in str(caught.value)


def test_multi_row_file_without_selector_is_refused():
    with pytest.raises(PartsListElevationNotFound, match="3 rows"):
        parse_parts_list(fixture("multi_p1_p10.sqlite"))


@pytest.mark.parametrize("selector", [{"elevation_name": "P1"}, {"elevation_id": P1_GUID}])
def test_file_without_the_requested_elevation_is_not_found(selector):
    with pytest.raises(PartsListElevationNotFound, match="P1|" + P1_GUID) as caught:
        parse_parts_list(fixture("only_p10.sqlite"), **selector)
    assert caught.value.table == "Elevations"
    assert caught.value.column == ("Name" if "elevation_name" in selector else "ElevationID")


def test_malformed_guid_request_is_not_found():
    with pytest.raises(PartsListElevationNotFound, match="not a GUID"):
        parse_parts_list(fixture("only_p10.sqlite"), elevation_id="P10' OR 1=1")


def test_builder_multi_file_filters_child_rows_by_elevation():
    first = dict(MASTERLINE, name="P1")
    second = dict(MASTERLINE, id="15782e4d-8f0a-4c1e-9b2d-3a4b5c6d7e90", name="P10", width=1200.0)
    data = build_multi_parts_db(PROJECT, PHASE, [second, first], profile="real")
    for elevation in (first, second):
        for selector in ({"elevation_id": elevation["id"]}, {"elevation_name": elevation["name"]}):
            result = parse_parts_list(data, **selector)
            assert result.elevation == expected_elevation(elevation)
            assert (result.glass, result.bom) == expected_lines(elevation, "real")


def test_id_without_guid_column_needs_the_name(tmp_path):
    data = _without_guid_column(fixture("valid_min.sqlite"), tmp_path)
    with pytest.raises(PartsListMissingColumn, match="ElevationID") as caught:
        parse_parts_list(data, elevation_id=P1_GUID)
    assert (caught.value.table, caught.value.column) == ("Elevations", "ElevationID")
    assert parse_parts_list(data, elevation_id=P1_GUID, elevation_name="P1").elevation.width == 1000.0


def _without_guid_column(data, directory):
    path = directory / "edit.sqlite"
    path.write_bytes(data)
    connection = sqlite3.connect(path)
    connection.execute("ALTER TABLE Elevations DROP COLUMN ElevationID")
    connection.commit()
    connection.close()
    return path.read_bytes()


# --- one fixture per failure class --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error", "table", "column", "words"),
    [
        ("not_sqlite.bin", PartsListNotSqlite, None, None, "not an SQLite"),
        ("truncated.sqlite", PartsListCorrupt, None, None, "truncated"),
        ("corrupt.sqlite", PartsListCorrupt, None, None, "malformed"),
        ("no_elevations.sqlite", PartsListMissingTable, "Elevations", None, "Elevations"),
        ("no_width_column.sqlite", PartsListMissingColumn, "Elevations", "Width_Output", "Width_Output"),
        ("glass_without_glassid.sqlite", PartsListMissingColumn, "Glass", "GlassID", "GlassID"),
        ("only_p10.sqlite", PartsListElevationNotFound, "Elevations", "Name", "'P1'"),
    ],
)
def test_malformed_fixture(name, error, table, column, words):
    with pytest.raises(error) as caught:
        parse_parts_list(fixture(name), elevation_name="P1")
    assert isinstance(caught.value, PartsListError)
    assert (caught.value.table, caught.value.column) == (table, column)
    assert words in str(caught.value)
    for part in (table, column):
        assert part is None or part in str(caught.value)


def test_size_cap():
    data = fixture("valid_min.sqlite")
    with pytest.raises(PartsListTooLarge, match="1000-byte cap"):
        parse_parts_list(data, max_bytes=1000)
    assert parse_parts_list(data, max_bytes=len(data)).elevation.width == 1000.0


def test_row_cap_names_the_table():
    data = build_parts_db(PROJECT, PHASE, MASTERLINE, profile="real")
    with pytest.raises(PartsListTooLarge, match="Articles") as caught:
        parse_parts_list(data, max_rows=10)
    assert caught.value.table == "Articles"


def test_default_row_cap_stops_100k_bom_lines(tmp_path):
    path = tmp_path / "huge.sqlite"
    path.write_bytes(fixture("valid_min.sqlite"))
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE Articles (ArticleCode TEXT, Amount REAL)")
    connection.executemany("INSERT INTO Articles VALUES (?, 1)", ((f"A{i}",) for i in range(100_001)))
    connection.commit()
    connection.close()
    with pytest.raises(PartsListTooLarge, match="100000 rows"):
        parse_parts_list(path.read_bytes())


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00",
        b"SQLite format 3",
        b"SQLite format 3\x00",
        b"SQLite format 3\x00" + b"\xff" * 84,
        b"SQLite format 3\x00" + bytes(range(256)) * 8,
        hashlib.sha512(b"noise").digest() * 64,
        "SQLite format 3\x00 as text",
        None,
        12345,
        bytearray(b"junk"),
    ],
)
def test_garbage_raises_only_parts_list_errors(data):
    with pytest.raises(PartsListError):
        parse_parts_list(data)


def test_byte_flips_never_escape_as_other_exceptions():
    original = build_parts_db(PROJECT, PHASE, MASTERLINE, profile="small")
    rng = random.Random(20240611)
    outcomes = {"ok": 0, "error": 0}
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            parse_parts_list(bytes(data), elevation_id=MASTERLINE["id"])
            outcomes["ok"] += 1
        except PartsListError:
            outcomes["error"] += 1
    assert outcomes["error"] > 0 and sum(outcomes.values()) == 300


def test_sqlite_errors_are_wrapped(monkeypatch):
    def broken(*args):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(partslist._Reader, "rows", broken)
    with pytest.raises(PartsListCorrupt, match="disk I/O error"):
        parse_parts_list(fixture("valid_min.sqlite"))


# --- hostile content ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile():
    return parse_parts_list(fixture("hostile_strings.sqlite"))


def test_hostile_numbers_are_tolerated(hostile):
    info = hostile.elevation
    assert (info.width, info.height, info.weight, info.area) == (3100.5, 2245.25, None, None)
    assert [(g.glass_id, g.width, g.height, g.area, g.quantity) for g in hostile.glass] == [
        ("G1", 1000.0, None, None, 2.0),
        ("7", 10.0, 20.0, 0.0002, 1.0),
    ]
    assert [(b.code, b.quantity, b.price) for b in hostile.bom] == [
        ("' OR 1=1 --", 1.5, 9.99),
        ("42", None, None),
    ]


def test_hostile_strings_are_kept_verbatim_but_cleaned(hostile):
    info = hostile.elevation
    assert info.auto_description == "<script>alert(1)</script>"
    assert info.auto_description_short == "A" * 1000
    assert (info.width_unit, info.height_unit, info.area_unit) == ("mm", None, "m²")
    assert (info.system_code, info.system_name, info.system_long_name) == ("12345", "Ünïcødé ✓ 系统", None)
    assert info.color_base == "Colorwith NUL"
    assert hostile.bom[0].description == "%LIKE%"
    text = json.dumps(hostile.as_dict(), ensure_ascii=False)
    assert "\x00" not in text and "\\u0000" not in text


def test_views_are_never_read_as_tables(hostile):
    assert hostile.missing_tables == ("Profiles",)
    assert {line.kind for line in hostile.bom} == {"article"}


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("1234,5", 1234.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1 234,5", 1234.5),
        ("3100 mm", 3100.0),
        ("-2,5", -2.5),
        ("1e3", 1000.0),
        ("0,0002", 0.0002),
        (7, 7.0),
        (2.5, 2.5),
        ("abc", None),
        ("", None),
        (None, None),
        (b"12", None),
        (float("nan"), None),
        (float("inf"), None),
        ("9" * 400, None),
    ],
)
def test_number_parsing(raw, number):
    assert partslist._number(raw) == number


# --- temporary files ----------------------------------------------------------------------------------------


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    "name",
    [
        "valid_min.sqlite",
        "corrupt.sqlite",
        "no_width_column.sqlite",
        "multi_p1_p10.sqlite",
        "hostile_strings.sqlite",
    ],
)
def test_temporary_directory_is_removed_on_success_and_error(private_tmp, name):
    with contextlib.suppress(PartsListError):
        parse_parts_list(fixture(name), elevation_name="P1")
    assert os.listdir(private_tmp) == []


def test_wal_mode_file_opens_without_side_files(private_tmp, monkeypatch):
    data = bytearray(build_parts_db(PROJECT, PHASE, MASTERLINE, profile="small"))
    data[18] = data[19] = 2
    seen = []
    original = partslist._quick_check

    def spy(connection):
        original(connection)
        seen.extend(sorted(str(p.relative_to(private_tmp)) for p in private_tmp.rglob("*")))

    monkeypatch.setattr(partslist, "_quick_check", spy)
    assert parse_parts_list(bytes(data)).elevation == expected_elevation(MASTERLINE)
    assert len(seen) == 2 and seen[0].startswith("logikal-parts-") and seen[1].endswith("/parts.sqlite")
    assert os.listdir(private_tmp) == []


# --- decode_parts_payload -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_file():
    return build_parts_db(PROJECT, PHASE, MASTERLINE, profile="small")


def test_decode_accepts_raw_base64_and_envelope(small_file):
    encoded = base64.b64encode(small_file)
    assert decode_parts_payload(small_file) == small_file
    assert decode_parts_payload(encoded) == small_file
    assert decode_parts_payload(encoded.decode()) == small_file
    assert decode_parts_payload(base64.encodebytes(small_file)) == small_file
    assert decode_parts_payload(json.dumps({"data": encoded.decode()})) == small_file


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ("", PartsListNotSqlite),
        ("   \n", PartsListNotSqlite),
        ("not base64!!", PartsListNotSqlite),
        (base64.b64encode(b"hello world, not sqlite"), PartsListNotSqlite),
        ('{"data": 5}', PartsListNotSqlite),
        ("{broken json", PartsListNotSqlite),
        (b"\xff\xfe\x00garbage", PartsListNotSqlite),
        ('{"a":' + "[" * 100_000, PartsListNotSqlite),
    ],
)
def test_decode_rejects_garbage(payload, error):
    with pytest.raises(error):
        decode_parts_payload(payload)


def test_decode_size_cap(small_file):
    with pytest.raises(PartsListTooLarge):
        decode_parts_payload(base64.b64encode(small_file), max_bytes=len(small_file) - 1)
    with pytest.raises(PartsListTooLarge):
        decode_parts_payload(small_file, max_bytes=len(small_file) - 1)
    assert decode_parts_payload(base64.b64encode(small_file), max_bytes=len(small_file)) == small_file
