"""LogikalSession against the simulator in each mode: minimal navigation, exact call plans, adaptive recovery,
logout in every case, and no secret in logs or errors."""

import logging
import time
from collections import Counter

import pytest

from logikal_connector.logikal import (
    LogikalAuthError,
    LogikalClient,
    LogikalConflict,
    LogikalError,
    LogikalNavigationError,
    LogikalNotFound,
    LogikalSession,
    LogikalTimeout,
    LogikalTransientError,
    LogikalWrongContext,
    NavigationRules,
)
from logikal_connector.logikal.session import ROOT, Cursor, directory_steps, plan_selects
from logikal_sim import Simulator, generate_dataset

PASSWORD = "Pa55-w0rd-for-tests"
DEEP = "Demo Odoo/Sublevel 1 Testing/Sublevel 2 Testing"


def no_sleep(_seconds):
    pass


@pytest.fixture(params=["lenient", "observed", "strict"])
def mode(request):
    return request.param


def start_sim(mode, **options):
    return Simulator(generate_dataset("small"), mode=mode, password=PASSWORD, **options)


@pytest.fixture
def observed():
    with start_sim("observed") as simulator:
        yield simulator


@pytest.fixture
def strict():
    with start_sim("strict") as simulator:
        yield simulator


def make_client(sim, **options):
    settings = {"connect_timeout": 1.0, "read_timeout": 2.0, "max_retries": 0, "sleep": no_sleep, **options}
    return LogikalClient(sim.base_url, **settings)


def open_session(sim, **options):
    return LogikalSession(make_client(sim, **options), "admin", PASSWORD)


class Tree:
    """The small dataset as the simulator lists it, indexed for the tests."""

    def __init__(self, expected):
        self.directories = [d["path"] for d in expected["directories"]]
        self.projects = expected["projects"]
        self.phases = expected["phases"]
        self.elevations = expected["elevations"]

    def projects_in(self, path):
        return [p for p in self.projects if p["directory"] == path]

    def phases_of(self, project_id):
        return [ph for ph in self.phases if ph["project"] == project_id]

    def elevations_of(self, project_id, phase_id):
        return [e for e in self.elevations if e["project"] == project_id and e["phase"] == phase_id]

    def project_with_phases(self, count):
        return next(p for p in self.projects if len(self.phases_of(p["id"])) >= count)

    def phase_with_elevations(self, count):
        phase = next(ph for ph in self.phases if len(self.elevations_of(ph["project"], ph["id"])) >= count)
        project = next(p for p in self.projects if p["id"] == phase["project"])
        return project, phase, self.elevations_of(project["id"], phase["id"])

    def phase_ids(self, count):
        """(directory, project id, phase id) of a phase with `count` elevations or more, and its elevations."""
        project, phase, elevations = self.phase_with_elevations(count)
        return (project["directory"], project["id"], phase["id"]), elevations


@pytest.fixture(scope="module")
def tree():
    return Tree(generate_dataset("small").expected())


def calls_of(sim):
    return Counter(sim.counters()["calls"])


# --- the walk and its plan -------------------------------------------------------------------------------


def full_walk(session, *, thumbnails=False, parts=False):
    """Depth-first: per directory its children and projects; per project its phases; per phase its
    elevations, then (optionally) all thumbnails, then all parts lists. Returns what was listed."""
    seen = Counter()
    stack = list(reversed(session.list_root_directories()))
    while stack:
        directory = stack.pop()
        seen["directories"] += 1
        children = session.list_directories(directory.path)
        for project in session.list_projects(directory.path):
            seen["projects"] += 1
            for phase in session.list_phases(directory.path, project.id):
                seen["phases"] += 1
                elevations = session.list_elevations(directory.path, project.id, phase.id)
                seen["elevations"] += len(elevations)
                for elevation in elevations if thumbnails else ():
                    image = session.thumbnail(directory.path, project.id, phase.id, elevation.id)
                    assert image.startswith(b"\x89PNG")
                    seen["thumbnails"] += 1
                for elevation in elevations if parts else ():
                    data = session.parts_list(directory.path, project.id, phase.id, elevation.id)
                    assert data.startswith(b"SQLite format 3\x00")
                    seen["parts"] += 1
        stack.extend(reversed(children))
    return seen


