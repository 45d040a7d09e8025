"""Simulator datasets: presets, determinism, mutations and their date rules; PNG writer."""

import json
import re
import struct
import time
import zlib

import pytest
import requests

from logikal_sim import DATASETS, Simulator, generate_dataset
from logikal_sim.dataset import CLOCK_STEP, DEFAULT_PHASE_NAME, NULL_GUID, DatasetError, NotFound
from logikal_sim.png import fit_box, png_size, render_thumbnail

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# The API fields spelled out on purpose (MBIOE ProjectData/ElevationData), not imported from the simulator.
PROJECT_FIELDS = {
    "id",
    "name",
    "createdDate",
    "changedDate",
    "isDeleted",
    "jobNumber",
    "offerNumber",
    "personInCharge",
    "estimated",
}
ELEVATION_FIELDS = {
    "id",
    "versionId",
    "name",
    "amount",
    "isInRecycleBin",
    "automaticDescription",
    "systemDescription",
    "modelDescription",
    "userDescription",
    "surfaceOfBaseElement",
    "surfaceOfInsertions",
    "createdByUser",
    "createdDate",
    "changedDate",
    "width",
    "height",
    "isElementPricelistElevation",
    "elementPricelistId",
    "type",
    "state",
}
PRESET_COUNTS = {
    "small": {"directories": 9, "projects": 6, "phases": 11, "elevations": 31},
    "s1": {"directories": 1, "projects": 1, "phases": 2, "elevations": 17},
    "demo": {"directories": 6, "projects": 8, "phases": 17, "elevations": 80},
    "scale": {"directories": 10, "projects": 200, "phases": 600, "elevations": 6000},
}


def find(rows, **match):
    return next(row for row in rows if all(row[k] == v for k, v in match.items()))


# ---- presets -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(PRESET_COUNTS))
def test_preset_counts_and_field_shapes(name):
    ds = generate_dataset(name)
    exp = ds.expected()
    assert ds.counts() == PRESET_COUNTS[name] and name in DATASETS
    assert all(set(p) == PROJECT_FIELDS | {"directory"} and GUID.match(p["id"]) for p in exp["projects"])
    assert all(set(p) == {"id", "name", "description", "project", "sequence"} for p in exp["phases"])
    for e in exp["elevations"]:
        assert set(e) == ELEVATION_FIELDS | {"project", "phase", "sequence"}
        assert GUID.match(e["id"]) and GUID.match(e["versionId"]) and GUID.match(e["elementPricelistId"])
        assert set(e["surfaceOfBaseElement"]) == {"name", "colorInside", "colorOutside"}
        assert e["width"] > 0 and e["height"] > 0 and 0 < e["createdDate"] <= e["changedDate"] <= ds.clock
    for project in exp["projects"]:
        phases = [p for p in exp["phases"] if p["project"] == project["id"]]
        assert phases[0]["id"] == NULL_GUID and phases[0]["name"] == DEFAULT_PHASE_NAME
        assert project["createdDate"] <= project["changedDate"] <= ds.clock


@pytest.mark.parametrize("name", sorted(PRESET_COUNTS))
def test_same_name_gives_identical_dataset(name):
    assert json.dumps(generate_dataset(name).expected()) == json.dumps(generate_dataset(name).expected())
    other_seed = generate_dataset(name, seed=5).expected()
    assert other_seed["elevations"][-1]["id"] != generate_dataset(name).expected()["elevations"][-1]["id"]


def test_identical_expected_over_http():
    answers = []
    for _ in range(2):
        with Simulator(generate_dataset("small")) as sim:
            answers.append(requests.get(sim.root_url + "/_sim/expected", timeout=5).json())
    assert answers[0] == answers[1] == generate_dataset("small").expected()


