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
import subprocess
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
        self.commits = {"durable": 0, "cheap": 0, "durable_seconds": 0.0, "cheap_seconds": 0.0}
        self.cheap_next = False  # the next commit is CronUnitOfWork.commit_unit's (cheap)

    def reset(self):
        self.seconds.clear()
        self.calls.clear()
        self.stats.clear()
        self.blocked = 0.0
        self.commits = {"durable": 0, "cheap": 0, "durable_seconds": 0.0, "cheap_seconds": 0.0}

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

    def note_commit(self, seconds):
        """A COMMIT on the main thread and the seconds PostgreSQL took to acknowledge it (the WAL flush it
        waits for, unless the cron's cheap commit turned synchronous_commit off for that transaction)."""
        if threading.current_thread() is not threading.main_thread():
            return
        kind, self.cheap_next = ("cheap" if self.cheap_next else "durable"), False
        self.commits[kind] += 1
        self.commits[f"{kind}_seconds"] += seconds
        if kind == "durable":  # who made it: the innermost caller outside Odoo's own sql_db/tools
            frame = sys._getframe(2)
            while (
                frame is not None and "/odoo/" in frame.f_code.co_filename and "addons" not in frame.f_code.co_filename
            ):
                frame = frame.f_back
            where = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_code.co_name}" if frame else "?"
            self.commits.setdefault("durable_from", []).append(where)

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


class Timeline:
    """Where the wall time above the calls goes (LOGIKAL_BENCH_TIMELINE=1): a sampler thread looks at the
    Odoo (main) thread every millisecond; a sample taken while no LogiKal call is in flight on any thread is
    time the sync adds to the server's own latency, and is charged to the innermost addon function on the
    main thread's stack (with its caller). Measuring only: sampling costs a little GIL time itself."""

    INTERVAL = 0.001

    def __init__(self):
        self.in_flight = 0
        self.lock = threading.Lock()
        self.samples = {}
        self.idle = 0
        self.total = 0
        self.running = False

    def wrap_calls(self, attempt):
        def wrapper(*args, **kwargs):
            with self.lock:
                self.in_flight += 1
            try:
                return attempt(*args, **kwargs)
            finally:
                with self.lock:
                    self.in_flight -= 1

        return wrapper

    def start(self):
        self.samples.clear()
        self.idle = self.total = 0.0
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def stop(self):
        self.running = False
        self.thread.join()
        top = sorted(self.samples.items(), key=lambda item: -item[1])[:25]
        return {
            "sampled_seconds": round(self.total, 3),
            "no_call_in_flight_seconds": round(self.idle, 3),
            "by_function": {name: round(seconds, 3) for name, seconds in top},
        }

    def _sample(self):
        main = threading.main_thread().ident
        last = time.perf_counter()
        while self.running:
            time.sleep(self.INTERVAL)
            now = time.perf_counter()
            elapsed, last = now - last, now
            self.total += elapsed
            if self.in_flight:
                continue
            self.idle += elapsed
            frame = sys._current_frames().get(main)
            names = []
            while frame is not None and len(names) < 2:
                code = frame.f_code
                if "logikal_connector" in code.co_filename:
                    names.append(f"{os.path.basename(code.co_filename)}:{code.co_name}")
                frame = frame.f_back
            key = " < ".join(names) or "(outside the addon)"
            self.samples[key] = self.samples.get(key, 0.0) + elapsed


TIMELINE = Timeline() if os.environ.get("LOGIKAL_BENCH_TIMELINE") else None
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
    from odoo.addons.logikal_connector.services import scheduler as _scheduler
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
    count_commits(_scheduler)
    if TIMELINE is not None:
        from odoo.addons.logikal_connector.logikal.client import LogikalClient

        LogikalClient._attempt = TIMELINE.wrap_calls(LogikalClient._attempt)
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


def count_commits(scheduler_module):
    """Count the main thread's commits and time PostgreSQL's acknowledgement of each (Odoo 18's
    Cursor.commit, with the COMMIT itself timed); a commit made by CronUnitOfWork.commit_unit (the sync's
    one, cheap commit) is counted apart."""
    from odoo import sql_db

    def commit(cursor):
        cursor.flush()
        started = time.perf_counter()
        result = cursor._cnx.commit()
        CLOCK.note_commit(time.perf_counter() - started)
        cursor.clear()
        cursor._now = None
        cursor.prerollback.clear()
        cursor.postrollback.clear()
        cursor.postcommit.run()
        return result

    sql_db.Cursor.commit = commit
    from odoo.addons.logikal_connector.services.transaction import CronUnitOfWork

    commit_unit = CronUnitOfWork.commit_unit

    def counted_commit_unit(unit_of_work):
        CLOCK.cheap_next = threading.current_thread() is threading.main_thread()
        return commit_unit(unit_of_work)

    CronUnitOfWork.commit_unit = counted_commit_unit


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
    if TIMELINE is not None:
        TIMELINE.start()
    started = time.perf_counter()
    record.action_force_sync()
    env.cr.commit()
    requests = Request.search([("id", "not in", list(before))])
    ticks = tick_until_done(env, requests)
    wall = time.perf_counter() - started
    runs = requests.mapped("run_id")
    extra = {"timeline": TIMELINE.stop()} if TIMELINE is not None else {}
    return figures(env, spec, wall, runs, ticks=ticks, requests=requests, **extra)


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
        "client_seconds_by_endpoint": client_seconds_by_endpoint(),
        "commits": dict(CLOCK.commits),
        "store_seconds": dict(CLOCK.seconds),
        "store_calls": dict(CLOCK.calls),
    }
    if "requests" in extra:
        result["requests"] = [{"state": r.state, "message": r.message or ""} for r in extra.pop("requests")]
    result.update(extra)
    return result


