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
    project_ids = fields.Many2many(
        "logikal.project", string="Projects", readonly=True, help="Projects this run synced completely."
    )
    # scheduled passes: the lead run plans and walks; helper runs (parallel sessions) share its projects
    plan = fields.Json(readonly=True, help="The object types of a scheduled pass and the types it cascades to.")
    tree_done = fields.Boolean("Tree listed", readonly=True, help="Directories/projects of this pass are listed.")
    planned_project_ids = fields.Many2many(
        "logikal.project",
        "logikal_sync_run_planned_project_rel",
        "run_id",
        "project_id",
        string="Projects to sync",
        readonly=True,
    )
    cascade_project_ids = fields.Many2many(
        "logikal.project",
        "logikal_sync_run_cascade_project_rel",
        "run_id",
        "project_id",
        string="Changed projects",
        readonly=True,
        help="Projects whose change in LogiKal cascades to their content.",
    )
    parent_id = fields.Many2one("logikal.sync.run", "Lead run", readonly=True, index=True, ondelete="cascade")
    helper_ids = fields.One2many("logikal.sync.run", "parent_id", "Helper runs", readonly=True)
    resumed_from_id = fields.Many2one("logikal.sync.run", "Resumes", readonly=True, ondelete="set null")
    # live progress (services/progress.py writes them with each bus message)
    progress_done = fields.Integer("Progress", readonly=True, help="Projects this run has finished so far.")
    progress_total = fields.Integer("Projects in the run", readonly=True, help="0 while not known yet.")
    current_project_id = fields.Many2one("logikal.project", "Current project", readonly=True, ondelete="set null")
    units_done = fields.Integer("Projects done", compute="_compute_units")
    units_total = fields.Integer("Projects planned", compute="_compute_units")
    api_calls = fields.Integer("API calls", readonly=True)
    logins = fields.Integer(readonly=True)
    relogin_reasons = fields.Text("Re-login reasons", readonly=True)
    bytes_downloaded = fields.Integer("Bytes", readonly=True)
    parts_downloads = fields.Integer("Parts lists downloaded", readonly=True)
    thumbnail_downloads = fields.Integer("Thumbnails downloaded", readonly=True)
    error_summary = fields.Text(readonly=True)
    calls_by_endpoint = fields.Json(readonly=True)
    calls_summary = fields.Text("Calls by endpoint", compute="_compute_calls_summary")
    # per-type counts: <object type>_<outcome>
    directory_created = fields.Integer("Directory created", readonly=True)
    directory_updated = fields.Integer("Directory updated", readonly=True)
    directory_archived = fields.Integer("Directory archived", readonly=True)
    directory_unchanged = fields.Integer("Directory unchanged", readonly=True)
    directory_failed = fields.Integer("Directory failed", readonly=True)
    project_created = fields.Integer("Project created", readonly=True)
    project_updated = fields.Integer("Project updated", readonly=True)
    project_archived = fields.Integer("Project archived", readonly=True)
    project_unchanged = fields.Integer("Project unchanged", readonly=True)
    project_failed = fields.Integer("Project failed", readonly=True)
    phase_created = fields.Integer("Phase created", readonly=True)
    phase_updated = fields.Integer("Phase updated", readonly=True)
    phase_archived = fields.Integer("Phase archived", readonly=True)
    phase_unchanged = fields.Integer("Phase unchanged", readonly=True)
    phase_failed = fields.Integer("Phase failed", readonly=True)
    elevation_created = fields.Integer("Elevation created", readonly=True)
    elevation_updated = fields.Integer("Elevation updated", readonly=True)
    elevation_archived = fields.Integer("Elevation archived", readonly=True)
    elevation_unchanged = fields.Integer("Elevation unchanged", readonly=True)
    elevation_failed = fields.Integer("Elevation failed", readonly=True)
    parts_list_created = fields.Integer("Parts List created", readonly=True)
    parts_list_updated = fields.Integer("Parts List updated", readonly=True)
    parts_list_archived = fields.Integer("Parts List archived", readonly=True)
    parts_list_unchanged = fields.Integer("Parts List unchanged", readonly=True)
    parts_list_failed = fields.Integer("Parts List failed", readonly=True)
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

    @api.depends("planned_project_ids", "project_ids", "helper_ids.project_ids")
    def _compute_units(self):
        for run in self:
            run.units_total = len(run.planned_project_ids)
            run.units_done = len(run.project_ids | run.helper_ids.project_ids)

    @api.depends("trigger", "scope", "start_date")
    def _compute_display_name(self):
        labels = dict(TRIGGERS)
        for run in self:
            run.display_name = f"{labels.get(run.trigger, '')}: {run.scope or ''}".strip(": ")

    @api.model
    def _abort_dead_runs(self, stale_before, is_alive=lambda run: False):
        """Mark running runs with no heartbeat since `stale_before` and no live worker as aborted."""
        dead = self.search([("state", "=", "running"), ("heartbeat", "<", stale_before)])
        dead = dead.filtered(lambda run: not is_alive(run))
        now = fields.Datetime.now()
        for run in dead:
            run.write(
                {
                    "state": "aborted",
                    "end_date": now,
                    "error_summary": "\n".join(
                        filter(
                            None,
                            [
                                run.error_summary,
                                "The worker stopped during the run (killed or restarted); its work resumes.",
                            ],
                        )
                    ),
                }
            )
        return dead

    def _continue(self):
        """A new running run that carries on the work of this aborted one (its completed projects kept)."""
        self.ensure_one()
        return self.create(
            {
                "backend_id": self.backend_id.id,
                "trigger": self.trigger,
                "scope": self.scope,
                "object_types": self.object_types,
                "requested_by_id": self.requested_by_id.id,
                "plan": self.plan,
                "tree_done": self.tree_done,
                "resumed_from_id": self.id,
                "planned_project_ids": [(6, 0, self.planned_project_ids.ids)],
                "cascade_project_ids": [(6, 0, self.cascade_project_ids.ids)],
                "project_ids": [(6, 0, (self.project_ids | self.helper_ids.project_ids).ids)],
                "heartbeat": fields.Datetime.now(),
            }
        )