def walk_plan(tree, mode, *, thumbnails=False, parts=False):
    """Calls the walk must cost, derived from the dataset: one select per directory (DFS visits a parent
    first), one per project and phase, one per elevation for its parts list. Outside lenient mode, leaving a
    project for another project or directory costs the escape (GET /directories), and the first such move
    from each cursor level also costs the refused select that taught the session the escape."""
    dirs = tree.directories
    plan = Counter({"POST /auth": 1, "DELETE /auth": 1})
    plan.update({"GET /directories": 1 + len(dirs), "POST /directories/select": len(dirs)})
    plan["GET /projects"] = len(dirs)
    learned, below = set(), None

    def leave(kind):
        if below and mode != "lenient":
            plan["GET /directories"] += 1
            if (below, kind) not in learned:
                learned.add((below, kind))
                plan[f"POST /{kind}/select"] += 1

    for path in dirs:
        leave("directories")
        below = None
        for project in tree.projects_in(path):
            leave("projects")
            plan.update({"POST /projects/select": 1, "GET /phases": 1})
            below = "project"
            for phase in tree.phases_of(project["id"]):
                plan.update({"POST /phases/select": 1, "GET /elevations": 1})
                below = "phase"
                count = len(tree.elevations_of(project["id"], phase["id"]))
                if thumbnails:
                    plan["GET /elevations/{id}/thumbnail"] += count
                if parts and count:
                    plan["POST /elevations/select"] += count
                    plan["GET /elevations/selected/parts-list"] += count
                    below = "elevation"
    return +plan


def test_list_walk_costs_exactly_the_planned_calls_and_one_login(mode, tree):
    with start_sim(mode) as sim:
        session = open_session(sim)
        with session:
            seen = full_walk(session)
        counters = sim.counters()
        assert Counter(counters["calls"]) == walk_plan(tree, mode)
        assert (counters["logins"], counters["logouts"], counters["open_sessions"]) == (1, 1, 0)
        assert session.stats.total_calls == sum(counters["calls"].values())
        assert session.stats.relogins == []
    levels = ("directories", "projects", "phases", "elevations")
    expected_counts = {key: len(getattr(tree, key)) for key in levels}
    assert {key: seen[key] for key in expected_counts} == expected_counts


@pytest.mark.parametrize("mode_name", ["lenient", "observed"])
def test_walk_with_thumbnails_and_parts_costs_the_plan_and_one_login(mode_name, tree):
    with start_sim(mode_name) as sim:
        session = open_session(sim)
        with session:
            seen = full_walk(session, thumbnails=True, parts=True)
        counters = sim.counters()
        assert Counter(counters["calls"]) == walk_plan(tree, mode_name, thumbnails=True, parts=True)
        assert (counters["logins"], counters["logouts"]) == (1, 1)
        assert seen["parts"] == seen["thumbnails"] == len(tree.elevations)
        assert counters["parts_downloads"] == counters["thumbnails"] == len(tree.elevations)


def test_observed_walk_learns_the_escape_not_the_relogin(observed):
    session = open_session(observed)
    with session:
        full_walk(session, parts=True)
    lessons = session.rules.describe()
    assert "select directory after elevation select: escape" in lessons
    assert "select project after elevation select: escape" in lessons
    assert not any("relogin" in lesson for lesson in lessons)


def test_strict_walk_with_parts_relogs_after_each_burned_session(strict, tree):
    session = open_session(strict)
    with session:
        seen = full_walk(session, thumbnails=True, parts=True)
    counters = strict.counters()
    stats = session.stats
    assert seen["parts"] == len(tree.elevations)
    assert counters["logins"] == stats.logins == 1 + len(stats.relogins)
    assert counters["logouts"] == counters["logins"] and counters["open_sessions"] == 0
    assert all(reason.startswith("409 refused") for reason in stats.relogins)
    learned = [reason for reason in stats.relogins if reason.endswith("(learned)")]
    assert len(stats.relogins) - len(learned) <= 4  # one lesson per select kind after an elevation select
    assert "select elevation after elevation select: relogin" in session.rules.describe()


