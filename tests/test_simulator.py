"""The MBIOE simulator over real HTTP: envelopes, status codes, navigation, sessions, faults, counters."""

import base64
import json
import re
import threading
import time

import pytest
import requests

from logikal_sim import Simulator, generate_dataset
from logikal_sim.dataset import NULL_GUID
from logikal_sim.png import png_size

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ERROR_KEYS = {"message", "code", "hints", "warnings", "errors"}
THUMB = {
    "width": "300",
    "height": "300",
    "format": "PNG",
    "view": "Interior",
    "withdimensions": "true",
    "withdescription": "false",
}
MAPPING_409 = "cannot be set, because it isn't valid in the current mapping."


def placeholder_parts(project, phase, elevation, *, profile="real"):
    return b"SQLite format 3\x00" + json.dumps([project["id"], phase["id"], elevation["versionId"]]).encode()


def parts_builder():
    try:
        from logikal_sim.partsdb import build_parts_db

        return build_parts_db
    except ImportError:  # partsdb.py is written separately; keep these tests independent of it
        return placeholder_parts


class Api:
    """A thin client for one token."""

    def __init__(self, sim):
        self.sim, self.base, self.http, self.token = sim, sim.base_url, requests.Session(), None

    def call(self, method, path, *, auth=True, **kw):
        headers = {"Authorization": f"Bearer {self.token}"} if auth and self.token else {}
        return self.http.request(method, self.base + path, headers=headers, timeout=10, **kw)

    def login(self, username="admin", password="secret"):
        body = {"username": username, "password": password, "erp": True}
        r = self.call("POST", "/auth", auth=False, json=body)
        if r.status_code == 200:
            self.token = r.json()["data"]["token"]
        return r

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def select(self, kind, identifier):
        return self.call("POST", f"/{kind}/select", json={"identifier": identifier})

    def data(self, path, **kw):
        r = self.get(path, **kw)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()["data"]

    def goto(self, path, project=None, phase=None, elevation=None):
        """Select every prefix of `path`, then the given project/phase/elevation; asserts each is 200."""
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            assert self.select("directories", "/".join(parts[:i])).status_code == 200
        for kind, guid in (("projects", project), ("phases", phase), ("elevations", elevation)):
            if guid is not None:
                r = self.select(kind, guid)
                assert r.status_code == 200, (kind, r.text)


def control(sim, method, path, body=None):
    return requests.request(method, sim.root_url + "/_sim" + path, json=body, timeout=10)


@pytest.fixture
def make_sim():
    started = []

    def make(dataset="small", **kw):
        kw.setdefault("parts_builder", parts_builder())
        sim = Simulator(generate_dataset(dataset) if isinstance(dataset, str) else dataset, **kw)
        sim.start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def sim(make_sim):
    return make_sim()


@pytest.fixture
def api(sim):
    client = Api(sim)
    assert client.login().status_code == 200
    return client


def expected_tree(sim):
    exp = sim.expected()
    projects = {p["id"]: p for p in exp["projects"]}
    return exp, projects


def logged_in(make_sim, mode):
    """A simulator in `mode`, an Api logged in to it, and the simulator's expected tree."""
    sim = make_sim(mode=mode)
    api = Api(sim)
    api.login()
    return sim, api, expected_tree(sim)[0]


def first(exp, key, **match):
    return next(row for row in exp[key] if all(row[k] == v for k, v in match.items()))


def assert_error(r, status, text=None):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == ERROR_KEYS and body["code"] == status and body["errors"] == [body["message"]]
    if text:
        assert text in body["message"]


# ---- envelopes and endpoints ---------------------------------------------------------------------
def test_version_needs_no_auth(sim):
    r = requests.get(sim.base_url + "/version", timeout=5)
    body = r.json()
    assert r.status_code == 200 and set(body) == {"data", "hints", "warnings"}
    assert all(set(c) == {"name", "version", "description"} for c in body["data"]["componentVersions"])


