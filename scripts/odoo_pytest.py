"""`make test-odoo-fast`: the addons' Odoo tests with pytest-odoo, against a database prepared once.

    scripts/odoo_pytest.py                                    every logikal_connector* addon's tests
    scripts/odoo_pytest.py logikal_connector/tests/test_sync.py -k parts_list
    scripts/odoo_pytest.py --odoo-http -k Tour                HttpCase tests too (a server on a free port)

The database (`logikal_pytest`, LOGIKAL_PYTEST_DB overrides) is created with the addons installed on first
use and updated (`-u`) only when the addons' files (tests aside) changed since: a hash of them is kept
beside it in .run/. pytest-odoo imports odoo, so it runs in a small virtualenv of its own
(.cache/pytest-odoo/) layered on Odoo's Python; nothing is installed into Odoo's Python itself.
`make test` (odoo-bin --test-enable, log checks, tours, reliability) stays the gate.
"""

import hashlib
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devenv
import odoo_setup

DATABASE = os.environ.get("LOGIKAL_PYTEST_DB", "logikal_pytest")
RUN_DIR = os.path.join(devenv.ROOT, ".run")
VENV = os.path.join(devenv.ROOT, ".cache", "pytest-odoo")
PYTEST_ODOO = "pytest-odoo>=2.1"


def addons_hash(addons):
    """SHA-256 over every file of the addons except their tests, byte code and .pot templates."""
    digest = hashlib.sha256()
    for addon in addons:
        top = os.path.join(devenv.ROOT, addon)
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d not in ("tests", "__pycache__"))
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo", ".pot")):  # a new .pot changes nothing installed
                    continue
                path = os.path.join(folder, name)
                digest.update(os.path.relpath(path, devenv.ROOT).encode() + b"\0")
                with open(path, "rb") as handle:
                    digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()


def pytest_python(odoo_python):
    """A Python that imports both odoo and pytest_odoo: Odoo's own when it has it, else .cache/pytest-odoo/."""
    python = os.path.join(VENV, "bin", "python")
    stamp = os.path.join(VENV, ".for-" + hashlib.sha1(odoo_python.encode()).hexdigest()[:12])
    if os.path.exists(stamp) and os.path.exists(python):
        return python
    if subprocess.run([odoo_python, "-c", "import odoo, pytest_odoo"], capture_output=True).returncode == 0:
        return odoo_python
    devenv.say(f"setting up {os.path.relpath(VENV, devenv.ROOT)}/ (pytest-odoo on top of {odoo_python}) ...")
    subprocess.run([odoo_python, "-m", "venv", "--clear", VENV], check=True)
    _layer_on(odoo_python, python)
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", PYTEST_ODOO]
    result = subprocess.run(pip, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write((result.stdout + result.stderr)[-3000:])
        raise SystemExit(f"installing {PYTEST_ODOO} into {VENV} failed (log above)")
    open(stamp, "w").close()
    return python


def _layer_on(odoo_python, python):
    """A .pth in the new venv that adds Odoo's site-packages (with their own .pth files, e.g. editable odoo)."""
    where = "import site, sys; print('\\n'.join(site.getsitepackages())); print(sys.prefix)"
    odoo_sites = subprocess.run([odoo_python, "-c", where], capture_output=True, text=True, check=True)
    *sites, _prefix = odoo_sites.stdout.split("\n")[:-1]
    own = subprocess.run(
        [python, "-c", "import site; print(site.getsitepackages()[0])"], capture_output=True, text=True
    )
    line = "import site; " + "; ".join(f"site.addsitedir({site!r})" for site in sites if site) + "\n"
    with open(os.path.join(own.stdout.strip(), "zz-odoo-python.pth"), "w") as handle:
        handle.write(line)


def write_config(db_args, source):
    """An Odoo config file for both the preparing odoo-bin run and pytest-odoo."""
    options = dict(zip((key.lstrip("-") for key in db_args[::2]), db_args[1::2], strict=True))
    options.update(
        db_name=DATABASE,
        addons_path=devenv.odoo_addons_path(source),
        data_dir=os.path.join(RUN_DIR, "pytest-odoo-data"),
        without_demo="all",
        max_cron_threads="0",
        http_interface="127.0.0.1",
    )
    path = os.path.join(RUN_DIR, "pytest-odoo.conf")
    with open(path, "w") as handle:
        handle.write("[options]\n" + "".join(f"{key} = {value}\n" for key, value in sorted(options.items())))
    return path


def prepare_database(python, config, addons):
    """Install the addons (first use) or update them (their files changed); no-op when up to date."""
    stamp = os.path.join(RUN_DIR, f"pytest-odoo-{DATABASE}.hash")
    wanted = addons_hash(addons)
    exists = devenv.database_exists(DATABASE, python, config)
    if exists and (devenv.read_text(stamp) or "").strip() == wanted:
        return True
    names = ",".join(addons)
    # an existing database gets -i too: an addon added to the repository since it was created is installed
    # (Odoo installs only the uninstalled ones of -i and updates only the installed ones of -u)
    actions = ["-i", names, "-u", names] if exists else ["-i", names]
    verb = "updating" if exists else "creating"
    devenv.say(f"{verb} database {DATABASE} ({' '.join(actions)}) ...")
    cmd = [python, "-m", "odoo", "-c", config, *actions, "--stop-after-init", "--log-level=warn"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0 or " ERROR " in result.stdout + result.stderr:
        sys.stderr.write((result.stdout + result.stderr)[-4000:])
        if os.path.exists(stamp):
            os.remove(stamp)
        devenv.say(f"{verb} {DATABASE} failed (log above)")
        return False
    with open(stamp, "w") as handle:
        handle.write(wanted + "\n")
    return True


def main(argv):
    odoo = odoo_setup.ensure_odoo()
    if not odoo:
        return 1
    python, source = odoo
    os.makedirs(RUN_DIR, exist_ok=True)
    db_args, pg_started = devenv.ensure_postgres()
    try:
        config = write_config(db_args, source)
        addons = devenv.addons()
        if not prepare_database(python, config, addons):
            return 1
        runner = pytest_python(python)
        targets = [arg for arg in argv if not arg.startswith("-") and os.path.exists(arg)]
        default = [os.path.join(devenv.ROOT, addon, "tests") for addon in addons]
        cmd = [
            runner,
            "-m",
            "pytest",
            f"--odoo-config={config}",
            f"--odoo-database={DATABASE}",
            "-o",
            f"cache_dir={os.path.join(RUN_DIR, 'pytest-odoo-cache')}",
            *([] if targets else default),
            *argv,
        ]
        return subprocess.run(cmd, cwd=devenv.ROOT).returncode
    finally:
        if pg_started:
            devenv.stop_private_cluster()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
