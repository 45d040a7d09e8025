"""Deterministic builder of LogiKal parts-list SQLite files (the layout of reference §3).

`build_parts_db(project, phase, elevation)` returns the bytes of a real SQLite 3 file shaped like the
"parts list report" that `GET /elevations/selected/parts-list` delivers (base64-encoded) for one elevation.
The inputs are the API's JSON dicts (ProjectData, PhaseData, ElevationData); missing keys are tolerated.

Every value is derived from the inputs only, so the same inputs always give byte-identical files:
  width/height (mm)  -> Width/Height output columns, area = w*h/1e6 m², weight = area * WEIGHT_PER_M2 kg
  systemDescription  -> SystemLongName (all of it), SystemName (without the maker), SystemCode (see below)
  surfaceOfBaseElement.name (else colorOutside, else colorInside, else NULL) -> ColorBase_Long
Glass, article and profile rows come from a seeded generator; `plan_parts()` returns exactly what is written.

Profiles: "real" pads the file to 0.7-1.7 MB over ~71 tables like the real reports; "small" writes the
tables of interest with a few rows each (< 60 KB) for scale runs.
Variants: "production" uses the column names the production parser read (Width_Output, SystemCode, ...)
and stores REAL numbers; "legacy" uses the design-doc spelling (Width_Out, Heighth_Out, Systemcode, ...),
stores the output numbers as text with a decimal comma and has no ElevationID in the child tables.
"""

import hashlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass, field

PROFILES = ("real", "small")
VARIANTS = ("production", "legacy")
WEIGHT_PER_M2 = 32.0
DEFAULT_SIZE_MM = 1000.0
REAL_MIN_BYTES = 716_800
REAL_MAX_BYTES = 1_690_000
PAGE_SIZE = {"real": 4096, "small": 1024}

ENRICHMENT_FIELDS = (
    "auto_description",
    "auto_description_short",
    "width",
    "width_unit",
    "height",
    "height_unit",
    "weight",
    "weight_unit",
    "area",
    "area_unit",
    "system_code",
    "system_name",
    "system_long_name",
    "color_base",
)
ELEVATION_COLUMNS = {
    "production": (
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
    ),
    "legacy": (
        "AutoDescription",
        "AutoDescriptionShort",
        "Width_Out",
        "Width_Unit",
        "Heighth_Out",
        "Heighth_Unit",
        "Weight_Out",
        "Weight_Unit",
        "Area_Out",
        "Area_Unit",
        "Systemcode",
        "SystemName",
        "SystemLongName",
        "ColorBase_Long",
    ),
}
NUMERIC_FIELDS = {"width": 1, "height": 1, "weight": 2, "area": 3}

GLASS_TYPES = (
    "Double glazing 4/16/4 Ar Ug=1.1",
    "Triple glazing 4/12/4/12/4 Ar Ug=0.6",
    "Laminated safety 33.1/16/4 Ar Ug=1.1",
    "Toughened 6/16/44.2 Ar Ug=1.0",
)
ARTICLE_NAMES = (
    "Corner cleat 40 mm",
    "Screw Ø4.2x19 stainless",
    "Drainage cap",
    "EPDM glazing gasket outer",
    "EPDM glazing gasket inner",
    "Hinge 3D adjustable",
    "Espagnolette handle",
    "Locking cam",
    "Setting block 100x24x5",
    "Glazing bead clip",
    "Frame anchor 100 mm",
    "Silicone sealant 310 ml",
    "End cap mullion",
    "Insulating strip 24 mm",
    "Water deflector",
    "Hardware set tilt&turn",
)
PROFILE_NAMES = (
    "Frame profile outer",
    "Sash profile",
    "Mullion T-profile",
    "Transom profile",
    "Glazing bead 20 mm",
    "Sill profile",
    "Coupling profile",
    "Reinforcement tube",
    "Threshold profile",
)
FILLER_TABLES = (
    "Accessories",
    "Acoustics",
    "Anchors",
    "Barcodes",
    "CalcGroups",
    "CalcSummary",
    "Currencies",
    "Customers",
    "CuttingAngles",
    "Dimensions",
    "Discounts",
    "Drainage",
    "Fillings",
    "Fittings",
    "Frames",
    "Gaskets",
    "Handles",
    "HardwareSets",
    "Hinges",
    "Installation",
    "Insulation",
    "Labels",
    "Languages",
    "Layouts",
    "Locks",
    "Machining",
    "Mullions",
    "Offers",
    "Options",
    "Orders",
    "Packing",
    "Panels",
    "Parameters",
    "Perimeters",
    "Positions",
    "PriceGroups",
    "ProfileMachining",
    "Psi",
    "Remnants",
    "Sashes",
    "Screws",
    "Sealants",
    "Settings",
    "StockItems",
    "Surcharges",
    "Taxes",
    "Texts",
    "Transoms",
    "Transport",
    "Units",
    "Versions",
    "Weights",
)
PADDING_TABLE = "CuttingList"
PICTURE_TABLE = "Pictures"


