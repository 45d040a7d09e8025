#!/usr/bin/env python3
"""Time `make run` from a fresh clone until synced projects are visible, then stop it (issue 17).

    LOGIKAL_PG_PORT=54339 python3 bench/time_make_run.py [--dest /tmp/fresh-run] [--keep]

Clones this checkout (its committed HEAD) into --dest, starts `make run` there in its own process group
(its own PostgreSQL port, Odoo and simulator ports), echoes each line it prints with the seconds since
start, and polls the demo database until projects exist and the first sync is finished. It then stops the
demo as Ctrl-C does (SIGINT to the process group), checks that no Odoo, simulator or PostgreSQL of the clone
is left running, and prints the timings with the load average at start and end. Standard library only.
"""

import argparse
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_average():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def load_devenv(dest):
    spec = importlib.util.spec_from_file_location("fresh_devenv", os.path.join(dest, "scripts", "devenv.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Lines(threading.Thread):
    """Echo the demo's output with the seconds since start; keep (seconds, line) pairs."""

    def __init__(self, stream, started):
        super().__init__(daemon=True)
        self.stream, self.started, self.lines = stream, started, []

    def run(self):
        for line in self.stream:
            offset = time.monotonic() - self.started
            self.lines.append((offset, line.rstrip()))
            print(f"[{offset:6.1f} s] {line.rstrip()}", flush=True)


def scalar(devenv, sql, database):
    out = devenv.psql(sql, dbname=database).stdout.strip()
    return out if out else None


def left_running(dest, attempts=5):
    """Command lines of the processes still running from the clone (a process may take a moment to exit)."""
    for _attempt in range(attempts):
        found = subprocess.run(["pgrep", "-f", dest], capture_output=True, text=True).stdout.split()
        pids = [pid for pid in found if int(pid) != os.getpid()]  # this script's own command line names dest
        lines = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    lines.append(f"{pid}: " + handle.read().replace(b"\0", b" ").decode(errors="replace")[:160])
            except OSError:
                continue  # gone meanwhile
        if not lines:
            return []
        time.sleep(1)
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", default="/tmp/fresh-run")
    parser.add_argument("--odoo-port", type=int, default=int(os.environ.get("LOGIKAL_DEMO_PORT", "18069")))
    parser.add_argument("--sim-port", type=int, default=int(os.environ.get("LOGIKAL_SIM_PORT", "18899")))
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the clone (a second run times a warm start)")
    parser.add_argument(
        "--no-clone",
        action="store_true",
        help="reuse --dest as it is (a warm start: times until make run says the projects are visible)",
    )
    args = parser.parse_args(argv)
    if "LOGIKAL_PG_PORT" not in os.environ:
        raise SystemExit("set LOGIKAL_PG_PORT (a port of your own)")
    if not args.no_clone:
        shutil.rmtree(args.dest, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", ROOT, args.dest], check=True)
    devenv = load_devenv(args.dest)
    env = dict(os.environ, LOGIKAL_DEMO_PORT=str(args.odoo_port), LOGIKAL_SIM_PORT=str(args.sim_port))
    load_start = load_average()
    started = time.monotonic()
    proc = subprocess.Popen(
        ["make", "run"],
        cwd=args.dest,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = Lines(proc.stdout, started)
    lines.start()
    first_projects = done = None
    projects = "0"
    try:
        while time.monotonic() - started < args.timeout and proc.poll() is None:
            time.sleep(0.5)
            if args.no_clone:  # a database synced before: the demo's own line says when projects show
                said = [t for t, line in lines.lines if "synced and visible after" in line]
                if said:
                    first_projects = said[0]
                    break
                continue
            if not os.path.exists(os.path.join(devenv.PG_DIR, f".s.PGSQL.{devenv.PG_PORT}")):
                continue
            projects = scalar(devenv, "SELECT count(*) FROM logikal_project", "logikal_demo") or "0"
            if first_projects is None and projects.isdigit() and int(projects) > 0:
                first_projects = time.monotonic() - started
                print(f"[{first_projects:6.1f} s] POLL: {projects} projects in the database", flush=True)
            state = scalar(devenv, "SELECT string_agg(state, ',') FROM logikal_sync_request", "logikal_demo")
            if first_projects is not None and state and "queued" not in state and "running" not in state:
                done = time.monotonic() - started
                elevations = scalar(devenv, "SELECT count(*) FROM logikal_elevation", "logikal_demo")
                print(f"[{done:6.1f} s] POLL: first sync {state}; {projects} projects, {elevations} elevations")
                break
    finally:
        load_end = load_average()
        stop_started = time.monotonic()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        stopped = time.monotonic() - stop_started
        lines.join(timeout=5)
    leftovers = left_running(args.dest)
    cluster_up = os.path.exists(os.path.join(devenv.PG_DIR, f".s.PGSQL.{devenv.PG_PORT}"))
    print(f"\nload average at start: {load_start}; at the end: {load_end}")
    print(f"first projects visible after: {first_projects if first_projects is None else round(first_projects, 1)} s")
    print(f"first sync finished after: {done if done is None else round(done, 1)} s")
    print(f"stopped in {stopped:.1f} s (exit {proc.returncode}); processes of the clone left: {leftovers or 'none'}")
    print(f"PostgreSQL of the clone still running: {cluster_up}")
    if not args.keep and not leftovers and not cluster_up:
        shutil.rmtree(args.dest, ignore_errors=True)
    return 0 if first_projects is not None and not leftovers and not cluster_up else 1


if __name__ == "__main__":
    sys.exit(main())
