"""System parameters the services read: the master switch of background work.

The models (Settings, Sync Intervals) import from here; services never import models.
"""

MASTER_SWITCH = "logikal_connector.background_sync_enabled"


def background_sync_enabled(env):
    """The master switch: on unless an admin turned it off (absent = on, the default for new installs)."""
    value = env["ir.config_parameter"].sudo().get_param(MASTER_SWITCH, "True")
    return str(value).strip().lower() not in ("false", "0", "no", "off", "")


def set_background_sync(env, enabled):
    """Turn the master switch on or off (the caller checks the user's rights)."""
    env["ir.config_parameter"].sudo().set_param(MASTER_SWITCH, "True" if enabled else "False")