def test_login_success_and_failures(sim):
    client = Api(sim)
    r = client.login()
    assert r.status_code == 200 and r.json()["hints"] == [] and r.json()["warnings"] == []
    assert r.json()["data"]["username"] == "admin" and GUID.match(r.json()["data"]["token"])
    assert_error(client.login(password="wrong"), 401)
    assert_error(client.call("POST", "/auth", auth=False, data=b"{not json"), 400)
    assert_error(client.call("POST", "/auth", auth=False, json={"username": "admin"}), 400)
    bad_erp = {"username": "a", "password": "b", "erp": "x"}
    assert_error(client.call("POST", "/auth", auth=False, json=bad_erp), 400)
    counters = sim.counters()
    assert (counters["logins"], counters["failed_logins"], counters["open_sessions"]) == (1, 1, 1)


def test_token_with_or_without_bearer_and_unknown_token(sim, api):
    plain = requests.get(sim.base_url + "/directories", headers={"Authorization": api.token}, timeout=5)
    assert plain.status_code == 200
    assert_error(requests.get(sim.base_url + "/directories", timeout=5), 401)
    assert_error(
        requests.get(sim.base_url + "/directories", headers={"Authorization": "Bearer " + NULL_GUID}, timeout=5), 401
    )


def test_logout(sim, api):
    r = api.call("DELETE", "/auth")
    assert r.status_code == 200 and r.json() == {"hints": [], "warnings": []}
    assert_error(api.get("/directories"), 401)
    assert_error(api.call("DELETE", "/auth"), 401)
    counters = sim.counters()
    assert (counters["logouts"], counters["open_sessions"]) == (1, 0)


def test_walk_small_tree_matches_expected(sim, api):
    exp, _ = expected_tree(sim)
    roots = api.data("/directories")
    assert roots == [d for d in exp["directories"] if "/" not in d["path"]]
    assert [d["name"] for d in roots] == ["Demo Odoo", "Klanten 2024", "Archief"]
    api.goto("Demo Odoo/Sublevel 1 Testing")
    assert api.data("/directories") == [
        {"name": "Sublevel 2 Testing", "path": "Demo Odoo/Sublevel 1 Testing/Sublevel 2 Testing"}
    ]
    assert api.data("/projects") == []
    assert api.select("directories", "Demo Odoo").status_code == 200
    projects = api.data("/projects")
    assert projects == [
        {k: v for k, v in p.items() if k != "directory"} for p in exp["projects"] if p["directory"] == "Demo Odoo"
    ]
    project = projects[1]
    assert api.select("projects", project["id"]).status_code == 200
    assert api.data("/projects/selected") == project
    phases = api.data("/phases")
    assert phases[0] == {"id": NULL_GUID, "name": "Posities zonder levering", "description": ""}
    for phase in phases:
        assert api.select("phases", phase["id"]).status_code == 200
        want = [
            {k: v for k, v in e.items() if k not in ("project", "phase", "sequence")}
            for e in exp["elevations"]
            if e["project"] == project["id"] and e["phase"] == phase["id"]
        ]
        assert api.data("/elevations") == want


def test_crawl_whole_tree_in_observed_mode_with_one_token(sim, api):
    """One token visits everything using only moves the observed server allows (GET /directories escape)."""
    exp = sim.expected()
    seen = {"directories": [], "projects": 0, "phases": 0, "elevations": 0}

    def visit(path):
        assert api.select("directories", path).status_code == 200
        seen["directories"].append(path)
        children = api.data("/directories")
        for project in api.data("/projects"):
            assert api.select("projects", project["id"]).status_code == 200
            seen["projects"] += 1
            for phase in api.data("/phases"):
                assert api.select("phases", phase["id"]).status_code == 200
                seen["phases"] += 1
                seen["elevations"] += len(api.data("/elevations"))
            assert api.data("/directories") == children  # the escape: back at the project's directory
        for child in children:
            visit(child["path"])

    for root in api.data("/directories"):
        visit(root["path"])
    assert seen["directories"] == [d["path"] for d in exp["directories"]]
    assert (seen["projects"], seen["phases"], seen["elevations"]) == (
        len(exp["projects"]),
        len(exp["phases"]),
        len(exp["elevations"]),
    )


