"""`make run`: PostgreSQL, the LogiKal simulator (demo data) and Odoo 18 with logikal_connector, on loopback.

Starts only what is not running and stops only what it started (Ctrl-C). The demo database survives
between runs; each start upgrades the module so it keeps up with the code. Odoo 18 is set up in
.cache/odoo18/ when it is not found (scripts/odoo_setup.py). The first sync is queued before the server
starts and the server's cron worker is woken (NOTIFY cron_trigger) as soon as it listens, instead of at
its first poll a minute later.
"""

import ast
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devenv
import odoo_setup

DATABASE = os.environ.get("LOGIKAL_DEMO_DB", "logikal_demo")
ODOO_PORT = int(os.environ.get("LOGIKAL_DEMO_PORT", "8069"))
SIM_PORT = int(os.environ.get("LOGIKAL_SIM_PORT", "8899"))
SIM_USER, SIM_PASSWORD = "demo", "demo"

CONFIGURE = """
env['res.users'].browse(2).write({'password': 'admin'})
backend = env['logikal.backend'].with_context(active_test=False).search([('name', '=', 'LogiKal simulator')], limit=1)
values = {'name': 'LogiKal simulator', 'url': %(url)r, 'username': %(user)r, 'password_input': %(password)r,
          'active': True}
backend = backend.write(values) and backend if backend else env['logikal.backend'].create(values)
if not env['logikal.project'].search_count([]):
    backend.action_force_sync()
env.cr.commit()
"""


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def main():
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _interrupt)
    children, pg_started = [], False
    try:
        # Independent first steps side by side: the simulator starts, Odoo 18 is looked for (a Python
        # import, seconds on a busy machine) while PostgreSQL's cluster is initialised and started. One
        # set up in .cache/odoo18/, or none, goes through odoo_setup (it checks the cache is up to date).
        simulator = None
        if _port_answers(SIM_PORT):
            devenv.say(f"a simulator already answers on 127.0.0.1:{SIM_PORT}; using it")
        else:
            simulator = _spawn_simulator()
            children.append(simulator)
        probe = _Background(devenv.find_odoo)  # only looks: setting Odoo up is done below, in this thread
        db_args, pg_started = devenv.ensure_postgres()
        python, source, _reason = probe.result()
        found = (python, source) if source and python != devenv.CACHED_ODOO_PYTHON else odoo_setup.ensure_odoo()
        if not found:
            devenv.say("make run needs Odoo 18: set ODOO_SRC to an Odoo 18 source, or ODOO_PYTHON (README: Odoo 18)")
            return 1
        python, source = found
        if simulator is not None:
            _wait_for_simulator(simulator)
        fresh = not _database_exists()
        options = [
            "-d",
            DATABASE,
            *db_args,
            f"--addons-path={_demo_addons_path(source, fresh)}",
            f"--data-dir={os.path.join(devenv.ROOT, '.run', 'demo-data')}",
            "--without-demo=all",
        ]
        odoo = [python, "-m", "odoo", *options]
        if not fresh:
            _prepare_database(odoo)
            _configure([python, "-m", "odoo", "shell", *options])
            children.append(_start_odoo(odoo))
        else:  # one server process installs and serves; the connection is then made over JSON-RPC
            devenv.say(f"creating database {DATABASE} (the server installs logikal_connector, then serves) ...")
            children.append(_start_odoo([*odoo, "-i", "logikal_connector"]))
            _configure_over_rpc()
        _announce()
        devenv.say(f"Odoo serves after {time.monotonic() - started:.0f} s")
        _follow_first_sync(children[-1], started)
        _wait(children)
    except KeyboardInterrupt:
        pass
    finally:
        _stop(children)
        if pg_started:
            devenv.stop_private_cluster()
    return 0


class _Background:
    """`function()` on a daemon thread; `result()` waits for its return value (or raises its exception)."""

    def __init__(self, function):
        self._outcome = {}
        self._thread = threading.Thread(target=self._run, args=(function,), daemon=True)
        self._thread.start()

    def _run(self, function):
        try:
            self._outcome["value"] = function()
        except BaseException as error:  # handed to the caller by result()
            self._outcome["error"] = error

    def result(self):
        self._thread.join()
        if "error" in self._outcome:
            raise self._outcome["error"]
        return self._outcome["value"]