def test_small_preset_has_the_awkward_cases():
    exp = generate_dataset("small").expected()
    paths = [d["path"] for d in exp["directories"]]
    roots = [p for p in paths if "/" not in p]
    assert len(roots) == 3 and roots != sorted(roots)
    assert max(p.count("/") for p in paths) == 2  # three levels
    assert {"Demo Odoo/Lege map", "Klanten 2024/Leeg", "Archief/"[:-1]} <= set(paths)
    with_projects = {p["directory"] for p in exp["projects"]}
    assert [p for p in paths if p not in with_projects and not any(q.startswith(p + "/") for q in paths)]
    assert sum(p["isDeleted"] for p in exp["projects"]) == 1
    assert sum(e["isInRecycleBin"] for e in exp["elevations"]) == 1
    assert any(p["personInCharge"] != p["personInCharge"].rstrip() for p in exp["projects"])
    assert any(not p["name"].isascii() for p in exp["projects"]) and any(not p.isascii() for p in paths)
    assert len({e["project"] for e in exp["elevations"] if e["name"] == "P01"}) == 6
    names = [
        e["name"] for e in exp["elevations"] if e["phase"] == NULL_GUID and e["project"] == exp["projects"][1]["id"]
    ]
    assert names != sorted(names)
    per_phase = {}
    for e in exp["elevations"]:
        per_phase[(e["project"], e["phase"])] = per_phase.get((e["project"], e["phase"]), 0) + 1
    assert set(per_phase.values()) <= {2, 3, 4, 5} and len(per_phase) == len(exp["phases"])


def test_s1_is_the_benchmark_case():
    exp = generate_dataset("s1").expected()
    assert exp["directories"] == [{"path": "Demo Odoo", "name": "Demo Odoo"}]
    project = exp["projects"][0]
    assert (project["name"], project["id"], project["personInCharge"]) == (
        "DOS22309",
        "5ddb1393-56eb-4280-9f7e-3c3aec51483c",
        "Nick ",
    )
    assert [(p["name"], p["sequence"]) for p in exp["phases"]] == [(DEFAULT_PHASE_NAME, 0), ("Fase 1", 1)]
    default = [e["name"] for e in exp["elevations"] if e["phase"] == NULL_GUID]
    assert default == [f"P{n:02d}" for n in (7, 6, 5, 4, 3, 2, 1, 10, 9, 8, 13, 12, 11)]
    assert [e["name"] for e in exp["elevations"] if e["phase"] != NULL_GUID] == ["P17", "P16", "P15", "P14"]


def test_scale_is_fast_lazy_and_parametrised():
    started = time.monotonic()
    ds = generate_dataset("scale")
    assert time.monotonic() - started < 0.5
    assert all(ph._elevations is None for p in ds.projects.values() for ph in p.phases)
    assert ds.counts()["elevations"] == 6000 and time.monotonic() - started < 3
    small = generate_dataset("scale", dirs=3, projects=5, phases=2, elevations=4)
    assert small.counts() == {"directories": 3, "projects": 5, "phases": 10, "elevations": 40}


def test_bad_dataset_arguments():
    with pytest.raises(DatasetError):
        generate_dataset("huge")
    with pytest.raises(DatasetError):
        generate_dataset("small", projects=3)
    with pytest.raises(DatasetError):
        generate_dataset("scale", colour="red")
    with pytest.raises(DatasetError):
        generate_dataset("scale", dirs=0)


# ---- mutations -----------------------------------------------------------------------------------
@pytest.fixture
def ds():
    return generate_dataset("small")


def project_named(ds, name):
    return find(ds.expected()["projects"], name=name)


def elevation_of(ds, project_id, phase_id=NULL_GUID, index=0):
    rows = ds.expected()["elevations"]
    return [e for e in rows if e["project"] == project_id and e["phase"] == phase_id][index]


def test_rename_project_bumps_its_changed_date(ds):
    project = project_named(ds, "DOS22309")
    clock = ds.clock
    result = ds.mutate("rename", project=project["id"], name="DOS22309 bis")
    assert ds.clock == clock + CLOCK_STEP
    assert result["name"] == "DOS22309 bis" and result["changedDate"] == ds.clock
    assert project_named(ds, "DOS22309 bis")["createdDate"] == project["createdDate"]


@pytest.mark.parametrize("flag", [True, False])
def test_phase_and_elevation_edits_bump_the_project_only_with_the_flag(flag):
    ds = generate_dataset("small", child_edits_bump_project=flag)
    project = project_named(ds, "DOS22309")
    elevation = elevation_of(ds, project["id"])
    phase = find(ds.expected()["phases"], project=project["id"], name="Fase 1")
    ds.mutate("rename", project=project["id"], phase=phase["id"], name="Fase 1 (gewijzigd)")
    assert find(ds.expected()["phases"], id=phase["id"])["name"] == "Fase 1 (gewijzigd)"
    ds.mutate("recycle", elevation=elevation["id"])
    bumped = project_named(ds, "DOS22309")["changedDate"]
    assert bumped == (ds.clock if flag else project["changedDate"])


