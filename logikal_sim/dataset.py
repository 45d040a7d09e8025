"""Deterministic MBIOE datasets (directories → projects → phases → elevations) and their mutations.

Everything is derived from (preset name, seed): GUIDs via uuid5, values via string-seeded `random.Random`,
dates from fixed epochs. Mutations advance a logical clock (`Dataset.clock`, +60 s per mutation) instead
of reading the wall clock, so a scripted scenario always yields the same data.

Date rules (what bumps what):
- project `changedDate`: rename / touch / delete_flag of the project; and, while the dataset flag
  `child_edits_bump_project` is True (default), every phase or elevation edit inside it
  (add/remove/rename phase, add/remove/rename/touch/recycle/change elevation). A dataset generated with
  the flag off also has that history: generated projects are dated before the newest elevation inside them.
  The simulator switches the flag with `bump_project_on_elevation_change` (constructor, `/_sim/config`).
- elevation `changedDate`: rename, touch, recycle, change_elevation. A new `versionId` comes with rename,
  touch and change_elevation (not with recycle), so parts lists and thumbnails keyed by versionId follow.
- phases and directories carry no dates; lock_project/unlock_project change no date.
- prices (the project estimation) follow an elevation's width, height and amount; set_estimation (currency,
  price base name) and set_address (a project's customer/architect address) change no date either.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

NULL_GUID = "00000000-0000-0000-0000-000000000000"
DEFAULT_PHASE_NAME = "Posities zonder levering"
_NAMESPACE = uuid.UUID("8f5d7c1e-3b1a-4d35-9a57-4c0d6f1a2b3c")

BASE_CREATED = 1_704_067_200  # 2024-01-01 00:00 UTC
BASE_CLOCK = 1_760_000_000  # 2025-10-09 08:53 UTC: the logical "now" before any mutation
CLOCK_STEP = 60

WINDOWS = ("Raam 1-vaks draaikiep", "Raam 2-vaks vast + draaikiep", "Raam 3-vaks met bovenlicht")
SYSTEMS = (  # systemDescription, modelDescription, type, automaticDescription choices
    ("Reynaers MasterLine 8", "ML8 HI Raam", "Window", WINDOWS),
    ("Reynaers MasterLine 8", "ML8 HI Deur", "Door", ("Deur enkel naar buiten draaiend", "Deur dubbel")),
    ("Reynaers ConceptPatio 130-LS", "CP130 Hefschuifdeur", "SlidingDoor", ("Hefschuifdeur 2-delig",)),
    ("Schüco AWS 75.SI+", "AWS 75 Raam", "Window", WINDOWS),
    ("Reynaers CurtainWall CW 50", "CW50 Vliesgevel", "CurtainWall", ("Vliesgevel 3 velden",)),
)
ROOMS = ("Woonkamer", "Keuken", "Slaapkamer 1", "Badkamer", "Hal", "Berging", "Kantoor", "Zolder")
SURFACES = (
    ("RAL 9016 mat", "RAL 9016", "RAL 9016"),
    ("RAL 7016 structuur", "RAL 9016", "RAL 7016"),
    ("RAL 9005 fijnstructuur", "RAL 9005", "RAL 9005"),
    ("Geanodiseerd naturel", "EV1", "EV1"),
)
USERS = ("Nick", "admin", "Sofie", "Jan")
CUSTOMERS = (
    ("Bouwbedrijf Peeters NV", "t.a.v. Marc Peeters"),
    ("Schrijnwerkerij De Vos BV", "Annelies De Vos"),
    ("Immo Ter Linden", ""),
    ("Gemeente Zele", "Dienst Patrimonium"),
    ("Familie Janssens", ""),
)
ARCHITECTS = (("Studio Noord Architecten", "ir. arch. Els Maes"), ("Atelier Zuid", "Koen Wauters"))
STREETS = ("Kerkstraat", "Stationsstraat", "Molenweg", "Dorpsplein", "Industrieweg", "Grote Markt")
CITIES = (("9000", "Gent"), ("2000", "Antwerpen"), ("9240", "Zele"), ("3000", "Leuven"), ("8000", "Brugge"))
ESTIMATION_DATA = {"id": "3", "name": "Prijsbasis 2025 (netto)", "isDefault": True, "protected": False}
PERSONS = ("Nick ", "Sofie", "Jan De Smet ", "Ann", "Pieter  ")


class DatasetError(ValueError):
    """A mutation was called with bad arguments."""


class NotFound(LookupError):
    """A mutation or lookup named an object that does not exist."""


def make_guid(*parts) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def server_order(names):
    """Reorder like the real server: reversed chunks of 7, then of 3 (P07..P01, P10..P08, ...)."""
    ordered, start, size = [], 0, 7
    while start < len(names):
        ordered.extend(reversed(names[start : start + size]))
        start, size = start + size, 3
    return ordered


@dataclass
class Directory:
    path: str
    children: list = field(default_factory=list)  # child paths, server order
    projects: list = field(default_factory=list)  # project ids, server order

    @property
    def name(self):
        return self.path.rsplit("/", 1)[-1]

    @property
    def parent_path(self):
        return self.path.rsplit("/", 1)[0] if "/" in self.path else None

    def to_api(self):
        return {"name": self.name, "path": self.path}


@dataclass
class Elevation:
    data: dict  # ElevationData, API field names

    @property
    def id(self):
        return self.data["id"]


@dataclass
class Phase:
    id: str
    name: str
    description: str
    factory: object = None  # callable -> list[Elevation]; materialised on first access
    _elevations: list = None

    @property
    def elevations(self) -> list:
        if self._elevations is None:
            self._elevations = self.factory() if self.factory else []
            self.factory = None
        return self._elevations

    def to_api(self):
        return {"id": self.id, "name": self.name, "description": self.description}


@dataclass
class Project:
    data: dict  # ProjectData, API field names
    directory: str
    phases: list = field(default_factory=list)
    locked: bool = False
    addresses: dict = None  # {address type: AddressData}; generated on first access (project_addresses)

    @property
    def id(self):
        return self.data["id"]

    def phase(self, phase_id):
        return next((ph for ph in self.phases if ph.id == phase_id), None)


class Dataset:
    """The whole tree plus a logical clock; the simulator guards it with its own lock."""

    def __init__(self, name, seed=0, *, child_edits_bump_project=True, parts_profile="real"):
        self.name = name
        self.seed = seed
        self.child_edits_bump_project = child_edits_bump_project
        self.parts_profile = parts_profile
        self.clock = BASE_CLOCK
        self.currency = "EUR"  # ProjectEstimationData.currency of every project
        self.estimation_data = dict(ESTIMATION_DATA)  # the price base every project is calculated with
        self.roots: list[str] = []
        self.directories: dict[str, Directory] = {}
        self.projects: dict[str, Project] = {}
        self._elevation_index: dict[str, tuple] = {}  # id -> (project, phase), filled lazily
        self._added = 0

    # ---- building ------------------------------------------------------------------------------
    def add_directory(self, path) -> Directory:
        if path in self.directories:
            raise DatasetError(f"directory {path!r} already exists")
        directory = Directory(path)
        parent = directory.parent_path
        if parent is None:
            self.roots.append(path)
        elif parent in self.directories:
            self.directories[parent].children.append(path)
        else:
            raise NotFound(f"parent directory {parent!r} not found")
        self.directories[path] = directory
        return directory

    def add_project(self, directory_path, data, phases=()) -> Project:
        if data["id"] in self.projects:
            raise DatasetError(f"project {data['id']} already exists")
        project = Project(dict(data), directory_path, list(phases))
        self.directories[directory_path].projects.append(project.id)
        self.projects[project.id] = project
        return project

    def rng(self, *key):
        return random.Random("/".join(str(k) for k in (self.name, self.seed, *key)))

    def guid(self, *key):
        return make_guid(self.name, self.seed, *key)

    def tick(self):
        self.clock += CLOCK_STEP
        return self.clock

    # ---- lookups -------------------------------------------------------------------------------
    def child_directories(self, path=None):
        paths = self.roots if path is None else self.directories[path].children
        return [self.directories[p] for p in paths]

    def project_list(self, path):
        return [self.projects[pid] for pid in self.directories[path].projects]

    def walk_directories(self, paths=None):
        for path in self.roots if paths is None else paths:
            yield self.directories[path]
            yield from self.walk_directories(self.directories[path].children)

    def walk_projects(self):
        for directory in self.walk_directories():
            yield from self.project_list(directory.path)

    def find_project(self, project_id) -> Project:
        project = self.projects.get(project_id)
        if project is None:
            raise NotFound(f"project {project_id} not found")
        return project

    def find_phase(self, project_id, phase_id) -> Phase:
        phase = self.find_project(project_id).phase(phase_id)
        if phase is None:
            raise NotFound(f"phase {phase_id} not found in project {project_id}")
        return phase

    def find_elevation(self, elevation_id):
        """Returns (project, phase, elevation); scans (and materialises) every phase on an index miss."""
        hit = self._elevation_index.get(elevation_id)
        if hit and self._still_there(hit, elevation_id):
            return hit
        for project in self.walk_projects():
            for phase in project.phases:
                for elevation in phase.elevations:
                    self._elevation_index[elevation.id] = (project, phase, elevation)
        hit = self._elevation_index.get(elevation_id)
        if hit and self._still_there(hit, elevation_id):
            return hit
        raise NotFound(f"elevation {elevation_id} not found")

    def _still_there(self, hit, elevation_id):
        project, phase, elevation = hit
        return (
            self.projects.get(project.id) is project
            and phase in project.phases
            and any(e is elevation for e in phase.elevations)
        )

    # ---- the API view --------------------------------------------------------------------------
    def expected(self) -> dict:
        """The whole dataset as the API would list it (see docs/internal-api.md)."""
        directories, projects, phases, elevations = [], [], [], []
        for directory in self.walk_directories():
            directories.append(directory.to_api())
            for project in self.project_list(directory.path):
                projects.append({"directory": directory.path, **project.data})
                for seq, phase in enumerate(project.phases):
                    phases.append({"project": project.id, **phase.to_api(), "sequence": seq})
                    for eseq, elevation in enumerate(phase.elevations):
                        elevations.append(
                            {"project": project.id, "phase": phase.id, "sequence": eseq, **elevation.data}
                        )
        return {"directories": directories, "projects": projects, "phases": phases, "elevations": elevations}

    def counts(self) -> dict:
        expected = self.expected()
        return {key: len(value) for key, value in expected.items()}

    # ---- mutations -----------------------------------------------------------------------------
    def mutate(self, op, **kw):
        """Apply one mutation (see MUTATIONS); returns the affected object as a JSON-able dict."""
        handler = MUTATIONS.get(op)
        if handler is None:
            raise DatasetError(f"unknown mutation op {op!r}; expected one of {sorted(MUTATIONS)}")
        try:
            return handler(self, **kw)
        except TypeError as exc:
            raise DatasetError(f"{op}: {exc}") from None

    def bump_project(self, project, *, child=False):
        if child and not self.child_edits_bump_project:
            return
        project.data["changedDate"] = self.clock

    def new_version(self, elevation):
        self._added += 1
        elevation.data["versionId"] = self.guid("version", elevation.id, self.clock, self._added)

    def next_key(self):
        self._added += 1
        return ("added", self._added)


# ---- generators ------------------------------------------------------------------------------------
def make_project_data(ds: Dataset, key, name, *, created=None, changed=None, **fields) -> dict:
    rng = ds.rng("project", *key)
    created = created if created is not None else BASE_CREATED + rng.randrange(0, 200 * 86400)
    changed = changed if changed is not None else created + rng.randrange(3600, 300 * 86400)
    data = {
        "id": ds.guid("project", *key),
        "name": name,
        "createdDate": created,
        "changedDate": changed,
        "isDeleted": False,
        "jobNumber": f"{rng.randrange(1000, 9999):010d}",
        "offerNumber": f"OFF{rng.randrange(10000, 99999)} {rng.choice(('NG', 'BV', 'A', ''))}".rstrip(),
        "personInCharge": rng.choice(PERSONS),
        "estimated": rng.random() < 0.5,
    }
    data.update(fields)
    return data


def make_elevation_data(ds: Dataset, key, name, *, created, changed, **fields) -> dict:
    rng = ds.rng("elevation", *key)
    system, model, kind, descriptions = rng.choice(SYSTEMS)
    surface = rng.choice(SURFACES)
    insertion = rng.choice(SURFACES)
    width = float(rng.randrange(600, 3601, 5))
    height = float(rng.randrange(800, 2801, 5))
    pricelist = rng.random() < 0.1
    elevation_id = ds.guid("elevation", *key)
    data = {
        "id": elevation_id,
        "versionId": ds.guid("version", elevation_id, 0),
        "name": name,
        "amount": float(rng.choice((1, 1, 1, 2, 3, 4))),
        "isInRecycleBin": False,
        "automaticDescription": rng.choice(descriptions),
        "systemDescription": system,
        "modelDescription": model,
        "userDescription": rng.choice(ROOMS),
        "surfaceOfBaseElement": dict(zip(("name", "colorInside", "colorOutside"), surface, strict=False)),
        "surfaceOfInsertions": dict(zip(("name", "colorInside", "colorOutside"), insertion, strict=False)),
        "createdByUser": rng.choice(USERS),
        "createdDate": created,
        "changedDate": changed,
        "width": width,
        "height": height,
        "isElementPricelistElevation": pricelist,
        "elementPricelistId": ds.guid("pricelist", rng.randrange(5)) if pricelist else NULL_GUID,
        "type": kind,
        "state": rng.choice(("Calculated", "Calculated", "Modified")),
    }
    data.update(fields)
    return data


def elevation_factory(ds: Dataset, project_key, phase_key, names, created, changed, recycle=()):
    """A callable building one phase's elevations on demand (deterministic, order-independent)."""

    def build():
        rng = ds.rng("dates", *project_key, phase_key)
        elevations = []
        for name in names:
            e_created = created + rng.randrange(0, max(1, changed - created))
            e_changed = rng.randrange(e_created, changed + 1)
            data = make_elevation_data(
                ds,
                (*project_key, phase_key, name),
                name,
                created=e_created,
                changed=e_changed,
                isInRecycleBin=name in recycle,
            )
            elevations.append(Elevation(data))
        return elevations

    return build


