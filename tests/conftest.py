"""Odoo-free test suite: the pure package is importable as `logikal`, the simulator as `logikal_sim`."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (os.path.join(ROOT, "logikal_connector"), ROOT):
    if path not in sys.path:
        sys.path.insert(0, path)
