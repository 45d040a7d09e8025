"""`./logikal probe` against a running simulator: counts equal the dataset, exact calls, transitions, and
one-line errors with the right exit status."""

import json
import os
import socket
import subprocess

import pytest
from root_script import logikal_command

from logikal_cli.probe import main
from logikal_sim import Simulator, generate_dataset

PASSWORD = "Pr0be-secret-pw"
ENV_VAR = "LOGIKAL_TEST_PASSWORD"


@pytest.fixture
def sim():
    with Simulator(generate_dataset("small"), mode="observed", password=PASSWORD) as simulator:
        yield simulator


@pytest.fixture(autouse=True)
def password_env(monkeypatch):
    monkeypatch.setenv(ENV_VAR, PASSWORD)


def probe(capsys, *args):
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def probe_args(url, *extra):
    return ["--url", url, "--username", "admin", "--password-env", ENV_VAR, "--timeout", "2", *extra]


def counts_of(expected):
    return {key: len(expected[key]) for key in ("directories", "projects", "phases", "elevations")}


@pytest.mark.parametrize("mode", ["lenient", "observed", "strict"])
def test_json_counts_equal_the_dataset_and_calls_equal_the_server_count(capsys, mode):
    with Simulator(generate_dataset("small"), mode=mode, password=PASSWORD) as sim:
        status, out, err = probe(capsys, *probe_args(sim.base_url, "--json"))
        counters = sim.counters()
        expected = sim.expected()
    assert (status, err) == (0, "")
    report = json.loads(out)
    assert {key: report[key] for key in counts_of(expected)} == counts_of(expected)
    assert report["logins"] == 1 and report["relogins"] == []
    assert report["calls"] == sum(counters["calls"].values())
    endpoints = report["endpoints"]
    assert {endpoint: figures["calls"] for endpoint, figures in endpoints.items()} == counters["calls"]
    assert all(figures["mean_ms"] >= 0 for figures in report["endpoints"].values())
    assert report["transitions"] == {}
    assert counters["open_sessions"] == 0
    assert "POST /elevations/select" not in counters["calls"]
    assert counters["thumbnails"] == counters["parts_downloads"] == 0


def test_text_report(capsys, sim):
    status, out, _ = probe(capsys, *probe_args(sim.base_url))
    assert status == 0
    expected = counts_of(sim.expected())
    for key, value in expected.items():
        assert f"  {key:<13} {value}\n" in out
    assert "  logins        1\n" in out
    assert "GET /elevations" in out and "mean ms" in out


EXPECTED_TRANSITIONS = {
    "lenient": dict.fromkeys(
        [
            "elevation -> sibling elevation",
            "phase -> phase",
            "elevation -> other phase",
            "project -> project (same directory)",
            "directory after project",
            "directory after project, via GET /directories",
        ],
        ("accepted", 200),
    ),
    "observed": {
        "elevation -> sibling elevation": ("accepted", 200),
        "phase -> phase": ("accepted", 200),
        "elevation -> other phase": ("accepted", 200),
        "project -> project (same directory)": ("refused", 405),
        "directory after project": ("refused", 409),
        "directory after project, via GET /directories": ("accepted", 200),
    },
    "strict": {
        "elevation -> sibling elevation": ("refused", 409),
        "phase -> phase": ("accepted", 200),
        "elevation -> other phase": ("refused", 409),
        "project -> project (same directory)": ("refused", 405),
        "directory after project": ("refused", 409),
        "directory after project, via GET /directories": ("accepted", 200),
    },
}


@pytest.mark.parametrize("mode", sorted(EXPECTED_TRANSITIONS))
def test_transitions_each_on_a_fresh_session(capsys, mode):
    with Simulator(generate_dataset("small"), mode=mode, password=PASSWORD) as sim:
        status, out, _ = probe(capsys, *probe_args(sim.base_url, "--json", "--transitions"))
        counters = sim.counters()
    report = json.loads(out)
    assert status == 0
    outcomes = {name: (o["result"], o["status"]) for name, o in report["transitions"].items()}
    assert outcomes == EXPECTED_TRANSITIONS[mode]
    assert report["logins"] == 1
    assert report["transitions_cost"]["logins"] == len(outcomes)
    assert counters["logins"] == counters["logouts"] == 1 + len(outcomes)
    assert counters["open_sessions"] == 0


def test_transitions_in_text_output(capsys, sim):
    status, out, _ = probe(capsys, *probe_args(sim.base_url, "--transitions"))
    assert status == 0
    assert "project -> project (same directory)" in out and "refused (HTTP 405)" in out


def test_max_projects_limits_the_phase_walk(capsys, sim):
    status, out, _ = probe(capsys, *probe_args(sim.base_url, "--json", "--max-projects", "1"))
    report = json.loads(out)
    expected = sim.expected()
    first = expected["projects"][0]["id"]
    assert status == 0
    assert (report["projects"], report["projects_walked"]) == (len(expected["projects"]), 1)
    assert report["phases"] == sum(1 for phase in expected["phases"] if phase["project"] == first)


def test_the_root_script_dispatches_probe(sim):
    result = subprocess.run(
        logikal_command("probe", *probe_args(sim.base_url, "--json")),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, ENV_VAR: PASSWORD},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["elevations"] == len(sim.expected()["elevations"])


# --- errors: one line on stderr, no traceback, no secret ------------------------------------------------


