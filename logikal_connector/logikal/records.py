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


# --- field readers: each names the field in the error it raises -------------------------------------------


def _require_object(payload, what):
    if not isinstance(payload, dict):
        raise LogikalProtocolError(f"{what} payload is not a JSON object but {type(payload).__name__}")
    return payload


def _bad_field(what, key, problem):
    return LogikalProtocolError(f"{what} field {key!r}: {problem}")


def _text(payload, key, what, *, required=False):
    value = payload.get(key)
    if value is None:
        if required:
            raise _bad_field(what, key, "missing")
        return ""
    if not isinstance(value, str):
        raise _bad_field(what, key, f"expected a string, got {type(value).__name__}")
    value = value.translate(_DROP_CONTROLS).strip()  # PostgreSQL refuses NUL; other controls are noise
    if required and not value:
        raise _bad_field(what, key, "empty")
    return value


def _guid(payload, key, what, *, required=False):
    value = payload.get(key)
    if value is None or value == "":
        if required:
            raise _bad_field(what, key, "missing")
        return None
    try:
        return normalize_guid(value)
    except ValueError as exc:
        raise _bad_field(what, key, str(exc)) from None


def _date(payload, key, what):
    """An impossible date (negative, beyond 2200, not a number) is kept as "no date" rather than failing the
    whole listing it arrived in: one odd record must not hide its siblings (or get them archived)."""
    try:
        return epoch_to_utc(payload.get(key))
    except ValueError as exc:
        _logger.info("LogiKal %s field %r ignored: %s", what, key, exc)
        return None


def _flag(payload, key, what):
    value = payload.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _bad_field(what, key, f"expected a boolean, got {type(value).__name__}")
    return value


def _number(payload, key, what):
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad_field(what, key, f"expected a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise _bad_field(what, key, f"not finite: {value!r}")
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
        payload = _require_object(payload, "directory")
        path = _text(payload, "path", "directory", required=True).strip("/")
        name = _text(payload, "name", "directory") or path.rpartition("/")[2]
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
        what = "project"
        payload = _require_object(payload, what)
        return cls(
            id=_guid(payload, "id", what, required=True),
            name=_text(payload, "name", what),
            created_date=_date(payload, "createdDate", what),
            changed_date=_date(payload, "changedDate", what),
            is_deleted=_flag(payload, "isDeleted", what),
            job_number=_text(payload, "jobNumber", what),
            offer_number=_text(payload, "offerNumber", what),
            person_in_charge=_text(payload, "personInCharge", what),
            estimated=_flag(payload, "estimated", what),
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
        what = "phase"
        payload = _require_object(payload, what)
        return cls(
            id=_guid(payload, "id", what, required=True),
            name=_text(payload, "name", what),
            description=_text(payload, "description", what),
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
        payload = _require_object(payload, what)
        surface = cls(
            name=_text(payload, "name", what),
            color_inside=_text(payload, "colorInside", what),
            color_outside=_text(payload, "colorOutside", what),
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
        what = "elevation"
        payload = _require_object(payload, what)
        return cls(
            id=_guid(payload, "id", what, required=True),
            version_id=_guid(payload, "versionId", what),
            name=_text(payload, "name", what),
            amount=_number(payload, "amount", what),
            is_in_recycle_bin=_flag(payload, "isInRecycleBin", what),
            automatic_description=_text(payload, "automaticDescription", what),
            system_description=_text(payload, "systemDescription", what),
            model_description=_text(payload, "modelDescription", what),
            user_description=_text(payload, "userDescription", what),
            surface_of_base_element=Surface.from_api(
                payload.get("surfaceOfBaseElement"), "elevation surfaceOfBaseElement"
            ),
            surface_of_insertions=Surface.from_api(
                payload.get("surfaceOfInsertions"),
                "elevation surfaceOfInsertions",
            ),
            created_by_user=_text(payload, "createdByUser", what),
            created_date=_date(payload, "createdDate", what),
            changed_date=_date(payload, "changedDate", what),
            width=_number(payload, "width", what),
            height=_number(payload, "height", what),
            is_element_pricelist_elevation=_flag(payload, "isElementPricelistElevation", what),
            element_pricelist_id=_guid(payload, "elementPricelistId", what),
            type=_text(payload, "type", what),
            state=_text(payload, "state", what),
        )
