"""The Odoo side of one benchmark repetition; run by bench/run_bench.py with Odoo 18's Python.

    odoo-python bench/odoo_side.py SCENARIO SPEC_JSON -- <odoo options: -d DB --db_host ... --addons-path ...>

SCENARIO is `force_project` (S1/S2 + S3), `scale` (S4 + S5) or `scale_memory` (S4 only, for the memory
curve). It empties the logikal tables, points a new backend at the simulator named in SPEC_JSON
(`root_url`, `base_url`, `username`; the password comes from the environment) and runs the scenario
through the real paths: Force Sync buttons create requests, `logikal.sync.config._cron_smart_sync()`
executes them with real commits. It checks what was synced (counts, parse states) and prints one line
`RESULT <json>`. No assertions about time.
"""

import io
import json
import os
import resource
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

MASTER_SWITCH = "logikal_connector.background_sync_enabled"
MAX_TICKS = 60


# ---------------------------------------------------------------------- instrumentation (measuring only)
class Clock:
    """Seconds spent in the RecordStore's steps and in LogiKal calls, collected while the sync runs."""

    def __init__(self):
        self.seconds = {}
        self.calls = {}
        self.stats = []
        self.blocked = 0.0  # seconds the main (Odoo) thread waited on LogiKal
        self.in_take = False

    def reset(self):
        self.seconds.clear()
        self.calls.clear()
        self.stats.clear()
        self.blocked = 0.0

    def add(self, name, seconds):
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.calls[name] = self.calls.get(name, 0) + 1

    def timed(self, name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - start)

        return wrapper

    def client_seconds(self):
        """Time of the LogiKal calls (the client's own per-call timing, HTTP included), in any thread."""
        return sum(stats.total_seconds for stats in self.stats)

    def note_call(self, seconds):
        if threading.current_thread() is threading.main_thread() and not self.in_take:
            self.blocked += seconds

    def timed_take(self, take):
        """Prefetcher.take / PhaseListings.take: the main thread waits there for a call (its own or a helper's)."""

        def wrapper(prefetcher, key):
            self.in_take, started = True, time.perf_counter()
            try:
                return take(prefetcher, key)
            finally:
                self.in_take = False
                self.blocked += time.perf_counter() - started

        return wrapper


CLOCK = Clock()
STORE_STEPS = (
    "upsert_directories",
    "upsert_projects",
    "upsert_phases",
    "upsert_elevations",
    "store_thumbnails",
    "store_parts_lists",
)


