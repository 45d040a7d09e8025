from odoo import api, fields, models
from odoo.exceptions import AccessError

SYNC_STATES = [
    ("never", "Never synced"),
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Synced"),
    ("failed", "Failed"),
]


class LogikalSyncMixin(models.AbstractModel):
    """Per-record sync bookkeeping of the bindings synced on their own: directories, projects and elevations.

    A phase has none: it is read with its project (see logikal_binding.py for the fields every binding shares).
    """

    _name = "logikal.sync.mixin"
    _description = "LogiKal synchronised record"
    _sync_object_type = None  # the Sync Intervals row whose staleness threshold flags these records stale

    last_sync_date = fields.Datetime(readonly=True, copy=False, help="Last time this record was read from LogiKal.")
    sync_state = fields.Selection(SYNC_STATES, default="never", readonly=True, copy=False, index=True)
    sync_error = fields.Text(readonly=True, copy=False)
    sync_attempts = fields.Integer(readonly=True, copy=False, help="Consecutive failed attempts.")
    next_retry_date = fields.Datetime(readonly=True, copy=False)
    has_sync_error = fields.Boolean(compute="_compute_has_sync_error", search="_search_has_sync_error")
    is_stale = fields.Boolean(
        "Stale",
        compute="_compute_is_stale",
        search="_search_is_stale",
        help="Not synced within the staleness threshold of its type (Sync Intervals), or never synced.",
    )

    @api.depends("sync_error")
    def _compute_has_sync_error(self):
        for record in self:
            record.has_sync_error = bool(record.sync_error)

    def _search_has_sync_error(self, operator, value):
        positive = (operator == "=") == bool(value)
        return [("sync_error", "!=" if positive else "=", False)]

    @api.depends("last_sync_date")
    def _compute_is_stale(self):
        threshold = self.env["logikal.sync.config"]._staleness_limit(self._sync_object_type)
        for record in self:
            record.is_stale = not record.last_sync_date or record.last_sync_date < threshold

    def _search_is_stale(self, operator, value):
        threshold = self.env["logikal.sync.config"]._staleness_limit(self._sync_object_type)
        stale = ["|", ("last_sync_date", "=", False), ("last_sync_date", "<", threshold)]
        return stale if (operator == "=") == bool(value) else [("last_sync_date", ">=", threshold)]

    def _check_logikal_user(self):
        """Public actions check their caller's rights: LogiKal users (read access) at least."""
        self.check_access("read")

    def _check_logikal_manager(self):
        self._check_logikal_user()
        if not self.env.su and not self.env.user.has_group("logikal_connector.group_logikal_manager"):
            raise AccessError(self.env._("Only LogiKal managers may do this."))

    def _sync_scope(self):
        """Return the (scope, values) a Force Sync of this record requests."""
        raise NotImplementedError

    def action_force_sync(self):
        self._check_logikal_user()
        requests = self.env["logikal.sync.request"]
        for record in self:
            scope, values = record._sync_scope()
            requests |= requests._request(scope, values)
        return requests._queued_action()
