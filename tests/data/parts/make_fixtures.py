"""Regenerate the tiny hand-made parts-list fixtures: `python3 tests/data/parts/make_fixtures.py [--golden]`.

Each malformed file exercises one PartsListError class; the golden JSON files hold the parse result of
simulator-built files (see GOLDEN_INPUTS) without the sha256, which depends on the SQLite library version.
"""

import json
import os
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, ROOT)  # logikal_sim and the pure package logikal_connector.logikal

from logikal_sim.partsdb import ELEVATION_COLUMNS as PARTSDB_COLUMNS  # noqa: E402

GUID_P1 = "{0A1B2C3D-0000-4000-8000-000000000001}"
GUID_P10 = "{0A1B2C3D-0000-4000-8000-000000000010}"
GUID_P11 = "{0A1B2C3D-0000-4000-8000-000000000011}"
ELEVATION_COLUMNS = PARTSDB_COLUMNS["production"]  # the spelling LogiKal writes today, as the simulator builds it

GOLDEN_PROJECT = {
    "id": "5ddb1393-56eb-4280-9f7e-3c3aec51483c",
    "name": "DOS22309 ",
    "jobNumber": "0000003948",
}
GOLDEN_PHASE = {"id": "00000000-0000-0000-0000-000000000000", "name": "Posities zonder levering"}
GOLDEN_ELEVATION = {
    "id": "15782e4d-8f0a-4c1e-9b2d-3a4b5c6d7e8f",
    "versionId": "a3c1d2e4-0000-4000-8000-00000000beef",
    "name": "P03",
    "amount": 2.0,
    "automaticDescription": "Sliding door 2-part",
    "systemDescription": "Reynaers MasterLine 8",
    "width": 3100.0,
    "height": 2245.0,
    "surfaceOfBaseElement": {
        "name": "RAL 7016 fine structure",
        "colorInside": "RAL 9016",
        "colorOutside": "RAL 7016",
    },
}
GOLDEN_FILES = {
    ("small", "production"): "golden_small_production.json",
    ("small", "legacy"): "golden_small_legacy.json",
}


def _database(name, script, rows=()):
    """Write a fresh 512-byte-page SQLite file from DDL `script` and (table, row) inserts."""
    path = os.path.join(HERE, name)
    if os.path.exists(path):
        os.remove(path)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA page_size = 512")
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.executescript(script)
    for table, row in rows:
        marks = ", ".join("?" * len(row))
        connection.execute(f'INSERT INTO "{table}" VALUES ({marks})', row)
    connection.close()
    return path


def _elevations_ddl(columns=ELEVATION_COLUMNS):
    return "CREATE TABLE Elevations (ElevationID TEXT, Name TEXT, " + ", ".join(columns) + ");"


def _elevation_row(guid, name, width, height):
    area = round(width * height / 1e6, 3)
    return (
        guid,
        name,
        f"{name} {width:g}x{height:g}",
        name,
        width,
        "mm",
        height,
        "mm",
        round(area * 30, 2),
        "kg",
        area,
        "m²",
        "SYS-1",
        "System One",
        "Maker System One",
        "RAL 9016",
    )


