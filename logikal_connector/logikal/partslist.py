"""Validation and parsing of the LogiKal parts-list SQLite file (reference §3).

The file arrives base64-encoded in the API envelope; `decode_parts_payload` turns it into bytes and
`parse_parts_list` validates and reads it:

1. size cap, SQLite header magic, declared size against the real size;
2. the bytes are written to a private temporary directory and opened read-only and immutable (no lock,
   no -wal/-shm/-journal side files; the directory and anything in it are removed even on error);
3. `PRAGMA quick_check`, then the tables are found case-insensitively among real tables (never views)
   and their columns through `PRAGMA table_info`, accepting the known spelling variants;
4. the Elevations row is chosen exactly: by GUID (braces and case normalised) or by the exact trimmed
   name, never by LIKE and never "the first row"; child rows that name another elevation are dropped.

Every failure is a PartsListError subclass naming the table/column; sqlite3 errors are wrapped.
"""

import hashlib
import json
import math
import os
import re
import sqlite3
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import asdict, dataclass, make_dataclass

from .encoding import decode_base64
from .exceptions import (
    PartsListCorrupt,
    PartsListElevationNotFound,
    PartsListError,
    PartsListMissingColumn,
    PartsListMissingTable,
    PartsListNotSqlite,
    PartsListTooLarge,
)
from .records import normalize_guid

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_TEXT = 1000
MAX_NUMBER_TEXT = 100
MAX_SECONDS = 60.0
SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100

ELEVATIONS = "Elevations"
GLASS = "Glass"
ARTICLES = "Articles"
PROFILES = "Profiles"
OPTIONAL_TABLES = (GLASS, ARTICLES, PROFILES)


@dataclass(frozen=True, slots=True)
class EnrichmentField:
    """One value of the Elevations row that enriches an elevation (the parts-list enrichment).

    `name`: the attribute of ElevationInfo; `field`: the `logikal.elevation` field that keeps it; `kind`:
    "text" (long text), "char" or "float"; `label`: the field's label; `columns`: the accepted column names,
    preferred first (matched case-insensitively, so "Systemcode" is covered). Every one is required.
    """

    name: str
    field: str
    kind: str
    label: str
    columns: tuple[str, ...]

    @property
    def numeric(self):
        return self.kind == "float"


# The parts-list enrichment, declared once: the parser's column map, ElevationInfo, the store's values and
# the Odoo fields of logikal.elevation are all made from it.
ENRICHMENT_ROWS = (
    # name, Odoo field, kind, label, accepted columns
    ("auto_description", "parts_auto_description", "text", "Description (parts list)", ("AutoDescription",)),
    ("auto_description_short", "parts_auto_description_short", "char", "Short description", ("AutoDescriptionShort",)),
    ("width", "parts_width", "float", "Width", ("Width_Output", "Width_Out")),
    ("width_unit", "parts_width_unit", "char", "Parts Width Unit", ("Width_Unit",)),
    ("height", "parts_height", "float", "Height", ("Height_Output", "Heighth_Out", "Height_Out")),
    ("height_unit", "parts_height_unit", "char", "Parts Height Unit", ("Height_Unit", "Heighth_Unit")),
    ("weight", "parts_weight", "float", "Weight", ("Weight_Output", "Weight_Out")),
    ("weight_unit", "parts_weight_unit", "char", "Parts Weight Unit", ("Weight_Unit",)),
    ("area", "parts_area", "float", "Area", ("Area_Output", "Area_Out")),
    ("area_unit", "parts_area_unit", "char", "Parts Area Unit", ("Area_Unit",)),
    ("system_code", "system_code", "char", "System Code", ("SystemCode",)),
    ("system_name", "system_name", "char", "System Name", ("SystemName",)),
    ("system_long_name", "system_long_name", "char", "System Long Name", ("SystemLongName",)),
    ("color_base", "color_base", "char", "Base colour", ("ColorBase_Long",)),
)
ENRICHMENT = tuple(EnrichmentField(*row) for row in ENRICHMENT_ROWS)
# field -> accepted column names, preferred first (matching is case-insensitive)
ELEVATION_COLUMNS = {spec.name: spec.columns for spec in ENRICHMENT}
GLASS_COLUMNS = {
    "glass_id": ("GlassID", "Glass_ID"),
    "name": ("Name",),
    "width": ("Width", "Width_Output", "Width_Out"),
    "height": ("Height", "Height_Output", "Heighth_Out", "Height_Out"),
    "area": ("Area", "Area_Output", "Area_Out"),
    "quantity": ("Amount", "Quantity"),
}
BOM_COLUMNS = {
    "code": ("ArticleCode", "ArticleNo", "ArticleNumber"),
    "description": ("Description", "ArticleDescription", "Name"),
    "quantity": ("Amount", "Quantity"),
    "length": ("Length",),
    "unit": ("Unit",),
    "color": ("Color", "Colour"),
    "price": ("Price", "UnitPrice"),
}
NAME_COLUMN = ("Name",)
ELEVATION_ID_COLUMNS = ("ElevationID", "ElevationGUID", "Elevation_ID", "GUID", "ID")
CHILD_REF_COLUMNS = ("ElevationID", "ElevationGUID", "Elevation_ID")
NUMERIC_FIELDS = frozenset({"width", "height", "area", "quantity", "length", "price"})  # of Glass and BOM lines
REQUIRED = {
    ELEVATIONS: tuple(ELEVATION_COLUMNS),
    GLASS: ("glass_id", "name"),
    ARTICLES: ("code",),
    PROFILES: ("code",),
}