def test_elevation_payloads(sim, api):
    exp, _ = expected_tree(sim)
    project = first(exp, "projects", name="DOS22309")
    elevation = first(exp, "elevations", project=project["id"], phase=NULL_GUID)
    api.goto("Demo Odoo", project["id"], NULL_GUID, elevation["id"])
    raw = base64.b64decode(api.data("/elevations/selected/parts-list"), validate=True)
    assert raw.startswith(b"SQLite format 3\x00")
    assert api.data("/elevations/selected/quotation-price")["quotationPrice"].startswith("€ ")
    r = api.get("/elevations/selected/thumbnail", params=THUMB)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/octet-stream"
    assert png_size(r.content)[0] <= 300 and png_size(r.content)[1] <= 300
    estimation = api.data("/projects/selected/estimation")
    assert estimation["id"] == project["id"] and estimation["currency"] == "EUR"
    assert len(estimation["elevations"]) == sum(e["project"] == project["id"] for e in exp["elevations"])
    assert set(estimation["elevations"][0]) == {
        "id",
        "name",
        "netPricePerUnit",
        "totalPricePerUnit",
        "netPrice",
        "totalPrice",
    }
    counters = sim.counters()
    assert (counters["parts_downloads"], counters["thumbnails"]) == (1, 1)


def test_parts_list_is_cached_per_version_and_changes_with_the_elevation(sim, api):
    exp, _ = expected_tree(sim)
    elevation = first(exp, "elevations", name="P01")
    project = first(exp, "projects", id=elevation["project"])
    api.goto(project["directory"], project["id"], elevation["phase"], elevation["id"])
    one = api.data("/elevations/selected/parts-list")
    assert api.data("/elevations/selected/parts-list") == one
    sim.mutate("change_elevation", elevation=elevation["id"], width=elevation["width"] + 500)
    assert api.data("/elevations/selected/parts-list") != one


@pytest.mark.parametrize("box", [(300, 300), (120, 40), (40, 300), (1, 1)])
def test_thumbnail_fits_box_keeping_aspect(sim, api, box):
    exp, _ = expected_tree(sim)
    elevation = first(exp, "elevations", name="P01")
    project = first(exp, "projects", id=elevation["project"])
    api.goto(project["directory"], project["id"], elevation["phase"])
    params = dict(THUMB, width=str(box[0]), height=str(box[1]))
    r = api.get(f"/elevations/{elevation['id']}/thumbnail", params=params)
    width, height = png_size(r.content)
    assert width <= box[0] and height <= box[1] and (width == box[0] or height == box[1])
    ratio = elevation["width"] / elevation["height"]
    assert abs(width / height - ratio) <= max(1 / height, 1 / width) * ratio + 0.02 or min(box) == 1
    again = api.get(f"/elevations/{elevation['id']}/thumbnail", params=params)
    assert again.content == r.content


def test_thumbnail_parameter_errors(sim, api):
    exp, _ = expected_tree(sim)
    elevation = first(exp, "elevations", name="P01")
    project = first(exp, "projects", id=elevation["project"])
    url = f"/elevations/{elevation['id']}/thumbnail"
    api.goto(project["directory"])
    assert_error(api.get(url, params=THUMB), 405, "expects the session to be in a phase")
    api.goto(project["directory"], project["id"], elevation["phase"])
    for name in THUMB:
        assert_error(api.get(url, params={k: v for k, v in THUMB.items() if k != name}), 400)
    for bad in (
        {"format": "JPG"},
        {"width": "abc"},
        {"height": "0"},
        {"view": "Sideways"},
        {"withdimensions": "maybe"},
    ):
        assert_error(api.get(url, params=dict(THUMB, **bad)), 400)
    assert_error(api.get(f"/elevations/{NULL_GUID}/thumbnail", params=THUMB), 400)
    interior = api.get(url, params=THUMB).content
    assert api.get(url, params=dict(THUMB, view="Exterior")).content != interior
    assert sim.counters()["calls"]["GET /elevations/{id}/thumbnail"] == 15


