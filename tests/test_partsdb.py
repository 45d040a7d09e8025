"""The simulator's parts-list builder: layout, spellings, derived values, determinism, sizes."""

import os
import sqlite3
import tempfile

import pytest

from logikal_sim.partsdb import build_multi_parts_db, build_parts_db, plan_elevation

PROJECT = {"id": "5ddb1393-56eb-4280-9f7e-3c3aec51483c", "name": "DOS22309", "jobNumber": "0000003948"}
PHASE = {"id": "00000000-0000-0000-0000-000000000000", "name": "Posities zonder levering"}
ELEVATION = {
    "id": "15782e4d-8f0a-4c1e-9b2d-3a4b5c6d7e8f",
    "versionId": "0f0e0d0c-0000-4000-8000-000000000001",
    "name": "P11",
    "systemDescription": "Reynaers ConceptPatio 130-LS",
    "width": 3100.0,
    "height": 2245.0,
    "surfaceOfBaseElement": {"name": "", "colorInside": "RAL 9016", "colorOutside": "RAL 7016"},
}
TABLES_OF_INTEREST = {
    "Projects",
    "Phases",
    "Elevations",
    "Articles",
    "Profiles",
    "Glass",
    "Insertions",
    "LabourTimes",
    "LabourCosts",
    "CalcDetailItems",
    "CalcItemNames",
    "MountingLines",
    "UValue",
    "Colors",
    "ElevationCE",
    "Suppliers",
    "Manufacturers",
}
# LogiKal's column spellings spelled out on purpose (not imported from the builder under test).
PRODUCTION_COLUMNS = {
    "AutoDescription",
    "AutoDescriptionShort",
    "Width_Output",
    "Width_Unit",
    "Height_Output",
    "Height_Unit",
    "Weight_Output",
    "Weight_Unit",
    "Area_Output",
    "Area_Unit",
    "SystemCode",
    "SystemName",
    "SystemLongName",
    "ColorBase_Long",
}
LEGACY_ONLY = {"Width_Out", "Heighth_Out", "Heighth_Unit", "Weight_Out", "Area_Out", "Systemcode"}
VARIANTS = [(profile, variant) for profile in ("real", "small") for variant in ("production", "legacy")]


@pytest.fixture(scope="module")
def built():
    return {key: build_parts_db(PROJECT, PHASE, ELEVATION, profile=key[0], variant=key[1]) for key in VARIANTS}


def open_bytes(data, directory, name="parts.sqlite"):
    path = os.path.join(directory, name)
    with open(path, "wb") as handle:
        handle.write(data)
    return sqlite3.connect(path)