ElevationInfo = make_dataclass(
    "ElevationInfo",
    [(spec.name, float | None if spec.numeric else str | None) for spec in ENRICHMENT],
    frozen=True,
    slots=True,
)
ElevationInfo.__module__ = __name__
ElevationInfo.__doc__ = "The enrichment values of one elevation (ENRICHMENT), None where the file has none."


@dataclass(frozen=True, slots=True)
class GlassLine:
    glass_id: str | None
    name: str | None
    width: float | None
    height: float | None
    area: float | None
    quantity: float | None


@dataclass(frozen=True, slots=True)
class BomLine:
    kind: str
    code: str | None
    description: str | None
    quantity: float | None
    length: float | None
    unit: str | None
    color: str | None
    price: float | None


@dataclass(frozen=True, slots=True)
class PartsList:
    """The parse result; `missing_tables` names the optional tables (Glass/Articles/Profiles) absent."""

    sha256: str
    elevation: ElevationInfo
    glass: tuple[GlassLine, ...]
    bom: tuple[BomLine, ...]
    missing_tables: tuple[str, ...] = ()

    def as_dict(self):
        """JSON-ready dict with the keys sha256, elevation, glass, bom."""
        return {
            "sha256": self.sha256,
            "elevation": asdict(self.elevation),
            "glass": [asdict(line) for line in self.glass],
            "bom": [asdict(line) for line in self.bom],
        }


# ---------------------------------------------------------------------------------------------------------
# Public entry points