# ---- navigation rules ----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["lenient", "observed", "strict"])
def test_level_preconditions_answer_405(make_sim, mode):
    _sim, api, exp = logged_in(make_sim, mode)
    project = first(exp, "projects", name="DOS22309")
    assert_error(api.get("/projects"), 405, "expects the session to be in a directory")
    assert_error(api.select("projects", project["id"]), 405)
    assert_error(api.get("/projects/selected"), 405, "in a project")
    assert_error(api.get("/projects/selected/estimation"), 405)
    api.goto("Demo Odoo")
    assert_error(api.get("/phases"), 405, "in a project")
    assert_error(api.select("phases", NULL_GUID), 405)
    api.select("projects", project["id"])
    assert_error(api.get("/projects"), 405)
    assert_error(api.get("/elevations"), 405, "in a phase")
    assert_error(api.select("elevations", NULL_GUID), 405)
    api.select("phases", NULL_GUID)
    for path in ("/elevations/selected/parts-list", "/elevations/selected/quotation-price"):
        assert_error(api.get(path), 405, "in an elevation")
    assert_error(api.get("/elevations/selected/thumbnail", params=THUMB), 405)


@pytest.mark.parametrize("mode", ["lenient", "observed", "strict"])
def test_missing_objects_answer_404_and_bad_bodies_400(make_sim, mode):
    _sim, api, exp = logged_in(make_sim, mode)
    elsewhere = first(exp, "projects", name="BZ-001 Kantoor")
    project = first(exp, "projects", name="DOS22309")
    assert_error(api.select("directories", "No Such Folder"), 404)
    assert_error(api.call("POST", "/directories/select", json={}), 400)
    assert_error(api.call("POST", "/directories/select", data=b"[1"), 400)
    api.goto("Demo Odoo")
    assert_error(api.select("projects", "not-a-guid"), 400)
    assert_error(api.select("projects", "12345678-1234-1234-1234-123456789abc"), 404)
    assert_error(api.select("projects", elsewhere["id"]), 404)
    api.select("projects", project["id"])
    other_phase = first(exp, "phases", project=elsewhere["id"], name="Fase A")
    assert_error(api.select("phases", other_phase["id"]), 404)
    api.select("phases", NULL_GUID)
    fase1_elevation = next(e for e in exp["elevations"] if e["project"] == project["id"] and e["phase"] != NULL_GUID)
    assert_error(api.select("elevations", fase1_elevation["id"]), 404)


@pytest.mark.parametrize("mode", ["observed", "strict"])
def test_directory_select_refused_below_directory_level(make_sim, mode):
    _sim, api, exp = logged_in(make_sim, mode)
    project = first(exp, "projects", name="DOS22309")
    elevation = first(exp, "elevations", project=project["id"], phase=NULL_GUID)
    api.goto("Demo Odoo", project["id"])
    r = api.select("directories", "Demo Odoo")
    assert_error(r, 409, MAPPING_409)
    assert r.json()["errors"] == ["The requested resource 'Demo Odoo' " + MAPPING_409]
    assert_error(api.select("projects", project["id"]), 405, "in a directory")
    api.select("phases", NULL_GUID)
    assert_error(api.select("directories", "Klanten 2024"), 409, MAPPING_409)
    api.select("elevations", elevation["id"])
    assert_error(api.select("directories", "Demo Odoo"), 409, MAPPING_409)


