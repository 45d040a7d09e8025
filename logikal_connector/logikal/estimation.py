"""Value objects for what a selected project says about prices and addresses (estimation, price base, addresses).

`GET /projects/selected/estimation` gives the prices of every elevation of the project in one call; the
price base (`estimation-data`) names the estimation data set LogiKal priced them with; the addresses are the
project's customer, architect, ... A price arrives as a JSON number; a text price ("1.234,56", "€ 1,234.56")
is read with `parse_price`, which takes the last of '.' and ',' as the decimal separator.
"""

import math
import re
from dataclasses import dataclass

from .exceptions import LogikalProtocolError
from .records import PayloadReader

_PRICE_TEXT_RE = re.compile(r"^[+-]?[0-9][0-9.,' ]*$")
CUSTOMER_ADDRESS_TYPES = ("customer", "client", "builder", "principal", "bauherr", "auftraggeber", "klant")


def parse_price(value):
    """A price as float (None when absent). Numbers are taken as they are; text uses the last of '.' and ','
    as the decimal separator and drops currency signs, spaces and thousands separators. Raises ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("a price is not a boolean")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"price is not finite: {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"a price must be a number, not {type(value).__name__}")
    text = re.sub(r"[^\d.,'+\- ]", "", value).strip()
    if not _PRICE_TEXT_RE.match(text):
        raise ValueError(f"not a price: {value!r}")
    text = text.replace(" ", "").replace("'", "")
    decimal = max(text.rfind("."), text.rfind(","))
    if decimal >= 0:
        whole, fraction = text[:decimal], text[decimal + 1 :]
        text = whole.replace(".", "").replace(",", "") + "." + fraction
    return float(text)


def _price(read, key):
    """`key` of a PayloadReader's object read with parse_price; a bad value names the field."""
    try:
        return parse_price(read.get(key))
    except ValueError as exc:
        raise read.error(key, str(exc)) from None


@dataclass(frozen=True, slots=True)
class ElevationEstimation:
    id: str
    name: str
    net_price_unit: float | None
    total_price_unit: float | None
    net_price: float | None
    total_price: float | None

    @classmethod
    def from_api(cls, payload):
        read = PayloadReader(payload, "elevation estimation")
        return cls(
            id=read.guid("id", required=True),
            name=read.text("name"),
            net_price_unit=_price(read, "netPricePerUnit"),
            total_price_unit=_price(read, "totalPricePerUnit"),
            net_price=_price(read, "netPrice"),
            total_price=_price(read, "totalPrice"),
        )


@dataclass(frozen=True, slots=True)
class ProjectEstimation:
    id: str | None
    currency: str
    elevations: tuple

    @classmethod
    def from_api(cls, payload):
        read = PayloadReader(payload, "project estimation")
        rows = read.get("elevations") or []
        if not isinstance(rows, list):
            raise read.error("elevations", f"expected a list, got {type(rows).__name__}")
        currency = read.text("currency").upper()
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            raise read.error("currency", f"not an ISO 4217 code: {currency!r}")
        return cls(
            id=read.guid("id"),
            currency=currency,
            elevations=tuple(ElevationEstimation.from_api(row) for row in rows),
        )

    def by_elevation(self):
        """{elevation GUID: ElevationEstimation}."""
        return {row.id: row for row in self.elevations}


@dataclass(frozen=True, slots=True)
class EstimationDataSet:
    """The price base (estimation data set) a project is calculated with."""

    id: str
    name: str
    is_default: bool

    @classmethod
    def from_api(cls, payload):
        read = PayloadReader(payload, "estimation data")
        identifier = read.get("id")
        if isinstance(identifier, (int, float)) and not isinstance(identifier, bool):
            identifier = str(identifier)
        if not isinstance(identifier, str) or not identifier.strip():
            raise read.error("id", "missing")
        return cls(
            id=identifier.strip(),
            name=read.text("name"),
            is_default=read.get("isDefault") is True,
        )


@dataclass(frozen=True, slots=True)
class Address:
    """AddressData of a project for one address type (e.g. the customer)."""

    address_type: str
    name1: str
    name2: str
    street: str
    city: str
    zip_code: str
    phone1: str
    phone2: str
    email: str

    @property
    def is_empty(self):
        return not (self.name1 or self.name2)

    @classmethod
    def from_api(cls, payload, address_type):
        read = PayloadReader(payload, "address")
        return cls(
            address_type=address_type,
            name1=read.text("name1"),
            name2=read.text("name2"),
            street=read.text("street"),
            city=read.text("city"),
            zip_code=read.text("zipCode"),
            phone1=read.text("phone1"),
            phone2=read.text("phone2"),
            email=read.text("email"),
        )


def address_types_from_api(payload):
    """AddressTypesData -> [type names] (non-empty strings, in the server's order)."""
    types = PayloadReader(payload, "address types").get("addressTypes") or []
    if not isinstance(types, list):
        raise LogikalProtocolError("address types field 'addressTypes': expected a list")
    return [t.strip() for t in types if isinstance(t, str) and t.strip()]


def customer_address_type(types):
    """The address type that names the customer: a known customer-like name, else the first type."""
    for wanted in CUSTOMER_ADDRESS_TYPES:
        for name in types:
            if name.lower() == wanted:
                return name
    return types[0] if types else None