def add_generated_project(ds: Dataset, directory, key, name, phase_specs, *, recycle=(), **fields):
    """phase_specs: [(phase name, elevation count, description)]; phase 0 is the null-GUID default phase."""
    data = make_project_data(ds, key, name, **fields)
    phases, number = [], 1
    for index, (phase_name, count, description) in enumerate(phase_specs):
        phase_id = NULL_GUID if index == 0 else ds.guid("phase", *key, index)
        names = server_order([f"P{n:02d}" for n in range(number, number + count)])
        number += count
        factory = elevation_factory(ds, key, index, names, data["createdDate"], data["changedDate"], recycle)
        phases.append(Phase(phase_id, phase_name, description, factory))
    if not ds.child_edits_bump_project:
        data["changedDate"] = no_bump_history(data["createdDate"], data["changedDate"])
    return ds.add_project(directory, data, phases)


def no_bump_history(created, last_edit):
    """The project date a server that never bumps would show: its own last edit, a third of the way from its
    creation to the newest edit inside it, so most generated projects hold elevations newer than themselves
    (the evidence `./logikal probe` and the connector read)."""
    return created + (last_edit - created) // 3


def default_phase(count):
    return (DEFAULT_PHASE_NAME, count, "")


def _address(ds, project, address_type, names):
    rng = ds.rng("address", project.id, address_type)
    name1, name2 = rng.choice(names)
    zip_code, city = rng.choice(CITIES)
    slug = "".join(c for c in name1.lower() if c.isalnum())[:16]
    return {
        "name1": name1,
        "name2": name2,
        "street": f"{rng.choice(STREETS)} {rng.randrange(1, 200)}",
        "city": city,
        "zipCode": zip_code,
        "phone1": f"+32 9 {rng.randrange(100, 999)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
        "phone2": "",
        "email": f"info@{slug}.be",
    }