def test_observed_escape_and_allowed_moves(make_sim):
    _sim, api, exp = logged_in(make_sim, "observed")
    project = first(exp, "projects", name="DOS22309")
    phases = [p["id"] for p in exp["phases"] if p["project"] == project["id"]]
    by_phase = {
        ph: [e["id"] for e in exp["elevations"] if e["phase"] == ph and e["project"] == project["id"]] for ph in phases
    }
    deep = "Demo Odoo/Sublevel 1 Testing/Sublevel 2 Testing"
    assert api.select("directories", deep).status_code == 200  # a deep path straight from the root is fine
    api.goto("Demo Odoo", project["id"], phases[0], by_phase[phases[0]][0])
    assert api.select("elevations", by_phase[phases[0]][1]).status_code == 200  # sibling elevation
    assert api.select("phases", phases[1]).status_code == 200  # elevation -> other phase
    assert api.select("phases", phases[2]).status_code == 200  # phase -> phase
    assert api.select("elevations", by_phase[phases[2]][0]).status_code == 200
    children = ["Demo Odoo/Sublevel 1 Testing", "Demo Odoo/Lege map"]
    assert [d["path"] for d in api.data("/directories")] == children
    assert len(api.data("/projects")) == 2  # back at the project's directory level
    assert_error(api.get("/phases"), 405)
    assert api.select("projects", project["id"]).status_code == 200


def test_lenient_allows_any_valid_move(make_sim):
    _sim, api, exp = logged_in(make_sim, "lenient")
    one, two = [p for p in exp["projects"] if p["directory"] == "Demo Odoo"]
    elsewhere = first(exp, "projects", name="BZ-001 Kantoor")
    api.goto("Demo Odoo", one["id"], NULL_GUID)
    assert api.select("projects", two["id"]).status_code == 200  # project -> project in the same directory
    assert_error(api.select("projects", elsewhere["id"]), 404)
    assert api.select("phases", NULL_GUID).status_code == 200
    assert api.select("directories", "Klanten 2024/Bakker & Zonen").status_code == 200
    assert api.data("/projects")[0]["id"] == elsewhere["id"]


def test_strict_paths_step_by_prefix_and_elevation_burns_the_token(make_sim):
    sim, api, exp = logged_in(make_sim, "strict")
    deep = "Demo Odoo/Sublevel 1 Testing/Sublevel 2 Testing"
    assert_error(api.select("directories", deep), 409, MAPPING_409)
    assert_error(api.select("directories", "Demo Odoo/Sublevel 1 Testing"), 409)
    api.goto(deep)
    assert api.select("directories", "Demo Odoo/Lege map").status_code == 200  # sibling branch via ancestor
    assert api.select("directories", "Klanten 2024").status_code == 200  # a root, always
    assert_error(api.select("directories", deep), 409)
    project = first(exp, "projects", name="DOS22309")
    elevations = [e["id"] for e in exp["elevations"] if e["project"] == project["id"] and e["phase"] == NULL_GUID]
    api.goto("Demo Odoo", project["id"], NULL_GUID)
    assert api.select("phases", NULL_GUID).status_code == 200  # phase -> phase still fine
    assert api.select("elevations", elevations[0]).status_code == 200
    assert api.get("/elevations/selected/parts-list").status_code == 200
    assert_error(api.select("elevations", elevations[1]), 409)
    assert_error(api.select("phases", NULL_GUID), 409)
    assert len(api.data("/directories")) == 2  # still moves the cursor back
    assert_error(api.select("projects", project["id"]), 409)
    assert_error(api.select("directories", "Demo Odoo"), 409)
    fresh = Api(sim)
    fresh.login()
    fresh.goto("Demo Odoo", project["id"], NULL_GUID, elevations[1])


def test_locked_project_answers_409(sim, api):
    exp, _ = expected_tree(sim)
    project = first(exp, "projects", name="DOS22309")
    sim.mutate("lock_project", project=project["id"])
    api.goto("Demo Odoo")
    assert_error(api.select("projects", project["id"]), 409, "locked")
    sim.mutate("unlock_project", project=project["id"])
    assert api.select("projects", project["id"]).status_code == 200
    api.data("/directories")
    sim.set_faults(locked=[project["id"]])
    assert_error(api.select("projects", project["id"]), 409)


def test_cursors_are_per_token(sim):
    one, two = Api(sim), Api(sim)
    one.login()
    two.login()
    one.goto("Klanten 2024")
    two.goto("Demo Odoo")
    assert len(one.data("/directories")) == 3 and len(two.data("/directories")) == 2