def _port_answers(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _spawn_simulator():
    cmd = [
        sys.executable,
        os.path.join(devenv.ROOT, "logikal"),
        "simulator",
        "serve",
        "--dataset",
        "demo",
        "--port",
        str(SIM_PORT),
        "--latency-scale",
        "0.02",
        "--username",
        SIM_USER,
        "--password",
        SIM_PASSWORD,
    ]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def _wait_for_simulator(proc):
    if proc.poll() is not None or not devenv.wait_for_port(SIM_PORT, timeout=20):
        raise SystemExit("the LogiKal simulator did not start")
    devenv.say(f"LogiKal simulator (demo data) on http://127.0.0.1:{SIM_PORT}/api/v3")


DEMO_ADDONS = os.path.join(devenv.ROOT, ".run", "demo-addons")


def _demo_addons_path(source, fresh):
    """Odoo's addons without the auto-install ones logikal_connector does not depend on (symlinks in
    .run/demo-addons/), so a new demo database installs 8 modules instead of 25; every other module stays
    (base's data refers to the categories of all of them). A database made before with the full addons
    path keeps it."""
    if not fresh and not os.path.isdir(DEMO_ADDONS):
        return devenv.odoo_addons_path(source)
    odoo_addons = os.path.join(source, "addons")
    needed = _dependencies(odoo_addons, "logikal_connector")
    shutil.rmtree(DEMO_ADDONS, ignore_errors=True)
    os.makedirs(DEMO_ADDONS)
    for name in sorted(os.listdir(odoo_addons)):
        manifest = os.path.join(odoo_addons, name, "__manifest__.py")
        if os.path.isfile(manifest) and (name in needed or not _manifest(manifest).get("auto_install")):
            os.symlink(os.path.join(odoo_addons, name), os.path.join(DEMO_ADDONS, name))
    return f"{DEMO_ADDONS},{devenv.ROOT}"


def _manifest(path):
    with open(path) as handle:
        return ast.literal_eval(handle.read())


_ADDON_IMPORT = re.compile(r"(?:from|import)\s+odoo\.addons\.(\w+)")


def _dependencies(odoo_addons, addon):
    """Every module `addon` needs, directly or not: its manifests' depends, and the modules their Python
    imports as odoo.addons.X (html_editor imports iap without depending on it)."""
    seen, todo = set(), [addon]
    while todo:
        name = todo.pop()
        for folder in (devenv.ROOT, odoo_addons):
            manifest = os.path.join(folder, name, "__manifest__.py")
            if os.path.isfile(manifest):
                needs = set(_manifest(manifest).get("depends", [])) | _imported_addons(os.path.join(folder, name))
                todo += sorted(needs - seen - {name})
                seen |= needs
                break
    return seen - {addon}


def _imported_addons(folder):
    found = set()
    for path, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in ("tests", "static")]
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(path, name), encoding="utf-8", errors="replace") as handle:
                    found.update(_ADDON_IMPORT.findall(handle.read()))
    return found


def _database_exists():
    if devenv.external_db_args():
        return False
    return devenv.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'").stdout.strip() == "1"


def _prepare_database(odoo):
    action = ["-u", "logikal_connector"] if _database_exists() else ["-i", "logikal_connector"]
    devenv.say(f"{'upgrading' if action[0] == '-u' else 'creating'} database {DATABASE} ...")
    result = subprocess.run([*odoo, *action, "--stop-after-init", "--log-level=warn"], capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit("installing logikal_connector failed (log above)")


def _configure(odoo):
    script = CONFIGURE % {"url": f"http://127.0.0.1:{SIM_PORT}/api/v3", "user": SIM_USER, "password": SIM_PASSWORD}
    result = subprocess.run([*odoo, "--no-http", "--log-level=warn"], input=script, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-3000:])
        raise SystemExit("configuring the demo connection failed (log above)")


