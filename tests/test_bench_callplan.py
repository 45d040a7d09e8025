"""bench/callplan.py: the lower bound the benchmark divides by, checked against a real walk of the simulator."""

import os
import sys

import pytest

from logikal_sim import Simulator, generate_dataset

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
from callplan import minimal_plan


def test_s1_plan_is_the_one_session_walk_of_the_simulator():
    """Walk S1 with the pure session in observed mode: calls and nominal latency equal the computed plan."""
    from logikal_connector.logikal import LogikalClient, LogikalSession

    dataset = generate_dataset("s1")
    plan = minimal_plan(dataset.expected())
    with Simulator(dataset, username="u", password="p") as sim:
        with LogikalSession(LogikalClient(sim.base_url), "u", "p") as session:
            (root,) = session.list_root_directories()
            assert session.list_directories(root.path) == []
            (project,) = session.list_projects(root.path)
            phases = session.list_phases(root.path, project.id)
            session.project_estimation(root.path, project.id)
            session.project_estimation_data(root.path, project.id)
            session.project_address(root.path, project.id, session.project_address_types(root.path, project.id)[0])
            for phase in phases:
                for elevation in session.list_elevations(root.path, project.id, phase.id):
                    session.thumbnail(root.path, project.id, phase.id, elevation.id)
                    session.parts_list(root.path, project.id, phase.id, elevation.id)
        counters = sim.counters()
    assert (plan["calls"], plan["nominal_seconds"]) == (67, pytest.approx(48.72))
    assert counters["calls"] == plan["by_endpoint"]
    assert counters["nominal_latency_seconds"] == pytest.approx(plan["nominal_seconds"])


def test_deleted_projects_and_recycled_elevations_are_not_descended():
    expected = generate_dataset("small").expected()
    plan = minimal_plan(expected)["by_endpoint"]
    live = [p for p in expected["projects"] if not p["isDeleted"]]
    elevations = [
        e for e in expected["elevations"] if not e["isInRecycleBin"] and e["project"] in {p["id"] for p in live}
    ]
    assert plan["POST /projects/select"] == len(live) == len(expected["projects"]) - 1
    assert plan["GET /elevations/selected/parts-list"] == len(elevations) < len(expected["elevations"])
    assert plan["GET /directories"] == len(expected["directories"]) + 1


def test_unchanged_pass_plan_counts_the_listings_and_the_rotation():
    from callplan import unchanged_pass_plan

    expected = generate_dataset("scale", projects=6, dirs=3, phases=2, elevations=1).expected()
    listing_only = unchanged_pass_plan(expected, [])
    assert listing_only["by_endpoint"] == {
        "DELETE /auth": 1,
        "GET /directories": 4,
        "GET /projects": 3,
        "POST /auth": 1,
        "POST /directories/select": 3,
    }
    assert listing_only["nominal_seconds"] == pytest.approx(6.0 + 0.1 + 4 * 0.1 + 3 * 0.43 + 3 * 0.1)
    two = unchanged_pass_plan(expected, [p["id"] for p in expected["projects"][:2]])
    extra = {k: v - listing_only["by_endpoint"].get(k, 0) for k, v in two["by_endpoint"].items()}
    assert {k: v for k, v in extra.items() if v} == {
        "GET /directories": 1,
        "POST /projects/select": 2,
        "GET /phases": 2,
        "POST /phases/select": 4,
        "GET /elevations": 4,
    }
