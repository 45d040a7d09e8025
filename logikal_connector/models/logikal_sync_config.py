from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

OBJECT_TYPES = [
    ("directory", "Directories"),
    ("project", "Projects"),
    ("phase", "Phases"),
    ("elevation", "Elevations"),
    ("parts_list", "Parts lists"),
]
RESULTS = [("done", "Done"), ("partial", "Partial"), ("failed", "Failed"), ("skipped", "Skipped")]


class LogikalSyncConfig(models.Model):
    """How often each object type is read from LogiKal. One record per type; the cron tick reads them."""

    _name = "logikal.sync.config"
    _description = "LogiKal Sync Interval"
    _order = "priority, id"
    _rec_name = "object_type"

    object_type = fields.Selection(OBJECT_TYPES, required=True, readonly=True)
    is_sync_enabled = fields.Boolean("Enabled", default=True)
    sync_interval_minutes = fields.Integer("Interval (min)", required=True, default=60)
    staleness_threshold_minutes = fields.Integer(
        "Stale after (min)", required=True, default=120,
        help="Records not synced for this long are flagged stale.",
    )
    priority = fields.Integer(default=10, help="Lower runs first when several types are due in the same tick.")
    depends_on_id = fields.Many2one(
        "logikal.sync.config", "Depends on", ondelete="set null",
        help="Run this type only when the parent type is fresh; a stale parent runs first in the same tick.",
    )
    depends_on = fields.Selection(related="depends_on_id.object_type", string="Depends on type")
    cascade_sync = fields.Boolean(
        "Cascade", help="When a parent of this type changed, sync its children in the same run."
    )
    last_sync = fields.Datetime(readonly=True, help="End of the last run that completed this type.")
    last_attempt = fields.Datetime(readonly=True)
    last_result = fields.Selection(RESULTS, readonly=True)
    last_message = fields.Char(readonly=True)
    next_sync = fields.Datetime(compute="_compute_next_sync")
    is_due = fields.Boolean(compute="_compute_next_sync")
    is_stale = fields.Boolean(compute="_compute_next_sync")

    _sql_constraints = [
        ("object_type_unique", "UNIQUE(object_type)", "There is one interval per object type."),
        ("positive_interval", "CHECK(sync_interval_minutes > 0)", "The interval must be a positive number of minutes."),
        ("positive_staleness", "CHECK(staleness_threshold_minutes > 0)",
         "The staleness threshold must be a positive number of minutes."),
    ]

    @api.depends("last_sync", "sync_interval_minutes", "staleness_threshold_minutes", "is_sync_enabled")
    def _compute_next_sync(self):
        now = fields.Datetime.now()
        for config in self:
            last = config.last_sync
            config.next_sync = last + timedelta(minutes=config.sync_interval_minutes) if last else now
            config.is_due = config.is_sync_enabled and config.next_sync <= now
            config.is_stale = not last or last + timedelta(minutes=config.staleness_threshold_minutes) < now

    @api.constrains("sync_interval_minutes", "staleness_threshold_minutes")
    def _check_minutes(self):
        for config in self:
            if config.sync_interval_minutes <= 0 or config.staleness_threshold_minutes <= 0:
                raise ValidationError(_(
                    "The interval and the staleness threshold of %(type)s must be positive numbers of minutes "
                    "(got %(interval)s and %(staleness)s).", type=config.object_type,
                    interval=config.sync_interval_minutes, staleness=config.staleness_threshold_minutes,
                ))

    @api.constrains("depends_on_id")
    def _check_dependency_cycle(self):
        if self._has_cycle("depends_on_id"):
            raise ValidationError(_("Sync intervals cannot depend on each other in a circle."))

    @api.model
    def _staleness_limit(self, object_type):
        config = self.sudo().search([("object_type", "=", object_type)], limit=1)
        minutes = config.staleness_threshold_minutes if config else 120
        return fields.Datetime.now() - timedelta(minutes=minutes)

    def action_sync_now(self):
        """Queue a run of these object types on every active connection, now."""
        requests = self.env["logikal.sync.request"]
        for backend in self.env["logikal.backend"].search([]):
            requests |= requests._request("types", {"backend_id": backend.id, "object_types": ",".join(self.mapped("object_type"))})
        return requests._queued_action()

    @api.model
    def _cron_smart_sync(self):
        """The 5-minute tick: Force Sync requests, then (master switch on) the object types that are due."""
        from ..services.scheduler import Scheduler, run_due_types, scheduled_enabled

        cr = self.env.cr
        scheduler = Scheduler(self.env, commit=cr.commit, rollback=cr.rollback)  # cron path: commit per unit
        scheduler.process_requests()
        if scheduled_enabled(self.env) and scheduler.time_left():
            run_due_types(scheduler)