def project_addresses(ds: Dataset, project: Project) -> dict:
    """The project's addresses {type: AddressData}: a customer and an architect (deterministic per project)."""
    if project.addresses is None:
        project.addresses = {
            "Customer": _address(ds, project, "Customer", CUSTOMERS),
            "Architect": _address(ds, project, "Architect", ARCHITECTS),
        }
    return project.addresses


# ---- presets ---------------------------------------------------------------------------------------
SMALL_DIRECTORIES = (
    "Demo Odoo",
    "Demo Odoo/Sublevel 1 Testing",
    "Demo Odoo/Sublevel 1 Testing/Sublevel 2 Testing",
    "Demo Odoo/Lege map",
    "Klanten 2024",
    "Klanten 2024/Café Noël",
    "Klanten 2024/Bakker & Zonen",
    "Klanten 2024/Leeg",
    "Archief",
)
SMALL_PROJECTS = (
    # directory, name, phases [(name, count, description)], extra fields
    ("Demo Odoo", "DOS22410", [default_phase(3), ("Fase 1", 2, "Eerste levering")], {}),
    (
        "Demo Odoo",
        "DOS22309",
        [default_phase(5), ("Fase 1", 4, "Gelijkvloers"), ("Fase 2", 2, "Verdieping")],
        {"personInCharge": "Nick "},
    ),
    ("Demo Odoo/Sublevel 1 Testing/Sublevel 2 Testing", "DOS22269", [default_phase(2)], {}),
    (
        "Klanten 2024/Café Noël",
        "Café Noël – Terrasoverkapping",
        [default_phase(2), ("Fase 1", 3, "Gevel")],
        {"personInCharge": "Zoë Ørsted "},
    ),
    ("Klanten 2024/Bakker & Zonen", "BZ-001 Kantoor", [default_phase(4), ("Fase A", 2, "")], {}),
    ("Archief", "OLD-1999 Woning Peeters", [default_phase(2)], {"isDeleted": True}),
)