def client_seconds_by_endpoint():
    """Seconds of the LogiKal calls by endpoint (the client's own timing, any thread)."""
    seconds = {}
    for stats in CLOCK.stats:
        for endpoint, value in stats.seconds_by_endpoint.items():
            seconds[endpoint] = seconds.get(endpoint, 0.0) + value
    return seconds


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


def make_due(env, due):
    """Every sync interval fresh except the object types in `due` (committed, for the cron's cursor)."""
    now = odoo.fields.Datetime.now()
    for config_row in env["logikal.sync.config"].search([]):
        late = config_row.object_type in due
        config_row.last_sync = now - timedelta(minutes=config_row.sync_interval_minutes + 1) if late else now
    env.cr.commit()
    # Real ticks are minutes apart; a pass started in the same second as the previous one stamped its
    # directories would take them for "listed by this pass" (second-precision dates) and skip them.
    time.sleep(1.1)


def steady_tick(env, spec, backend, *, due, until_done=False):
    """One scheduled tick with the master switch on: every interval fresh except the types in `due`
    (`until_done`: cron calls until the pass is finished, as ir.cron calls again on remaining work)."""
    env["ir.config_parameter"].set_param(MASTER_SWITCH, "True")
    make_due(env, due)
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


def scheduled_sync(env, spec, backend=None):
    """The initial sync: scheduled passes (master switch on, every type due) until the first pass is done.

    With `seed_sessions` N > 1 in the spec the connection allows N sessions for it and N - 1 more Odoo
    processes (`seed_helper`) call the cron beside this one, as the worker crons of several Odoo servers
    would: the seed is not measured, only the passes after it, which run with the connection's own setting
    (1 session) again."""
    env["ir.config_parameter"].set_param(MASTER_SWITCH, "True")
    sessions = max(1, int(spec.get("seed_sessions", 1)))
    helpers = []
    if backend is not None and sessions > 1:
        before = backend.parallel_sessions
        backend.write({"parallel_sessions": sessions})
        env.cr.commit()
        helpers = [start_seed_helper() for _index in range(sessions - 1)]
    try:
        cron_until_idle(env)
        for helper in helpers:
            if helper.wait() != 0:  # its failures are in the log; this process finishes the pass
                CRON_FAILURES.append(f"seed helper process {helper.pid} ended with exit {helper.returncode}")
        cron_until_idle(env)  # a helper may have led the pass: this process returned as soon as it was done
    finally:
        for helper in helpers:
            if helper.poll() is None:
                helper.kill()
                helper.wait()
        if helpers:
            env.invalidate_all()
            backend.write({"parallel_sessions": before})
            env.cr.commit()


CRON_FAILURES = []  # cron calls that raised (what ir.cron logs and rolls back): reported with the figures


def cron_call(env):
    """One call of the smart-sync cron job as ir.cron makes it: an exception is logged, the transaction
    rolled back and the job called again later. Returns (done, remaining), or None when the call raised."""
    try:
        result = env["logikal.sync.config"]._cron_smart_sync()
        env.cr.commit()
        return result
    except Exception as error:  # what ir.cron does with a failing job: log, roll back, call again
        env.cr.rollback()
        env.invalidate_all()
        CRON_FAILURES.append(f"{time.strftime('%H:%M:%S')} pid {os.getpid()}: {error!r}"[:400])
        print(f"cron call failed (as ir.cron would log it): {error!r}", file=sys.stderr, flush=True)
        return None


def cron_until_idle(env, timeout=3 * 3600, max_failures=20):
    """Cron calls until the scheduler reports nothing remaining (as ir.cron calls again on remaining work);
    a call that did nothing while another worker still works waits a little before the next."""
    deadline = time.monotonic() + timeout
    failures = 0
    while time.monotonic() < deadline:
        result = cron_call(env)
        if result is None:
            failures += 1
            if failures > max_failures:
                raise RuntimeError(f"{failures} cron calls failed: {CRON_FAILURES[-3:]}")
            time.sleep(0.5)
            continue
        done, remaining = result
        if not remaining:
            return
        if not done:
            time.sleep(0.5)
    raise RuntimeError("the initial scheduled sync did not finish")


