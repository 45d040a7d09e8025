from odoo import api, fields, models

RUN_STATES = [
    ("running", "Running"),
    ("done", "Done"),
    ("partial", "Partial"),
    ("failed", "Failed"),
    ("aborted", "Aborted"),
]
TRIGGERS = [("cron", "Scheduled"), ("force", "Force Sync"), ("manual", "Sync now")]
OBJECT_TYPES = ["directory", "project", "phase", "elevation", "parts_list"]
COUNTERS = ["created", "updated", "archived", "unchanged", "failed"]


class LogikalSyncRun(models.Model):
    """One sync run: what triggered it, what it covered and what it changed. Written in every path."""

    _name = "logikal.sync.run"
    _description = "LogiKal Sync Run"
    _order = "start_date desc, id desc"
    _rec_name = "display_name"

    backend_id = fields.Many2one("logikal.backend", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    trigger = fields.Selection(TRIGGERS, required=True, readonly=True)
    scope = fields.Char(readonly=True, help="What the run covered, e.g. 'everything' or a project name.")
    object_types = fields.Char("Object types", readonly=True)
    state = fields.Selection(RUN_STATES, default="running", required=True, readonly=True, index=True)
    start_date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    end_date = fields.Datetime(readonly=True)
    heartbeat = fields.Datetime(readonly=True, help="Last sign of life of the worker doing the run.")
    duration = fields.Float("Duration (s)", readonly=True, digits=(16, 2))
    requested_by_id = fields.Many2one("res.users", readonly=True)
    project_ids = fields.Many2many("logikal.project", string="Projects", readonly=True)
    api_calls = fields.Integer("API calls", readonly=True)
    logins = fields.Integer(readonly=True)
    relogin_reasons = fields.Text("Re-login reasons", readonly=True)
    bytes_downloaded = fields.Integer("Bytes", readonly=True)
    parts_downloads = fields.Integer("Parts lists downloaded", readonly=True)
    thumbnail_downloads = fields.Integer("Thumbnails downloaded", readonly=True)
    error_summary = fields.Text(readonly=True)
    calls_by_endpoint = fields.Json(readonly=True)
    calls_summary = fields.Text("Calls by endpoint", compute="_compute_calls_summary")
    # one column per (type, counter): directory_created, ..., parts_list_failed
    locals().update({
        f"{otype}_{counter}": fields.Integer(f"{otype.replace('_', ' ').title()} {counter}", readonly=True)
        for otype in OBJECT_TYPES for counter in COUNTERS
    })
    total_changes = fields.Integer(compute="_compute_totals")
    total_failed = fields.Integer(compute="_compute_totals")

    @api.depends(*[f"{t}_{c}" for t in OBJECT_TYPES for c in COUNTERS])
    def _compute_totals(self):
        for run in self:
            run.total_changes = sum(run[f"{t}_{c}"] for t in OBJECT_TYPES for c in ("created", "updated", "archived"))
            run.total_failed = sum(run[f"{t}_failed"] for t in OBJECT_TYPES)

    @api.depends("calls_by_endpoint")
    def _compute_calls_summary(self):
        for run in self:
            calls = sorted((run.calls_by_endpoint or {}).items(), key=lambda item: (-item[1], item[0]))
            run.calls_summary = "\n".join(f"{count:>6}  {endpoint}" for endpoint, count in calls) or False

    @api.depends("trigger", "scope", "start_date")
    def _compute_display_name(self):
        labels = dict(TRIGGERS)
        for run in self:
            run.display_name = f"{labels.get(run.trigger, '')}: {run.scope or ''}".strip(": ")

    @api.model
    def _abort_dead_runs(self, stale_before):
        """Mark runs whose worker stopped beating as aborted; returns them."""
        dead = self.search([("state", "=", "running"), ("heartbeat", "<", stale_before)])
        now = fields.Datetime.now()
        for run in dead:
            run.write({
                "state": "aborted", "end_date": now,
                "duration": (now - run.start_date).total_seconds(),
                "error_summary": (run.error_summary or "") + "The worker stopped during the run (killed or restarted).",
            })
        return dead

    @api.autovacuum
    def _gc_old_runs(self):
        limit = fields.Datetime.subtract(fields.Datetime.now(), days=90)
        self.search([("start_date", "<", limit), ("state", "!=", "running")]).unlink()
