"""The import rule of the layers, read from the source (ast), for every addon of the repository:

- `<addon>/logikal/` (the pure package) imports only itself, the standard library and `requests`: no `odoo`;
- `<addon>/services/` never imports `<addon>/models/` (relative `..models`, `from .. import models`, or
  absolute `odoo.addons.<addon>.models`); models call services, not the other way round.

Imports inside functions count as well. The checker runs over small trees with planted violations too, so a
checker that finds nothing cannot pass for a clean tree.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_ALLOWED = frozenset(sys.stdlib_module_names) | {"requests"}


def addons(root):
    """The addon folders of the repository: top-level directories with a `__manifest__.py`."""
    return sorted(path.parent for path in Path(root).glob("*/__manifest__.py"))


def imported_modules(path, root):
    """Every module `path` imports, as tuples of names, relative imports resolved against `root`."""
    package = path.relative_to(root).parent.parts  # where `from . import` starts (also for __init__.py)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield tuple(alias.name.split("."))
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = base + tuple(node.module.split(".")) if node.module else base
            yield module
            for alias in node.names:
                yield (*module, alias.name)


def _without_odoo_addons(module):
    return module[2:] if module[:2] == ("odoo", "addons") else module


def violations(root):
    """Each import breaking the layer rule, as "path: imports name" lines (empty: the tree is clean)."""
    root = Path(root)
    found = []
    names = {addon.name for addon in addons(root)}
    for addon in addons(root):
        for path in sorted((addon / "logikal").rglob("*.py")):
            pure = (addon.name, "logikal")
            for module in imported_modules(path, root):
                if module[:2] != pure and module[0] not in PURE_ALLOWED:
                    found.append(f"{path.relative_to(root)}: the pure package imports {'.'.join(module)}")
        for path in sorted((addon / "services").rglob("*.py")):
            for module in imported_modules(path, root):
                addon_name, *rest = _without_odoo_addons(module)
                of_an_addon = addon_name in names or module[:2] == ("odoo", "addons")
                if of_an_addon and rest[:1] == ["models"]:
                    found.append(f"{path.relative_to(root)}: services import {'.'.join(module)}")
    return sorted(set(found))


def test_the_repository_keeps_the_layer_rule():
    assert addons(ROOT), "no addon found"
    assert violations(ROOT) == []


def _tree(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


CLEAN = {
    "shop/__manifest__.py": "{}\n",
    "shop/__init__.py": "from . import models\n",
    "shop/logikal/__init__.py": "from .client import Client\nfrom . import records\n",
    "shop/logikal/client.py": "import json\nimport requests\nfrom urllib.parse import quote\nfrom .records import X\n",
    "shop/logikal/records.py": "from dataclasses import dataclass\n",
    "shop/services/engine.py": "from odoo import fields\nfrom ..logikal import Client\nfrom . import store\n",
    "shop/services/store.py": "from odoo.addons.shop.logikal import records\n",
    "shop/models/thing.py": "from ..services import engine\n",
}


def test_a_clean_tree_has_no_violation(tmp_path):
    assert violations(_tree(tmp_path, CLEAN)) == []


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("shop/logikal/client.py", "import odoo\n", "the pure package imports odoo"),
        ("shop/logikal/client.py", "from odoo import fields\n", "the pure package imports odoo"),
        ("shop/logikal/client.py", "def f():\n    from odoo.tools import config\n", "imports odoo.tools"),
        ("shop/logikal/client.py", "import yaml\n", "the pure package imports yaml"),
        ("shop/logikal/client.py", "from ..services import engine\n", "the pure package imports shop.services"),
        ("shop/logikal/client.py", "from .. import models\n", "the pure package imports shop.models"),
        ("shop/services/engine.py", "from ..models.thing import X\n", "services import shop.models.thing"),
        ("shop/services/engine.py", "from .. import models\n", "services import shop.models"),
        ("shop/services/engine.py", "def f():\n    from ..models import thing\n", "services import shop.models"),
        ("shop/services/engine.py", "from odoo.addons.shop.models import thing\n", "import odoo.addons.shop.models"),
        ("shop/services/engine.py", "import odoo.addons.shop.models.thing\n", "import odoo.addons.shop.models"),
        ("shop/services/engine.py", "from odoo.addons.other.models import x\n", "import odoo.addons.other.models"),
    ],
)
def test_each_kind_of_violation_is_found(tmp_path, name, text, expected):
    found = violations(_tree(tmp_path, dict(CLEAN, **{name: text})))
    assert found, f"{text!r} in {name} was not reported"
    assert any(name in line and expected in line for line in found), found