ODOO_ARGS = []  # this process's Odoo options (main), for the seed helper processes


def start_seed_helper():
    """Another Odoo process working the same scheduled pass (the cron of a second Odoo server)."""
    script = os.path.abspath(__file__)
    return subprocess.Popen([sys.executable, script, "seed_helper", "{}", "--", *ODOO_ARGS])


def scenario_seed_helper(env, _spec):
    cron_until_idle(env)
    return {}


def scenario_freshness(env, spec):
    """S6 passes: initial sync, an unchanged 15-minute pass, then one with 1 % of the elevations changed;
    with `sessions` in the spec, then the parallel passes on the same tree (see scenario_parallel)."""
    backend = fresh_backend(env, spec, background=True)
    started = time.perf_counter()
    scheduled_sync(env, spec, backend)
    initial_seconds = time.perf_counter() - started
    data = data_check(env, backend)
    unchanged = steady_tick(env, spec, backend, due=DESCENT_DUE, until_done=True)
    mutated = mutate_elevations(spec, spec.get("changed_fraction", 0.01))
    changed = steady_tick(env, spec, backend, due=DESCENT_DUE, until_done=True)
    env.invalidate_all()
    expected = {e["id"]: e for e in sim_call(spec, "/_sim/expected")["elevations"]}
    records = env["logikal.elevation"].search([("backend_id", "=", backend.id), ("logikal_id", "in", mutated)])
    in_odoo = [r.logikal_id for r in records if r.version_id == expected[r.logikal_id]["versionId"]]
    backend.invalidate_recordset()
    result = {
        "initial_seconds": initial_seconds,
        "seed_sessions": max(1, int(spec.get("seed_sessions", 1))),
        "data": data,
        "unchanged": unchanged,
        "changed": changed,
        "mutated": mutated,
        "mutated_projects": sorted({expected[g]["project"] for g in mutated}),
        "mutated_in_odoo": len(in_odoo),
        "trust": {"state": backend.project_dates_state, "note": backend.project_dates_note or ""},
        "verification_hours": backend.verification_hours,
        "seed_cron_failures": list(CRON_FAILURES),
    }
    if spec.get("sessions"):
        result["parallel"] = parallel_passes(env, spec, backend)
    return result


def mutate_elevations(spec, fraction):
    """Edit every 1/fraction-th live elevation (deterministic spread over the tree); returns their ids."""
    elevations = [e for e in sim_call(spec, "/_sim/expected")["elevations"] if not e["isInRecycleBin"]]
    step = max(1, round(1 / fraction))
    chosen = [e["id"] for e in elevations[step // 2 :: step]]
    for guid in chosen:
        sim_call(spec, "/_sim/mutate", {"op": "change_elevation", "elevation": guid})
    return chosen


def scenario_parallel(env, spec):
    """S6 parallel on a tree of its own: an initial sync at zero latency, then parallel_passes."""
    backend = fresh_backend(env, spec, background=True)
    sim_call(spec, "/_sim/config", {"latency_scale": 0.0})
    scheduled_sync(env, spec, backend)
    return parallel_passes(env, spec, backend)


def parallel_passes(env, spec, backend):
    """Passes that read every project (trust: never) with 1, 2, 4 ... workers at the given latency; wall
    time, sessions open at once, projects read per pass, and the load average of the machine around each."""
    backend.write({"project_trust": "never"})
    env.cr.commit()
    sim_call(spec, "/_sim/config", {"latency_scale": spec["pass_latency_scale"]})
    results = []
    for sessions in spec["sessions"]:
        backend.write({"parallel_sessions": sessions})
        env.cr.commit()
        load_before = os.getloadavg()
        figures_ = parallel_pass(env, spec, backend, sessions)
        figures_["load_average"] = {"before": load_before, "after": os.getloadavg()}
        results.append(figures_)
    sim_call(spec, "/_sim/config", {"latency_scale": 0.0})
    return {"passes": results, "data": data_check(env, backend)}


def parallel_pass(env, spec, backend, sessions):
    """One 15-minute pass worked by `sessions` cron workers at once (threads with their own cursors)."""
    make_due(env, DESCENT_DUE)
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
                    result = cron_call(worker_env)
                    if result is None:
                        errors.append(CRON_FAILURES[-1])
                        continue
                    if not result[1]:
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
    "seed_helper": scenario_seed_helper,
}


def main(argv):
    scenario, spec = argv[1], json.loads(argv[2])
    odoo_args = argv[argv.index("--") + 1 :]
    ODOO_ARGS[:] = odoo_args
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
    if scenario != "seed_helper":  # a helper's output is the main process's: one RESULT line only
        print("RESULT " + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