# --- minimal navigation ----------------------------------------------------------------------------------


class SelectSpy:
    def __init__(self, client):
        self.selects = []
        original = client.select

        def select(path, identifier, token):
            self.selects.append((path.split("/")[1], identifier))
            return original(path, identifier, token)

        client.select = select

    def take(self):
        selects, self.selects = self.selects, []
        return selects


def test_nested_directories_step_through_prefixes_not_already_on_the_path(observed):
    session = open_session(observed)
    spy = SelectSpy(session.client)
    with session:
        session.list_projects(DEEP)
        assert spy.take() == [
            ("directories", "Demo Odoo"),
            ("directories", "Demo Odoo/Sublevel 1 Testing"),
            ("directories", DEEP),
        ]
        session.list_projects("Demo Odoo/Lege map")
        assert spy.take() == [("directories", "Demo Odoo/Lege map")]
        session.list_directories("Demo Odoo/Lege map")
        assert spy.take() == []
        session.list_projects("Klanten 2024/Café Noël")
        assert spy.take() == [("directories", "Klanten 2024"), ("directories", "Klanten 2024/Café Noël")]


def test_no_redundant_selects_and_thumbnails_never_select_the_elevation(observed, tree):
    project, phase, elevations = tree.phase_with_elevations(2)
    path = project["directory"]
    session = open_session(observed)
    spy = SelectSpy(session.client)
    with session:
        session.list_phases(path, project["id"])
        session.list_phases(path, project["id"].upper())
        assert [kind for kind, _ in spy.take()].count("projects") == 1
        session.list_elevations(path, project["id"], phase["id"])
        for elevation in elevations:
            session.thumbnail(path, project["id"], phase["id"], elevation["id"])
        assert spy.take() == [("phases", phase["id"])]
        assert observed.counters()["calls"].get("POST /elevations/select", 0) == 0


def test_thumbnail_after_a_parts_list_needs_no_select(observed, tree):
    ids, elevations = tree.phase_ids(2)
    session = open_session(observed)
    with session:
        session.parts_list(*ids, elevations[0]["id"])
        before = calls_of(observed)
        session.thumbnail(*ids, elevations[1]["id"])
        assert calls_of(observed) - before == Counter({"GET /elevations/{id}/thumbnail": 1})


def test_thumbnail_refused_below_the_phase_reselects_the_phase_and_remembers(observed, tree):
    ids, elevations = tree.phase_ids(2)
    session = open_session(observed)
    original, refused = session.client.thumbnail, []

    def phase_context_only(token, elevation_id, **options):
        if session.cursor.elevation is not None:
            refused.append(elevation_id)
            raise LogikalWrongContext("405", status=405, endpoint="GET /elevations/{id}/thumbnail")
        return original(token, elevation_id, **options)

    session.client.thumbnail = phase_context_only
    spy = SelectSpy(session.client)
    with session:
        session.parts_list(*ids, elevations[0]["id"])
        spy.take()
        assert session.thumbnail(*ids, elevations[1]["id"]).startswith(b"\x89PNG")
        assert spy.take() == [("phases", ids[2])] and len(refused) == 1
        session.parts_list(*ids, elevations[0]["id"])
        session.thumbnail(*ids, elevations[1]["id"])
        assert len(refused) == 1
    assert session.stats.relogins == []


def test_phase_to_phase_and_sibling_elevations_need_no_relogin_when_observed(observed, tree):
    project = tree.project_with_phases(3)
    path = project["directory"]
    session = open_session(observed)
    with session:
        for phase in tree.phases_of(project["id"]):
            for elevation in tree.elevations_of(project["id"], phase["id"]):
                session.parts_list(path, project["id"], phase["id"], elevation["id"])
    assert session.stats.logins == 1 and session.stats.relogins == []
    assert observed.counters()["calls"].get("GET /directories", 0) == 0


