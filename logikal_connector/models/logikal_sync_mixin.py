from odoo import api, fields, models

SYNC_STATES = [
    ("never", "Never synced"),
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Synced"),
    ("failed", "Failed"),
]


class LogikalSyncMixin(models.AbstractModel):
    """Per-record sync bookkeeping shared by directories, projects and elevations."""

    _name = "logikal.sync.mixin"
    _description = "LogiKal synchronised record"

    last_sync_date = fields.Datetime(readonly=True, copy=False, help="Last time this record was read from LogiKal.")
    sync_state = fields.Selection(SYNC_STATES, default="never", readonly=True, copy=False, index=True)
    sync_error = fields.Text(readonly=True, copy=False)
    sync_attempts = fields.Integer(readonly=True, copy=False, help="Consecutive failed attempts.")
    next_retry_date = fields.Datetime(readonly=True, copy=False)
    has_sync_error = fields.Boolean(compute="_compute_has_sync_error", search="_search_has_sync_error")

    @api.depends("sync_error")
    def _compute_has_sync_error(self):
        for record in self:
            record.has_sync_error = bool(record.sync_error)

    def _search_has_sync_error(self, operator, value):
        positive = (operator == "=") == bool(value)
        return [("sync_error", "!=" if positive else "=", False)]

    def _sync_scope(self):
        """Return the (scope, values) a Force Sync of this record requests."""
        raise NotImplementedError

    def action_force_sync(self):
        requests = self.env["logikal.sync.request"]
        for record in self:
            scope, values = record._sync_scope()
            requests |= requests._request(scope, values)
        return requests._queued_action()