def test_removed_selected_object_answers_409(sim, api):
    exp, _ = expected_tree(sim)
    project = first(exp, "projects", name="DOS22309")
    api.goto("Demo Odoo", project["id"])
    sim.mutate("remove", project=project["id"])
    assert_error(api.get("/phases"), 409)


# ---- sessions ------------------------------------------------------------------------------------
def test_idle_token_expiry(make_sim):
    sim = make_sim(token_idle_seconds=0.3)
    api = Api(sim)
    api.login()
    assert api.get("/directories").status_code == 200
    time.sleep(0.45)
    assert_error(api.get("/directories"), 401)
    counters = sim.counters()
    assert (counters["expired_sessions"], counters["open_sessions"]) == (1, 0)


def test_max_sessions(make_sim):
    sim = make_sim(max_sessions=2)
    clients = [Api(sim) for _ in range(3)]
    assert [c.login().status_code for c in clients[:2]] == [200, 200]
    assert_error(clients[2].login(), 409, "maximum number of concurrent sessions")
    clients[0].call("DELETE", "/auth")
    assert clients[2].login().status_code == 200
    counters = sim.counters()
    assert (counters["logins"], counters["open_sessions"], counters["max_open_sessions"]) == (3, 2, 2)


# ---- faults --------------------------------------------------------------------------------------
def test_error_rate_restricted_to_endpoints(sim, api):
    sim.set_faults(error_rate=1.0, error_status=503, endpoints=["GET /projects"])
    api.goto("Demo Odoo")
    assert_error(api.get("/projects"), 503)
    assert api.get("/directories").status_code == 200
    assert sim.counters()["injected_errors"] == 1
    sim.set_faults()
    assert api.get("/projects").status_code == 200


def test_error_rate_is_seeded(sim):
    def pattern():
        sim.set_faults(error_rate=0.5, seed=7)
        return [requests.get(sim.base_url + "/version", timeout=5).status_code for _ in range(16)]

    first_run = pattern()
    assert first_run == pattern() and {200, 500} == set(first_run)