def test_refused_project_switch_escapes_once_then_goes_straight_to_the_escape(observed, tree):
    projects = tree.projects_in("Demo Odoo")
    session = open_session(observed)
    with session:
        session.list_phases("Demo Odoo", projects[0]["id"])
        before = calls_of(observed)
        session.list_phases("Demo Odoo", projects[1]["id"])
        first = calls_of(observed) - before
        assert first == Counter({"POST /projects/select": 2, "GET /directories": 1, "GET /phases": 1})
        before = calls_of(observed)
        session.list_phases("Demo Odoo", projects[0]["id"])
        second = calls_of(observed) - before
        assert second == Counter({"POST /projects/select": 1, "GET /directories": 1, "GET /phases": 1})
    assert session.stats.relogins == []
    assert session.rules.describe() == ["select project after project select: escape"]


def test_rules_shared_between_sessions_spare_the_lesson(observed, tree):
    projects = tree.projects_in("Demo Odoo")
    first = open_session(observed)
    with first:
        session_walk_two_projects(first, projects)
    observed.reset_counters()
    second = LogikalSession(make_client(observed), "admin", PASSWORD, rules=first.rules)
    with second:
        session_walk_two_projects(second, projects)
    assert observed.counters()["calls"]["POST /projects/select"] == 2


def session_walk_two_projects(session, projects):
    for project in projects[:2]:
        session.list_phases("Demo Odoo", project["id"])


def test_root_listing_after_navigation_needs_a_fresh_login(observed):
    session = open_session(observed)
    with session:
        first = session.list_root_directories()
        session.list_projects("Demo Odoo")
        assert session.list_root_directories() == first
    assert session.stats.relogins == ["listing the root directories needs a fresh session"]
    assert observed.counters()["logouts"] == 2


# --- recovery --------------------------------------------------------------------------------------------


def test_expired_token_relogs_once_and_renavigates(observed, tree):
    project, phase, elevations = tree.phase_with_elevations(2)
    path = project["directory"]
    session = open_session(observed)
    with session:
        session.list_phases(path, project["id"])
        observed.set_faults(expire_tokens=True)
        listed = session.list_elevations(path, project["id"], phase["id"])
        assert [e.id for e in listed] == [e["id"] for e in elevations]
        assert session.cursor == Cursor(path, project["id"], phase["id"])
    assert session.stats.relogins == ["401 token expired on POST /phases/select"]
    counters = observed.counters()
    assert (counters["logins"], counters["logouts"], counters["open_sessions"]) == (2, 1, 0)


def test_idle_expiry_on_a_list_call_is_recovered(tree):
    project = tree.projects[0]
    with start_sim("observed", token_idle_seconds=0.2) as sim:
        session = open_session(sim)
        with session:
            session.list_phases(project["directory"], project["id"])
            time.sleep(0.3)
            session.list_phases(project["directory"], project["id"])
        assert session.stats.relogins == ["401 token expired on GET /phases"]


def test_strict_refusal_relogs_and_later_moves_use_the_lesson(strict, tree):
    ids, elevations = tree.phase_ids(3)
    session = open_session(strict)
    with session:
        session.parts_list(*ids, elevations[0]["id"])
        session.parts_list(*ids, elevations[1]["id"])
        # the sibling select was refused (409), the escape did not help (the session stays burned)
        first_reason = "409 refused POST /projects/select after elevation select and the escape"
        assert session.stats.relogins == [first_reason]
        before = calls_of(strict)
        session.parts_list(*ids, elevations[2]["id"])
        third = calls_of(strict) - before
    learned_reason = "409 refused POST /elevations/select after elevation select (learned)"
    assert session.stats.relogins[-1] == learned_reason
    depth = ids[0].count("/") + 1
    assert third == Counter(
        {
            "DELETE /auth": 1,
            "POST /auth": 1,
            "POST /directories/select": depth,
            "POST /projects/select": 1,
            "POST /phases/select": 1,
            "POST /elevations/select": 1,
            "GET /elevations/selected/parts-list": 1,
        }
    )


