from odoo import api, fields, models

from ..logikal.planning import TypeConfig
from .logikal_sync_config import RESULTS


class LogikalSyncState(models.Model):
    """How one object type stands on one connection: its own last sync, attempt, result and what is due.

    The intervals (Sync Intervals) are one setting per type for every connection; the status is not: one
    connection's failure is never hidden by another's success.
    """

    _name = "logikal.sync.state"
    _description = "LogiKal Sync Status"
    _order = "backend_id, priority, id"
    _rec_name = "config_id"

    backend_id = fields.Many2one("logikal.backend", "Connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    config_id = fields.Many2one("logikal.sync.config", "Object type", required=True, ondelete="cascade", index=True)
    object_type = fields.Selection(related="config_id.object_type")
    priority = fields.Integer(related="config_id.priority", store=True)
    is_sync_enabled = fields.Boolean(related="config_id.is_sync_enabled", string="Enabled")
    last_sync = fields.Datetime(readonly=True, help="End of the last run that completed this type here.")
    last_attempt = fields.Datetime(readonly=True)
    last_result = fields.Selection(RESULTS, readonly=True)
    last_message = fields.Char(readonly=True)
    next_sync = fields.Datetime(compute="_compute_due")
    is_due = fields.Boolean("Due", compute="_compute_due")
    is_overdue = fields.Boolean("Overdue", compute="_compute_due")
    is_stale = fields.Boolean("Stale", compute="_compute_due")

    _sql_constraints = [
        ("type_per_backend_unique", "UNIQUE(backend_id, config_id)", "One status per object type and connection."),
    ]

    @api.depends(
        "last_sync",
        "config_id.sync_interval_minutes",
        "config_id.staleness_threshold_minutes",
        "config_id.is_sync_enabled",
    )
    def _compute_due(self):
        now = fields.Datetime.now()
        for state in self:
            config = state.config_id
            rule = TypeConfig(
                object_type=config.object_type,
                enabled=config.is_sync_enabled,
                interval_minutes=config.sync_interval_minutes,
                staleness_minutes=config.staleness_threshold_minutes,
                last_sync=state.last_sync or None,
            )
            state.next_sync = rule.next_sync(now)
            state.is_due = rule.is_due(now)
            state.is_overdue = rule.is_overdue(now)
            state.is_stale = rule.is_stale(now)

    @api.model
    def _for(self, backends, configs):
        """The status rows of `configs` on `backends` (superuser), created when missing."""
        States = self.sudo()
        existing = States.search([("backend_id", "in", backends.ids), ("config_id", "in", configs.ids)])
        have = {(s.backend_id.id, s.config_id.id) for s in existing}
        missing = [
            {"backend_id": b.id, "config_id": c.id} for b in backends for c in configs if (b.id, c.id) not in have
        ]
        return existing | States.create(missing) if missing else existing
