"""The lower bound of a sync: the one-session minimal call plan of a tree, priced with the simulator's profile.

Plan (logikal-api.md §1.10): login, root listing, then per directory a select, a child listing and a project
listing; per project a select, a phase listing and the price reads made while it is selected (estimation,
price base, address types, the customer address); per phase a select and an elevation listing; per
elevation a thumbnail by id, a select and a parts list; logout. Latencies come from
`logikal_sim.server.LATENCY_PROFILE` (the §1.9 figures), never hard-coded here.
"""

from collections import Counter

from logikal_sim.server import DEFAULT_LATENCY, LATENCY_PROFILE


def plan_calls(expected):
    """Calls by endpoint of the minimal plan for `expected` (the simulator's `expected()` shape)."""
    directories, projects = expected["directories"], expected["projects"]
    phases, elevations = expected["phases"], expected["elevations"]
    live = {p["id"] for p in projects if not p.get("isDeleted")}
    phases = [p for p in phases if p["project"] in live]
    elevations = [e for e in elevations if e["project"] in live and not e.get("isInRecycleBin")]
    calls = Counter(
        {
            "POST /auth": 1,
            "DELETE /auth": 1,
            "GET /directories": 1 + len(directories),
            "POST /directories/select": len(directories),
            "GET /projects": len(directories),
            "POST /projects/select": len(live),
            "GET /phases": len(live),
            "GET /projects/selected/estimation": len(live),
            "GET /projects/selected/estimation-data": len(live),
            "GET /projects/selected/addresses": len(live),
            "GET /projects/selected/addresses/{addressType}": len(live),
            "POST /phases/select": len(phases),
            "GET /elevations": len(phases),
            "GET /elevations/{id}/thumbnail": len(elevations),
            "POST /elevations/select": len(elevations),
            "GET /elevations/selected/parts-list": len(elevations),
        }
    )
    return +calls


def minimal_plan(expected):
    """{"calls": n, "nominal_seconds": s at latency x1, "by_endpoint": {endpoint: count}}."""
    calls = plan_calls(expected)
    seconds = sum(LATENCY_PROFILE.get(endpoint, DEFAULT_LATENCY) * count for endpoint, count in calls.items())
    return {
        "calls": sum(calls.values()),
        "nominal_seconds": round(seconds, 6),
        "by_endpoint": dict(sorted(calls.items())),
    }


def listing_calls(expected):
    """Calls by endpoint of a pass that only lists the tree: login, root listing, per directory a select, a
    child listing and a project listing, logout (logikal-api.md §1.10)."""
    directories = len(expected["directories"])
    return Counter(
        {
            "POST /auth": 1,
            "DELETE /auth": 1,
            "GET /directories": 1 + directories,
            "POST /directories/select": directories,
            "GET /projects": directories,
        }
    )


def descent_calls(expected, project_ids, *, escape=True):
    """Calls to read the given projects' phases and elevation listings (no downloads): per project a select
    (after the escape an observed server needs to leave the previous project: none before the first) and a
    phase listing, per phase a select and an elevation listing."""
    wanted = set(project_ids)
    phases = [p for p in expected["phases"] if p["project"] in wanted]
    calls = Counter(
        {
            "POST /projects/select": len(wanted),
            "GET /phases": len(wanted),
            "POST /phases/select": len(phases),
            "GET /elevations": len(phases),
        }
    )
    if escape and len(wanted) > 1:
        calls["GET /directories"] += len(wanted) - 1
    return calls


def priced(calls):
    """Seconds of these calls at latency x1 (the simulator's §1.9 profile)."""
    return round(sum(LATENCY_PROFILE.get(e, DEFAULT_LATENCY) * n for e, n in calls.items()), 6)


def unchanged_pass_plan(expected, rotation_projects, *, escape=True):
    """The minimal unchanged scheduled pass: the listings plus a full read of the rotation's projects."""
    calls = listing_calls(expected) + descent_calls(expected, rotation_projects, escape=escape)
    return {"calls": sum(calls.values()), "nominal_seconds": priced(calls), "by_endpoint": dict(sorted(calls.items()))}