def test_rename_touch_and_change_elevation_give_new_versions(ds):
    project = project_named(ds, "DOS22309")
    elevation = elevation_of(ds, project["id"])
    renamed = ds.mutate("rename", elevation=elevation["id"], name="P01-A")
    assert renamed["name"] == "P01-A" and renamed["changedDate"] == ds.clock
    assert renamed["versionId"] != elevation["versionId"]
    touched = ds.mutate("touch", elevation=elevation["id"])
    assert touched["versionId"] != renamed["versionId"] and touched["changedDate"] == ds.clock
    changed = ds.mutate("change_elevation", elevation=elevation["id"], width=1234.0, amount=7.0)
    assert (changed["width"], changed["amount"]) == (1234.0, 7.0)
    assert changed["versionId"] != touched["versionId"]
    assert project_named(ds, "DOS22309")["changedDate"] == ds.clock
    with pytest.raises(DatasetError):
        ds.mutate("change_elevation", elevation=elevation["id"], id=NULL_GUID)


def test_recycle_keeps_the_version(ds):
    elevation = elevation_of(ds, project_named(ds, "BZ-001 Kantoor")["id"])
    recycled = ds.mutate("recycle", elevation=elevation["id"])
    assert recycled["isInRecycleBin"] and recycled["versionId"] == elevation["versionId"]
    assert recycled["changedDate"] == ds.clock > elevation["changedDate"]


def test_touch_and_delete_flag_project(ds):
    project = project_named(ds, "DOS22410")
    assert ds.mutate("touch", project=project["id"])["changedDate"] == ds.clock
    flagged = ds.mutate("delete_flag", project=project["id"])
    assert flagged["isDeleted"] is True and flagged["changedDate"] == ds.clock


def test_remove_each_kind(ds):
    project = project_named(ds, "DOS22309")
    elevation = elevation_of(ds, project["id"])
    phase = find(ds.expected()["phases"], project=project["id"], name="Fase 2")
    before = ds.counts()
    ds.mutate("remove", elevation=elevation["id"])
    ds.mutate("remove", project=project["id"], phase=phase["id"])
    after = ds.counts()
    assert after["elevations"] == before["elevations"] - 1 - 2 and after["phases"] == before["phases"] - 1
    ds.mutate("remove", project=project["id"])
    assert project["id"] not in {p["id"] for p in ds.expected()["projects"]}
    ds.mutate("remove", directory="Klanten 2024")
    exp = ds.expected()
    assert not [d for d in exp["directories"] if d["path"].startswith("Klanten 2024")]
    assert ds.counts()["projects"] == 3
    with pytest.raises(NotFound):
        ds.mutate("remove", elevation=elevation["id"])


def test_add_and_remove_phase_and_elevations(ds):
    project = project_named(ds, "DOS22269")
    phase = ds.mutate("add_phase", project=project["id"], name="Fase 9", description="Nieuw", elevations=2)
    names = [e["name"] for e in ds.expected()["elevations"] if e["phase"] == phase["id"]]
    assert names == ["P03", "P04"] and GUID.match(phase["id"])
    added = ds.mutate("add_elevation", project=project["id"], phase=phase["id"], position=0, width=900.0)
    assert added["name"] == "P05" and added["width"] == 900.0 and added["createdDate"] == ds.clock
    assert next(e["name"] for e in ds.expected()["elevations"] if e["phase"] == phase["id"]) == "P05"
    ds.mutate("remove_elevation", elevation=added["id"])
    ds.mutate("remove_phase", project=project["id"], phase=phase["id"])
    assert ds.counts() == PRESET_COUNTS["small"]
    with pytest.raises(DatasetError):
        ds.mutate("add_elevation", project=project["id"], phase=NULL_GUID, colour="red")


