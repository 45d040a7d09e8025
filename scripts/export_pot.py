"""`make pot`: export i18n/<addon>.pot of every logikal_connector* addon from a database with them installed.

Uses the pytest-odoo database (scripts/odoo_pytest.py: created on first use, updated when the addons
changed), then odoo-bin's own exporter (`--i18n-export=<addon>/i18n/<addon>.pot --modules=<addon>`).
Existing <addon>/i18n/*.po files are brought up to date with the new template by GNU gettext's
msgmerge when it is installed (new strings empty, vanished ones commented out), as OCA's makepot does.
"""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devenv
import odoo_pytest
import odoo_setup


def export(python, config, addon):
    folder = os.path.join(devenv.ROOT, addon, "i18n")
    os.makedirs(folder, exist_ok=True)
    pot = os.path.join(folder, f"{addon}.pot")
    cmd = [python, "-m", "odoo", "-c", config, "-d", odoo_pytest.DATABASE, f"--i18n-export={pot}", f"--modules={addon}"]
    cmd.append("--log-level=warn")
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0 or not os.path.exists(pot):
        sys.stderr.write((result.stdout + result.stderr)[-3000:])
        raise SystemExit(f"exporting {addon}'s translation template failed (log above)")
    devenv.say(f"wrote {os.path.relpath(pot, devenv.ROOT)}")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".po"):
            _merge(os.path.join(folder, name), pot)


def _merge(po, pot):
    if not shutil.which("msgmerge"):
        devenv.say(f"  {os.path.relpath(po, devenv.ROOT)} not merged: GNU gettext's msgmerge is not installed")
        return
    subprocess.run(["msgmerge", "--quiet", "--update", "--no-fuzzy-matching", "--backup=none", po, pot], check=True)
    devenv.say(f"  merged {os.path.relpath(po, devenv.ROOT)}")


def main():
    found = odoo_setup.ensure_odoo()
    if not found:
        return 1
    python, source = found
    os.makedirs(odoo_pytest.RUN_DIR, exist_ok=True)
    db_args, pg_started = devenv.ensure_postgres()
    try:
        config = odoo_pytest.write_config(db_args, source)
        addons = devenv.addons()
        if not odoo_pytest.prepare_database(python, config, addons):
            return 1
        for addon in addons:
            export(python, config, addon)
    finally:
        if pg_started:
            devenv.stop_private_cluster()
    return 0


if __name__ == "__main__":
    sys.exit(main())