def test_hang_delays_the_answer(sim):
    control(sim, "POST", "/faults", {"hang": {"GET /version": 0.3}})
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(sim.base_url + "/version", timeout=0.1)
    started = time.monotonic()
    assert requests.get(sim.base_url + "/version", timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.3
    sim.set_faults(hang={"endpoint": "GET /directories", "seconds": 0})
    assert sim.set_faults() == control(sim, "GET", "/faults").json()


def test_expire_tokens_is_one_shot(sim, api):
    other = Api(sim)
    other.login()
    control(sim, "POST", "/faults", {"expire_tokens": True})
    assert_error(api.get("/directories"), 401)
    assert_error(other.get("/directories"), 401)
    assert api.login().status_code == 200 and api.get("/directories").status_code == 200
    assert sim.counters()["open_sessions"] == 1


@pytest.mark.parametrize("kind", ["base64", "sqlite", "json", "oversize"])
def test_corrupt_parts_lists(sim, api, kind):
    exp, _ = expected_tree(sim)
    elevation = first(exp, "elevations", name="P01")
    project = first(exp, "projects", id=elevation["project"])
    sim.set_faults(corrupt={elevation["id"]: kind})
    api.goto(project["directory"], project["id"], elevation["phase"], elevation["id"])
    r = api.get("/elevations/selected/parts-list")
    assert r.status_code == 200
    if kind == "json":
        with pytest.raises(ValueError):
            r.json()
        return
    data = r.json()["data"]
    if kind == "base64":
        with pytest.raises(ValueError):
            base64.b64decode(data, validate=True)
    elif kind == "sqlite":
        assert not base64.b64decode(data, validate=True).startswith(b"SQLite format 3")
    else:
        assert len(r.content) > 25 * 1024 * 1024


def test_bad_fault_and_config_specs_are_rejected(sim):
    assert control(sim, "POST", "/faults", {"error_rate": 2}).status_code == 400
    assert control(sim, "POST", "/faults", {"corrupt": {NULL_GUID: "zip"}}).status_code == 400
    assert control(sim, "POST", "/faults", {"nonsense": 1}).status_code == 400
    assert control(sim, "POST", "/config", {"mode": "chaotic"}).status_code == 400
    with pytest.raises(ValueError):
        sim.set_faults(error_status=200)


# ---- latency, counters, control API --------------------------------------------------------------
def test_latency_is_slept_and_counted(make_sim):
    sim = make_sim(latency_scale=0.05)
    api = Api(sim)
    started = time.monotonic()
    api.login()
    api.get("/directories")
    assert time.monotonic() - started >= 0.3 + 0.005
    counters = sim.counters()
    assert counters["latency_seconds"] == pytest.approx((6.0 + 0.1) * 0.05)
    assert counters["nominal_latency_seconds"] == pytest.approx(6.1)


def test_counters_and_reset(sim, api):
    exp, _ = expected_tree(sim)
    elevation = first(exp, "elevations", name="P01")
    project = first(exp, "projects", id=elevation["project"])
    api.goto(project["directory"], project["id"], elevation["phase"])
    api.get(f"/elevations/{elevation['id']}/thumbnail", params=THUMB)
    over_http = control(sim, "GET", "/counters").json()
    assert over_http == sim.counters()
    assert over_http["calls"] == {
        "POST /auth": 1,
        "POST /directories/select": 1,
        "POST /projects/select": 1,
        "POST /phases/select": 1,
        "GET /elevations/{id}/thumbnail": 1,
    }
    assert over_http["nominal_latency_seconds"] == pytest.approx(6.0 + 0.1 + 0.8 + 0.2 + 0.05)
    reset = control(sim, "POST", "/counters/reset").json()
    assert reset["calls"] == {} and reset["logins"] == 0 and reset["open_sessions"] == 1
    assert reset["max_open_sessions"] == 1


def test_control_api_mutate_config_expected(sim, api):
    exp = control(sim, "GET", "/expected").json()
    assert exp == sim.expected()
    project = first(exp, "projects", name="DOS22309")
    r = control(sim, "POST", "/mutate", {"op": "rename", "project": project["id"], "name": "DOS22309-B"})
    assert r.status_code == 200 and r.json()["name"] == "DOS22309-B"
    api.goto("Demo Odoo")
    assert "DOS22309-B" in [p["name"] for p in api.data("/projects")]
    assert control(sim, "POST", "/mutate", {"op": "explode"}).status_code == 400
    assert control(sim, "POST", "/mutate", {"op": "touch", "project": NULL_GUID}).status_code == 404
    assert control(sim, "POST", "/mutate", {"op": "touch", "bogus": 1}).status_code == 400
    config = control(sim, "POST", "/config", {"mode": "strict", "max_sessions": 5}).json()
    assert config == {
        "mode": "strict",
        "latency_scale": 0.0,
        "token_idle_seconds": None,
        "max_sessions": 5,
        "bump_project_on_elevation_change": True,
    }
    assert control(sim, "GET", "/nothing").status_code == 404


def _project_of(sim, elevation_id):
    exp = sim.expected()
    elevation = first(exp, "elevations", id=elevation_id)
    return first(exp, "projects", id=elevation["project"])


@pytest.mark.parametrize("bump", [True, False])
def test_an_elevation_edit_bumps_its_project_only_when_the_switch_is_on(bump):
    sim = Simulator(generate_dataset("small"), bump_project_on_elevation_change=bump)
    elevation = first(sim.expected(), "elevations", name="P01")
    before = _project_of(sim, elevation["id"])["changedDate"]
    edited = sim.mutate("change_elevation", elevation=elevation["id"], amount=7)
    after = _project_of(sim, elevation["id"])["changedDate"]
    assert edited["changedDate"] == sim.dataset.clock
    assert after == (sim.dataset.clock if bump else before)
    assert sim.config()["bump_project_on_elevation_change"] is bump


def test_the_bump_switch_over_the_control_api(sim):
    elevation = first(sim.expected(), "elevations", name="P01")
    before = _project_of(sim, elevation["id"])["changedDate"]
    config = control(sim, "POST", "/config", {"bump_project_on_elevation_change": False}).json()
    assert config["bump_project_on_elevation_change"] is False
    assert control(sim, "GET", "/config").json()["bump_project_on_elevation_change"] is False
    control(sim, "POST", "/mutate", {"op": "touch", "elevation": elevation["id"]})
    assert _project_of(sim, elevation["id"])["changedDate"] == before
    control(sim, "POST", "/config", {"bump_project_on_elevation_change": True})
    control(sim, "POST", "/mutate", {"op": "touch", "elevation": elevation["id"]})
    assert _project_of(sim, elevation["id"])["changedDate"] == sim.dataset.clock
    bad = control(sim, "POST", "/config", {"bump_project_on_elevation_change": "sometimes"})
    assert bad.status_code == 400 and "true or false" in bad.json()["error"]


@pytest.mark.parametrize("bump", [True, False])
def test_a_generated_dataset_has_the_history_of_its_server(bump):
    """No project of a bumping server is older than an elevation inside it; on a non-bumping one most are."""
    exp = generate_dataset("scale", projects=20, child_edits_bump_project=bump).expected()
    newest = {}
    for elevation in exp["elevations"]:
        newest[elevation["project"]] = max(newest.get(elevation["project"], 0), elevation["changedDate"])
    older = [p for p in exp["projects"] if newest.get(p["id"], 0) > p["changedDate"]]
    assert (len(older) == 0) if bump else (len(older) >= 15)


def test_unknown_endpoint_is_404(sim, api):
    assert_error(api.get("/element-pricelists"), 404)
    assert requests.get(sim.root_url + "/elsewhere", timeout=5).status_code == 404


def test_keep_alive_and_clean_stop(make_sim):
    sim = make_sim()
    http = requests.Session()
    for _ in range(3):
        assert http.get(sim.base_url + "/version", timeout=5).status_code == 200
    sim.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        http.get(sim.base_url + "/version", timeout=2)


def test_minimal_one_session_plan_for_s1(make_sim):
    """The cheapest valid plan on the benchmark tree (observed mode, one token) and its nominal latency."""
    sim = make_sim("s1", parts_builder=placeholder_parts)
    api = Api(sim)
    api.login()
    api.data("/directories")
    api.goto("Demo Odoo")
    api.data("/directories")
    (project,) = api.data("/projects")
    api.select("projects", project["id"])
    downloads = 0
    for phase in api.data("/phases"):
        assert api.select("phases", phase["id"]).status_code == 200
        for elevation in api.data("/elevations"):
            assert api.get(f"/elevations/{elevation['id']}/thumbnail", params=THUMB).status_code == 200
            assert api.select("elevations", elevation["id"]).status_code == 200
            downloads += bool(api.data("/elevations/selected/parts-list"))
    api.call("DELETE", "/auth")
    counters = sim.counters()
    assert (downloads, counters["thumbnails"], counters["logins"], counters["logouts"]) == (17, 17, 1, 1)
    assert sum(counters["calls"].values()) == 63
    assert counters["nominal_latency_seconds"] == pytest.approx(48.32)


def test_parallel_sessions_do_not_interfere(make_sim):
    sim = make_sim("s1", parts_builder=placeholder_parts)
    exp = sim.expected()
    project = exp["projects"][0]
    errors = []

    def worker(phase_id):
        api = Api(sim)
        api.login()
        try:
            api.goto("Demo Odoo", project["id"], phase_id)
            for elevation in api.data("/elevations"):
                api.select("elevations", elevation["id"])
                raw = base64.b64decode(api.data("/elevations/selected/parts-list"))
                assert json.loads(raw[16:])[2] == elevation["versionId"]
        except AssertionError as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            api.call("DELETE", "/auth")

    threads = [threading.Thread(target=worker, args=(p["id"],)) for p in exp["phases"] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    counters = sim.counters()
    assert errors == [] and counters["parts_downloads"] == 17 * 3 and counters["max_open_sessions"] >= 2
    assert counters["open_sessions"] == 0