def tables(connection):
    return {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def columns(connection, table):
    return [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]


@pytest.mark.parametrize("key", VARIANTS)
def test_same_inputs_give_identical_bytes(built, key):
    assert build_parts_db(PROJECT, PHASE, ELEVATION, profile=key[0], variant=key[1]) == built[key]


def test_other_elevation_gives_other_file(built):
    other = dict(ELEVATION, id="15782e4d-8f0a-4c1e-9b2d-3a4b5c6d7e90")
    assert build_parts_db(PROJECT, PHASE, other, profile="small") != built["small", "production"]


@pytest.mark.parametrize("key", VARIANTS)
def test_file_is_sqlite_with_fixed_page_size_and_rollback_journal(built, key):
    data = built[key]
    assert data.startswith(b"SQLite format 3\x00")
    assert data[18] == data[19] == 1
    assert int.from_bytes(data[16:18], "big") == (4096 if key[0] == "real" else 1024)


@pytest.mark.parametrize("variant", ["production", "legacy"])
def test_real_profile_size_and_table_count(built, tmp_path, variant):
    data = built["real", variant]
    assert 700_000 <= len(data) <= 1_720_320
    connection = open_bytes(data, tmp_path)
    names = tables(connection)
    assert names >= TABLES_OF_INTEREST
    assert 69 <= len(names) <= 75
    assert connection.execute("PRAGMA quick_check").fetchone() == ("ok",)
    assert connection.execute("SELECT count(*) FROM CuttingList").fetchone()[0] > 1000


@pytest.mark.parametrize("variant", ["production", "legacy"])
def test_small_profile_is_compact_with_the_same_tables(built, tmp_path, variant):
    data = built["small", variant]
    assert len(data) < 60_000
    assert tables(open_bytes(data, tmp_path)) == TABLES_OF_INTEREST


def test_real_file_size_grows_with_the_elevation():
    small = build_parts_db(PROJECT, PHASE, dict(ELEVATION, width=600, height=600))
    large = build_parts_db(PROJECT, PHASE, dict(ELEVATION, width=6000, height=3000))
    assert 700_000 <= len(small) < len(large) <= 1_720_320


@pytest.mark.parametrize("key", VARIANTS)
def test_one_elevation_row_with_braced_upper_case_guid(built, tmp_path, key):
    connection = open_bytes(built[key], tmp_path)
    rows = connection.execute("SELECT ElevationID, Name FROM Elevations").fetchall()
    assert rows == [("{15782E4D-8F0A-4C1E-9B2D-3A4B5C6D7E8F}", "P11")]
    assert connection.execute("SELECT count(*) FROM Projects").fetchone()[0] == 1
    assert connection.execute("SELECT ProjectID, Name FROM Projects").fetchone() == (
        "{5DDB1393-56EB-4280-9F7E-3C3AEC51483C}",
        "DOS22309",
    )


@pytest.mark.parametrize("profile", ["real", "small"])
def test_production_spelling(built, tmp_path, profile):
    found = set(columns(open_bytes(built[profile, "production"], tmp_path), "Elevations"))
    assert found >= PRODUCTION_COLUMNS
    assert not LEGACY_ONLY & found


@pytest.mark.parametrize("profile", ["real", "small"])
def test_legacy_spelling(built, tmp_path, profile):
    found = set(columns(open_bytes(built[profile, "legacy"], tmp_path), "Elevations"))
    assert found >= LEGACY_ONLY
    assert not {"Width_Output", "Height_Output", "Heighth_Output", "Weight_Output", "SystemCode"} & found


def test_values_derived_from_the_elevation(built, tmp_path):
    connection = open_bytes(built["small", "production"], tmp_path)
    row = connection.execute(
        "SELECT Width_Output, Width_Unit, Height_Output, Height_Unit, Weight_Output, Weight_Unit, "
        "Area_Output, Area_Unit, SystemCode, SystemName, SystemLongName, ColorBase_Long FROM Elevations"
    ).fetchone()
    area = round(3100 * 2245 / 1e6, 3)
    assert row == (
        3100.0,
        "mm",
        2245.0,
        "mm",
        round(area * 32.0, 2),
        "kg",
        area,
        "m²",
        "REY-C130-LS",
        "ConceptPatio 130-LS",
        "Reynaers ConceptPatio 130-LS",
        "RAL 7016",
    )


def test_legacy_numbers_are_text_with_decimal_comma(built, tmp_path):
    connection = open_bytes(built["small", "legacy"], tmp_path)
    row = connection.execute("SELECT Width_Out, Heighth_Out, Weight_Out, Area_Out FROM Elevations").fetchone()
    assert row == ("3100,0", "2245,0", "222,72", "6,960")


def test_child_tables_link_to_the_elevation_only_in_production(built, tmp_path):
    production = open_bytes(built["small", "production"], tmp_path, "production.sqlite")
    assert columns(production, "Glass")[0] == "ElevationID"
    assert {guid for (guid,) in production.execute("SELECT ElevationID FROM Articles")} == {
        "{15782E4D-8F0A-4C1E-9B2D-3A4B5C6D7E8F}"
    }
    legacy = open_bytes(built["small", "legacy"], tmp_path, "legacy.sqlite")
    assert "ElevationID" not in columns(legacy, "Glass")


def test_rows_match_the_plan(built, tmp_path):
    plan = plan_elevation(ELEVATION, profile="real")
    connection = open_bytes(built["real", "production"], tmp_path)
    glass = connection.execute("SELECT GlassID, Name, Width, Height, Area, Amount FROM Glass").fetchall()
    assert glass == [tuple(row.values()) for row in plan.glass]
    codes = [code for (code,) in connection.execute("SELECT ArticleCode FROM Profiles")]
    assert codes == [row["code"] for row in plan.profiles]
    assert len(plan.articles) == connection.execute("SELECT count(*) FROM Articles").fetchone()[0] >= 24


def test_missing_keys_are_tolerated(tmp_path):
    data = build_parts_db({}, {}, {"name": "P1"}, profile="small")
    row = (
        open_bytes(data, tmp_path)
        .execute("SELECT ElevationID, Width_Output, Height_Output, SystemLongName, ColorBase_Long FROM Elevations")
        .fetchone()
    )
    assert row == ("{00000000-0000-0000-0000-000000000000}", 1000.0, 1000.0, "Generic System", None)
    assert build_parts_db(None, None, None, profile="small").startswith(b"SQLite format 3\x00")


def test_multi_elevation_file_has_one_row_each(tmp_path):
    second = dict(ELEVATION, id="15782e4d-8f0a-4c1e-9b2d-3a4b5c6d7e90", name="P1")
    data = build_multi_parts_db(PROJECT, PHASE, [ELEVATION, second], profile="small")
    names = [name for (name,) in open_bytes(data, tmp_path).execute("SELECT Name FROM Elevations")]
    assert names == ["P11", "P1"]


def test_bad_profile_or_variant_is_refused():
    with pytest.raises(ValueError, match="profile"):
        build_parts_db(PROJECT, PHASE, ELEVATION, profile="huge")
    with pytest.raises(ValueError, match="variant"):
        build_parts_db(PROJECT, PHASE, ELEVATION, variant="beta")


def test_build_leaves_no_temporary_files(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    build_parts_db(PROJECT, PHASE, ELEVATION, profile="small")
    assert os.listdir(tmp_path) == []
