"""Records and normalisers of the pure package (no HTTP)."""

import dataclasses
from datetime import datetime, timezone

import pytest

from logikal_connector.logikal import (
    NULL_GUID,
    Directory,
    Elevation,
    LogikalProtocolError,
    Phase,
    Project,
    Surface,
    epoch_to_utc,
    normalize_guid,
)
from logikal_sim import generate_dataset

GUID = "15782e4d-a69c-4ce5-9c17-d3060a039b2d"

REAL_PROJECT = {
    "id": "5ddb1393-56eb-4280-9f7e-3c3aec51483c",
    "name": "DOS22309",
    "createdDate": 1711463060,
    "changedDate": 1756302572,
    "isDeleted": False,
    "jobNumber": "0000003948",
    "offerNumber": "OFF44465 NG",
    "personInCharge": "Nick ",
    "estimated": False,
}


def elevation_payload(**changes):
    payload = {
        "id": "{" + GUID.upper() + "}",
        "versionId": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "name": " P01 ",
        "amount": 2,
        "isInRecycleBin": False,
        "automaticDescription": "Raam 1-vaks ",
        "systemDescription": "Reynaers MasterLine 8",
        "modelDescription": "",
        "userDescription": None,
        "surfaceOfBaseElement": {
            "name": "RAL 9016 mat",
            "colorInside": "RAL 9016",
            "colorOutside": "RAL 9016",
        },
        "surfaceOfInsertions": {"name": "", "colorInside": "", "colorOutside": ""},
        "createdByUser": "Nick",
        "createdDate": 1711463060,
        "changedDate": 1756302572000,
        "width": 1200.0,
        "height": 1500,
        "isElementPricelistElevation": False,
        "elementPricelistId": NULL_GUID,
        "type": "Window",
        "state": "Calculated",
    }
    payload.update(changes)
    return payload


@pytest.mark.parametrize(
    "raw",
    [
        GUID,
        GUID.upper(),
        "{" + GUID.upper() + "}",
        f"  {{{GUID}}} ",
        GUID.replace("-", ""),
        GUID.replace("-", "").upper(),
    ],
)
def test_normalize_guid_accepts_the_spellings(raw):
    assert normalize_guid(raw) == GUID


@pytest.mark.parametrize("raw", ["", "abc", GUID + "0", "g" * 32, "{" + GUID, 12345, None])
def test_normalize_guid_rejects_anything_else(raw):
    with pytest.raises(ValueError):
        normalize_guid(raw)


def test_epoch_seconds_and_milliseconds_give_the_same_utc_datetime():
    expected = datetime(2024, 3, 26, 14, 24, 20, tzinfo=timezone.utc)
    assert epoch_to_utc(1711463060) == expected
    assert epoch_to_utc(1711463060000) == expected
    assert epoch_to_utc(1711463060.0).tzinfo is timezone.utc


@pytest.mark.parametrize("value", [None, 0])
def test_epoch_none_and_zero_mean_no_date(value):
    assert epoch_to_utc(value) is None


BAD_EPOCHS = [-1, 7_258_118_400, 7_258_118_400_000 * 10, "1711463060", True, float("nan")]


@pytest.mark.parametrize("value", BAD_EPOCHS)
def test_epoch_rejects_negatives_far_future_and_non_numbers(value):
    with pytest.raises(ValueError):
        epoch_to_utc(value)


def test_directory_from_api_and_its_position():
    nested = Directory.from_api({"name": " Sublevel 2 ", "path": "Demo Odoo/Sublevel 1/Sublevel 2"})
    assert nested == Directory(path="Demo Odoo/Sublevel 1/Sublevel 2", name="Sublevel 2")
    assert nested.parent_path == "Demo Odoo/Sublevel 1"
    assert nested.depth == 2
    root = Directory.from_api({"name": "Demo Odoo", "path": "Demo Odoo"})
    assert (root.parent_path, root.depth) == (None, 0)


def test_directory_name_defaults_to_the_last_path_segment():
    assert Directory.from_api({"path": "A/B"}).name == "B"


@pytest.mark.parametrize("payload", [{"name": "x"}, {"path": "  "}, {"path": 3}, ["A"], None])
def test_directory_without_a_usable_path_is_a_protocol_error(payload):
    with pytest.raises(LogikalProtocolError) as caught:
        Directory.from_api(payload)
    assert "path" in str(caught.value) or "object" in str(caught.value)


