from odoo import api, fields, models


class LogikalPhase(models.Model):
    """A project phase. The null GUID is every project's default phase, so identity is (project, GUID)."""

    _name = "logikal.phase"
    _description = "LogiKal Phase"
    _inherit = ["logikal.object.binding", "logikal.project.content"]
    _order = "project_id, sequence, id"

    project_id = fields.Many2one("logikal.project", required=True, ondelete="cascade", index=True, readonly=True)
    backend_id = fields.Many2one(related="project_id.backend_id", store=True)
    name = fields.Char(readonly=True)
    description = fields.Text(readonly=True)
    sequence = fields.Integer(readonly=True, help="Position in LogiKal's own order.")
    is_default = fields.Boolean(compute="_compute_is_default", help="The phase LogiKal creates in every project.")
    is_stale = fields.Boolean(
        "Stale",
        compute="_compute_is_stale",
        help="Phases are read with their project: its last sync is older than the phase staleness threshold.",
    )
    elevation_ids = fields.One2many("logikal.elevation", "phase_id", readonly=True)
    elevation_count = fields.Integer(compute="_compute_elevation_count")

    _sql_constraints = [
        ("logikal_id_per_project_unique", "UNIQUE(project_id, logikal_id)", "A phase is stored once per project."),
    ]

    @api.depends("project_id.last_sync_date")
    def _compute_is_stale(self):
        threshold = self.env["logikal.sync.config"]._staleness_limit("phase")
        for phase in self:
            synced = phase.project_id.last_sync_date
            phase.is_stale = not synced or synced < threshold

    def _compute_is_default(self):
        for phase in self:
            phase.is_default = phase.logikal_id == "00000000-0000-0000-0000-000000000000"

    def _compute_elevation_count(self):
        for phase in self:
            phase.elevation_count = len(phase.elevation_ids)
