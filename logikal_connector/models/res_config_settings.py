from odoo import api, fields, models

MASTER_SWITCH = "logikal_connector.background_sync_enabled"


def background_sync_enabled(env):
    """The master switch: on unless an admin turned it off (absent = on, the default for new installs)."""
    value = env["ir.config_parameter"].sudo().get_param(MASTER_SWITCH, "True")
    return str(value).strip().lower() not in ("false", "0", "no", "off", "")


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    logikal_background_sync_enabled = fields.Boolean(
        "LogiKal background sync",
        help="On (the default for new installs: no parameter stored means on): the 5-minute tick syncs the "
        "object types that are due. Off: no scheduled work at all (no run is recorded); Force Sync and "
        "'Sync now' still work.",
    )

    @api.model
    def get_values(self):
        values = super().get_values()
        values["logikal_background_sync_enabled"] = background_sync_enabled(self.env)
        return values

    def set_values(self):
        result = super().set_values()
        if self.env.user.has_group("logikal_connector.group_logikal_manager"):
            self.env["ir.config_parameter"].sudo().set_param(
                MASTER_SWITCH, "True" if self.logikal_background_sync_enabled else "False"
            )
        return result
