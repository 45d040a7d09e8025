"""One name for the pure package outside Odoo: `logikal_connector.logikal`, loaded without the addon's Odoo
parts (logikal_connector/__init__.py imports the models only as `odoo.addons.logikal_connector`)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROBE = """
import sys
import logikal_cli.parts, logikal_cli.probe, logikal_connector.logikal
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("odoo", "logikal"))
print(loaded, "logikal_connector.models" in sys.modules)
"""


def test_pure_package_and_cli_import_without_odoo_under_one_name():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] False"


def test_the_addon_folder_is_not_a_second_root_for_the_pure_package():
    assert os.path.join(ROOT, "logikal_connector") not in map(os.path.abspath, sys.path)
