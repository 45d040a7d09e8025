from odoo import api, fields, models
from odoo.exceptions import AccessError


class LogikalDirectory(models.Model):
    """A LogiKal folder. Its identity is its full path: LogiKal gives directories no id."""

    _name = "logikal.directory"
    _description = "LogiKal Directory"
    _inherit = ["logikal.binding", "logikal.sync.mixin"]
    _order = "path"
    _rec_name = "path"
    _sync_object_type = "directory"

    backend_id = fields.Many2one(required=True, ondelete="cascade")  # its own connection: deleted with it
    path = fields.Char(required=True, readonly=True, index=True)
    name = fields.Char(required=True, readonly=True)
    level = fields.Integer(readonly=True)
    parent_id = fields.Many2one("logikal.directory", readonly=True, ondelete="cascade", index=True)
    child_ids = fields.One2many("logikal.directory", "parent_id", readonly=True)
    exclude_from_sync = fields.Boolean(
        help="Skip this directory and everything below it: no projects are read from it."
    )
    is_excluded = fields.Boolean(
        compute="_compute_is_excluded",
        store=True,
        recursive=True,
        help="Excluded itself or through a parent directory.",
    )
    project_ids = fields.One2many("logikal.project", "directory_id", readonly=True)
    project_count = fields.Integer(compute="_compute_project_count")

    _sql_constraints = [
        ("path_per_backend_unique", "UNIQUE(backend_id, path)", "A directory path is unique per connection."),
    ]

    @api.depends("exclude_from_sync", "parent_id.is_excluded")
    def _compute_is_excluded(self):
        for directory in self:
            directory.is_excluded = directory.exclude_from_sync or directory.parent_id.is_excluded

    def _compute_project_count(self):
        groups = self.env["logikal.project"]._read_group(
            [("directory_id", "in", self.ids)], ["directory_id"], ["__count"]
        )
        counts = {directory.id: count for directory, count in groups}
        for directory in self:
            directory.project_count = counts.get(directory.id, 0)

    def write(self, vals):
        if not self.env.su and set(vals) - {"exclude_from_sync"}:
            raise AccessError(self.env._("Directories come from LogiKal: only their exclusion can be changed."))
        return super().write(vals)

    def _sync_scope(self):
        return "directory", {"backend_id": self.backend_id.id, "directory_id": self.id}

    def action_include(self):
        self._check_logikal_manager()
        self.exclude_from_sync = False

    def action_exclude(self):
        self._check_logikal_manager()
        self.exclude_from_sync = True

    def action_view_projects(self):
        self.ensure_one()
        self._check_logikal_user()
        action = self.env["ir.actions.act_window"]._for_xml_id("logikal_connector.logikal_project_action")
        action["domain"] = [("directory_id", "child_of", self.id)]
        action["context"] = {}
        return action