def build_small(ds: Dataset):
    for path in SMALL_DIRECTORIES:
        ds.add_directory(path)
    for index, (directory, name, phases, fields) in enumerate(SMALL_PROJECTS):
        recycle = ("P02",) if name == "DOS22410" else ()
        add_generated_project(ds, directory, ("small", index), name, phases, recycle=recycle, **fields)


def build_s1(ds: Dataset):
    ds.add_directory("Demo Odoo")
    add_generated_project(
        ds,
        "Demo Odoo",
        ("s1", 0),
        "DOS22309",
        [default_phase(13), ("Fase 1", 4, "")],
        id="5ddb1393-56eb-4280-9f7e-3c3aec51483c",
        createdDate=1711463060,
        changedDate=1756302572,
        jobNumber="0000003948",
        offerNumber="OFF44465 NG",
        personInCharge="Nick ",
        estimated=False,
    )


DEMO_TREE = (
    ("Demo Odoo", (("DOS22309", 3, "Nick "), ("DOS22410", 2, "Sofie"), ("DOS22269", 1, "Nick "))),
    ("Klanten 2025", ()),
    ("Klanten 2025/Residentieel", (("Villa Zonnebloem", 2, "Jan De Smet "), ("Renovatie Hoeve Ter Linden", 3, "Ann"))),
    ("Klanten 2025/Utiliteit", (("Kantoorgebouw De Haven", 3, "Pieter  "), ("School Sint-Jozef", 2, "Sofie"))),
    ("Klanten 2025/Utiliteit/Offertes", (("Offerte Bakkerij Claes", 1, "Jan De Smet "),)),
    ("Archief", ()),
)
DEMO_PHASE_NAMES = (("Fase 1", "Gelijkvloers"), ("Fase 2", "Verdieping"), ("Fase 3", "Dakverdieping"))


