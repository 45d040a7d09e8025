"""`make reliability`: end-to-end fault check against real Odoo 18 servers and the simulator process.

1. kill: a Force Sync of everything runs in an Odoo server's cron thread; the server is SIGKILLed in the
   middle of it and started again. The next tick must mark the interrupted run aborted, carry its work
   on, and end with data equal to a fault-free sync: no duplicates, nothing archived by mistake.
2. race: two Odoo servers on one database, two sync workers each; users double-click Force Sync on
   both servers at once and again while the run goes on. One run per scope at a time, no deadlock, no
   serialization error shown to a user.

Prints a tally (faults injected, runs, records checked, lost, duplicated), writes it to
docs/reliability.md and ends with `reliability N passed` (or `reliability FAILED ...`).
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devenv

RUN_DIR = os.path.join(devenv.ROOT, ".run")
DOC = os.path.join(devenv.ROOT, "docs", "reliability.md")
SIM_USER, SIM_PASSWORD = "odoo-sync", "reliability-Pa55!"
LATENCY_SCALE = 0.12  # a Force Sync of the "small" dataset then takes several seconds
ODOO_TALLY = re.compile(
    r"reliability tally: faults injected (\d+), runs (\d+), records checked (\d+), "
    r"lost (\d+), duplicated (\d+)"
)
BAD_LOG = re.compile(r" (ERROR|CRITICAL) |deadlock detected|could not serialize|Traceback")
ODOO_RETRY = re.compile(r"odoo\.service\.model: (SERIALIZATION_FAILURE|DEADLOCK_DETECTED), \d+ tries left")
CONFLICT = re.compile(r"could not serialize access|deadlock detected")
LOG_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ")

# Runs inside Odoo's Python with `env` (superuser) bound; prints one JSON line. Arguments: db, addons, code.
SNIPPET_RUNNER = r"""
import json, sys
import odoo
from odoo.tools import config
db, argv, code = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
config.parse_config(argv)
from odoo.modules.registry import Registry
with Registry(db).cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    scope = {"env": env, "json": json}
    exec(code, scope)
    print("RESULT " + json.dumps(scope.get("result"), default=str))
