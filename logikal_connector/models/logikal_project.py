from odoo import fields, models


class LogikalProject(models.Model):
    _name = "logikal.project"
    _description = "LogiKal Project"
    _inherit = ["logikal.dated.binding", "logikal.sync.mixin", "mail.thread"]
    _order = "logikal_changed_date desc, id desc"

    backend_id = fields.Many2one(required=True, ondelete="cascade")  # its own connection: deleted with it
    logikal_id = fields.Char(index=True)  # unique per connection (constraint below): searched by GUID
    name = fields.Char(required=True, readonly=True)
    directory_id = fields.Many2one("logikal.directory", readonly=True, index=True, ondelete="set null")
    job_number = fields.Char(readonly=True)
    offer_number = fields.Char(readonly=True)
    person_in_charge = fields.Char(readonly=True)
    estimated = fields.Boolean(readonly=True)
    is_deleted = fields.Boolean("Deleted in LogiKal", readonly=True)
    deleted_date = fields.Datetime(help="When the sync archived this project.")
    estimation_version = fields.Char(
        readonly=True, copy=False, help="LogiKal change date the prices and the customer address were read for."
    )
    estimation_data = fields.Json(
        readonly=True, copy=False, help="The LogiKal estimation last read: currency, price base, prices by elevation."
    )
    address_type = fields.Char("Customer address type", readonly=True)
    address_name = fields.Char("Customer", readonly=True)
    address_name2 = fields.Char("Customer (2nd line)", readonly=True)
    address_street = fields.Char("Street", readonly=True)
    address_zip = fields.Char("ZIP", readonly=True)
    address_city = fields.Char("City", readonly=True)
    address_phone = fields.Char("Phone", readonly=True)
    address_email = fields.Char("Email", readonly=True)
    phase_ids = fields.One2many("logikal.phase", "project_id", readonly=True)
    elevation_ids = fields.One2many("logikal.elevation", "project_id", readonly=True)
    phase_count = fields.Integer(compute="_compute_counts")
    elevation_count = fields.Integer(compute="_compute_counts")
    error_count = fields.Integer(compute="_compute_counts")
    run_count = fields.Integer(compute="_compute_counts")
    thumbnail = fields.Image(related="elevation_ids.image_128", string="Thumbnail")
    _sync_object_type = "project"
    descended_fingerprint = fields.Char(
        readonly=True, copy=False, help="The listing data at the last complete read of the project's content."
    )
    last_descent_date = fields.Datetime(
        "Last full read", readonly=True, copy=False, help="Last time phases and elevations were read in full."
    )

    _sql_constraints = [
        (
            "logikal_id_per_backend_unique",
            "UNIQUE(backend_id, logikal_id)",
            "A LogiKal project is stored once per connection.",
        ),
    ]

    def _compute_counts(self):
        elevations = self.env["logikal.elevation"].with_context(active_test=False)
        for project in self:
            project.phase_count = len(project.phase_ids)
            project.elevation_count = len(project.elevation_ids)
            own_failure = bool(project.sync_error) and project.sync_attempts > 0  # not the "some elevations" note
            project.error_count = int(own_failure) + elevations.search_count(
                [("project_id", "=", project.id), "|", ("sync_error", "!=", False), ("parse_state", "=", "error")]
            )
            project.run_count = self.env["logikal.sync.run"].search_count([("project_ids", "in", project.id)])

    def _sync_scope(self):
        return "project", {"backend_id": self.backend_id.id, "project_id": self.id}

    def action_view_elevations(self):
        self._check_logikal_user()
        return self._open("logikal_connector.logikal_elevation_action", [("project_id", "=", self.id)])

    def action_view_errors(self):
        self._check_logikal_user()
        domain = [("project_id", "=", self.id), "|", ("sync_error", "!=", False), ("parse_state", "=", "error")]
        return self._open("logikal_connector.logikal_elevation_action", domain)

    def action_view_runs(self):
        self._check_logikal_user()
        return self._open("logikal_connector.logikal_sync_run_action", [("project_ids", "in", self.id)])

    def _open(self, xml_id, domain):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        action.update(domain=domain, context={"active_test": False} if "error" in str(domain) else {})
        return action
