"""`./logikal probe --url URL --username USER (--password-env VAR | --password PW) [--json] [--transitions]
[--max-projects N] [--timeout S]`

Checks a LogiKal (MBIOE) server: reachability (GET /version), login, and a walk of the whole tree
(directories, projects, phases, elevations - lists only, no parts lists or thumbnails) in one session. Prints
the counts as listed by the server, the logins and calls it took, per-endpoint call counts and mean
latency, and the evidence on project dates: a project whose changedDate is older than the newest elevation
inside it proves that this server does not bump a project's date when an elevation changes.
`--transitions` then tests, each on a fresh session, which cursor moves the server accepts.

Exit status: 0 ok, 1 server problem (unreachable, login refused, API error), 2 usage. Errors are one line on
stderr, without traceback and without the password or token.
"""

import json
import os
import sys
from dataclasses import dataclass, field

import requests

from logikal_connector.logikal import planning
from logikal_connector.logikal.client import LogikalClient, scrub
from logikal_connector.logikal.exceptions import LogikalAuthError, LogikalConflict, LogikalError, LogikalWrongContext
from logikal_connector.logikal.session import SELECT_PATHS, LogikalSession, directory_steps

from .args import ArgumentParser, UsageError

PROG = "logikal probe"
EXIT_OK, EXIT_SERVER, EXIT_USAGE = 0, 1, 2


def _argument_parser():
    parser = ArgumentParser(prog=PROG, description="Check a LogiKal (MBIOE) server and count its tree.")
    parser.add_argument("--url", required=True, help="API base URL including /api/v3")
    parser.add_argument("--username", required=True)
    secret = parser.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password-env", metavar="VAR", help="environment variable holding the password")
    secret.add_argument("--password", metavar="PW", help="the password (visible in the process list)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--transitions", action="store_true", help="test which cursor moves are accepted")
    parser.add_argument("--max-projects", type=int, metavar="N", help="list phases of N projects only")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="S", help="connect/read timeout (30)")
    return parser


def _parse_args(argv):
    args = _argument_parser().parse_args(argv)
    if args.max_projects is not None and args.max_projects < 0:
        raise UsageError("--max-projects must be >= 0")
    if not args.timeout > 0:
        raise UsageError("--timeout must be positive")
    if args.password_env is not None:
        if args.password_env not in os.environ:
            raise UsageError(f"environment variable {args.password_env} is not set")
        args.password = os.environ[args.password_env]
    return args


def main(argv):
    try:
        args = _parse_args(argv)
    except UsageError as exc:
        return _fail(f"usage: {exc}", EXIT_USAGE)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    with requests.Session() as http:
        try:
            client = _client(args, http)
        except ValueError as exc:
            return _fail(f"usage: {exc}", EXIT_USAGE)
        try:
            report = run_probe(client, args.username, args.password, max_projects=args.max_projects)
            if args.transitions:
                report["transitions"], report["transitions_cost"] = _transitions_report(
                    _client(args, http), args.username, args.password, report.pop("_tree")
                )
        except LogikalError as exc:
            return _fail(_explain(exc, args), EXIT_SERVER)
        except Exception as exc:
            detail = scrub(str(exc), [args.password])
            return _fail(f"internal error: {type(exc).__name__}: {detail}", EXIT_SERVER)
    report.pop("_tree", None)
    sys.stdout.write((json.dumps(report, indent=2) if args.json else _text_report(report)) + "\n")
    return EXIT_OK


def _client(args, http):
    return LogikalClient(
        args.url,
        connect_timeout=min(args.timeout, 10.0),
        read_timeout=args.timeout,
        max_retries=1,
        backoff_base=0.25,
        http=http,
    )


def _fail(message, status):
    sys.stderr.write(f"{PROG}: {message}\n")
    return status


def _explain(exc, args):
    endpoint = exc.endpoint or ""
    if endpoint == "GET /version":
        hint = " (is --url the API base, e.g. http://host/MbioeService.svc/api/v3?)" if exc.status else ""
        return f"server not reachable at {args.url}: {exc}{hint}"
    if endpoint == "POST /auth" and isinstance(exc, LogikalAuthError):
        return f"login refused for user {args.username!r}: wrong username or password (HTTP 401)"
    return str(exc)


# --- the walk -------------------------------------------------------------------------------------------


@dataclass
class Tree:
    """What a walk listed: directories, (path, project) pairs, phases by project, elevations by phase."""

    directories: list = field(default_factory=list)
    projects: list = field(default_factory=list)
    phases: dict = field(default_factory=dict)
    elevations: dict = field(default_factory=dict)

    def counts(self):
        return {
            "directories": len(self.directories),
            "projects": len(self.projects),
            "phases": sum(len(phases) for phases in self.phases.values()),
            "elevations": sum(len(elevations) for elevations in self.elevations.values()),
        }