def _rpc(service, method, *args):
    """One JSON-RPC call to the demo server; waits while the server still installs the module."""
    payload = {"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": args}}
    request = urllib.request.Request(
        f"http://127.0.0.1:{ODOO_PORT}/jsonrpc",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = json.load(response)
    if "error" in answer:
        message = answer["error"].get("data", {}).get("message") or answer["error"].get("message")
        raise SystemExit(f"configuring the demo connection failed: {message} (see .run/demo-odoo.log)")
    return answer["result"]


def _configure_over_rpc():
    """What CONFIGURE does, for a new database (admin / admin is Odoo's default there)."""
    uid = _rpc("common", "login", DATABASE, "admin", "admin")
    if not uid:
        raise SystemExit("installing logikal_connector failed: cannot log in as admin (see .run/demo-odoo.log)")

    def call(model, method, *args, **kwargs):
        return _rpc("object", "execute_kw", DATABASE, uid, "admin", model, method, list(args), kwargs)

    values = {
        "name": "LogiKal simulator",
        "url": f"http://127.0.0.1:{SIM_PORT}/api/v3",
        "username": SIM_USER,
        "password_input": SIM_PASSWORD,
    }
    backend = call("logikal.backend", "create", [values])[0]
    call("logikal.backend", "action_force_sync", [backend])


def _start_odoo(odoo):
    cmd = [
        *odoo,
        "--http-interface=127.0.0.1",
        f"--http-port={ODOO_PORT}",
        "--max-cron-threads=2",  # the first sync need not wait behind Odoo's own jobs due at install
        f"--db-filter=^{DATABASE}$",
        "--log-level=info",
        f"--logfile={os.path.join(devenv.ROOT, '.run', 'demo-odoo.log')}",
    ]
    proc = subprocess.Popen(cmd)
    if not devenv.wait_for_port(ODOO_PORT, timeout=90):
        raise SystemExit("Odoo did not start (see .run/demo-odoo.log)")
    return proc


def _announce():
    devenv.say("")
    devenv.say(f"  Odoo 18 with logikal_connector: http://127.0.0.1:{ODOO_PORT}/odoo/logikal  (login admin / admin)")
    devenv.say("  The first sync runs in the background; projects appear in seconds. Ctrl-C stops everything.")
    devenv.say("")


def _follow_first_sync(odoo, started, timeout=300.0):
    """Until the first sync is done: NOTIFY cron_trigger each second while a sync request waits (the cron
    thread LISTENs only once the registry is loaded, after the HTTP port answers, and otherwise first polls a
    minute later), and say when the first projects are in the database and when the sync is done, in seconds
    since `make run` started."""
    if devenv.external_db_args():
        return
    seen_projects, last_wake, sync_seen = False, 0.0, False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and odoo.poll() is None:
        states = [_query("SELECT state FROM logikal_sync_request ORDER BY id DESC LIMIT 1")]
        if "queued" in states and time.monotonic() - last_wake >= 1.0:
            devenv.psql(f"NOTIFY cron_trigger, '{DATABASE}'")  # cron threads LISTEN in the `postgres` database
            last_wake = time.monotonic()
        sync_seen |= bool({"queued", "running"} & set(states))
        projects = int(_query("SELECT count(*) FROM logikal_project WHERE active") or 0)
        if projects and not seen_projects:
            seen_projects = True
            devenv.say(f"{projects} projects synced and visible after {time.monotonic() - started:.0f} s")
        if projects and not sync_seen:
            return  # a database synced before: nothing was queued
        if sync_seen and not {"queued", "running"} & set(states):
            elevations = _query("SELECT count(*) FROM logikal_elevation WHERE active")
            devenv.say(
                f"first sync {'/'.join(sorted(set(states)))} after {time.monotonic() - started:.0f} s: "
                f"{projects} projects, {elevations} elevations"
            )
            return
        time.sleep(0.5)


def _query(sql):
    return devenv.psql(sql, dbname=DATABASE).stdout.strip()


def _wait(children):
    while all(child.poll() is None for child in children):
        time.sleep(1)


def _stop(children):
    for child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()


if __name__ == "__main__":
    sys.exit(main())