def test_project_from_the_real_record():
    project = Project.from_api(REAL_PROJECT)
    assert project.id == "5ddb1393-56eb-4280-9f7e-3c3aec51483c"
    assert project.person_in_charge == "Nick"
    assert project.created_date == datetime(2024, 3, 26, 14, 24, 20, tzinfo=timezone.utc)
    assert project.changed_date.tzinfo is timezone.utc
    assert (project.is_deleted, project.estimated, project.job_number) == (False, False, "0000003948")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": None}, "id"),
        ({"id": "not-a-guid"}, "id"),
        ({"name": 42}, "name"),
        ({"isDeleted": "no"}, "isDeleted"),
    ],
)
def test_malformed_project_names_the_field(change, field):
    with pytest.raises(LogikalProtocolError) as caught:
        Project.from_api({**REAL_PROJECT, **change})
    assert repr(field) in str(caught.value)


@pytest.mark.parametrize("odd", [-5, "yesterday", 10**13 * 1000, float("nan")])
def test_impossible_dates_are_kept_as_no_date(odd):
    project = Project.from_api({**REAL_PROJECT, "createdDate": odd, "changedDate": odd})
    assert (project.created_date, project.changed_date, project.name) == (None, None, "DOS22309")


def test_null_guid_default_phase_is_a_real_phase():
    braced_null = "{00000000-0000-0000-0000-000000000000}"
    phase = Phase.from_api({"id": braced_null, "name": "Posities zonder levering "})
    assert phase.id == NULL_GUID
    assert phase.is_default
    assert phase.name == "Posities zonder levering"
    assert phase.description == ""
    assert not Phase.from_api({"id": GUID, "name": "Fase 1", "description": "x"}).is_default


def test_elevation_from_api_normalises_everything():
    elevation = Elevation.from_api(elevation_payload())
    assert elevation.id == GUID
    assert elevation.version_id == "a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90"
    assert elevation.name == "P01"
    assert elevation.automatic_description == "Raam 1-vaks"
    assert elevation.user_description == ""
    assert elevation.amount == 2.0
    assert elevation.surface_of_base_element == Surface("RAL 9016 mat", "RAL 9016", "RAL 9016")
    assert elevation.surface_of_insertions is None
    assert elevation.changed_date == datetime(2025, 8, 27, 13, 49, 32, tzinfo=timezone.utc)
    assert elevation.element_pricelist_id == NULL_GUID
    assert elevation.area_m2 == pytest.approx(1.8)


def test_elevation_area_is_none_without_dimensions():
    assert Elevation.from_api(elevation_payload(width=None)).area_m2 is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": ""}, "id"),
        ({"amount": "2"}, "amount"),
        ({"width": True}, "width"),
        ({"versionId": "nope"}, "versionId"),
        ({"isInRecycleBin": 1}, "isInRecycleBin"),
        ({"surfaceOfBaseElement": "RAL"}, "surfaceOfBaseElement"),
    ],
)
def test_malformed_elevation_names_the_field(change, field):
    with pytest.raises(LogikalProtocolError) as caught:
        Elevation.from_api(elevation_payload(**change))
    assert field in str(caught.value)


def test_records_are_frozen_and_slotted():
    phase = Phase.from_api({"id": GUID, "name": "Fase 1"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        phase.name = "other"
    assert not hasattr(phase, "__dict__")
    assert hash(phase) == hash(Phase(GUID, "Fase 1", ""))


def test_every_record_of_the_simulated_dataset_parses():
    expected = generate_dataset("small").expected()
    directories = [Directory.from_api(item) for item in expected["directories"]]
    projects = [Project.from_api(item) for item in expected["projects"]]
    phases = [Phase.from_api(item) for item in expected["phases"]]
    elevations = [Elevation.from_api(item) for item in expected["elevations"]]
    assert len(directories) == 9 and len(projects) == 6
    assert sum(phase.is_default for phase in phases) == len(projects)
    assert all(elevation.id == elevation.id.lower() for elevation in elevations)
    assert all(project.name == project.name.strip() for project in projects)
