"""Odoo-free test suite: the repository root on sys.path, so the addon's pure package imports by its real
name, `logikal_connector.logikal` (without the addon's Odoo parts: see logikal_connector/__init__.py), the
simulator as `logikal_sim` and the command-line tool as `logikal_cli`."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