def assert_one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("logikal probe: ")
    assert "Traceback" not in err and PASSWORD not in err


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_port(capsys):
    status, out, err = probe(capsys, *probe_args(f"http://127.0.0.1:{free_port()}/api/v3"))
    assert (status, out) == (1, "")
    assert_one_line(err)
    assert "not reachable" in err


def test_wrong_password(capsys, sim, monkeypatch):
    monkeypatch.setenv(ENV_VAR, "wrong-" + PASSWORD)
    status, out, err = probe(capsys, *probe_args(sim.base_url))
    assert (status, out) == (1, "")
    assert_one_line(err)
    assert "login refused for user 'admin'" in err and "wrong-" not in err
    assert sim.counters()["failed_logins"] == 1


def test_password_given_on_the_command_line_is_never_printed(capsys, sim):
    args = ["--url", sim.base_url, "--username", "admin", "--password", PASSWORD, "--json"]
    status, out, err = probe(capsys, *args)
    assert status == 0 and PASSWORD not in out + err


def test_url_without_the_api_base_path(capsys, sim):
    status, _, err = probe(capsys, *probe_args(sim.root_url + "/nope"))
    assert status == 1
    assert_one_line(err)
    assert "HTTP 404" in err and "/api/v3" in err


def test_hanging_server_times_out(capsys, sim):
    sim.set_faults(hang={"endpoint": "GET /version", "seconds": 5})
    args = ["--url", sim.base_url, "--username", "admin", "--password-env", ENV_VAR, "--timeout", "0.2"]
    status, _, err = probe(capsys, *args)
    assert status == 1
    assert_one_line(err)


def test_server_error_during_the_walk(capsys, sim):
    sim.set_faults(error_rate=1.0, error_status=403, endpoints=["GET /phases"])
    status, _, err = probe(capsys, *probe_args(sim.base_url))
    assert status == 1
    assert_one_line(err)
    assert "GET /phases: HTTP 403" in err
    assert sim.counters()["open_sessions"] == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--url", "not a url", "--username", "admin", "--password-env", ENV_VAR],
        ["--url", "ftp://host/api/v3", "--username", "admin", "--password", "x"],
        ["--url", "http://127.0.0.1:1/api/v3", "--password-env", ENV_VAR],
        ["--url", "http://127.0.0.1:1/api/v3", "--username", "admin"],
        [
            "--url",
            "http://127.0.0.1:1/api/v3",
            "--username",
            "a",
            "--password",
            "x",
            "--password-env",
            ENV_VAR,
        ],
        ["--url", "http://127.0.0.1:1/api/v3", "--username", "a", "--password-env", "LOGIKAL_UNSET_VARIABLE"],
        ["--url", "http://127.0.0.1:1/api/v3", "--username", "a", "--password", "x", "--max-projects", "-1"],
        ["--url", "http://127.0.0.1:1/api/v3", "--username", "a", "--password", "x", "--timeout", "0"],
        ["--url", "http://127.0.0.1:1/api/v3", "--username", "a", "--password", "x", "--bogus"],
    ],
)
def test_usage_errors_exit_2_with_one_line(capsys, args):
    status, out, err = probe(capsys, *args)
    assert (status, out) == (2, "")
    assert_one_line(err)
    assert "usage:" in err


def test_help_exits_0(capsys):
    status, out, _ = probe(capsys, "--help")
    assert status == 0 and "--transitions" in out


def test_root_script_error_has_no_traceback():
    result = subprocess.run(
        logikal_command(
            "probe",
            "--url",
            f"http://127.0.0.1:{free_port()}/api/v3",
            "--username",
            "admin",
            "--password",
            PASSWORD,
            "--timeout",
            1,
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert_one_line(result.stderr)


@pytest.mark.parametrize("bump", [True, False])
def test_project_dates_evidence_per_server_kind(capsys, bump):
    """A server that does not bump shows projects older than an elevation inside them; one that does, none."""
    dataset = generate_dataset("scale", projects=6, dirs=2, phases=1, elevations=4, child_edits_bump_project=bump)
    with Simulator(dataset, password=PASSWORD) as sim:
        status, out, err = probe(capsys, *probe_args(sim.base_url, "--json"))
        counters = sim.counters()
    assert (status, err) == (0, "")
    evidence = json.loads(out)["project_dates"]
    assert evidence["projects_checked"] == 6
    assert counters["calls"].get("POST /elevations/select") is None  # read-only: listings only
    if bump:
        assert evidence == {
            "projects_checked": 6,
            "projects_older_than_an_elevation": 0,
            "verdict": "no evidence against bumping",
        }
    else:
        assert evidence["verdict"] == "does not bump"
        assert evidence["projects_older_than_an_elevation"] >= 4
        example = evidence["example"]
        assert example["newest_elevation_changed"] > example["project_changed"]


def test_project_dates_evidence_follows_an_edit_on_a_server_switched_to_no_bump(capsys, sim):
    status, out, _err = probe(capsys, *probe_args(sim.base_url))
    assert status == 0 and "project dates no evidence against bumping (0 of 6 projects" in out
    sim.configure(bump_project_on_elevation_change=False)
    elevation = next(e for e in sim.expected()["elevations"] if not e["isInRecycleBin"])
    sim.mutate("touch", elevation=elevation["id"])
    status, out, _err = probe(capsys, *probe_args(sim.base_url))
    assert status == 0 and "project dates does not bump (1 of 6 projects dated before an elevation" in out
    assert "e.g. " in out