def make_malformed():
    with open(os.path.join(HERE, "not_sqlite.bin"), "wb") as handle:
        handle.write(b"PK\x03\x04 this is a zip header, not SQLite \x00\xff\xfe" * 4)
    valid = _database(
        "valid_min.sqlite", _elevations_ddl(), [("Elevations", _elevation_row(GUID_P1, "P1", 1000.0, 2000.0))]
    )
    with open(valid, "rb") as handle:
        data = handle.read()
    with open(os.path.join(HERE, "truncated.sqlite"), "wb") as handle:
        handle.write(data[: len(data) // 2 + 50])
    with open(os.path.join(HERE, "corrupt.sqlite"), "wb") as handle:
        handle.write(data[:512] + b"\xde\xad\xbe\xef" * 128 + data[1024:])
    _database("no_elevations.sqlite", "CREATE TABLE Glass (GlassID INTEGER, Name TEXT);", [("Glass", (1, "4/16/4"))])
    columns = tuple(c for c in ELEVATION_COLUMNS if not c.startswith("Width_Output"))
    _database(
        "no_width_column.sqlite",
        _elevations_ddl(columns),
        [("Elevations", tuple(v for i, v in enumerate(_elevation_row(GUID_P1, "P1", 1.0, 1.0)) if i != 4))],
    )
    _database(
        "glass_without_glassid.sqlite",
        _elevations_ddl() + "CREATE TABLE Glass (Name TEXT, Width REAL);",
        [("Elevations", _elevation_row(GUID_P1, "P1", 1000.0, 2000.0)), ("Glass", ("4/16/4", 900.0))],
    )
    _database(
        "only_p10.sqlite",
        _elevations_ddl(),
        [("Elevations", _elevation_row(GUID_P10, "P10", 1000.0, 2000.0))],
    )


def make_multi():
    ddl = _elevations_ddl() + (
        "CREATE TABLE Glass (ElevationID TEXT, GlassID INTEGER, Name TEXT, Width REAL, "
        "Height REAL, Area REAL, Amount REAL);"
        "CREATE TABLE Articles (ElevationID TEXT, ArticleCode TEXT, Description TEXT, "
        "Amount REAL, Unit TEXT, Color TEXT, Price REAL);"
    )
    rows = []
    for guid, name, width in (
        (GUID_P10, "P10", 1010.0),
        (GUID_P1, " P1 ", 1001.0),
        (GUID_P11, "P11", 1011.0),
    ):
        rows.append(("Elevations", _elevation_row(guid, name, width, 2000.0)))
        rows.append(("Glass", (guid.lower(), 1, f"glass of {name.strip()}", width - 100, 1900.0, 1.0, 1.0)))
        rows.append(
            (
                "Articles",
                (guid, f"ART-{name.strip()}", f"article of {name.strip()}", 2.0, "Pcs", "RAL 9016", 1.5),
            )
        )
    rows.append(("Articles", (None, "ART-SHARED", "no elevation reference", 1.0, "Pcs", None, None)))
    _database("multi_p1_p10.sqlite", ddl, rows)


def make_hostile():
    columns = ", ".join(f'"{c}"' for c in ELEVATION_COLUMNS)
    ddl = (
        f"CREATE TABLE elevations (elevationid TEXT, NAME TEXT, {columns.lower()});"
        "CREATE TABLE GLASS (GLASSID, NAME, WIDTH, HEIGHT, AREA, AMOUNT);"
        "CREATE TABLE Articles (ArticleCode, Description, Amount, Unit, Color, Price);"
        "CREATE VIEW Profiles AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) "
        "SELECT x AS ArticleCode FROM r;"
    )
    elevation = (
        "{0a1b2c3d-0000-4000-8000-00000000000a}",
        "Robert'); DROP TABLE Elevations;--",
        "<script>alert(1)</script>",
        "A" * 5000,
        "3.100,5",
        "mm\x00",
        "2 245,25 mm",
        None,
        "n/a",
        "kg",
        b"\x00\x01blob",
        "m²",
        12345,
        "Ünïcødé ✓ 系统",
        "  ",
        "Color\x00with NUL",
    )
    rows = [
        ("elevations", elevation),
        ("GLASS", ("G1", "1'000.5", "1e3", "x", None, "2")),
        ("GLASS", (None, "skipped", 1, 1, 1, 1)),
        ("GLASS", (7, "\u202e reversed", 10.0, 20.0, "0,0002", 1)),
    ]
    rows += [
        ("Articles", ("' OR 1=1 --", "%LIKE%", "1,5", "Pcs", "", 9.99)),
        ("Articles", (None, "no code: skipped", 1, "Pcs", None, 1)),
        ("Articles", (42, "integer code", float("inf"), None, None, "abc")),
    ]
    _database("hostile_strings.sqlite", ddl, rows)


def make_golden():
    from logikal_connector.logikal.partslist import parse_parts_list
    from logikal_sim.partsdb import build_parts_db

    for (profile, variant), name in GOLDEN_FILES.items():
        data = build_parts_db(GOLDEN_PROJECT, GOLDEN_PHASE, GOLDEN_ELEVATION, profile=profile, variant=variant)
        result = parse_parts_list(data, elevation_id=GOLDEN_ELEVATION["id"]).as_dict()
        result.pop("sha256")
        with open(os.path.join(HERE, name), "w", encoding="utf-8") as handle:
            json.dump(result, handle, ensure_ascii=False, indent=1)
            handle.write("\n")


if __name__ == "__main__":
    make_malformed()
    make_multi()
    make_hostile()
    if "--golden" in sys.argv:
        make_golden()
