from odoo import api, fields, models

from ..services.settings import MASTER_SWITCH, background_sync_enabled, set_background_sync

__all__ = ["MASTER_SWITCH", "ResConfigSettings", "background_sync_enabled"]  # the tests import the first two here


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
            set_background_sync(self.env, self.logikal_background_sync_enabled)
        return result