def instrument():
    """Time the store's steps and keep each run's CallStats (the addon is importable once Odoo is set up).

    It also imports the scheduler the first cron tick would import: a running Odoo server has its modules
    loaded, and with PYTHONDONTWRITEBYTECODE the first Force Sync would otherwise compile them (~0.18 s).
    """
    from odoo.addons.logikal_connector.services import runner as runner_module
    from odoo.addons.logikal_connector.services import scheduler as _scheduler  # noqa: F401
    from odoo.addons.logikal_connector.services import store as store_module

    store_class = store_module.RecordStore
    for name in STORE_STEPS:
        if hasattr(store_class, name):
            setattr(store_class, name, CLOCK.timed(name, getattr(store_class, name)))
    store_module.parse_parts_list = CLOCK.timed("parse", store_module.parse_parts_list)
    base = runner_module.CallStats

    class RecordedStats(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            CLOCK.stats.append(self)

        def record_call(self, endpoint, seconds, nbytes=0):
            super().record_call(endpoint, seconds, nbytes)
            CLOCK.note_call(seconds)

    runner_module.CallStats = RecordedStats
    try:
        from odoo.addons.logikal_connector.logikal.prefetch import Prefetcher
    except ImportError:  # an addon without prefetching: every call is made by the main thread
        return
    Prefetcher.take = CLOCK.timed_take(Prefetcher.take)
    try:
        from odoo.addons.logikal_connector.services.engine import PhaseListings
    except ImportError:  # an addon that lists each phase on the main thread
        return
    PhaseListings.take = CLOCK.timed_take(PhaseListings.take)


# ---------------------------------------------------------------------- simulator control API
def sim_call(spec, path, payload=None):
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(
        spec["root_url"] + path,
        data=data,
        method="GET" if data is None else "POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def sim_counters(spec):
    return sim_call(spec, "/_sim/counters")


def sim_reset(spec):
    sim_call(spec, "/_sim/counters/reset", {})


# ---------------------------------------------------------------------- Odoo helpers
def open_registry(odoo_args):
    config.parse_config(odoo_args, setup_logging=True)
    return Registry(config["db_name"].split(",")[0])


def fresh_backend(env, spec, *, background):
    """Empty every logikal table (cascades from the backends), then one backend on the simulator."""
    env.cr.execute("DELETE FROM logikal_backend")
    env.cr.execute("DELETE FROM ir_attachment WHERE res_model LIKE 'logikal.%%'")
    env.cr.execute("DELETE FROM logikal_sync_state")
    env["ir.config_parameter"].set_param(MASTER_SWITCH, "True" if background else "False")
    backend = env["logikal.backend"].create(
        {
            "name": "Benchmark",
            "url": spec["base_url"],
            "username": spec["username"],
            "password_input": os.environ["LOGIKAL_BENCH_PASSWORD"],
            "read_timeout": 60,
            "parts_timeout": 120,
        }
    )
    env.cr.commit()
    return backend


def tick_until_done(env, requests):
    """Cron ticks until the Force Sync requests are finished; returns the number of ticks."""
    Config = env["logikal.sync.config"]
    for tick in range(1, MAX_TICKS + 1):
        Config._cron_smart_sync()
        env.cr.commit()
        env.invalidate_all()
        if all(request.state in ("done", "failed") for request in requests):
            return tick
    raise RuntimeError(f"the Force Sync was not done after {MAX_TICKS} ticks")


def force_sync(env, spec, record):
    """Press Force Sync on `record` and run cron ticks until its request is done. Returns the figures."""
    Request = env["logikal.sync.request"].sudo()
    before = set(Request.search([]).ids)
    sim_reset(spec)
    CLOCK.reset()
    started = time.perf_counter()
    record.action_force_sync()
    env.cr.commit()
    requests = Request.search([("id", "not in", list(before))])
    ticks = tick_until_done(env, requests)
    wall = time.perf_counter() - started
    runs = requests.mapped("run_id")
    return figures(env, spec, wall, runs, ticks=ticks, requests=requests)


def figures(env, spec, wall, runs, **extra):
    counters = sim_counters(spec)
    result = {
        "wall_seconds": wall,
        "client_seconds": CLOCK.client_seconds(),
        "blocked_seconds": CLOCK.blocked,
        "odoo_seconds": wall - CLOCK.blocked,
        "sim": counters,
        "runs": [
            {
                "state": run.state,
                "logins": run.logins,
                "api_calls": run.api_calls,
                "relogin_reasons": [r for r in (run.relogin_reasons or "").splitlines() if r],
                "duration": run.duration,
                "changes": run.total_changes,
                "errors": run.error_summary or "",
            }
            for run in runs
        ],
        "store_seconds": dict(CLOCK.seconds),
        "store_calls": dict(CLOCK.calls),
    }
    if "requests" in extra:
        result["requests"] = [{"state": r.state, "message": r.message or ""} for r in extra.pop("requests")]
    result.update(extra)
    return result


def data_check(env, backend):
    """What the database holds for `backend`: counts the benchmark prints next to its figures."""
    Elevation = env["logikal.elevation"].with_context(active_test=False)
    domain = [("backend_id", "=", backend.id)]
    env.cr.execute(
        """
        SELECT count(*) FILTER (WHERE e.parse_state = 'ok'),
               (SELECT count(*) FROM ir_attachment a JOIN logikal_elevation x ON x.id = a.res_id
                 WHERE a.res_model = 'logikal.elevation' AND a.res_field = 'image_1920'
                   AND x.backend_id = %(b)s),
               (SELECT count(*) FROM logikal_elevation_glass g JOIN logikal_elevation x ON x.id = g.elevation_id
                 WHERE x.backend_id = %(b)s),
               (SELECT count(*) FROM logikal_elevation_bom_line l JOIN logikal_elevation x ON x.id = l.elevation_id
                 WHERE x.backend_id = %(b)s)
          FROM logikal_elevation e WHERE e.backend_id = %(b)s
    """,
        {"b": backend.id},
    )
    parsed, thumbs, glass, bom = env.cr.fetchone()
    return {
        "projects": env["logikal.project"].with_context(active_test=False).search_count(domain),
        "phases": env["logikal.phase"]
        .with_context(active_test=False)
        .search_count([("project_id.backend_id", "=", backend.id)]),
        "elevations": Elevation.search_count(domain),
        "parsed": parsed,
        "with_thumbnail": thumbs,
        "glass_lines": glass,
        "bom_lines": bom,
    }


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024.0 / 1024.0


# ---------------------------------------------------------------------- S1/S2 + S3
def discover(env, backend):
    """Directory + project listing (the state a user sees before pressing Force Sync); not measured."""
    from odoo.addons.logikal_connector.services.runner import SyncRunner
    from odoo.addons.logikal_connector.services.transaction import CronUnitOfWork

    runner = SyncRunner(env, backend, transaction=CronUnitOfWork(env.cr))
    run = runner.start("manual", "discovery", ["directory", "project"])
    runner.execute(run, lambda engine: engine.walk())
    env.cr.commit()
    return run


def scenario_force_project(env, spec):
    backend = fresh_backend(env, spec, background=False)
    discovery = discover(env, backend)
    (project,) = env["logikal.project"].search([("backend_id", "=", backend.id)])
    first = force_sync(env, spec, project)
    first["data"] = data_check(env, backend)
    again = force_sync(env, spec, project)
    again["data"] = data_check(env, backend)
    return {"discovery_calls": discovery.api_calls, "first": first, "again": again}


# ---------------------------------------------------------------------- S4 + S5
def scenario_scale(env, spec, *, steady=True):
    backend = fresh_backend(env, spec, background=False)
    rss_before = current_rss_mb()
    sync = force_sync(env, spec, backend)
    sync["data"] = data_check(env, backend)
    sync["peak_rss_mb"] = peak_rss_mb()
    sync["rss_before_mb"] = rss_before
    sync["rss_after_mb"] = current_rss_mb()
    sync["floor"] = sql_floor(env, backend)
    result = {"sync": sync, "idle_ticks": [], "changed_ticks": []}
    for index in range(spec.get("steady_reps", 3) if steady else 0):
        result["idle_ticks"].append(steady_tick(env, spec, backend, due=()))
        guid = pick_elevation(env, backend, index)
        sim_call(spec, "/_sim/mutate", {"op": "change_elevation", "elevation": guid})
        changed = steady_tick(env, spec, backend, due=("directory", "project"))
        changed["mutated_elevation"] = guid
        changed["data"] = data_check(env, backend)
        changed["mutated_version_synced"] = synced_version(env, backend, guid, spec)
        result["changed_ticks"].append(changed)
    return result


def pick_elevation(env, backend, index):
    """A different project's first elevation for each repetition."""
    projects = env["logikal.project"].search([("backend_id", "=", backend.id)], order="id")
    project = projects[(index * 37) % len(projects)]
    return env["logikal.elevation"].search([("project_id", "=", project.id)], order="id", limit=1).logikal_id


def synced_version(env, backend, guid, spec):
    """True when Odoo now holds the versionId the simulator gave the mutated elevation."""
    listed = next(e for e in sim_call(spec, "/_sim/expected")["elevations"] if e["id"] == guid)
    record = env["logikal.elevation"].search([("backend_id", "=", backend.id), ("logikal_id", "=", guid)])
    return record.version_id == listed["versionId"] and record.parts_list_version == listed["versionId"]


def steady_tick(env, spec, backend, *, due, until_done=False):
    """One scheduled tick with the master switch on: every interval fresh except the types in `due`
    (`until_done`: cron calls until the pass is finished, as ir.cron calls again on remaining work)."""
    env["ir.config_parameter"].set_param(MASTER_SWITCH, "True")
    configs = env["logikal.sync.config"].search([])
    now = odoo.fields.Datetime.now()
    for config_row in configs:
        late = config_row.object_type in due
        config_row.last_sync = now - timedelta(minutes=config_row.sync_interval_minutes + 1) if late else now
    env.cr.commit()
    # Real ticks are minutes apart; a pass started in the same second as the previous one stamped its
    # directories would take them for "listed by this pass" (second-precision dates) and skip them.
    time.sleep(1.1)
    Run = env["logikal.sync.run"]
    before = set(Run.search([]).ids)
    sim_reset(spec)
    CLOCK.reset()
    started = time.perf_counter()
    ticks = 0
    for ticks in range(1, (MAX_TICKS if until_done else 1) + 1):  # noqa: B007 - the count is reported
        _done, remaining = env["logikal.sync.config"]._cron_smart_sync()
        env.cr.commit()
        if not remaining:
            break
    wall = time.perf_counter() - started
    env.invalidate_all()
    runs = Run.search([("id", "not in", list(before))])
    descended = [p.logikal_id for run in runs for p in run.project_ids]
    return figures(env, spec, wall, runs, due=list(due), descended=descended, ticks=ticks)


# ---------------------------------------------------------------------- S6: steady-state freshness at scale
DESCENT_DUE = ("phase", "elevation", "parts_list")  # the 15-minute pass


def scheduled_sync(env, spec):
    """Scheduled passes (master switch on, every type due) until the first pass is done: the initial sync."""
    env["ir.config_parameter"].set_param(MASTER_SWITCH, "True")
    for _tick in range(MAX_TICKS):
        _done, remaining = env["logikal.sync.config"]._cron_smart_sync()
        env.cr.commit()
        if not remaining:
            return
    raise RuntimeError("the initial scheduled sync did not finish")


def scenario_freshness(env, spec):
    """S6 passes: initial sync, an unchanged 15-minute pass, then one with 1 % of the elevations changed."""
    backend = fresh_backend(env, spec, background=True)
    started = time.perf_counter()
    scheduled_sync(env, spec)
    initial_seconds = time.perf_counter() - started
    unchanged = steady_tick(env, spec, backend, due=DESCENT_DUE, until_done=True)
    mutated = mutate_elevations(spec, spec.get("changed_fraction", 0.01))
    changed = steady_tick(env, spec, backend, due=DESCENT_DUE, until_done=True)
    env.invalidate_all()
    expected = {e["id"]: e for e in sim_call(spec, "/_sim/expected")["elevations"]}
    records = env["logikal.elevation"].search([("backend_id", "=", backend.id), ("logikal_id", "in", mutated)])
    in_odoo = [r.logikal_id for r in records if r.version_id == expected[r.logikal_id]["versionId"]]
    backend.invalidate_recordset()
    return {
        "initial_seconds": initial_seconds,
        "data": data_check(env, backend),
        "unchanged": unchanged,
        "changed": changed,
        "mutated": mutated,
        "mutated_projects": sorted({expected[g]["project"] for g in mutated}),
        "mutated_in_odoo": len(in_odoo),
        "trust": {"state": backend.project_dates_state, "note": backend.project_dates_note or ""},
        "verification_hours": backend.verification_hours,
    }


def mutate_elevations(spec, fraction):
    """Edit every 1/fraction-th live elevation (deterministic spread over the tree); returns their ids."""
    elevations = [e for e in sim_call(spec, "/_sim/expected")["elevations"] if not e["isInRecycleBin"]]
    step = max(1, round(1 / fraction))
    chosen = [e["id"] for e in elevations[step // 2 :: step]]
    for guid in chosen:
        sim_call(spec, "/_sim/mutate", {"op": "change_elevation", "elevation": guid})
    return chosen


def scenario_parallel(env, spec):
    """S6 parallel: after an initial sync at zero latency, passes that read every project (trust: never) with
    1, 2, 4 ... workers at the given latency; wall time, sessions open at once, projects read per pass."""
    backend = fresh_backend(env, spec, background=True)
    sim_call(spec, "/_sim/config", {"latency_scale": 0.0})
    scheduled_sync(env, spec)
    backend.write({"project_trust": "never"})
    env.cr.commit()
    sim_call(spec, "/_sim/config", {"latency_scale": spec["pass_latency_scale"]})
    results = []
    for sessions in spec["sessions"]:
        backend.write({"parallel_sessions": sessions})
        env.cr.commit()
        results.append(parallel_pass(env, spec, backend, sessions))
    return {"passes": results, "data": data_check(env, backend)}


def parallel_pass(env, spec, backend, sessions):
    """One 15-minute pass worked by `sessions` cron workers at once (threads with their own cursors)."""
    configs = env["logikal.sync.config"].search([])
    now = odoo.fields.Datetime.now()
    for config_row in configs:
        late = config_row.object_type in DESCENT_DUE
        config_row.last_sync = now - timedelta(minutes=config_row.sync_interval_minutes + 1) if late else now
    env.cr.commit()
    time.sleep(1.1)
    Run = env["logikal.sync.run"]
    before = set(Run.search([]).ids)
    sim_reset(spec)
    registry = env.registry
    errors = []

    def worker():
        try:
            with registry.cursor() as cr:
                worker_env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                for _call in range(MAX_TICKS):
                    _done, remaining = worker_env["logikal.sync.config"]._cron_smart_sync()
                    cr.commit()
                    if not remaining:
                        return
        except Exception as error:  # reported with the figures
            errors.append(repr(error))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _index in range(sessions)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    env.cr.commit()  # a fresh snapshot: the workers' commits are visible and later writes do not conflict
    env.invalidate_all()
    runs = Run.search([("id", "not in", list(before))])
    counters = sim_counters(spec)
    projects = [p.logikal_id for run in runs for p in run.project_ids]
    return {
        "sessions": sessions,
        "wall_seconds": wall,
        "max_open_sessions": counters["max_open_sessions"],
        "logins": counters["logins"],
        "calls": sum(counters["calls"].values()),
        "projects_read": len(projects),
        "distinct_projects_read": len(set(projects)),
        "runs": len(runs),
        "run_states": sorted(set(runs.mapped("state"))),
        "errors": errors,
    }


# ---------------------------------------------------------------------- the plain-SQL floor
FLOOR_TABLES = (
    "logikal_project",
    "logikal_phase",
    "logikal_elevation",
    "logikal_elevation_glass",
    "logikal_elevation_bom_line",
    "ir_attachment",
)


def sql_floor(env, backend):
    """Write the rows this run created again with plain COPY into same-shaped scratch tables, files included.

    Also times the parser on the same files (a hand-written importer parses too). Returns seconds.
    """
    from odoo.addons.logikal_connector.logikal.partslist import parse_parts_list

    cr = env.cr
    rows = {table: floor_rows(cr, table, backend) for table in FLOOR_TABLES}
    files = attachment_files(env, rows["ir_attachment"])
    parts = [data for name, data in files if name == "parts_list_file"]
    for table in FLOOR_TABLES:
        cr.execute(f"DROP TABLE IF EXISTS bench_floor_{table}")
        cr.execute(f"CREATE TABLE bench_floor_{table} (LIKE {table} INCLUDING DEFAULTS INCLUDING INDEXES)")
    cr.commit()
    started = time.perf_counter()
    for table, (columns, values) in rows.items():
        copy_rows(cr, f"bench_floor_{table}", columns, values)
    with tempfile.TemporaryDirectory(prefix="logikal-floor-") as folder:
        for index, (_name, data) in enumerate(files):
            with open(os.path.join(folder, str(index)), "wb") as handle:
                handle.write(data)
        cr.commit()
        sql_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for data in parts:
        parse_parts_list(data)
    parse_seconds = time.perf_counter() - started
    for table in FLOOR_TABLES:
        cr.execute(f"DROP TABLE bench_floor_{table}")
    cr.commit()
    return {
        "sql_seconds": sql_seconds,
        "parse_seconds": parse_seconds,
        "rows": {table: len(values) for table, (_columns, values) in rows.items()},
        "files": len(files),
        "file_bytes": sum(len(data) for _name, data in files),
    }


FLOOR_QUERIES = {
    "logikal_project": "SELECT * FROM logikal_project WHERE backend_id = %(b)s",
    "logikal_phase": "SELECT p.* FROM logikal_phase p JOIN logikal_project j ON j.id = p.project_id "
    "WHERE j.backend_id = %(b)s",
    "logikal_elevation": "SELECT * FROM logikal_elevation WHERE backend_id = %(b)s",
    "logikal_elevation_glass": "SELECT g.* FROM logikal_elevation_glass g JOIN logikal_elevation e "
    "ON e.id = g.elevation_id WHERE e.backend_id = %(b)s",
    "logikal_elevation_bom_line": "SELECT l.* FROM logikal_elevation_bom_line l JOIN logikal_elevation e "
    "ON e.id = l.elevation_id WHERE e.backend_id = %(b)s",
    "ir_attachment": "SELECT a.* FROM ir_attachment a JOIN logikal_elevation e ON e.id = a.res_id "
    "WHERE a.res_model = 'logikal.elevation' AND e.backend_id = %(b)s",
}


def floor_rows(cr, table, backend):
    cr.execute(FLOOR_QUERIES[table], {"b": backend.id})
    columns = [column.name for column in cr.description]
    return columns, cr.fetchall()


def attachment_files(env, attachment_rows):
    columns, values = attachment_rows
    name_at, path_at = columns.index("res_field"), columns.index("store_fname")
    Attachment = env["ir.attachment"]
    return [(row[name_at], Attachment._file_read(row[path_at])) for row in values if row[path_at]]


def copy_rows(cr, table, columns, values):
    """COPY ... FROM STDIN in text format (the values as PostgreSQL returned them)."""
    buffer = io.StringIO()
    for row in values:
        buffer.write("\t".join(copy_text(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    column_list = ", ".join(f'"{name}"' for name in columns)
    cr._obj.copy_expert(f"COPY {table} ({column_list}) FROM STDIN", buffer)


def copy_text(value):
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, bytes | memoryview):
        return "\\\\x" + bytes(value).hex()
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# ---------------------------------------------------------------------- entry point
SCENARIOS = {
    "force_project": scenario_force_project,
    "scale": scenario_scale,
    "scale_memory": lambda env, spec: scenario_scale(env, spec, steady=False),
    "freshness": scenario_freshness,
    "parallel": scenario_parallel,
}


def main(argv):
    scenario, spec = argv[1], json.loads(argv[2])
    odoo_args = argv[argv.index("--") + 1 :]
    registry = open_registry(odoo_args)
    instrument()
    profile_path = os.environ.get("LOGIKAL_BENCH_PROFILE")
    profiler = None
    if profile_path:
        import cProfile

        profiler = cProfile.Profile()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if profiler:
            profiler.enable()
        result = SCENARIOS[scenario](env, spec)
        if profiler:
            profiler.disable()
            profiler.dump_stats(f"{profile_path}.{scenario}.{os.getpid()}")
    print("RESULT " + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