def build_demo(ds: Dataset):
    index = 0
    for path, projects in DEMO_TREE:
        ds.add_directory(path)
        for name, phase_count, person in projects:
            rng = ds.rng("demo-layout", index)
            phases = [default_phase(rng.randrange(2, 6))]
            phases += [(pn, rng.randrange(3, 9), pd) for pn, pd in DEMO_PHASE_NAMES[: phase_count - 1]]
            add_generated_project(
                ds,
                path,
                ("demo", index),
                name,
                phases,
                personInCharge=person,
                jobNumber=f"{3948 + 17 * index:010d}",
                offerNumber=f"OFF{44465 + 131 * index} NG",
            )
            index += 1


def build_scale(ds: Dataset, *, dirs=10, projects=200, phases=3, elevations=10):
    if min(dirs, phases) < 1 or min(projects, elevations) < 0:
        raise DatasetError("scale needs dirs >= 1, phases >= 1, projects >= 0, elevations >= 0")
    paths = []
    n_roots = max(1, dirs // 5)
    for k in range(dirs):
        name = f"Klanten {k + 1:03d}"
        path = name if k < n_roots else f"{paths[(k - n_roots) // 2]}/{name}"
        ds.add_directory(path)
        paths.append(path)
    for p in range(projects):
        specs = [default_phase(elevations)] + [(f"Fase {i}", elevations, "") for i in range(1, phases)]
        add_generated_project(ds, paths[p % dirs], ("scale", p), f"PRJ{10000 + p}", specs)


PRESETS = {"small": build_small, "s1": build_s1, "demo": build_demo, "scale": build_scale}
PRESET_DEFAULTS = {
    "small": {"parts_profile": "small"},
    "s1": {"parts_profile": "real"},
    "demo": {"parts_profile": "real"},
    "scale": {"parts_profile": "small"},
}
SCALE_KEYS = ("dirs", "projects", "phases", "elevations")


def generate_dataset(name="demo", **overrides) -> Dataset:
    """Build a preset: "small" (tests), "s1" (benchmark), "demo" (`make run`), "scale" (volume).

    Overrides: seed, child_edits_bump_project, parts_profile ("real"|"small"); for "scale" also
    dirs, projects, phases (including the default phase), elevations (per phase).
    """
    if name not in PRESETS:
        raise DatasetError(f"unknown dataset {name!r}; expected one of {sorted(PRESETS)}")
    scale_args = {k: overrides.pop(k) for k in SCALE_KEYS if k in overrides}
    if scale_args and name != "scale":
        raise DatasetError(f"{sorted(scale_args)} only apply to the 'scale' dataset")
    options = {**PRESET_DEFAULTS[name], **overrides}
    unknown = set(options) - {"seed", "child_edits_bump_project", "parts_profile"}
    if unknown:
        raise DatasetError(f"unknown dataset option(s): {sorted(unknown)}")
    ds = Dataset(name, **options)
    PRESETS[name](ds, **scale_args)
    return ds


# ---- mutations -------------------------------------------------------------------------------------
def _one_target(kw_targets):
    given = {k: v for k, v in kw_targets.items() if v is not None}
    if not given:
        raise DatasetError(f"name one of {sorted(kw_targets)}")
    return given


def _elevation_edit(ds, elevation_id, *, new_version=True, **changes):
    project, _phase, elevation = ds.find_elevation(elevation_id)
    ds.tick()
    elevation.data.update(changes)
    elevation.data["changedDate"] = ds.clock
    if new_version:
        ds.new_version(elevation)
    ds.bump_project(project, child=True)
    return dict(elevation.data)


def op_rename(ds, *, name, project=None, phase=None, elevation=None, directory=None):
    _one_target({"project": project, "elevation": elevation, "directory": directory})
    if elevation:
        return _elevation_edit(ds, elevation, name=name)
    if directory:
        return _move_directory(ds, directory, name)
    owner = ds.find_project(project)
    found = ds.find_phase(project, phase) if phase else None
    ds.tick()
    if found:
        found.name = name
        ds.bump_project(owner, child=True)
        return found.to_api()
    found = owner
    found.data["name"] = name
    ds.bump_project(found)
    return dict(found.data)


def _move_directory(ds, old_path, new_name):
    if old_path not in ds.directories:
        raise NotFound(f"directory {old_path!r} not found")
    if not new_name or "/" in new_name:
        raise DatasetError("a directory name must be non-empty and contain no '/'")
    parent = ds.directories[old_path].parent_path
    new_path = f"{parent}/{new_name}" if parent else new_name
    if new_path in ds.directories:
        raise DatasetError(f"directory {new_path!r} already exists")
    siblings = ds.roots if parent is None else ds.directories[parent].children
    siblings[siblings.index(old_path)] = new_path
    moved = [d for p, d in list(ds.directories.items()) if p == old_path or p.startswith(old_path + "/")]
    for directory in moved:
        del ds.directories[directory.path]
    for directory in moved:
        directory.path = new_path + directory.path[len(old_path) :]
        directory.children = [new_path + c[len(old_path) :] for c in directory.children]
        ds.directories[directory.path] = directory
        for project_id in directory.projects:
            ds.projects[project_id].directory = directory.path
    return ds.directories[new_path].to_api()


def op_touch(ds, *, project=None, elevation=None):
    _one_target({"project": project, "elevation": elevation})
    if elevation:
        return _elevation_edit(ds, elevation)
    found = ds.find_project(project)
    ds.tick()
    ds.bump_project(found)
    return dict(found.data)


def op_delete_flag(ds, *, project, value=True):
    found = ds.find_project(project)
    ds.tick()
    found.data["isDeleted"] = bool(value)
    ds.bump_project(found)
    return dict(found.data)


def op_recycle(ds, *, elevation, value=True):
    return _elevation_edit(ds, elevation, new_version=False, isInRecycleBin=bool(value))


def op_change_elevation(ds, *, elevation, **fields):
    bad = set(fields) - (set(ELEVATION_FIELDS) - {"id", "versionId", "createdDate", "changedDate"})
    if bad:
        raise DatasetError(f"change_elevation cannot set {sorted(bad)}")
    return _elevation_edit(ds, elevation, **fields)


def op_remove(ds, *, directory=None, project=None, phase=None, elevation=None):
    _one_target({"directory": directory, "project": project, "elevation": elevation})
    if elevation:
        return op_remove_elevation(ds, elevation=elevation)
    if phase:
        return op_remove_phase(ds, project=project, phase=phase)
    if project:
        found = ds.find_project(project)
        ds.tick()
        ds.directories[found.directory].projects.remove(found.id)
        del ds.projects[found.id]
        return {"project": found.id}
    return _remove_directory(ds, directory)


def _remove_directory(ds, path):
    if path not in ds.directories:
        raise NotFound(f"directory {path!r} not found")
    ds.tick()
    target = ds.directories[path]
    siblings = ds.roots if target.parent_path is None else ds.directories[target.parent_path].children
    siblings.remove(path)
    removed = [d for d in list(ds.directories.values()) if d.path == path or d.path.startswith(path + "/")]
    for directory in removed:
        for project_id in directory.projects:
            del ds.projects[project_id]
        del ds.directories[directory.path]
    return {"directory": path, "removed_directories": len(removed)}


def op_add_phase(ds, *, project, name, description="", elevations=0, id=None):
    found = ds.find_project(project)
    phase_id = id or ds.guid("phase", *ds.next_key())
    if found.phase(phase_id):
        raise DatasetError(f"phase {phase_id} already exists in project {project}")
    ds.tick()
    phase = Phase(phase_id, name, description)
    found.phases.append(phase)
    for _ in range(elevations):
        _append_elevation(ds, found, phase)
    ds.bump_project(found, child=True)
    return phase.to_api()


def op_remove_phase(ds, *, project, phase):
    found = ds.find_project(project)
    target = ds.find_phase(project, phase)
    ds.tick()
    found.phases.remove(target)
    ds.bump_project(found, child=True)
    return {"project": project, "phase": phase}


def _next_elevation_name(project):
    numbers = [
        int(e.data["name"][1:])
        for ph in project.phases
        for e in ph.elevations
        if e.data["name"][:1] == "P" and e.data["name"][1:].isdigit()
    ]
    return f"P{max(numbers, default=0) + 1:02d}"


def _append_elevation(ds, project, phase, name=None, position=None, **fields):
    name = name or _next_elevation_name(project)
    data = make_elevation_data(ds, ds.next_key(), name, created=ds.clock, changed=ds.clock, **fields)
    elevation = Elevation(data)
    phase.elevations.insert(len(phase.elevations) if position is None else position, elevation)
    ds._elevation_index[elevation.id] = (project, phase, elevation)
    return elevation


def op_add_elevation(ds, *, project, phase, name=None, position=None, **fields):
    found = ds.find_project(project)
    target = ds.find_phase(project, phase)
    bad = set(fields) - set(ELEVATION_FIELDS)
    if bad:
        raise DatasetError(f"add_elevation got unknown field(s) {sorted(bad)}")
    ds.tick()
    elevation = _append_elevation(ds, found, target, name, position, **fields)
    ds.bump_project(found, child=True)
    return dict(elevation.data)


def op_remove_elevation(ds, *, elevation):
    project, phase, found = ds.find_elevation(elevation)
    ds.tick()
    phase.elevations.remove(found)
    ds._elevation_index.pop(elevation, None)
    ds.bump_project(project, child=True)
    return {"project": project.id, "phase": phase.id, "elevation": elevation}


def op_add_project(ds, *, directory, name, elevations=3, phases=(), id=None, **fields):
    if directory not in ds.directories:
        raise NotFound(f"directory {directory!r} not found")
    if id in ds.projects:
        raise DatasetError(f"project {id} already exists")
    ds.tick()
    key = ds.next_key()
    if id:
        fields["id"] = id
    specs = [default_phase(elevations)] + [(p, elevations, "") for p in phases]
    project = add_generated_project(ds, directory, key, name, specs, created=ds.clock, changed=ds.clock, **fields)
    return dict(project.data)


def op_add_directory(ds, *, path=None, parent=None, name=None):
    if path is None:
        if not name or "/" in name:
            raise DatasetError("add_directory needs path=..., or name=... (no '/') with optional parent=...")
        path = f"{parent}/{name}" if parent else name
    directory = ds.add_directory(path)
    ds.tick()
    return directory.to_api()


def op_set_address(ds, *, project, address_type="Customer", remove=False, **fields):
    """Set (or with remove=True drop) one address of a project; changes no date, like LogiKal's address PATCH."""
    found = ds.find_project(project)
    addresses = project_addresses(ds, found)
    bad = set(fields) - set(ADDRESS_FIELDS)
    if bad:
        raise DatasetError(f"set_address got unknown field(s) {sorted(bad)}")
    if remove:
        addresses.pop(address_type, None)
        return {"project": project, "addressTypes": list(addresses)}
    address = addresses.setdefault(address_type, dict.fromkeys(ADDRESS_FIELDS, ""))
    address.update({key: str(value) for key, value in fields.items()})
    return dict(address)


def op_set_estimation(ds, *, currency=None, name=None):
    """Change the currency of every estimation and/or the name of the price base (no date changes)."""
    if currency is not None:
        if not isinstance(currency, str) or len(currency) != 3:
            raise DatasetError("currency must be a 3-letter code")
        ds.currency = currency.upper()
    if name is not None:
        ds.estimation_data["name"] = str(name)
    return {"currency": ds.currency, "estimation_data": dict(ds.estimation_data)}


def op_lock_project(ds, *, project):
    found = ds.find_project(project)
    found.locked = True
    return {"project": project, "locked": True}


def op_unlock_project(ds, *, project):
    found = ds.find_project(project)
    found.locked = False
    return {"project": project, "locked": False}


ELEVATION_FIELDS = (
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
)
ADDRESS_FIELDS = ("name1", "name2", "street", "city", "zipCode", "phone1", "phone2", "email")
MUTATIONS = {
    "rename": op_rename,
    "touch": op_touch,
    "delete_flag": op_delete_flag,
    "remove": op_remove,
    "recycle": op_recycle,
    "add_phase": op_add_phase,
    "remove_phase": op_remove_phase,
    "add_elevation": op_add_elevation,
    "remove_elevation": op_remove_elevation,
    "change_elevation": op_change_elevation,
    "add_project": op_add_project,
    "add_directory": op_add_directory,
    "lock_project": op_lock_project,
    "unlock_project": op_unlock_project,
    "set_address": op_set_address,
    "set_estimation": op_set_estimation,
}