def test_locked_project_raises_conflict_after_one_relogin_and_the_session_goes_on(observed, tree):
    locked, other = tree.projects_in("Demo Odoo")[:2]
    observed.mutate("lock_project", project=locked["id"])
    session = open_session(observed)
    with session:
        with pytest.raises(LogikalConflict) as caught:
            session.list_phases("Demo Odoo", locked["id"])
        assert caught.value.endpoint == "POST /projects/select"
        assert session.stats.logins == 2
        assert session.list_phases("Demo Odoo", other["id"])
    assert observed.counters()["open_sessions"] == 0


def test_a_locked_project_does_not_teach_a_relogin_rule(observed, tree):
    first, second = tree.projects_in("Demo Odoo")[:2]
    session = open_session(observed)
    with session:
        session.list_phases("Demo Odoo", first["id"])
        session.list_phases("Demo Odoo", second["id"])  # learns: project switch needs the escape
        observed.mutate("lock_project", project=first["id"])
        with pytest.raises(LogikalConflict):
            session.list_phases("Demo Odoo", first["id"])
        observed.mutate("unlock_project", project=first["id"])
        session.list_phases("Demo Odoo", second["id"])
        before = calls_of(observed)
        session.list_phases("Demo Odoo", first["id"])
        assert calls_of(observed) - before == Counter(
            {"GET /directories": 1, "POST /projects/select": 1, "GET /phases": 1}
        )
    assert session.rules.describe() == ["select project after project select: escape"]
    assert len(session.stats.relogins) == 1


def test_a_locked_project_met_first_teaches_nothing(observed, tree):
    first, second = tree.projects_in("Demo Odoo")[:2]
    observed.mutate("lock_project", project=second["id"])
    session = open_session(observed)
    with session:
        session.list_phases("Demo Odoo", first["id"])
        with pytest.raises(LogikalConflict):
            session.list_phases("Demo Odoo", second["id"])
    assert not any("relogin" in lesson for lesson in session.rules.describe())


def test_vanished_project_is_not_found_without_relogin(observed, tree):
    project = tree.projects[0]
    session = open_session(observed)
    with session:
        session.list_projects(project["directory"])
        observed.mutate("remove", project=project["id"])
        with pytest.raises(LogikalNotFound):
            session.list_phases(project["directory"], project["id"])
    assert session.stats.logins == 1


def test_navigation_error_when_the_relogin_does_not_help(observed, tree):
    project, phase, _ = tree.phase_with_elevations(1)
    observed.set_faults(error_rate=1.0, error_status=409, endpoints=["POST /phases/select"])
    session = open_session(observed)
    with session, pytest.raises(LogikalNavigationError) as caught:
        session.list_elevations(project["directory"], project["id"], phase["id"])
    assert caught.value.endpoint == "POST /phases/select" and caught.value.status == 409
    counters = observed.counters()
    assert (counters["logins"], counters["logouts"], counters["open_sessions"]) == (2, 2, 0)


def test_transient_failure_on_a_select_leaves_the_cursor_unknown_then_recovers(observed, tree):
    ids, _ = tree.phase_ids(1)
    session = open_session(observed)
    with session:
        session.list_phases(*ids[:2])
        observed.set_faults(error_rate=1.0, error_status=503, endpoints=["POST /phases/select"])
        with pytest.raises(LogikalTransientError):
            session.list_elevations(*ids)
        assert session.cursor is None
        observed.set_faults()
        assert session.list_elevations(*ids)
    assert len(session.stats.relogins) == 1


def test_hang_on_a_list_is_a_timeout_and_the_session_still_logs_out(observed):
    observed.set_faults(hang={"endpoint": "GET /projects", "seconds": 3})
    session = open_session(observed, read_timeout=0.2)
    with pytest.raises(LogikalTimeout), session:
        session.list_projects("Demo Odoo")
    assert observed.counters()["calls"]["GET /projects"] == 1
    assert observed.counters()["logouts"] == 1


# --- logout and lifecycle --------------------------------------------------------------------------------