"""


class Check:
    def __init__(self):
        self.passed, self.failed = 0, []
        self.tally = {"faults": 0, "runs": 0, "records": 0, "lost": 0, "duplicated": 0}

    def expect(self, condition, label, detail=""):
        if condition:
            self.passed += 1
            devenv.say(f"  ok   {label}")
        else:
            self.failed.append(label)
            devenv.say(f"  FAIL {label} {detail}".rstrip())
        return condition


class Lab:
    """PostgreSQL, one scratch database with the addon, the simulator process and Odoo server processes."""

    def __init__(self, python, source):
        self.python, self.source = python, source
        self.db_args, _started = devenv.ensure_postgres()
        self.db = f"logikal_rel_{os.getpid()}_{int(time.time())}"
        self.data_dir = os.path.join(RUN_DIR, "reliability-data")
        self.servers, self.sim_proc, self.sim_port = [], None, devenv.free_port()
        self.logs = []

    # ------------------------------------------------------------------ processes
    def odoo_argv(self):
        return [
            *self.db_args,
            f"--addons-path={devenv.odoo_addons_path(self.source)}",
            f"--data-dir={self.data_dir}",
            "--without-demo=all",
        ]

    def install(self):
        cmd = [
            self.python,
            "-m",
            "odoo",
            "-d",
            self.db,
            *self.odoo_argv(),
            "-i",
            "logikal_connector",
            "--stop-after-init",
            "--log-level=warn",
            "--max-cron-threads=0",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"installing the addon failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")

    def start_simulator(self):
        cmd = [
            self.python,
            os.path.join(devenv.ROOT, "logikal"),
            "simulator",
            "serve",
            "--dataset",
            "small",
            "--port",
            str(self.sim_port),
            "--latency-scale",
            str(LATENCY_SCALE),
            "--username",
            SIM_USER,
            "--password",
            SIM_PASSWORD,
        ]
        self.sim_proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not devenv.wait_for_port(self.sim_port, 30):
            raise SystemExit("the simulator did not start")

    def start_server(self, name, workers=1):
        port = devenv.free_port()
        log = os.path.join(RUN_DIR, f"{self.db}-{name}.log")
        self.logs.append(log)
        cmd = [
            self.python,
            "-m",
            "odoo",
            "-d",
            self.db,
            f"--db-filter=^{self.db}$",
            *self.odoo_argv(),
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            f"--max-cron-threads={workers}",
            "--gevent-port=0",
            f"--logfile={log}",
            "--log-level=info",
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not devenv.wait_for_port(port, 90):
            raise SystemExit(f"Odoo server {name} did not start (see {log})")
        self.servers.append(proc)
        return proc, port

    def stop_server(self, proc, sig=signal.SIGTERM):
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def close(self, keep=False):
        for proc in self.servers:
            self.stop_server(proc)
        if self.sim_proc:
            self.sim_proc.terminate()
            self.sim_proc.wait(10)
        if not keep:
            devenv.drop_database(self.db_args, self.db, self.python)

    # ------------------------------------------------------------------ talking to things
    def odoo(self, code):
        """Run `code` (sets `result`) in this database with Odoo's API; committed; returns `result`."""
        argv = ["-d", self.db, *self.odoo_argv(), "--log-level=warn"]
        result = subprocess.run(
            [self.python, "-c", SNIPPET_RUNNER, self.db, json.dumps(argv), code],
            capture_output=True,
            text=True,
            cwd=devenv.ROOT,
        )
        line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
        if result.returncode != 0 or line is None:
            raise SystemExit(f"Odoo snippet failed:\n{code}\n{result.stderr[-3000:]}")
        return json.loads(line[len("RESULT ") :])

    def sql(self, query):
        result = devenv.psql(query, dbname=self.db)
        if result.returncode != 0:
            raise SystemExit(f"SQL failed: {query}\n{result.stderr}")
        return [row.split("|") for row in result.stdout.strip().splitlines() if row]

    def scalar(self, query):
        rows = self.sql(query)
        return int(rows[0][0]) if rows else 0

    def sim(self, path, body=None):
        url = f"http://127.0.0.1:{self.sim_port}/_sim/{path}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            url, data=data, headers={"Content-Type": "application/json"}, method="POST" if data is not None else "GET"
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read() or b"null")

    def wake_crons(self):
        """What `ir.cron._trigger()` sends; repeated, since a fresh server LISTENs only once its registry loaded."""
        devenv.psql(f"NOTIFY cron_trigger, '{self.db}'")

    def wait_for(self, condition, timeout, label):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            self.wake_crons()
            time.sleep(0.5)
        devenv.say(f"  (gave up waiting for {label} after {timeout:.0f} s)")
        return False


# ---------------------------------------------------------------------- set-up
SETUP = """
env["ir.config_parameter"].set_param("logikal_connector.background_sync_enabled", "False")
backend = env["logikal.backend"].create({{
    "name": "Simulator", "url": "http://127.0.0.1:{port}/api/v3", "username": "{user}",
    "password_input": "{password}", "read_timeout": 10, "parts_timeout": 10, "max_retries": 2}})
reference = backend.copy({{"name": "Fault-free reference", "password_input": "{password}"}})
result = {{"backend": backend.id, "reference": reference.id}}
"""

FORCE_SYNC = """
env["logikal.backend"].browse({backend}).action_force_sync()
result = True
"""