def decode_parts_payload(text_or_bytes, max_bytes=MAX_BYTES):
    """Return raw SQLite bytes from raw SQLite bytes, base64 text (str or bytes, line breaks allowed) or
    the API's JSON envelope {"data": "<base64>"}. Raises PartsListTooLarge / PartsListNotSqlite."""
    raw = _as_bytes(text_or_bytes)
    if raw.startswith(SQLITE_MAGIC):
        _check_size(len(raw), max_bytes)
        return raw
    _check_size(len(raw) * 3 // 4 - 3, max_bytes)
    text = raw.strip()
    if text.startswith(b"{"):
        text = _envelope_data(text)
    data = _b64decode(text)
    _check_size(len(data), max_bytes)
    if not data.startswith(SQLITE_MAGIC):
        raise PartsListNotSqlite("the base64 payload does not decode to an SQLite 3 file")
    return data


def parse_parts_list(data, *, elevation_id=None, elevation_name=None, max_bytes=MAX_BYTES, max_rows=MAX_ROWS):
    """Validate the SQLite bytes and extract the enrichment, glass and BOM lines of ONE elevation.

    The elevation is chosen by `elevation_id` (GUID; used when the Elevations table has a GUID column) or
    else by the exact, whitespace-trimmed `elevation_name`; with neither, the table must hold one row.
    A table with more than `max_rows` rows raises PartsListTooLarge naming it.
    """
    data = _as_bytes(data)
    _check_header(data, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    try:
        with _readonly_database(data) as connection:
            _quick_check(connection)
            reader = _Reader(connection, max_rows)
            return _extract(reader, digest, elevation_id, elevation_name)
    except PartsListError:
        raise
    except sqlite3.Error as exc:
        raise PartsListCorrupt(f"SQLite cannot read the parts list: {_short(exc)}") from exc
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise PartsListCorrupt(f"unreadable parts list: {_short(exc)}") from exc


# ---------------------------------------------------------------------------------------------------------
# Byte-level checks and decoding


def _as_bytes(value):
    if isinstance(value, str):
        return value.encode("utf-8", "replace")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise PartsListNotSqlite(f"expected bytes or text, got {type(value).__name__}")


def _check_size(size, max_bytes):
    if size > max_bytes:
        raise PartsListTooLarge(f"parts list is {size} bytes, over the {max_bytes}-byte cap")


def _envelope_data(text):
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise PartsListNotSqlite("payload starts with '{' but is not JSON") from exc
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, str):
        raise PartsListNotSqlite("JSON payload has no string 'data' field")
    return data.encode("ascii", "replace")


def _b64decode(text):
    try:
        data = decode_base64(text)
    except ValueError as exc:
        raise PartsListNotSqlite("payload is neither an SQLite file nor valid base64") from exc
    if not data:
        raise PartsListNotSqlite("parts list is empty")
    return data


def _check_header(data, max_bytes):
    _check_size(len(data), max_bytes)
    if not data:
        raise PartsListNotSqlite("parts list is empty")
    if not data.startswith(SQLITE_MAGIC):
        raise PartsListNotSqlite("not an SQLite 3 file (header magic missing)")
    if len(data) < HEADER_SIZE:
        raise PartsListCorrupt(f"truncated SQLite file: {len(data)} bytes, shorter than the 100-byte header")
    declared = _declared_size(data)
    if declared is not None and len(data) < declared:
        raise PartsListCorrupt(f"truncated SQLite file: header declares {declared} bytes, got {len(data)}")


def _declared_size(data):
    """Size the header declares, or None when its page count is stale (SQLite file format §1.3.7)."""
    page_size = int.from_bytes(data[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages, valid_for = data[24:28], int.from_bytes(data[28:32], "big"), data[92:96]
    if change_counter != valid_for or not pages:
        return None
    return pages * page_size


# ---------------------------------------------------------------------------------------------------------
# Opening the database


@contextmanager
def _readonly_database(data):
    """A read-only connection to a private copy of `data`: in memory when sqlite3 can deserialize (3.11+).

    A WAL-mode file (header bytes 18-19 = 2) cannot be opened from memory; it goes through a temporary file.
    """
    if not hasattr(sqlite3.Connection, "deserialize") or data[18:20] != b"\x01\x01":
        with _readonly_file_database(data) as connection:
            yield connection
        return
    connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    try:
        connection.deserialize(data)
        _harden(connection)
        yield connection
    finally:
        connection.close()


@contextmanager
def _readonly_file_database(data):
    """A read-only, immutable connection to a private temporary file; the file's directory always goes."""
    with tempfile.TemporaryDirectory(prefix="logikal-parts-") as directory:
        path = os.path.join(directory, "parts.sqlite")
        with open(path, "wb") as handle:
            handle.write(data)
        uri = "file:" + urllib.parse.quote(path) + "?mode=ro&immutable=1"
        connection = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        try:
            _harden(connection)
            yield connection
        finally:
            connection.close()


def _harden(connection):
    connection.text_factory = lambda raw: raw.decode("utf-8", "replace")
    connection.execute("PRAGMA trusted_schema = OFF")
    connection.execute("PRAGMA query_only = ON")
    deadline = time.monotonic() + MAX_SECONDS
    connection.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)


def _quick_check(connection):
    rows = connection.execute("PRAGMA quick_check").fetchmany(5)
    if [tuple(row) for row in rows] != [("ok",)]:
        detail = "; ".join(str(row[0]) for row in rows)[:300]
        raise PartsListCorrupt(f"SQLite quick_check failed: {detail}")


class _Reader:
    """Case-insensitive access to the real tables of the file and their columns."""

    def __init__(self, connection, max_rows):
        self.connection = connection
        self.max_rows = max_rows
        found = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        self.tables = {str(name).lower(): str(name) for (name,) in found}

    def table(self, wanted):
        return self.tables.get(wanted.lower())

    def columns(self, table):
        """{lower-case name: actual name} of the table's columns."""
        rows = self.connection.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
        return {str(row[1]).lower(): str(row[1]) for row in rows}

    def rows(self, table, columns):
        """The values of `columns` for every row, at most max_rows rows (else PartsListTooLarge)."""
        selected = ", ".join(_quote(column) for column in columns)
        query = f"SELECT {selected} FROM {_quote(table)} LIMIT ?"
        rows = self.connection.execute(query, (self.max_rows + 1,)).fetchall()
        if len(rows) > self.max_rows:
            raise PartsListTooLarge(f"table {table} has more than {self.max_rows} rows", table=table)
        return rows


def _quote(identifier):
    return '"' + identifier.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------------------------
# Extraction


def _extract(reader, digest, elevation_id, elevation_name):
    table = reader.table(ELEVATIONS)
    if table is None:
        raise PartsListMissingTable(f"required table {ELEVATIONS} is missing", table=ELEVATIONS)
    row, other_keys = _find_elevation(reader, table, elevation_id, elevation_name)
    elevation = ElevationInfo(**{spec.name: _clean(row[spec.name], spec.numeric) for spec in ENRICHMENT})
    glass, bom, missing = [], [], []
    for wanted in OPTIONAL_TABLES:
        actual = reader.table(wanted)
        if actual is None:
            missing.append(wanted)
        elif wanted == GLASS:
            glass = _glass_lines(reader, actual, other_keys)
        else:
            bom.extend(_bom_lines(reader, actual, other_keys, "article" if wanted == ARTICLES else "profile"))
    return PartsList(digest, elevation, tuple(glass), tuple(bom), tuple(missing))


def _column_map(reader, table, spec, required):
    """{field: actual column} for the fields found; a missing required field raises MissingColumn."""
    available = reader.columns(table)
    found = {}
    for field, names in spec.items():
        actual = next((available[name.lower()] for name in names if name.lower() in available), None)
        if actual is not None:
            found[field] = actual
        elif field in required:
            spelled = " / ".join(names)
            message = f"table {table} has no column {spelled}"
            raise PartsListMissingColumn(message, table=table, column=names[0])
    return found


def _present(reader, table, names):
    available = reader.columns(table)
    return [available[name.lower()] for name in names if name.lower() in available]


def _find_elevation(reader, table, elevation_id, elevation_name):
    """The chosen Elevations row as {field: raw value}, and the reference keys of the OTHER rows."""
    spec = dict(ELEVATION_COLUMNS, name=NAME_COLUMN)
    columns = _column_map(reader, table, spec, REQUIRED[ELEVATIONS] + ("name",))
    columns.update({f"id:{column}": column for column in _present(reader, table, ELEVATION_ID_COLUMNS)})
    fields = list(columns)
    rows = [dict(zip(fields, values, strict=True)) for values in reader.rows(table, [columns[f] for f in fields])]
    row = _match_elevation(rows, table, columns, elevation_id, elevation_name)
    own = _row_keys(row)
    others = set().union(*(_row_keys(other) for other in rows if other is not row)) - own
    return row, others


def _guid_column(rows, columns):
    """The first id column of Elevations that holds GUIDs (an integer key column does not count)."""
    for field, column in columns.items():
        if field.startswith("id:") and any(_is_guid(row[field]) for row in rows):
            return column
    return None


def _is_guid(value):
    try:
        normalize_guid(value)
    except ValueError:
        return False
    return True


def _row_keys(row):
    return {_ref_key(value) for field, value in row.items() if field.startswith("id:")} - {None}


def _match_elevation(rows, table, columns, elevation_id, elevation_name):
    guid_column = _guid_column(rows, columns)
    if elevation_id is not None and guid_column:
        wanted = _requested_guid(elevation_id, table, guid_column)
        field = f"id:{guid_column}"
        return _single(rows, lambda row: _ref_key(row[field]) == wanted, table, guid_column, f"elevation id {wanted}")
    if elevation_name is not None:
        wanted = str(elevation_name).strip()
        return _single(
            rows,
            lambda row: _plain_name(row["name"]) == wanted,
            table,
            columns["name"],
            f"elevation name {_clip(wanted, 80)!r}",
        )
    if elevation_id is not None:
        raise PartsListMissingColumn(
            f"table {table} has no elevation GUID column ({' / '.join(ELEVATION_ID_COLUMNS)}) to match "
            f"{_clip(str(elevation_id), 60)!r}; give the elevation name",
            table=table,
            column=ELEVATION_ID_COLUMNS[0],
        )
    if len(rows) != 1:
        message = f"table {table} has {len(rows)} rows; an elevation id or name is needed to choose one"
        raise PartsListElevationNotFound(message, table=table)
    return rows[0]


def _plain_name(value):
    if isinstance(value, str):
        return value.strip()
    return str(value) if isinstance(value, int) else None


def _requested_guid(elevation_id, table, column):
    try:
        return normalize_guid(elevation_id)
    except ValueError:
        message = f"requested elevation id {_clip(str(elevation_id), 60)!r} is not a GUID"
        raise PartsListElevationNotFound(message, table=table, column=column) from None


def _single(rows, matches, table, column, what):
    chosen = [row for row in rows if matches(row)]
    if len(chosen) == 1:
        return chosen[0]
    problem = "no row" if not chosen else f"{len(chosen)} rows"
    raise PartsListElevationNotFound(
        f"table {table} has {problem} with {what} (column {column})", table=table, column=column
    )


def _ref_key(value):
    """Comparable key of an elevation reference: normalised GUID, else the trimmed text of the value."""
    if value is None or isinstance(value, bytes):
        return None
    text = _text(value)
    if text is None:
        return None
    try:
        return normalize_guid(text)
    except ValueError:
        return text


def _linked_rows(reader, table, columns, other_keys):
    """Rows of a child table as {field: raw value}, minus those whose elevation reference names another
    Elevations row of the file. Rows with no or an unknown reference are kept."""
    refs = _present(reader, table, CHILD_REF_COLUMNS)
    fields = list(columns)
    selected = [columns[field] for field in fields] + refs[:1]
    result = []
    for values in reader.rows(table, selected):
        if refs and _ref_key(values[-1]) in other_keys:
            continue
        result.append(dict(zip(fields, values[: len(fields)], strict=True)))
    return result


def _glass_lines(reader, table, other_keys):
    columns = _column_map(reader, table, GLASS_COLUMNS, REQUIRED[GLASS])
    lines = []
    for row in _linked_rows(reader, table, columns, other_keys):
        if row["glass_id"] is None:
            continue
        lines.append(GlassLine(**{field: _value(field, row.get(field)) for field in GLASS_COLUMNS}))
    return lines


def _bom_lines(reader, table, other_keys, kind):
    columns = _column_map(reader, table, BOM_COLUMNS, REQUIRED[ARTICLES])
    lines = []
    for row in _linked_rows(reader, table, columns, other_keys):
        values = {field: _value(field, row.get(field)) for field in BOM_COLUMNS}
        if values["code"] is not None:
            lines.append(BomLine(kind=kind, **values))
    return lines


# ---------------------------------------------------------------------------------------------------------
# Value cleaning

_NUMBER_RE = re.compile(r"[+-]?(?:\d[\d.,' \u00a0\u202f]*)?\d(?:[eE][+-]?\d+)?|[+-]?\d")
_DROP_CONTROLS = {code: None for code in range(32) if chr(code) not in "\t\n\r"}


def _value(field, raw):
    return _clean(raw, field in NUMERIC_FIELDS)


def _clean(raw, numeric):
    return _number(raw) if numeric else _text(raw)


def _text(raw):
    """Stripped text without NUL/control characters, at most MAX_TEXT characters; None when empty."""
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    elif isinstance(raw, float):
        raw = str(int(raw)) if raw.is_integer() else repr(raw)
    text = str(raw)[: MAX_TEXT * 4].translate(_DROP_CONTROLS).strip()
    return _clip(text, MAX_TEXT) if text else None


def _clip(text, limit):
    return text if len(text) <= limit else text[:limit]


def _number(raw):
    """Float from a number or a text number ("1234,5", "1.234,5", "1,234.5", "3100 mm"); None otherwise."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, bytes):
        return None
    if isinstance(raw, (int, float)):
        number = float(raw) if abs(raw) < 1e300 else math.inf
        return number if math.isfinite(number) else None
    text = str(raw).strip()
    match = _NUMBER_RE.search(text) if len(text) <= MAX_NUMBER_TEXT else None
    if not match:
        return None
    try:
        number = float(_normalise_separators(match.group()))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _normalise_separators(text):
    text = re.sub(r"['\s\u00a0\u202f]", "", text)
    comma, dot = text.rfind(","), text.rfind(".")
    if comma >= 0 and dot >= 0:
        decimal = "," if comma > dot else "."
        thousands = "." if decimal == "," else ","
        return text.replace(thousands, "").replace(decimal, ".")
    if comma >= 0:
        return text.replace(",", ".") if text.count(",") == 1 else text.replace(",", "")
    if text.count(".") > 1:
        return text.replace(".", "")
    return text


def _short(exc):
    return _clip(str(exc).replace("\n", " "), 200)