def walk_tree(session, *, max_projects=None):
    """Depth-first walk in one session: per directory its children and projects, per project its phases,
    per phase its elevations. Phases/elevations are listed for the first `max_projects` projects only."""
    tree = Tree()
    stack = list(reversed(session.list_root_directories()))
    while stack:
        directory = stack.pop()
        tree.directories.append(directory)
        children = session.list_directories(directory.path)
        for project in session.list_projects(directory.path):
            tree.projects.append((directory.path, project))
            if max_projects is None or len(tree.phases) < max_projects:
                _walk_project(session, tree, directory.path, project)
        stack.extend(reversed(children))
    return tree


def _walk_project(session, tree, path, project):
    phases = tree.phases[project.id] = session.list_phases(path, project.id)
    for phase in phases:
        tree.elevations[(project.id, phase.id)] = session.list_elevations(path, project.id, phase.id)


def run_probe(client, username, password, *, max_projects=None):
    """Reachability, login and the tree walk; returns the report as a dict (raises LogikalError)."""
    version = _version_text(client.version())
    with LogikalSession(client, username, password) as session:
        tree = walk_tree(session, max_projects=max_projects)
    stats = client.stats
    return {
        "url": client.base_url,
        "version": version,
        **tree.counts(),
        "projects_walked": len(tree.phases),
        "logins": stats.logins,
        "logouts": stats.logouts,
        "relogins": list(stats.relogins),
        "calls": stats.total_calls,
        "seconds": round(stats.total_seconds, 3),
        "endpoints": {
            endpoint: {"calls": count, "mean_ms": round(stats.mean_seconds(endpoint) * 1000, 2)}
            for endpoint, count in sorted(stats.calls.items())
        },
        "project_dates": project_dates_evidence(tree),
        "transitions": {},
        "_tree": tree,
    }


def project_dates_evidence(tree):
    """Whether this server bumps a project's changedDate when an elevation inside it changes, as far as the
    listings read show (read-only): a project dated before the newest elevation inside it proves it does
    not; no such project proves nothing (the connector keeps checking on every descent)."""
    older = []
    for _path, project in tree.projects:
        dates = [
            e.changed_date
            for phase in tree.phases.get(project.id, ())
            for e in tree.elevations.get((project.id, phase.id), ())
        ]
        newest = planning.newer_elevation(project.changed_date, dates)
        if newest is not None:
            older.append((project, newest))
    evidence = {
        "projects_checked": sum(1 for _path, p in tree.projects if p.id in tree.phases),
        "projects_older_than_an_elevation": len(older),
        "verdict": "does not bump" if older else "no evidence against bumping",
    }
    if older:
        project, newest = older[0]
        evidence["example"] = {
            "project": project.name or project.id,
            "project_changed": project.changed_date.isoformat(),
            "newest_elevation_changed": newest.isoformat(),
        }
    return evidence


def _version_text(data):
    components = data.get("componentVersions")
    if isinstance(components, list) and components and isinstance(components[0], dict):
        first = components[0]
        return f"{first.get('name', '?')} {first.get('version', '?')}"
    return "unknown"


# --- transitions -----------------------------------------------------------------------------------------


def _transitions_report(client, username, password, tree):
    results = {}
    for name, plan in _transition_plans(tree).items():
        if isinstance(plan, str):
            results[name] = {"result": "skipped", "status": None, "detail": plan}
        else:
            results[name] = _try_transition(client, username, password, *plan)
    cost = {"logins": client.stats.logins, "calls": client.stats.total_calls}
    return results, cost


def _transition_plans(tree):
    """name -> (setup steps, tested steps), or a string saying why it cannot be tested on this tree.

    A step is ("select", kind, identifier) or ("escape",) = GET /directories.
    """
    first_project = tree.projects[0] if tree.projects else None
    two_elevations = _find_phase(tree, lambda elevations: len(elevations) >= 2)
    two_phases = next(((p, pr) for p, pr in tree.projects if len(tree.phases.get(pr.id, ())) >= 2), None)
    two_projects = _find_two_projects(tree)
    plans = {}
    if two_elevations:
        path, project_id, phase_id, elevations = two_elevations
        setup = _descend(path, project_id, phase_id, elevations[0].id)
        plans["elevation -> sibling elevation"] = (setup, [("select", "elevation", elevations[1].id)])
    else:
        plans["elevation -> sibling elevation"] = "no phase with two elevations"
    phase_plan = _phase_plans(tree, two_phases)
    plans.update(phase_plan)
    if two_projects:
        path, first, second = two_projects
        plans["project -> project (same directory)"] = (
            _descend(path, first),
            [("select", "project", second)],
        )
    else:
        plans["project -> project (same directory)"] = "no directory with two projects"
    if first_project:
        path, project = first_project
        plans["directory after project"] = (_descend(path, project.id), [("select", "directory", path)])
        plans["directory after project, via GET /directories"] = (
            _descend(path, project.id),
            [("escape",), ("select", "directory", path)],
        )
    else:
        plans["directory after project"] = "no project"
        plans["directory after project, via GET /directories"] = "no project"
    return plans


