from . import models

PARAM_PREFIX = "logikal_connector."


def uninstall_hook(env):
    """Leave none of the addon's system parameters behind (master switch, budget, retention, ...)."""
    env["ir.config_parameter"].sudo().search([("key", "=like", PARAM_PREFIX + "%")]).unlink()