# a fault-free sync of the same dataset, in-process, then both snapshots compared record by record
COMPARE = """
from odoo.addons.logikal_connector.services import work
from odoo.addons.logikal_connector.services.runner import SyncRunner
from odoo.addons.logikal_connector.tests.test_reliability import compare, snapshot
backend, reference = env["logikal.backend"].browse({backend}), env["logikal.backend"].browse({reference})
runner = SyncRunner(env, reference)
run = runner.start("manual", "everything", work.ALL_TYPES)
runner.execute(run, work.everything(run))
actual, duplicates = snapshot(env, backend)
wanted, _ = snapshot(env, reference)
lost, extra, wrong = compare(actual, wanted)
result = {{"reference_state": run.state, "records": len(actual), "duplicates": [repr(k) for k in duplicates],
          "lost": [repr(k) for k in lost], "extra": [repr(k) for k in extra],
          "wrong": {{repr(k): {{f: [repr(a), repr(b)] for f, (a, b) in v.items()}}
                    for k, v in list(wrong.items())[:5]}},
          "wrong_count": len(wrong)}}
"""

UNIQUE_IDENTITIES = {
    "logikal_directory": "backend_id, path",
    "logikal_project": "backend_id, logikal_id",
    "logikal_phase": "project_id, logikal_id",
    "logikal_elevation": "phase_id, logikal_id",
    "logikal_elevation_glass": "elevation_id, sequence",
    "logikal_elevation_bom_line": "elevation_id, kind, sequence",
}


