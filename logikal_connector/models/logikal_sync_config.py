from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..logikal.planning import TypeConfig
from .res_config_settings import MASTER_SWITCH

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
        "Stale after (min)",
        required=True,
        default=120,
        help="Records not synced for this long are flagged stale.",
    )
    priority = fields.Integer(default=10, help="Lower runs first when several types are due in the same tick.")
    depends_on_id = fields.Many2one(
        "logikal.sync.config",
        "Depends on",
        ondelete="set null",
        help="Run this type only when the parent type is fresh; a stale parent runs first in the same tick.",
    )
    depends_on = fields.Selection(related="depends_on_id.object_type", string="Depends on type")
    cascade_sync = fields.Boolean(
        "Cascade",
        help="When a record of this type changed in LogiKal, the enabled types that depend on this one "
        "are synced for it in the same run (e.g. a changed project gets its phases, elevations and "
        "parts lists read at once).",
    )
    last_sync = fields.Datetime(readonly=True, help="End of the last run that completed this type.")
    last_attempt = fields.Datetime(readonly=True)
    last_result = fields.Selection(RESULTS, readonly=True)
    last_message = fields.Char(readonly=True)
    next_sync = fields.Datetime(compute="_compute_next_sync", help="When the 5-minute tick syncs this type next.")
    is_due = fields.Boolean("Due", compute="_compute_next_sync", help="The interval elapsed: the next tick syncs it.")
    is_overdue = fields.Boolean(
        "Overdue",
        compute="_compute_next_sync",
        help="Due for more than 15 minutes: the scheduler is off, waiting for a parent type, or failing.",
    )
    is_stale = fields.Boolean(
        "Stale", compute="_compute_next_sync", help="Not synced within the staleness threshold (or never)."
    )

    _sql_constraints = [
        ("object_type_unique", "UNIQUE(object_type)", "There is one interval per object type."),
        ("positive_interval", "CHECK(sync_interval_minutes > 0)", "The interval must be a positive number of minutes."),
        (
            "positive_staleness",
            "CHECK(staleness_threshold_minutes > 0)",
            "The staleness threshold must be a positive number of minutes.",
        ),
    ]

    @api.depends("last_sync", "sync_interval_minutes", "staleness_threshold_minutes", "is_sync_enabled")
    def _compute_next_sync(self):
        now = fields.Datetime.now()
        for config, rule in zip(self, self._planning_configs(), strict=True):
            config.next_sync = rule.next_sync(now)
            config.is_due = rule.is_due(now)
            config.is_overdue = rule.is_overdue(now)
            config.is_stale = rule.is_stale(now)

    def _planning_configs(self):
        """These intervals as the pure planning module's TypeConfig values (same order)."""
        return [
            TypeConfig(
                object_type=config.object_type,
                enabled=config.is_sync_enabled,
                interval_minutes=config.sync_interval_minutes,
                staleness_minutes=config.staleness_threshold_minutes,
                priority=config.priority,
                depends_on=config.depends_on_id.object_type or None,
                cascade=config.cascade_sync,
                last_sync=config.last_sync or None,
            )
            for config in self
        ]

    @api.constrains("sync_interval_minutes", "staleness_threshold_minutes")
    def _check_minutes(self):
        for config in self:
            if config.sync_interval_minutes <= 0 or config.staleness_threshold_minutes <= 0:
                raise ValidationError(
                    _(
                        "The interval and the staleness threshold of %(type)s must be positive numbers of minutes "
                        "(got %(interval)s and %(staleness)s).",
                        type=config.object_type,
                        interval=config.sync_interval_minutes,
                        staleness=config.staleness_threshold_minutes,
                    )
                )

    @api.depends("object_type")
    def _compute_display_name(self):
        labels = dict(OBJECT_TYPES)
        for config in self:
            config.display_name = labels.get(config.object_type, config.object_type or "")

    @api.constrains("depends_on_id")
    def _check_dependency_cycle(self):
        if self._has_cycle("depends_on_id"):
            raise ValidationError(_("Sync intervals cannot depend on each other in a circle."))

    @api.model
    def _staleness_limit(self, object_type):
        config = self.sudo().search([("object_type", "=", object_type)], limit=1)
        minutes = config.staleness_threshold_minutes if config else 120
        return fields.Datetime.now() - timedelta(minutes=minutes)

    @api.model
    def action_set_background_sync(self, enabled):
        """The master switch for LogiKal managers (the Settings page is for system administrators only)."""
        self.check_access("write")
        self.env["ir.config_parameter"].sudo().set_param(MASTER_SWITCH, "True" if enabled else "False")

    def action_pause_background_sync(self):
        self.action_set_background_sync(False)
        return self._master_switch_notification(_("Background sync paused: only Force Sync reads LogiKal now."))

    def action_resume_background_sync(self):
        self.action_set_background_sync(True)
        return self._master_switch_notification(_("Background sync resumed: due object types sync every 5 minutes."))

    def _master_switch_notification(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": _("LogiKal"),
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_sync_now(self):
        """Queue a sync of these object types on every active connection (the cron does it at once)."""
        requests = self.env["logikal.sync.request"]
        types = ",".join(self.sorted(lambda c: c.id).mapped("object_type"))
        for backend in self.env["logikal.backend"].search([]):
            requests |= requests._request("types", {"backend_id": backend.id, "object_types": types})
        return requests._queued_action()

    @api.model
    def _cron_smart_sync(self):
        """The 5-minute tick: Force Sync requests, then (master switch on) the scheduled pass, in a budget.

        Commits per unit of work and reports its progress; a pass longer than one call resumes in the next.
        """
        from ..services.scheduler import Scheduler, cheap_commit

        cr = self.env.cr
        self._sync_worker_cron()
        return Scheduler(self.env, commit=lambda: cheap_commit(cr), rollback=cr.rollback).tick()

    @api.model
    def _sync_worker_cron(self):
        """N - 1 worker crons run while a connection allows N parallel LogiKal sessions (see the scheduler)."""
        from ..services.scheduler import sync_worker_crons

        sync_worker_crons(self.env)
