"""Immutable value objects for what the LogiKal API lists, and the normalisers they use.

Every `from_api` strips strings, normalises GUIDs (lower case, hyphenated, no braces) and converts epoch dates
to tz-aware UTC datetimes. A payload of the wrong shape raises LogikalProtocolError naming the field.
"""

import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from .exceptions import LogikalProtocolError

_logger = logging.getLogger(__name__)

NULL_GUID = "00000000-0000-0000-0000-000000000000"

_GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HEX32_RE = re.compile(r"^[0-9a-f]{32}$")
_MILLISECONDS_THRESHOLD = 1e11
_LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc).timestamp()
_DROP_CONTROLS = {code: None for code in range(32) if chr(code) not in "\t\n\r"}


def normalize_guid(value):
    """Return `value` as a lower-case hyphenated GUID; accepts braces, spaces, upper case and 32 bare hex
    digits. Raises ValueError for anything else."""
    if not isinstance(value, str):
        raise ValueError(f"GUID must be a string, not {type(value).__name__}")
    text = value.strip().lower()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if _GUID_RE.match(text):
        return text
    if _HEX32_RE.match(text):
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    raise ValueError(f"not a GUID: {value!r}")


def epoch_to_utc(value):
    """Convert Unix epoch seconds (or milliseconds, if > 1e11) to a tz-aware UTC datetime.

    None and 0 mean "no date" and give None; negatives, dates beyond 2200 and non-numbers raise ValueError.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"epoch must be a number, not {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"epoch is not finite: {value!r}")
    if value == 0:
        return None
    if value < 0:
        raise ValueError(f"negative epoch: {value!r}")
    seconds = value / 1000 if value > _MILLISECONDS_THRESHOLD else value
    if seconds >= _LATEST:
        raise ValueError(f"epoch beyond year 2200: {value!r}")
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


# --- field reader: names the object and the field in every error it raises -------------------------------


class PayloadReader:
    """Reads the fields of one API object (`what`: "project", "address", ... in error messages).

    Each reader takes the API key; a wrong type raises LogikalProtocolError naming object and field. Used by
    every `from_api` here and in estimation.py.
    """

    __slots__ = ("payload", "what")

    def __init__(self, payload, what):
        if not isinstance(payload, dict):
            raise LogikalProtocolError(f"{what} payload is not a JSON object but {type(payload).__name__}")
        self.payload, self.what = payload, what

    def get(self, key):
        """The raw value (None when absent)."""
        return self.payload.get(key)

    def error(self, key, problem):
        return LogikalProtocolError(f"{self.what} field {key!r}: {problem}")

    def text(self, key, *, required=False):
        """Stripped text without control characters; "" when absent (unless required)."""
        value = self.payload.get(key)
        if value is None:
            if required:
                raise self.error(key, "missing")
            return ""
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {type(value).__name__}")
        value = value.translate(_DROP_CONTROLS).strip()  # PostgreSQL refuses NUL; other controls are noise
        if required and not value:
            raise self.error(key, "empty")
        return value

    def guid(self, key, *, required=False):
        """A normalised GUID; None when absent or empty (unless required)."""
        value = self.payload.get(key)
        if value is None or value == "":
            if required:
                raise self.error(key, "missing")
            return None
        try:
            return normalize_guid(value)
        except ValueError as exc:
            raise self.error(key, str(exc)) from None

    def date(self, key):
        """A tz-aware UTC datetime or None. An impossible date (negative, beyond 2200, not a number) is kept
        as "no date" rather than failing the whole listing it arrived in: one odd record must not hide its
        siblings (or get them archived)."""
        try:
            return epoch_to_utc(self.payload.get(key))
        except ValueError as exc:
            _logger.info("LogiKal %s field %r ignored: %s", self.what, key, exc)
            return None

    def flag(self, key):
        """A boolean; False when absent."""
        value = self.payload.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(key, f"expected a boolean, got {type(value).__name__}")
        return value

    def number(self, key):
        """A finite float or None."""
        value = self.payload.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"expected a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise self.error(key, f"not finite: {value!r}")
        return float(value)


# --- records ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Directory:
    path: str
    name: str

    @property
    def parent_path(self):
        return self.path.rpartition("/")[0] or None

    @property
    def depth(self):
        return self.path.count("/")

    @classmethod
    def from_api(cls, payload):
        read = PayloadReader(payload, "directory")
        path = read.text("path", required=True).strip("/")
        name = read.text("name") or path.rpartition("/")[2]
        return cls(path=path, name=name)


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str
    created_date: datetime | None
    changed_date: datetime | None
    is_deleted: bool
    job_number: str
    offer_number: str
    person_in_charge: str
    estimated: bool

    @classmethod
    def from_api(cls, payload):
        read = PayloadReader(payload, "project")
        return cls(
            id=read.guid("id", required=True),
            name=read.text("name"),
            created_date=read.date("createdDate"),
            changed_date=read.date("changedDate"),
            is_deleted=read.flag("isDeleted"),
            job_number=read.text("jobNumber"),
            offer_number=read.text("offerNumber"),
            person_in_charge=read.text("personInCharge"),
            estimated=read.flag("estimated"),
        )


@dataclass(frozen=True, slots=True)
class Phase:
    id: str
    name: str
    description: str

    @property
    def is_default(self):
        return self.id == NULL_GUID

    @classmethod
    def from_api(cls, payload):
        read = PayloadReader(payload, "phase")
        return cls(
            id=read.guid("id", required=True),
            name=read.text("name"),
            description=read.text("description"),
        )


@dataclass(frozen=True, slots=True)
class Surface:
    name: str
    color_inside: str
    color_outside: str

    @classmethod
    def from_api(cls, payload, what="surface"):
        """None (or an all-empty surface) gives None."""
        if payload is None:
            return None
        read = PayloadReader(payload, what)
        surface = cls(
            name=read.text("name"),
            color_inside=read.text("colorInside"),
            color_outside=read.text("colorOutside"),
        )
        return surface if any((surface.name, surface.color_inside, surface.color_outside)) else None


@dataclass(frozen=True, slots=True)
class Elevation:
    id: str
    version_id: str | None
    name: str
    amount: float | None
    is_in_recycle_bin: bool
    automatic_description: str
    system_description: str
    model_description: str
    user_description: str
    surface_of_base_element: Surface | None
    surface_of_insertions: Surface | None
    created_by_user: str
    created_date: datetime | None
    changed_date: datetime | None
    width: float | None
    height: float | None
    is_element_pricelist_elevation: bool
    element_pricelist_id: str | None
    type: str
    state: str

    @property
    def area_m2(self):
        if self.width is None or self.height is None:
            return None
        return self.width * self.height / 1e6

    @classmethod
    def from_api(cls, payload):
        read = PayloadReader(payload, "elevation")
        return cls(
            id=read.guid("id", required=True),
            version_id=read.guid("versionId"),
            name=read.text("name"),
            amount=read.number("amount"),
            is_in_recycle_bin=read.flag("isInRecycleBin"),
            automatic_description=read.text("automaticDescription"),
            system_description=read.text("systemDescription"),
            model_description=read.text("modelDescription"),
            user_description=read.text("userDescription"),
            surface_of_base_element=Surface.from_api(
                read.get("surfaceOfBaseElement"), "elevation surfaceOfBaseElement"
            ),
            surface_of_insertions=Surface.from_api(
                read.get("surfaceOfInsertions"),
                "elevation surfaceOfInsertions",
            ),
            created_by_user=read.text("createdByUser"),
            created_date=read.date("createdDate"),
            changed_date=read.date("changedDate"),
            width=read.number("width"),
            height=read.number("height"),
            is_element_pricelist_elevation=read.flag("isElementPricelistElevation"),
            element_pricelist_id=read.guid("elementPricelistId"),
            type=read.text("type"),
            state=read.text("state"),
        )