# ---------------------------------------------------------------------- scenario 1: SIGKILL mid-sync
def kill_and_restart(lab, check, ids):
    devenv.say("scenario 1: SIGKILL of the Odoo server in the middle of a Force Sync, then a restart")
    live = sum(1 for e in lab.sim("expected")["elevations"] if not e["isInRecycleBin"])
    server, _port = lab.start_server("kill-1")
    lab.odoo(FORCE_SYNC.format(backend=ids["backend"]))
    parts_done = (
        f"SELECT count(*) FROM logikal_elevation WHERE parts_list_sha256 IS NOT NULL AND backend_id = {ids['backend']}"
    )
    midway = lab.wait_for(lambda: lab.scalar(parts_done) >= live // 3, 120, "a third of the parts lists")
    lab.stop_server(server, signal.SIGKILL)
    stored = lab.scalar(parts_done)
    check.tally["faults"] += 1
    devenv.say(f"  killed with {stored}/{live} parts lists stored")
    check.expect(midway and 0 < stored < live, "the server died in the middle of the sync", f"({stored}/{live})")
    interrupted = lab.sql("SELECT id, state FROM logikal_sync_run WHERE state = 'running'")
    check.expect(len(interrupted) == 1, "one run was left running by the dead worker", str(interrupted))
    # The scheduler declares a run dead after 5 minutes without a heartbeat (and no worker holding it);
    # the wait is fast-forwarded by moving that heartbeat back instead of sleeping 5 minutes.
    lab.sql("UPDATE logikal_sync_run SET heartbeat = heartbeat - interval '6 minutes' WHERE state = 'running'")
    server, _port = lab.start_server("kill-2")
    finished = lab.wait_for(
        lambda: not lab.scalar("SELECT count(*) FROM logikal_sync_request WHERE state IN ('queued', 'running')"),
        150,
        "the request",
    )
    lab.stop_server(server)
    check.expect(finished, "the next tick finished the Force Sync")
    dead_id = int(interrupted[0][0]) if interrupted else 0
    check_runs_after_kill(lab, check, dead_id)
    check_identities(lab, check)
    check_against_fault_free(lab, check, ids)


def check_runs_after_kill(lab, check, dead_id):
    runs = lab.sql("SELECT id, state, coalesce(resumed_from_id, 0) FROM logikal_sync_run ORDER BY id")
    check.tally["runs"] += len(runs)
    states = {int(r[0]): (r[1], int(r[2])) for r in runs}
    check.expect(states.get(dead_id, ("?",))[0] == "aborted", "the interrupted run is marked aborted", str(states))
    continued = [rid for rid, (state, origin) in states.items() if origin == dead_id]
    check.expect(
        len(continued) == 1 and states[continued[0]][0] == "done",
        "one new run carried the work on and is done",
        str(states),
    )
    requests = lab.sql("SELECT state, count(*) FROM logikal_sync_request GROUP BY state")
    check.expect(requests == [["done", "1"]], "the Force Sync request is done", str(requests))


def check_identities(lab, check):
    duplicated = 0
    for table, columns in UNIQUE_IDENTITIES.items():
        duplicated += lab.scalar(
            f"SELECT count(*) FROM (SELECT {columns} FROM {table} GROUP BY {columns} HAVING count(*) > 1) d"
        )
    check.tally["duplicated"] += duplicated
    check.expect(duplicated == 0, "no LogiKal identity is stored twice (SQL, every table)", str(duplicated))


def check_against_fault_free(lab, check, ids):
    expected = lab.sim("expected")
    deleted = {p["id"] for p in expected["projects"] if p["isDeleted"]}
    elevations = [e for e in expected["elevations"] if e["project"] not in deleted]
    live = [e for e in elevations if not e["isInRecycleBin"]]
    backend = ids["backend"]
    counts = (
        lab.scalar(f"SELECT count(*) FROM logikal_directory WHERE backend_id = {backend} AND active"),
        lab.scalar(f"SELECT count(*) FROM logikal_project WHERE backend_id = {backend}"),
        lab.scalar(f"SELECT count(*) FROM logikal_elevation WHERE backend_id = {backend}"),
        lab.scalar(
            f"SELECT count(*) FROM logikal_elevation WHERE backend_id = {backend} AND active "
            "AND parse_state = 'ok' AND parts_list_sha256 IS NOT NULL"
        ),
    )
    wanted = (len(expected["directories"]), len(expected["projects"]), len(elevations), len(live))
    check.expect(
        counts == wanted,
        "counts equal the simulator's dataset (directories, projects, elevations, parsed live elevations)",
        f"{counts} != {wanted}",
    )
    archived = lab.scalar(
        f"SELECT count(*) FROM logikal_project WHERE backend_id = {backend} AND NOT active AND NOT is_deleted"
    ) + lab.scalar(
        f"SELECT count(*) FROM logikal_elevation WHERE backend_id = {backend} AND NOT active AND NOT in_recycle_bin"
    )
    check.expect(archived == 0, "nothing archived by mistake", str(archived))
    result = lab.odoo(COMPARE.format(**ids))
    check.tally["records"] += result["records"]
    check.tally["lost"] += len(result["lost"])
    check.tally["duplicated"] += len(result["duplicates"]) + len(result["extra"])
    check.tally["runs"] += 1
    check.expect(
        result["reference_state"] == "done"
        and not result["lost"]
        and not result["extra"]
        and not result["duplicates"]
        and not result["wrong_count"],
        f"final data equal to a fault-free sync, {result['records']} records compared field by field",
        json.dumps({k: result[k] for k in ("lost", "extra", "duplicates", "wrong")})[:1500],
    )


# ---------------------------------------------------------------------- scenario 2: two servers race
RPC_FORCE = "action_force_sync"


def rpc_force_sync(port, db, model, record_id, errors):
    try:
        common = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/xmlrpc/2/common")
        uid = common.authenticate(db, "admin", "admin", {})
        models = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/xmlrpc/2/object", allow_none=True)
        models.execute_kw(db, uid, "admin", model, RPC_FORCE, [[record_id]])
    except Exception as error:  # any error here is one a user would have seen
        errors.append(f"{model} via :{port}: {str(error)[:300]}")


def click_together(lab, ports, clicks, errors):
    threads = [
        threading.Thread(target=rpc_force_sync, args=(port, lab.db, model, rid, errors))
        for port in ports
        for model, rid in clicks
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return len(threads)


def two_servers_race(lab, check, ids):
    devenv.say("scenario 2: two Odoo servers on one database, double Force Sync on both, and during the run")
    expected = lab.sim("expected")
    for elevation in expected["elevations"][:12]:
        lab.sim("mutate", {"op": "touch", "elevation": elevation["id"]})
    project = lab.scalar(
        f"SELECT id FROM logikal_project WHERE backend_id = {ids['backend']} AND active ORDER BY id LIMIT 1"
    )
    lab.sql(f"UPDATE logikal_backend SET parallel_sessions = 2 WHERE id = {ids['backend']}")
    lab.sql("DELETE FROM logikal_sync_run; DELETE FROM logikal_sync_request")
    lab.sim("counters/reset", {})
    leaked = lab.sim("counters")["open_sessions"]  # the killed worker never logged out
    (server_a, port_a), (server_b, port_b) = lab.start_server("race-a", 2), lab.start_server("race-b", 2)
    errors = []
    clicks = click_together(
        lab, (port_a, port_b), [("logikal.backend", ids["backend"])] * 2 + [("logikal.project", project)], errors
    )
    lab.wait_for(lambda: lab.scalar("SELECT count(*) FROM logikal_sync_run WHERE state = 'running'"), 30, "a run")
    clicks += click_together(lab, (port_a, port_b), [("logikal.backend", ids["backend"])], errors)
    finished = lab.wait_for(
        lambda: not lab.scalar("SELECT count(*) FROM logikal_sync_request WHERE state IN ('queued', 'running')"),
        150,
        "the requests",
    )
    lab.stop_server(server_a)
    lab.stop_server(server_b)
    check.tally["faults"] += clicks
    check.expect(finished, f"all {clicks} Force Sync clicks were served")
    check.expect(not errors, "no error shown to a user (no serialization failure, no deadlock)", "; ".join(errors))
    check_one_run_per_scope(lab, check)
    sim = lab.sim("counters")
    opened = sim["max_open_sessions"] - leaked
    check.expect(
        opened <= 2,
        "never more LogiKal sessions at once than parallel_sessions (2)",
        f"{opened} (+{leaked} left open by the killed server)",
    )
    check_identities(lab, check)
    lab.sql(f"UPDATE logikal_backend SET parallel_sessions = 1 WHERE id = {ids['backend']}")
    check_against_fault_free(lab, check, ids)


# ---------------------------------------------------------------------- scenario 3: SIGKILL mid-pass
TICK_DUE = (
    "UPDATE ir_cron SET nextcall = now() at time zone 'UTC' WHERE id = (SELECT res_id FROM ir_model_data "
    "WHERE module = 'logikal_connector' AND name = 'ir_cron_smart_sync')"
)  # the 5-minute tick is due
PENDING = (
    "SELECT (SELECT count(*) FROM logikal_sync_run WHERE state = 'running') + "
    "(SELECT count(*) FROM logikal_sync_request WHERE state IN ('queued', 'running'))"
)


def scheduled_pass_kill(lab, check, ids):
    devenv.say("scenario 3: SIGKILL in the middle of a scheduled pass, restart, a Force Sync during the resumed tick")
    lab.sql(f"UPDATE logikal_backend SET active = false WHERE id = {ids['reference']}")
    lab.sql(
        "DELETE FROM logikal_sync_run; DELETE FROM logikal_sync_request; "
        "DELETE FROM logikal_sync_state; "
        "UPDATE ir_config_parameter SET value = 'True' WHERE key = 'logikal_connector.background_sync_enabled'; "
        + TICK_DUE
    )
    live = [e for e in lab.sim("expected")["elevations"] if not e["isInRecycleBin"]]
    for elevation in live:
        lab.sim("mutate", {"op": "touch", "elevation": elevation["id"]})
    versions = ",".join(f"'{e['versionId']}'" for e in lab.sim("expected")["elevations"])
    fresh = f"SELECT count(*) FROM logikal_elevation WHERE parts_list_version IN ({versions})"
    server, _port = lab.start_server("pass-1")
    midway = lab.wait_for(lambda: lab.scalar(fresh) >= len(live) // 3, 120, "a third of the new parts lists")
    lab.stop_server(server, signal.SIGKILL)
    stored = lab.scalar(fresh)
    check.tally["faults"] += 1
    devenv.say(f"  killed with {stored}/{len(live)} new parts lists stored")
    check.expect(midway and 0 < stored < len(live), "the server died in the middle of the pass", f"({stored})")
    dead = lab.sql("SELECT id FROM logikal_sync_run WHERE state = 'running' AND trigger = 'cron'")
    check.expect(len(dead) == 1, "the scheduled pass was left running by the dead worker", str(dead))
    lab.sql("UPDATE logikal_sync_run SET heartbeat = heartbeat - interval '6 minutes' WHERE state = 'running'")
    server, port = lab.start_server("pass-2")
    lab.wait_for(
        lambda: lab.scalar("SELECT count(*) FROM logikal_sync_run WHERE resumed_from_id IS NOT NULL"),
        60,
        "the resumed pass",
    )
    project = lab.scalar(
        f"SELECT id FROM logikal_project WHERE backend_id = {ids['backend']} AND active ORDER BY id DESC LIMIT 1"
    )
    errors = []
    clicks = click_together(lab, (port,), [("logikal.project", project)] * 2, errors)
    check.tally["faults"] += clicks
    finished = lab.wait_for(lambda: not lab.scalar(PENDING), 150, "the pass and the Force Sync")
    lab.stop_server(server)
    check.expect(
        finished and not errors, "the resumed pass and the Force Sync clicked during it finished", "; ".join(errors)
    )
    check_pass_runs(lab, check, int(dead[0][0]) if dead else 0)
    check_identities(lab, check)
    check_against_fault_free(lab, check, ids)


def check_pass_runs(lab, check, dead_id):
    runs = lab.sql("SELECT id, trigger, state, coalesce(resumed_from_id, 0) FROM logikal_sync_run ORDER BY id")
    check.tally["runs"] += len(runs)
    states = {int(r[0]): (r[1], r[2], int(r[3])) for r in runs}
    check.expect(states.get(dead_id, ("", ""))[1] == "aborted", "the interrupted pass is marked aborted", str(states))
    continued = [v for v in states.values() if v[2] == dead_id]
    check.expect(len(continued) == 1 and continued[0][1] == "done", "one run continued the pass to done", str(states))
    forced = [v for v in states.values() if v[0] == "force"]
    check.expect(
        1 <= len(forced) <= 2 and all(v[1] == "done" for v in forced),
        "the double-clicked Force Sync ran (coalesced, or queued behind the run it met) and is done",
        str(states),
    )
    check_one_run_per_scope(lab, check, count=False, killed=dead_id)
    configs = lab.sql(  # the status of each object type on the connection the pass synced
        "SELECT c.object_type, coalesce(s.last_result, '-') FROM logikal_sync_config c "
        "LEFT JOIN logikal_sync_state s ON s.config_id = c.id "
        "AND s.backend_id IN (SELECT id FROM logikal_backend WHERE active) "
        "WHERE s.last_sync IS NULL OR s.last_result <> 'done' ORDER BY c.id"
    )
    check.expect(not configs, "every object type is stamped done", str(configs))


def check_one_run_per_scope(lab, check, count=True, killed=None):
    runs = lab.sql(
        "SELECT id, scope, state, start_date, coalesce(end_date, now() at time zone 'UTC') "
        "FROM logikal_sync_run WHERE backend_id = (SELECT min(id) FROM logikal_backend) ORDER BY id"
    )
    check.tally["runs"] += len(runs) if count else 0
    overlapping = [
        (a[0], b[0]) for i, a in enumerate(runs) for b in runs[i + 1 :] if a[1] == b[1] and a[3] < b[4] and b[3] < a[4]
    ]
    check.expect(not overlapping, f"one run per scope at a time ({len(runs)} runs)", str(overlapping))
    failed = [r for r in runs if r[2] != "done" and not (r[2] == "aborted" and int(r[0]) == killed)]
    check.expect(not failed, "every run ended done (but the one killed)", str(failed))


def check_logs(lab, check):
    """No error in the servers' logs, but statements PostgreSQL refused for a concurrent update that the
    runner met and resumed (Odoo logs every failed statement as `bad query`): one recovery per refusal."""
    bad, refused, recovered, retried = [], 0, 0, 0
    for log in lab.logs:
        for entry in _log_entries(log):
            recovered += "met a concurrent update" in entry
            retried += bool(ODOO_RETRY.search(entry))
            if not BAD_LOG.search(entry):
                continue
            if "odoo.sql_db: bad query" in entry and CONFLICT.search(entry):
                refused += 1
            else:
                bad.append(entry[:400])
    check.tally["conflicts"] = refused
    devenv.say(
        f"  statements refused for a concurrent update: {refused}; sync runs that resumed after one: "
        f"{recovered}; user requests Odoo retried after one: {retried}"
    )
    check.expect(refused == recovered + retried, "every concurrent-update conflict was resumed or retried")
    check.expect(not bad, "no other ERROR or Traceback in the server logs", "\n".join(bad[:10]))


def _log_entries(path):
    entry = []
    with open(path, errors="replace") as handle:
        for line in handle:
            if LOG_START.match(line) and entry:
                yield "".join(entry)
                entry = []
            entry.append(line)
    if entry:
        yield "".join(entry)


# ---------------------------------------------------------------------- report
def odoo_suite_tally(path):
    if not path or not os.path.exists(path):
        return None
    with open(path, errors="replace") as handle:
        found = ODOO_TALLY.findall(handle.read())
    return (
        dict(zip(("faults", "runs", "records", "lost", "duplicated"), map(int, found[-1]), strict=True))
        if found
        else None
    )


def write_doc(check, odoo_tally, seconds):
    end_to_end = check.tally
    rows = [_row("End-to-end (`make reliability`)", end_to_end)]
    rows.insert(0, _row(ODOO_ROW, odoo_tally) if odoo_tally else _previous_odoo_row())
    with open(DOC, "w") as handle:
        handle.write(
            DOC_TEMPLATE.format(
                table="\n".join(filter(None, rows)),
                checks=check.passed,
                failed=len(check.failed),
                seconds=seconds,
                conflicts=end_to_end.get("conflicts", 0),
                date=time.strftime("%Y-%m-%d"),
            )
        )


ODOO_ROW = "Odoo fault suite (`logikal_connector/tests/test_reliability.py`)"


def _row(label, t):
    return f"| {label} | {t['faults']} | {t['runs']} | {t['records']} | {t['lost']} | {t['duplicated']} |"


def _previous_odoo_row():
    """Without an Odoo suite log (`make reliability` alone), keep the Odoo row the last `make test` wrote."""
    if not os.path.exists(DOC):
        return None
    with open(DOC) as handle:
        return next((line.rstrip("\n") for line in handle if line.startswith(f"| {ODOO_ROW}")), None)


DOC_TEMPLATE = """# Reliability under faults, crashes and bad input

Written by `scripts/reliability.py` (`make reliability`, also run by `make test` when Odoo 18 is present)
on {date}: {checks} end-to-end checks passed, {failed} failed, in {seconds:.0f} s.

| Suite | Faults injected | Runs | Records checked | Lost | Duplicated |
|---|---|---|---|---|---|
{table}

Every case compares the final Odoo data with a fault-free sync of the same dataset, record by record and
field by field (binaries by SHA-256, relations by LogiKal identity): a record missing is *lost*, a LogiKal
identity stored twice is *duplicated*.

Odoo fault suite (`logikal_connector/tests/test_reliability.py`, simulator over loopback HTTP):
- 5 % random 500/502/503 on every endpoint, three seeds: each run completes with retries, identical data;
- a hanging parts list: the per-call timeout fires, the elevation is retried on a later tick (not sooner),
  thumbnails and siblings go on; with a short budget the run stops one timeout past it and resumes;
- the token expired twice in the middle of a run: one re-login each, nothing downloaded twice;
- a locked project (409): skipped with a clear error while its siblings sync, synced on a later tick;
- corrupt base64, corrupt SQLite, broken JSON and an oversize file: a clear error on that elevation,
  the previous good data kept (or nothing half-written on a first sync), the run goes on;
- the comparison itself is tested: a lost project, a duplicated line and a changed value are caught.

End-to-end (`scripts/reliability.py`, separate simulator process with latency, real Odoo servers):
- SIGKILL of the Odoo server in the middle of a Force Sync, then a restart: the next tick marks the
  interrupted run aborted and a new run carries its work on; no identity stored twice (SQL over every
  table), counts equal the dataset, nothing archived by mistake, data equal to a fault-free sync. The
  scheduler's 5-minute "no heartbeat" wait is fast-forwarded by moving the dead run's heartbeat back;
- two Odoo servers on one database (two sync workers each, two parallel sessions): double Force Sync
  clicks on both servers at once and again during the run: one run per scope at a time, every click
  answered without error, at most two LogiKal sessions at once, data equal to a fault-free sync;
- SIGKILL in the middle of a scheduled pass (master switch on, every parts list changed), then a restart
  and a double-clicked project Force Sync during the resumed tick: the pass is marked aborted and
  continued to done, every object type stamped done, data equal to a fault-free sync.

Two workers writing the same rows at once make PostgreSQL refuse a statement ("could not serialize");
in the last run {conflicts} such statements were met, and each time the sync run undid its unit and resumed
(or Odoo retried the user's request): no error reached a run or a user, and the servers' logs hold no
other error.

Invalid configuration input (a validation message, nothing saved) is covered by
`logikal_connector/tests/test_input_validation.py`.
"""


def timed(step, *args):
    started = time.monotonic()
    step(*args)
    devenv.say(f"  ({step.__name__}: {time.monotonic() - started:.0f} s)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--odoo-log", help="log of an Odoo suite run: its fault-suite tally goes in the report")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)
    python, source, reason = devenv.find_odoo()
    if not source:
        devenv.say(f"reliability SKIPPED (Odoo 18 not found: {reason})")
        return 0
    started = time.monotonic()
    os.makedirs(RUN_DIR, exist_ok=True)
    lab, check = Lab(python, source), Check()
    try:
        devenv.say(f"reliability: database {lab.db}")
        timed(lab.install)
        lab.start_simulator()
        ids = lab.odoo(SETUP.format(port=lab.sim_port, user=SIM_USER, password=SIM_PASSWORD))
        timed(kill_and_restart, lab, check, ids)
        timed(two_servers_race, lab, check, ids)
        timed(scheduled_pass_kill, lab, check, ids)
        check_logs(lab, check)
    finally:
        lab.close(keep=args.keep)
    return report(check, odoo_suite_tally(args.odoo_log), time.monotonic() - started)


def report(check, odoo_tally, seconds):
    t = check.tally
    devenv.say(
        f"tally: faults injected {t['faults']}, runs {t['runs']}, records checked {t['records']}, "
        f"lost {t['lost']}, duplicated {t['duplicated']} ({seconds:.0f} s)"
    )
    write_doc(check, odoo_tally, seconds)
    if check.failed:
        devenv.say(f"reliability FAILED ({len(check.failed)} of {check.passed + len(check.failed)} checks)")
        return 1
    devenv.say(f"reliability {check.passed} passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