def test_add_project_and_directories(ds):
    made = ds.mutate("add_directory", parent="Archief", name="2019")
    assert made == {"name": "2019", "path": "Archief/2019"}
    assert ds.mutate("add_directory", path="Nieuw")["path"] == "Nieuw"
    project = ds.mutate("add_project", directory="Archief/2019", name="NEW-1", elevations=2, phases=["Fase 1"])
    assert project["createdDate"] == project["changedDate"] == ds.clock and not project["isDeleted"]
    exp = ds.expected()
    phase_names = [p["name"] for p in exp["phases"] if p["project"] == project["id"]]
    assert phase_names == [DEFAULT_PHASE_NAME, "Fase 1"]
    assert sum(e["project"] == project["id"] for e in exp["elevations"]) == 4
    with pytest.raises(DatasetError):
        ds.mutate("add_directory", path="Nieuw")
    with pytest.raises(NotFound):
        ds.mutate("add_directory", path="Nope/Child")
    with pytest.raises(NotFound):
        ds.mutate("add_project", directory="Nope", name="X")
    with pytest.raises(DatasetError):
        ds.mutate("add_project", directory="Nieuw", name="Twin", id=project["id"])


def test_rename_directory_moves_the_subtree(ds):
    moved = ds.mutate("rename", directory="Demo Odoo/Sublevel 1 Testing", name="Niveau 1")
    assert moved == {"name": "Niveau 1", "path": "Demo Odoo/Niveau 1"}
    exp = ds.expected()
    paths = [d["path"] for d in exp["directories"]]
    assert "Demo Odoo/Niveau 1/Sublevel 2 Testing" in paths and not [p for p in paths if "Sublevel 1" in p]
    assert find(exp["projects"], name="DOS22269")["directory"] == "Demo Odoo/Niveau 1/Sublevel 2 Testing"


def test_bad_mutations(ds):
    with pytest.raises(DatasetError):
        ds.mutate("explode")
    with pytest.raises(DatasetError):
        ds.mutate("touch")
    with pytest.raises(DatasetError):
        ds.mutate("rename", project=NULL_GUID)  # no name
    with pytest.raises(NotFound):
        ds.mutate("touch", project=NULL_GUID)


def test_mutation_sequences_are_deterministic():
    def scenario():
        ds = generate_dataset("small")
        project = project_named(ds, "DOS22410")
        ds.mutate("add_elevation", project=project["id"], phase=NULL_GUID)
        ds.mutate("touch", elevation=elevation_of(ds, project["id"])["id"])
        ds.mutate("add_project", directory="Archief", name="X")
        return ds.expected()

    assert scenario() == scenario()


def test_mutations_show_over_http_and_lock(ds):
    with Simulator(ds) as sim:
        project = project_named(ds, "DOS22269")
        added = sim.mutate("add_elevation", project=project["id"], phase=NULL_GUID, name="P99")
        assert find(sim.expected()["elevations"], id=added["id"])["name"] == "P99"
        assert sim.mutate("lock_project", project=project["id"]) == {"project": project["id"], "locked": True}
        assert sim.mutate("unlock_project", project=project["id"])["locked"] is False


# ---- PNG -----------------------------------------------------------------------------------------
def decode_rows(png):
    """Minimal PNG reader for our own files: returns (width, height, raw scanlines)."""
    width, height = png_size(png)
    pos, idat = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        if kind == b"IDAT":
            idat += png[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return width, height, zlib.decompress(idat)


@pytest.mark.parametrize(
    ("size", "box", "want"),
    [
        ((3100, 2560), (300, 300), (300, 248)),
        ((1000, 2010), (300, 300), (149, 300)),
        ((1000, 1000), (300, 100), (100, 100)),
        ((5000, 10), (300, 300), (300, 1)),
    ],
)
def test_fit_box(size, box, want):
    assert fit_box(*size, *box) == want


def test_rendered_png_is_valid_small_and_deterministic():
    elevation = {"width": 3100.0, "height": 2560.0, "name": "P01"}
    png = render_thumbnail(elevation, 300, 300)
    width, height, raw = decode_rows(png)
    assert (width, height) == (300, 248) and len(raw) == height * (1 + 3 * width)
    assert len(png) < 6000 and png == render_thumbnail(dict(elevation), 300, 300)
    assert png != render_thumbnail(elevation, 300, 300, view="Exterior")
    assert png_size(render_thumbnail(elevation, 1, 1)) == (1, 1)
    with pytest.raises(ValueError):
        png_size(b"GIF89a" + bytes(30))