class _Rng:
    """Small deterministic generator (splitmix64) seeded from text, independent of Python's `random`."""

    def __init__(self, seed):
        self.state = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)

    def int(self, low, high):
        return low + self.next() % (high - low + 1)

    def choice(self, items):
        return items[self.next() % len(items)]

    def money(self, low, high):
        return round(low + (self.next() % 10_000) / 10_000 * (high - low), 2)


@dataclass
class ElevationPlan:
    """What the builder writes for one elevation (values in neutral names, numbers as floats)."""

    guid: str
    name: str
    values: dict
    glass: list = field(default_factory=list)
    articles: list = field(default_factory=list)
    profiles: list = field(default_factory=list)


def build_parts_db(project, phase, elevation, *, profile="real", variant="production"):
    """Return the bytes of a parts-list SQLite file for one elevation (deterministic)."""
    return build_multi_parts_db(project, phase, [elevation], profile=profile, variant=variant)


def build_multi_parts_db(project, phase, elevations, *, profile="real", variant="production"):
    """Same as build_parts_db but with several Elevations rows (the "several rows per file" case of §3.3)."""
    _check_choice("profile", profile, PROFILES)
    _check_choice("variant", variant, VARIANTS)
    plans = [plan_elevation(elevation, profile=profile) for elevation in elevations]
    with tempfile.TemporaryDirectory(prefix="logikal-sim-parts-") as tmp:
        path = os.path.join(tmp, "parts.sqlite")
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            _write_database(connection, project or {}, phase or {}, plans, profile, variant)
        finally:
            connection.close()
        with open(path, "rb") as handle:
            return handle.read()


def _check_choice(label, value, allowed):
    if value not in allowed:
        raise ValueError(f"{label} must be one of {', '.join(allowed)}, not {value!r}")


# ---------------------------------------------------------------------------------------------------------
# Values derived from the elevation


def enrichment_values(elevation):
    """The 14 Elevations enrichment values for an ElevationData dict, keyed by the parser's field names."""
    width = _millimetres(elevation.get("width"))
    height = _millimetres(elevation.get("height"))
    area = round(width * height / 1e6, 3)
    long_name, name, code = system_names(elevation.get("systemDescription"))
    label = _text(elevation.get("name")) or "Elevation"
    return {
        "auto_description": _text(elevation.get("automaticDescription")) or f"{label} {width:g} x {height:g} mm",
        "auto_description_short": f"{name} {width:g}x{height:g}",
        "width": width,
        "width_unit": "mm",
        "height": height,
        "height_unit": "mm",
        "weight": round(area * WEIGHT_PER_M2, 2),
        "weight_unit": "kg",
        "area": area,
        "area_unit": "m²",
        "system_code": code,
        "system_name": name,
        "system_long_name": long_name,
        "color_base": base_colour(elevation.get("surfaceOfBaseElement")),
    }


