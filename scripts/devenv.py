"""Shared helpers for the project's scripts: find Odoo 18, make sure PostgreSQL answers.

Standard library only: it runs before anything is installed.
"""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_ODOO_PYTHON = "/opt/odoo18/venv/bin/python"


def _private_pg_dir():
    """.pg/ in the checkout, unless PostgreSQL's user cannot reach it (or its socket path would be too long)."""
    inside = os.path.join(ROOT, ".pg")
    reachable = (
        os.geteuid() != 0
        or subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", ROOT], capture_output=True).returncode == 0
    )
    if reachable and len(inside) < 80:
        return inside
    digest = hashlib.sha1(ROOT.encode()).hexdigest()[:10]
    return os.path.join(tempfile.gettempdir(), f"logikal-pg-{digest}")


PG_DIR = _private_pg_dir()
PG_PORT = int(os.environ.get("LOGIKAL_PG_PORT", "54329"))
DURABLE = False  # the private cluster runs with fsync=off (tests, make run) unless use_durable_cluster()
DURABLE_PORT_OFFSET = 100


def use_durable_cluster():
    """Point this process at a second private cluster (`.pg-durable/`, port LOGIKAL_PG_PORT + 100) that keeps
    PostgreSQL's default durability (fsync and synchronous_commit on), as production databases run:
    `make bench` measures there, so commit flushes are paid as users pay them."""
    global PG_DIR, PG_PORT, DURABLE
    if not DURABLE:
        PG_DIR, PG_PORT, DURABLE = PG_DIR + "-durable", PG_PORT + DURABLE_PORT_OFFSET, True


DB_USER = os.environ.get("LOGIKAL_DB_USER", "odoo")


def odoo_python():
    return os.environ.get("ODOO_PYTHON", DEFAULT_ODOO_PYTHON)


def find_odoo():
    """Return (python, odoo source dir) when Odoo 18 is importable there, else (python, None, reason)."""
    python = odoo_python()
    if not os.path.exists(python):
        return python, None, f"no Python at {python}"
    probe = "import odoo, odoo.release as r, os; print(r.version_info[0]); print(os.path.dirname(odoo.__file__))"
    result = subprocess.run([python, "-c", probe], capture_output=True, text=True)
    if result.returncode != 0:
        return python, None, f"{python} cannot import odoo"
    major, package_dir = result.stdout.split()
    if major != "18":
        return python, None, f"{python} has Odoo {major}, not 18"
    return python, os.path.dirname(package_dir), None


def odoo_addons_path(source_dir):
    paths = [os.path.join(source_dir, "addons"), ROOT]
    return ",".join(path for path in paths if os.path.isdir(path))


def _pg_bin(name):
    for version in ("15", "16", "17", "14"):
        candidate = f"/usr/lib/postgresql/{version}/bin/{name}"
        if os.path.exists(candidate):
            return candidate
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"PostgreSQL's {name} was not found: install PostgreSQL (e.g. apt-get install postgresql)")
    return found


def external_db_args():
    """Database options when the user points us at their own server (LOGIKAL_DB_HOST)."""
    host = os.environ.get("LOGIKAL_DB_HOST")
    if not host:
        return None
    args = ["--db_host", host, "--db_port", os.environ.get("LOGIKAL_DB_PORT", "5432"), "--db_user", DB_USER]
    if os.environ.get("LOGIKAL_DB_PASSWORD"):
        args += ["--db_password", os.environ["LOGIKAL_DB_PASSWORD"]]
    return args


def _run_as_postgres(argv, **kw):
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, **kw)


def _private_cluster_answers():
    return (
        os.path.exists(os.path.join(PG_DIR, f".s.PGSQL.{PG_PORT}"))
        and _run_as_postgres([_pg_bin("pg_isready"), "-q", "-h", PG_DIR, "-p", str(PG_PORT)]).returncode == 0
    )


def ensure_postgres():
    """Start the private cluster in .pg/ unless it (or LOGIKAL_DB_HOST) answers. Returns (db args, started)."""
    external = external_db_args()
    if external:
        return external, False
    started = False
    if not _private_cluster_answers():
        _init_cluster()
        _start_cluster()
        started = True
    _ensure_role()
    return ["--db_host", PG_DIR, "--db_port", str(PG_PORT), "--db_user", DB_USER], started


def _init_cluster():
    data = os.path.join(PG_DIR, "data")
    if os.path.exists(os.path.join(data, "PG_VERSION")):
        return
    os.makedirs(PG_DIR, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(PG_DIR, "postgres", "postgres")
    _run_as_postgres(
        [_pg_bin("initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _start_cluster():
    data = os.path.join(PG_DIR, "data")
    options = f"-c listen_addresses='' -c unix_socket_directories='{PG_DIR}' -p {PG_PORT}"
    if not DURABLE:
        options += " -c fsync=off"
    _run_as_postgres(
        [_pg_bin("pg_ctl"), "-D", data, "-l", os.path.join(PG_DIR, "server.log"), "-o", options, "-w", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def stop_private_cluster():
    _run_as_postgres(
        [_pg_bin("pg_ctl"), "-D", os.path.join(PG_DIR, "data"), "-m", "fast", "stop"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def psql(sql, dbname="postgres"):
    return _run_as_postgres(
        [_pg_bin("psql"), "-h", PG_DIR, "-p", str(PG_PORT), "-U", "postgres", "-d", dbname, "-tAc", sql],
        capture_output=True,
        text=True,
    )


def _ensure_role():
    if psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{DB_USER}'").stdout.strip() != "1":
        psql(f"CREATE ROLE {DB_USER} LOGIN CREATEDB SUPERUSER")


def drop_database(db_args, name, python):
    """Drop a database and its filestore through Odoo's own tooling-free path (psql for the private cluster)."""
    if external_db_args():
        subprocess.run([python, "-c", _DROP_SNIPPET, name, *db_args], check=False)
    else:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_DROP_SNIPPET = """
import sys, psycopg2
name, args = sys.argv[1], dict(zip(sys.argv[2::2], sys.argv[3::2]))
conn = psycopg2.connect(dbname='postgres', host=args['--db_host'], port=args['--db_port'],
                        user=args['--db_user'], password=args.get('--db_password'))
conn.autocommit = True
conn.cursor().execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.3)
    return False


def say(message):
    print(message, flush=True)
    sys.stdout.flush()