def _phase_plans(tree, two_phases):
    if not two_phases:
        reason = "no project with two phases"
        return {"phase -> phase": reason, "elevation -> other phase": reason}
    path, project = two_phases
    phases = tree.phases[project.id]
    setup = _descend(path, project.id, phases[0].id)
    plans = {"phase -> phase": (setup, [("select", "phase", phases[1].id)])}
    with_elevation = next((ph for ph in phases if tree.elevations.get((project.id, ph.id))), None)
    if with_elevation is None:
        plans["elevation -> other phase"] = "no project with two phases and an elevation"
        return plans
    other = next(ph for ph in phases if ph.id != with_elevation.id)
    elevation = tree.elevations[(project.id, with_elevation.id)][0]
    setup = _descend(path, project.id, with_elevation.id, elevation.id)
    plans["elevation -> other phase"] = (setup, [("select", "phase", other.id)])
    return plans


def _find_phase(tree, predicate):
    paths = {project.id: path for path, project in tree.projects}
    for (project_id, phase_id), elevations in tree.elevations.items():
        if predicate(elevations):
            return paths[project_id], project_id, phase_id, elevations
    return None


def _find_two_projects(tree):
    by_directory = {}
    for path, project in tree.projects:
        by_directory.setdefault(path, []).append(project.id)
    return next(((path, ids[0], ids[1]) for path, ids in by_directory.items() if len(ids) >= 2), None)


def _descend(path, *ids):
    steps = [("select", "directory", prefix) for prefix in directory_steps(None, path)]
    steps += [
        ("select", kind, identifier)
        for kind, identifier in zip(("project", "phase", "elevation")[: len(ids)], ids, strict=True)
    ]
    return steps


def _try_transition(client, username, password, setup, tested):
    token = client.login(username, password)
    try:
        try:
            _run_steps(client, token, setup)
        except LogikalError as exc:
            return {"result": "error", "status": exc.status, "detail": f"setup failed: {exc}"}
        try:
            _run_steps(client, token, tested)
        except (LogikalWrongContext, LogikalConflict) as exc:
            return {"result": "refused", "status": exc.status, "detail": str(exc)}
        except LogikalError as exc:
            return {"result": "error", "status": exc.status, "detail": str(exc)}
        return {"result": "accepted", "status": 200, "detail": ""}
    finally:
        client.logout(token)


def _run_steps(client, token, steps):
    for step in steps:
        if step[0] == "escape":
            client.list("/directories", token)
        else:
            _, kind, identifier = step
            client.select(SELECT_PATHS[kind], identifier, token)


# --- text output -----------------------------------------------------------------------------------------


def _text_report(report):
    lines = [
        f"LogiKal probe of {report['url']}",
        f"  version       {report['version']}",
        "  login         ok",
    ]
    for key in ("directories", "projects", "phases", "elevations", "logins", "calls"):
        lines.append(f"  {key:<13} {report[key]}")
    if report["projects_walked"] != report["projects"]:
        lines.append(f"  (phases and elevations of {report['projects_walked']} projects only)")
    for reason in report["relogins"]:
        lines.append(f"  re-login: {reason}")
    lines.append(_project_dates_text(report["project_dates"]))
    lines.append(f"  {'endpoint':<40} {'calls':>6} {'mean ms':>9}")
    for endpoint, figures in report["endpoints"].items():
        lines.append(f"  {endpoint:<40} {figures['calls']:>6} {figures['mean_ms']:>9.1f}")
    if report["transitions"]:
        lines.append("transitions (each on a fresh session):")
        for name, outcome in report["transitions"].items():
            lines.append(f"  {name:<48} {_outcome_text(outcome)}")
    return "\n".join(lines)


def _project_dates_text(evidence):
    text = (
        f"  project dates {evidence['verdict']} ({evidence['projects_older_than_an_elevation']} of "
        f"{evidence['projects_checked']} projects dated before an elevation inside them)"
    )
    example = evidence.get("example")
    if example:
        text += (
            f"\n                e.g. {example['project']}: project {example['project_changed']}, "
            f"elevation {example['newest_elevation_changed']}"
        )
    return text


def _outcome_text(outcome):
    if outcome["result"] == "refused":
        return f"refused (HTTP {outcome['status']})"
    if outcome["result"] in ("skipped", "error"):
        return f"{outcome['result']}: {outcome['detail']}"
    return outcome["result"]