def system_names(description):
    """(long name, name, code) from a systemDescription such as "Reynaers MasterLine 8".

    The long name is the whole description, the name drops the first word (the maker) when there are
    several words, and the code is the maker's first three letters upper-cased, a hyphen, then the first
    letter of each further word (whole word when it starts with a digit): "REY-M8", "REY-C130-LS".
    """
    long_name = _text(description) or "Generic System"
    words = long_name.split()
    name = " ".join(words[1:]) if len(words) > 1 else long_name
    tail = "".join(word if word[0].isdigit() else word[0] for word in words[1:])
    code = words[0][:3].upper() + ("-" + tail.upper() if tail else "")
    return long_name, name, code


def base_colour(surface):
    if not isinstance(surface, dict):
        return None
    for key in ("name", "colorOutside", "colorInside"):
        value = _text(surface.get(key))
        if value:
            return value
    return None


def _millimetres(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return DEFAULT_SIZE_MM
    if not 0 < number < 1e6:
        return DEFAULT_SIZE_MM
    return round(number, 1)


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def braced_guid(record):
    """The record's GUID as the file stores it: upper-case in braces (null GUID when missing)."""
    raw = _text(record.get("id")).strip("{}").upper() or "00000000-0000-0000-0000-000000000000"
    return "{" + raw + "}"


def plan_elevation(elevation, *, profile="real"):
    """Everything the builder writes for one elevation: enrichment values, glass, articles, profiles."""
    elevation = elevation or {}
    values = enrichment_values(elevation)
    rng = _Rng(f"{elevation.get('id')}|{elevation.get('versionId')}|{profile}")
    plan = ElevationPlan(braced_guid(elevation), _text(elevation.get("name")), values)
    plan.glass = _glass_rows(values, rng, profile)
    plan.articles = _article_rows(values, rng, profile)
    plan.profiles = _profile_rows(values, rng, profile)
    return plan


def _glass_rows(values, rng, profile):
    panes = min(1 + int(values["width"] // 1500), 6 if profile == "real" else 2)
    pane_width = max(round((values["width"] - 60 * (panes + 1)) / panes, 1), 100.0)
    pane_height = max(round(values["height"] - 120, 1), 100.0)
    rows = []
    for index in range(panes):
        rows.append(
            {
                "glass_id": index + 1,
                "name": rng.choice(GLASS_TYPES),
                "width": pane_width,
                "height": pane_height,
                "area": round(pane_width * pane_height / 1e6, 3),
                "quantity": 1.0,
            }
        )
    return rows


def _article_rows(values, rng, profile):
    count = 3 if profile == "small" else min(24 + int(values["area"] * 4), 60)
    colour = values["color_base"] or "Natural"
    return [
        {
            "code": f"{rng.int(100, 999)}.{rng.int(1000, 9999)}",
            "description": rng.choice(ARTICLE_NAMES),
            "quantity": float(rng.int(1, 24)),
            "length": None,
            "unit": "Pcs",
            "color": colour,
            "price": rng.money(0.2, 85.0),
        }
        for _ in range(count)
    ]


def _profile_rows(values, rng, profile):
    count = 3 if profile == "small" else min(15 + int((values["width"] + values["height"]) // 1000), 40)
    prefix = values["system_code"].split("-")[0]
    colour = values["color_base"] or "Natural"
    rows = []
    for _ in range(count):
        length = rng.choice((values["width"], values["height"], round(values["width"] / 2, 1)))
        rows.append(
            {
                "code": f"{prefix}{rng.int(10000, 99999)}",
                "description": rng.choice(PROFILE_NAMES),
                "quantity": float(rng.int(1, 4)),
                "length": length,
                "unit": "Bar",
                "color": colour,
                "price": rng.money(12.0, 240.0),
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------------------
# Writing the file


def _write_database(connection, project, phase, plans, profile, variant):
    connection.execute(f"PRAGMA page_size = {PAGE_SIZE[profile]}")
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("BEGIN")
    _write_header_tables(connection, project, phase, plans, variant)
    _write_parts_tables(connection, plans, variant)
    _write_detail_tables(connection, plans, profile)
    if profile == "real":
        _write_filler_tables(connection, plans)
    connection.execute("COMMIT")
    if profile == "real":
        _pad_to_target(connection, plans)


def _create(connection, table, columns):
    connection.execute(f'CREATE TABLE "{table}" ({", ".join(columns)})')


def _insert(connection, table, rows):
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        connection.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)


def _write_header_tables(connection, project, phase, plans, variant):
    _create(
        connection,
        "Projects",
        (
            "ProjectID TEXT",
            "Name TEXT",
            "JobNumber TEXT",
            "OfferNumber TEXT",
            "PersonInCharge TEXT",
            "Estimated INTEGER",
        ),
    )
    _insert(
        connection,
        "Projects",
        [
            (
                braced_guid(project),
                _text(project.get("name")),
                _text(project.get("jobNumber")),
                _text(project.get("offerNumber")),
                _text(project.get("personInCharge")),
                int(bool(project.get("estimated"))),
            )
        ],
    )
    _create(connection, "Phases", ("PhaseID TEXT", "Name TEXT", "Description TEXT"))
    _insert(
        connection,
        "Phases",
        [(braced_guid(phase), _text(phase.get("name")), _text(phase.get("description")))],
    )
    names = zip(ENRICHMENT_FIELDS, ELEVATION_COLUMNS[variant], strict=True)
    typed = [f"{name} {_column_type(key, variant)}" for key, name in names]
    columns = ("ElevationID TEXT", "Name TEXT", "Amount REAL", *typed)
    _create(connection, "Elevations", columns)
    _insert(connection, "Elevations", [_elevation_row(plan, variant) for plan in plans])


def _column_type(key, variant):
    return "REAL" if variant == "production" and key in NUMERIC_FIELDS else "TEXT"


def _elevation_row(plan, variant):
    values = [plan.values[key] for key in ENRICHMENT_FIELDS]
    if variant == "legacy":
        values = [
            _decimal_comma(value, NUMERIC_FIELDS[key]) if key in NUMERIC_FIELDS else value
            for key, value in zip(ENRICHMENT_FIELDS, values, strict=True)
        ]
    return (plan.guid, plan.name, 1.0, *values)


def _decimal_comma(value, digits):
    return f"{value:.{digits}f}".replace(".", ",")


def _write_parts_tables(connection, plans, variant):
    linked = variant == "production"
    ref = ("ElevationID TEXT",) if linked else ()
    _create(
        connection,
        "Glass",
        (*ref, "GlassID INTEGER", "Name TEXT", "Width REAL", "Height REAL", "Area REAL", "Amount REAL"),
    )
    _create(
        connection,
        "Articles",
        (
            *ref,
            "ArticleCode TEXT",
            "Description TEXT",
            "Amount REAL",
            "Unit TEXT",
            "Color TEXT",
            "Price REAL",
        ),
    )
    _create(
        connection,
        "Profiles",
        (
            *ref,
            "ArticleCode TEXT",
            "Description TEXT",
            "Amount REAL",
            "Length REAL",
            "Unit TEXT",
            "Color TEXT",
            "Price REAL",
        ),
    )
    for plan in plans:
        key = (plan.guid,) if linked else ()
        _insert(connection, "Glass", [(*key, *row.values()) for row in plan.glass])
        _insert(
            connection,
            "Articles",
            [
                (
                    *key,
                    row["code"],
                    row["description"],
                    row["quantity"],
                    row["unit"],
                    row["color"],
                    row["price"],
                )
                for row in plan.articles
            ],
        )
        _insert(
            connection,
            "Profiles",
            [
                (
                    *key,
                    row["code"],
                    row["description"],
                    row["quantity"],
                    row["length"],
                    row["unit"],
                    row["color"],
                    row["price"],
                )
                for row in plan.profiles
            ],
        )


def _write_detail_tables(connection, plans, profile):
    """The other tables of interest of §3.2, with row counts like the sample (a few rows for "small")."""
    small = profile == "small"
    rng = _Rng("details|" + "|".join(plan.guid for plan in plans))
    first = plans[0] if plans else ElevationPlan("{}", "", enrichment_values({}))
    _table(
        connection,
        "Insertions",
        ("ElevationID TEXT", "InsertionID INTEGER", "Type TEXT", "Width REAL", "Height REAL"),
        [
            (first.guid, i + 1, ("Base", "Fixed", "Casement", "Casement")[i], row["width"], row["height"])
            for i, row in enumerate((first.glass * 4)[: 2 if small else 4])
        ],
    )
    _table(
        connection,
        "LabourTimes",
        ("ElevationID TEXT", "Operation TEXT", "Minutes REAL"),
        [(first.guid, f"Operation {i + 1:02d}", float(rng.int(2, 90))) for i in range(2 if small else 27)],
    )
    _table(
        connection,
        "LabourCosts",
        ("ElevationID TEXT", "Name TEXT", "Hours REAL", "Rate REAL", "Cost REAL"),
        [
            (first.guid, f"Labour {i + 1:02d}", rng.int(1, 40) / 4, 48.5, rng.money(10, 400))
            for i in range(2 if small else 21)
        ],
    )
    _table(
        connection,
        "CalcItemNames",
        ("CalcItemNameID INTEGER", "Name TEXT"),
        [
            (i + 1, name)
            for i, name in enumerate(
                (
                    "Material",
                    "Profiles",
                    "Glass",
                    "Hardware",
                    "Labour",
                    "Surface treatment",
                    "Packing",
                    "Transport",
                )
            )
        ],
    )
    _table(
        connection,
        "CalcDetailItems",
        (
            "ElevationID TEXT",
            "CalcItemNameID INTEGER",
            "ArticleCode TEXT",
            "Quantity REAL",
            "UnitPrice REAL",
            "TotalPrice REAL",
        ),
        [
            (
                first.guid,
                rng.int(1, 8),
                f"{rng.int(100, 999)}.{rng.int(1000, 9999)}",
                float(rng.int(1, 20)),
                rng.money(0.5, 120),
                rng.money(1, 900),
            )
            for _ in range(3 if small else 140)
        ],
    )
    _write_reference_tables(connection, first, rng, small)


def _write_reference_tables(connection, first, rng, small):
    side = ("Top", "Bottom", "Left", "Right")
    _table(
        connection,
        "MountingLines",
        ("ElevationID TEXT", "Side TEXT", "Length REAL", "Anchors INTEGER"),
        [
            (
                first.guid,
                s,
                first.values["width"] if s in ("Top", "Bottom") else first.values["height"],
                rng.int(2, 8),
            )
            for s in side
        ],
    )
    _table(
        connection,
        "UValue",
        ("ElevationID TEXT", "Name TEXT", "U REAL", "U_Unit TEXT", "Area REAL", "Area_Unit TEXT"),
        [
            (first.guid, f"Uw zone {i + 1}", rng.int(60, 220) / 100, "W/m²K", rng.int(5, 900) / 1000, "m²")
            for i in range(2 if small else 22)
        ],
    )
    _table(
        connection,
        "Colors",
        ("ColorID INTEGER", "Code TEXT", "Name TEXT", "Inside TEXT", "Outside TEXT"),
        [
            (i + 1, f"RAL {9000 + i * 3}", first.values["color_base"] or "Natural", "RAL 9016", "RAL 7016")
            for i in range(2 if small else 6)
        ],
    )
    _table(
        connection,
        "ElevationCE",
        ("ElevationID TEXT", "Property TEXT", "Value TEXT", "Standard TEXT"),
        [(first.guid, f"Property {i + 1}", f"Class {rng.int(1, 4)}", "EN 14351-1") for i in range(2 if small else 20)],
    )
    _table(
        connection,
        "Suppliers",
        ("SupplierID INTEGER", "Name TEXT", "City TEXT", "Country TEXT"),
        [
            (i + 1, name, city, "BE")
            for i, (name, city) in enumerate(
                (
                    ("Alu Supply NV", "Duisburg"),
                    ("Glasindustrie", "Gent"),
                    ("Beslag BV", "Tilburg"),
                    ("Sealants Ltd", "Leeds"),
                )[: 2 if small else 4]
            )
        ],
    )
    _table(
        connection,
        "Manufacturers",
        ("ManufacturerID INTEGER", "Name TEXT", "Country TEXT"),
        [
            (1, first.values["system_long_name"].split()[0], "BE"),
            (2, "Roto", "DE"),
            (3, "Saint-Gobain", "FR"),
        ],
    )


def _table(connection, name, columns, rows):
    _create(connection, name, columns)
    _insert(connection, name, rows)


def _write_filler_tables(connection, plans):
    guid = plans[0].guid if plans else "{}"
    for index, table in enumerate(FILLER_TABLES):
        rng = _Rng(f"{table}|{guid}")
        rows = [
            (
                guid,
                i + 1,
                f"{table.removesuffix('s')} {i + 1:03d}",
                f"{table[:3].upper()}-{rng.int(1000, 99999)}",
                rng.int(0, 100_000) / 100,
            )
            for i in range(rng.int(1, 12 + index % 20))
        ]
        _table(
            connection,
            table,
            ("ElevationID TEXT", "Position INTEGER", "Name TEXT", "Code TEXT", "Value REAL"),
            rows,
        )


def _target_size(plans):
    """0.7-1.7 MB: larger elevations give larger files, the GUID adds a fixed jitter."""
    first = plans[0] if plans else None
    area = first.values["area"] if first else 1.0
    jitter = int(hashlib.sha256((first.guid if first else "").encode()).hexdigest()[:6], 16) % 200_000
    return min(REAL_MIN_BYTES + int(area * 120_000) + jitter, REAL_MAX_BYTES)


def _pad_to_target(connection, plans):
    """Picture blobs plus a cutting list (realistic rows) until the file reaches its target size."""
    target = _target_size(plans)
    guid = plans[0].guid if plans else "{}"
    _table(
        connection,
        PICTURE_TABLE,
        ("ElevationID TEXT", "View TEXT", "Format TEXT", "Data BLOB"),
        [(guid, view, "PNG", _picture_bytes(guid + view, 40_000)) for view in ("Interior", "Exterior")],
    )
    _create(
        connection,
        PADDING_TABLE,
        (
            "ElevationID TEXT",
            "BarNo INTEGER",
            "ArticleCode TEXT",
            "Position TEXT",
            "CutLength REAL",
            "AngleLeft REAL",
            "AngleRight REAL",
            "Remark TEXT",
        ),
    )
    rng = _Rng("cuts|" + guid)
    bar = 0
    while _file_size(connection) < target:
        connection.execute("BEGIN")
        _insert(connection, PADDING_TABLE, [_cut_row(guid, bar + i, rng) for i in range(100)])
        connection.execute("COMMIT")
        bar += 100


def _cut_row(guid, bar, rng):
    angle = rng.choice((45.0, 90.0))
    return (
        guid,
        bar // 6 + 1,
        f"{rng.int(100, 999)}.{rng.int(10000, 99999)}",
        f"Pos {bar % 40 + 1}",
        float(rng.int(200, 6500)),
        angle,
        angle,
        rng.choice(("", "mitre", "notch", "drain slot 5x30")),
    )


def _file_size(connection):
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    return pages * connection.execute("PRAGMA page_size").fetchone()[0]


def _picture_bytes(seed, size):
    """PNG signature followed by deterministic high-entropy bytes (like a compressed image)."""
    chunks = [b"\x89PNG\r\n\x1a\n"]
    digest = hashlib.sha256(seed.encode()).digest()
    total = len(chunks[0])
    while total < size:
        digest = hashlib.sha256(digest).digest()
        chunks.append(digest)
        total += len(digest)
    return b"".join(chunks)[:size]