def test_logout_even_when_the_walk_raises(observed):
    session = open_session(observed)
    with pytest.raises(RuntimeError), session:
        session.list_root_directories()
        raise RuntimeError("boom")
    counters = observed.counters()
    assert (counters["logins"], counters["logouts"], counters["open_sessions"]) == (1, 1, 0)


def test_logout_when_an_api_error_escapes(observed):
    session = open_session(observed)
    with pytest.raises(LogikalNotFound), session:
        session.list_projects("No such folder")
    assert observed.counters()["logouts"] == 1


def test_logout_errors_are_swallowed_on_exit(observed):
    session = open_session(observed)
    with session:
        session.list_root_directories()
        observed.set_faults(expire_tokens=True)
    assert observed.counters()["calls"]["DELETE /auth"] == 1


def test_failed_login_raises_and_needs_no_logout(observed):
    session = LogikalSession(make_client(observed), "admin", "wrong")
    with pytest.raises(LogikalAuthError), session:
        pass
    assert observed.counters()["calls"].get("DELETE /auth", 0) == 0


def test_session_must_be_open(observed):
    with pytest.raises(LogikalError, match="not open"):
        open_session(observed).list_root_directories()


# --- secrets ---------------------------------------------------------------------------------------------


def test_password_and_tokens_never_in_logs_reprs_or_errors(strict, tree, caplog):
    tokens = []
    session = open_session(strict)
    original_login = session.client.login

    def recording_login(username, password):
        tokens.append(original_login(username, password))
        return tokens[-1]

    session.client.login = recording_login
    ids, elevations = tree.phase_ids(2)
    errors = []
    with caplog.at_level(logging.DEBUG, logger="logikal_connector.logikal"), session:
        session.parts_list(*ids, elevations[0]["id"])
        session.parts_list(*ids, elevations[1]["id"])
        texts = [repr(session), repr(session.client), repr(session.rules), str(session.__dict__)]
        strict.set_faults(error_rate=1.0, error_status=409, endpoints=["POST /phases/select"])
        try:
            session.list_elevations(*ids)
        except LogikalNavigationError as exc:
            errors.append(exc)
        strict.set_faults(expire_tokens=True)
    assert len(tokens) >= 3 and errors
    texts += [caplog.text] + [str(error) for error in errors] + [repr(error) for error in errors]
    for text in texts:
        assert PASSWORD not in text
        assert not any(token in text for token in tokens)


# --- pure planning ---------------------------------------------------------------------------------------


def test_directory_steps():
    assert directory_steps(None, "A/B/C") == ["A", "A/B", "A/B/C"]
    assert directory_steps("A/B/C", "A/D") == ["A/D"]
    assert directory_steps("A/B/C", "A/B") == ["A/B"]
    assert directory_steps("A/B", "A/B/C/D") == ["A/B/C", "A/B/C/D"]
    assert directory_steps("X", "A/B") == ["A", "A/B"]
    assert directory_steps("AB", "A/B") == ["A", "A/B"]


def test_plan_selects():
    phase = Cursor("A/B", "p1", "f1")
    assert plan_selects(phase, phase) == []
    assert plan_selects(phase, Cursor("A/B", "p1", "f2")) == [("phase", "f2")]
    assert plan_selects(Cursor("A/B", "p1", "f1", "e1"), phase) == [("phase", "f1")]
    assert plan_selects(phase, Cursor("A/B")) == [("directory", "A/B")]
    assert plan_selects(phase, Cursor("A/C", "p2")) == [("directory", "A/C"), ("project", "p2")]
    assert plan_selects(ROOT, Cursor("A/B", "p1")) == [
        ("directory", "A"),
        ("directory", "A/B"),
        ("project", "p1"),
    ]
    assert plan_selects(phase, ROOT) is None
    assert plan_selects(ROOT, ROOT) == []


def test_rules_learn_only_sideways_and_upward_moves():
    rules = NavigationRules()
    rules.learn("directory", "project", "relogin", 409)  # a locked project says nothing about the server
    rules.learn("phase", "project", "escape")
    assert rules.strategy("directory", "project") == "direct"
    assert rules.strategy("phase", "project") == "escape"
    assert rules.describe() == ["select project after phase select: escape"]
