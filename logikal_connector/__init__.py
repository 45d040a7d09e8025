"""The LogiKal connector addon.

Odoo loads an addon as `odoo.addons.<name>`, always, and only under that name are the models imported
(which registers them). Odoo-free code (the CLI `logikal_cli`, the Odoo-free tests, bench/ and scripts/)
imports the pure package by its real name, `logikal_connector.logikal`, with the repository root on
sys.path: under that name the models, which need Odoo, are not imported, and they can never be defined a
second time under a second name. The check is on the name Odoo gives, not on whether `odoo` imports, so it
hides no error: inside Odoo the models are always imported, and a model that fails to import fails Odoo.
"""

if __name__.startswith("odoo.addons."):
    from . import models

PARAM_PREFIX = "logikal_connector."


def uninstall_hook(env):
    """Leave none of the addon's system parameters behind (master switch, budget, retention, ...)."""
    env["ir.config_parameter"].sudo().search([("key", "=like", PARAM_PREFIX + "%")]).unlink()
