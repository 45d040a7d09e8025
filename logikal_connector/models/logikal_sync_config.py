from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import convert_file

from ..logikal.planning import TypeConfig
from ..services.settings import set_background_sync

OBJECT_TYPES = [
    ("directory", "Directories"),
    ("project", "Projects"),
    ("phase", "Phases"),
    ("elevation", "Elevations"),
    ("parts_list", "Parts lists"),
]
RESULTS = [("done", "Done"), ("partial", "Partial"), ("failed", "Failed"), ("skipped", "Skipped")]
WORST_FIRST = ("failed", "partial", "skipped", "done")
CASCADING_TYPES = ("directory", "project")  # the only types whose listing tells what changed below them
STATUS_FIELDS = ("last_sync", "last_attempt", "last_result", "last_message")
SEED_FILE = "data/logikal_sync_config_data.xml"


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
        help="Directories and projects only: when a record of this type changed in LogiKal, the enabled "
        "types that depend on this one are synced for it in the same run (e.g. a changed project gets its "
        "phases, elevations and parts lists read at once).",
    )
    state_ids = fields.One2many("logikal.sync.state", "config_id", "Status per connection", readonly=True)
    # the status over every active connection (each connection's own is in state_ids); writing one sets
    # it for every connection
    last_sync = fields.Datetime(
        compute="_compute_status",
        inverse="_inverse_last_sync",
        help="The oldest last sync over the active connections (empty while one never synced this type).",
    )
    last_attempt = fields.Datetime(compute="_compute_status", inverse="_inverse_last_attempt")
    last_result = fields.Selection(
        RESULTS,
        compute="_compute_status",
        inverse="_inverse_last_result",
        help="The worst last result over the active connections.",
    )
    last_message = fields.Char(compute="_compute_status", inverse="_inverse_last_message")
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

    @api.depends(
        "state_ids.last_sync",
        "state_ids.last_attempt",
        "state_ids.last_result",
        "state_ids.last_message",
        "state_ids.backend_id.active",
    )
    def _compute_status(self):
        backends = self.env["logikal.backend"].sudo().search([])
        for config in self:
            states = config.sudo().state_ids.filtered(lambda s: s.backend_id.active)
            synced = states.filtered("last_sync")
            complete = backends and len(synced.backend_id) == len(backends)
            config.last_sync = min(synced.mapped("last_sync")) if complete else False
            attempts = [date for date in states.mapped("last_attempt") if date]
            config.last_attempt = max(attempts) if attempts else False
            worst = next((r for r in WORST_FIRST if r in states.mapped("last_result")), False)
            config.last_result = worst
            noted = states.filtered(lambda s, r=worst: s.last_result == r and s.last_message)[:1]
            config.last_message = (
                f"{noted.backend_id.name}: {noted.last_message}" if noted and len(backends) > 1 else noted.last_message
            )

    def _write_status(self, name):
        for config in self:
            states = self.env["logikal.sync.state"]._for(self.env["logikal.backend"].sudo().search([]), config)
            states.write({name: config[name]})

    def _inverse_last_sync(self):
        self._write_status("last_sync")

    def _inverse_last_attempt(self):
        self._write_status("last_attempt")

    def _inverse_last_result(self):
        self._write_status("last_result")

    def _inverse_last_message(self):
        self._write_status("last_message")

    @api.depends("last_sync", "sync_interval_minutes", "staleness_threshold_minutes", "is_sync_enabled")
    def _compute_next_sync(self):
        now = fields.Datetime.now()
        for config, rule in zip(self, self._planning_configs(), strict=True):
            config.next_sync = rule.next_sync(now)
            config.is_due = rule.is_due(now)
            config.is_overdue = rule.is_overdue(now)
            config.is_stale = rule.is_stale(now)

    def _planning_configs(self, backend=None):
        """These intervals as the pure planning module's TypeConfig values (same order).

        With `backend`, each type's last sync is that connection's own; without, the oldest of all.
        """
        last_syncs = {}
        if backend is not None:
            states = self.env["logikal.sync.state"]._for(backend, self)
            last_syncs = {state.config_id.id: state.last_sync for state in states}
        return [
            TypeConfig(
                object_type=config.object_type,
                enabled=config.is_sync_enabled,
                interval_minutes=config.sync_interval_minutes,
                staleness_minutes=config.staleness_threshold_minutes,
                priority=config.priority,
                depends_on=config.depends_on_id.object_type or None,
                cascade=config.cascade_sync and config.object_type in CASCADING_TYPES,
                last_sync=(last_syncs.get(config.id) if backend is not None else config.last_sync) or None,
            )
            for config in self
        ]

    @api.constrains("sync_interval_minutes", "staleness_threshold_minutes")
    def _check_minutes(self):
        for config in self:
            if config.sync_interval_minutes <= 0 or config.staleness_threshold_minutes <= 0:
                raise ValidationError(
                    self.env._(
                        "The interval and the staleness threshold of %(type)s must be positive numbers of minutes "
                        "(got %(interval)s and %(staleness)s).",
                        type=config.object_type,
                        interval=config.sync_interval_minutes,
                        staleness=config.staleness_threshold_minutes,
                    )
                )

    @api.constrains("cascade_sync", "object_type")
    def _check_cascade(self):
        for config in self:
            if config.cascade_sync and config.object_type not in CASCADING_TYPES:
                raise ValidationError(
                    self.env._(
                        "Only directories and projects cascade: LogiKal tells what changed below them. "
                        "%(type)s are read in full whenever they sync.",
                        type=config.display_name,
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
            raise ValidationError(self.env._("Sync intervals cannot depend on each other in a circle."))

    @api.model
    def _staleness_limit(self, object_type):
        config = self.sudo().search([("object_type", "=", object_type)], limit=1)
        minutes = config.staleness_threshold_minutes if config else 120
        return fields.Datetime.now() - timedelta(minutes=minutes)

    @api.model
    def action_set_background_sync(self, enabled):
        """The master switch for LogiKal managers (the Settings page is for system administrators only)."""
        self.check_access("write")
        set_background_sync(self.env, enabled)

    def action_pause_background_sync(self):
        self.action_set_background_sync(False)
        return self._master_switch_notification(
            self.env._("Background sync paused: only Force Sync reads LogiKal now.")
        )

    def action_resume_background_sync(self):
        self.action_set_background_sync(True)
        return self._master_switch_notification(
            self.env._("Background sync resumed: due object types sync every 5 minutes.")
        )

    def _master_switch_notification(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("LogiKal"),
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_reset_defaults(self):
        """Restore the seeded intervals (interval, threshold, priority, dependency, cascade, enabled)."""
        self.check_access("write")
        configs = self.sudo().search([])
        configs.write({"is_sync_enabled": True, "cascade_sync": False, "depends_on_id": False})
        convert_file(self.env(su=True), "logikal_connector", SEED_FILE, {}, mode="init", noupdate=True)
        return self._master_switch_notification(self.env._("The sync intervals are back to their defaults."))

    def action_view_status(self):
        """The sync status of every object type on every connection."""
        self.env["logikal.sync.state"].check_access("read")
        self.env["logikal.sync.state"].sudo()._for(
            self.env["logikal.backend"].sudo().search([]), self.sudo().search([])
        )
        return self.env["ir.actions.act_window"]._for_xml_id("logikal_connector.logikal_sync_state_action")

    def action_sync_now(self):
        """Queue a sync of these object types on every active connection (the cron does it at once)."""
        self.check_access("write")  # LogiKal managers only
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
        from ..services.scheduler import Scheduler
        from ..services.transaction import CronUnitOfWork

        self._sync_worker_cron()
        return Scheduler(self.env, transaction=CronUnitOfWork(self.env.cr)).tick()

    @api.model
    def _sync_worker_cron(self):
        """N - 1 worker crons run while a connection allows N parallel LogiKal sessions (see the scheduler)."""
        from ..services.scheduler import sync_worker_crons

        sync_worker_crons(self.env)
