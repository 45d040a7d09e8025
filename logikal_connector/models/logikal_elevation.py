from odoo import api, fields, models

from ..logikal.partslist import ENRICHMENT

PARSE_STATES = [("none", "Not parsed"), ("ok", "Parsed"), ("error", "Error")]
FIELD_KINDS = {"text": fields.Text, "char": fields.Char, "float": fields.Float}


def enrichment_fields():
    """{name: Odoo field} of the parts-list enrichment, one read-only field per ENRICHMENT spec, labelled by it."""
    return {spec.field: FIELD_KINDS[spec.kind](spec.label, readonly=True) for spec in ENRICHMENT}


class LogikalElevation(models.Model):
    """One window / door / façade position of a phase, with its thumbnail and parts list."""

    _name = "logikal.elevation"
    _description = "LogiKal Elevation"
    _inherit = ["logikal.dated.binding", "logikal.project.content", "logikal.sync.mixin"]
    _order = "project_id, phase_id, sequence, id"
    _sync_object_type = "elevation"

    phase_id = fields.Many2one("logikal.phase", required=True, ondelete="cascade", index=True, readonly=True)
    project_id = fields.Many2one(related="phase_id.project_id", store=True, index=True)
    backend_id = fields.Many2one(related="phase_id.project_id.backend_id", store=True)
    version_id = fields.Char("Version ID", readonly=True)
    name = fields.Char(readonly=True)
    sequence = fields.Integer(readonly=True)
    amount = fields.Float("Quantity", readonly=True)
    width = fields.Float("Width (mm)", readonly=True)
    height = fields.Float("Height (mm)", readonly=True)
    area = fields.Float("Area (m²)", compute="_compute_area", store=True, digits=(16, 4))
    automatic_description = fields.Text(readonly=True)
    system_description = fields.Text(readonly=True)
    model_description = fields.Text(readonly=True)
    user_description = fields.Text(readonly=True)
    base_surface = fields.Char("Base surface", readonly=True)
    base_color_inside = fields.Char("Base colour inside", readonly=True)
    base_color_outside = fields.Char("Base colour outside", readonly=True)
    insertion_surface = fields.Char("Insertion surface", readonly=True)
    insertion_color_inside = fields.Char("Insertion colour inside", readonly=True)
    insertion_color_outside = fields.Char("Insertion colour outside", readonly=True)
    created_by_user = fields.Char("Created by (LogiKal)", readonly=True)
    type = fields.Char(readonly=True)
    state = fields.Char("LogiKal state", readonly=True)
    is_element_pricelist = fields.Boolean("Element price list", readonly=True)
    element_pricelist_id = fields.Char("Element price list ID", readonly=True)
    in_recycle_bin = fields.Boolean("In recycle bin", readonly=True)
    is_parts_list_stale = fields.Boolean(
        "Parts list stale",
        compute="_compute_is_parts_list_stale",
        help="The parts list was not checked within the staleness threshold of parts lists (Sync Intervals).",
    )

    # Prices of the project estimation (GET /projects/selected/estimation), read while a changed project is
    # selected anyway; empty when LogiKal gave none (the run says why).
    currency_id = fields.Many2one("res.currency", "LogiKal currency", readonly=True)
    net_price_unit = fields.Monetary("Net price per unit", currency_field="currency_id", readonly=True)
    total_price_unit = fields.Monetary("Total price per unit", currency_field="currency_id", readonly=True)
    price_base_name = fields.Char("Price base", readonly=True, help="The LogiKal estimation data set priced with.")

    # LogiKal thumbnails are at most 300 px: kept as downloaded (no re-encoding), one attachment each;
    # the small one is resized on read only.
    image_1920 = fields.Image("Thumbnail", readonly=True)
    image_128 = fields.Image("Small thumbnail", related="image_1920", max_width=128, max_height=128)
    thumbnail_version = fields.Char(readonly=True, copy=False, help="Version the thumbnail was fetched for.")

    parts_list_file = fields.Binary("Parts list (SQLite)", attachment=True, readonly=True, copy=False)
    parts_list_filename = fields.Char(compute="_compute_parts_list_filename")
    parts_list_sha256 = fields.Char("Parts list SHA-256", readonly=True, copy=False, index=True)
    parts_list_version = fields.Char(readonly=True, copy=False, help="Version the parts list was fetched for.")
    parse_state = fields.Selection(PARSE_STATES, default="none", readonly=True, copy=False, index=True)
    parse_error = fields.Text(readonly=True, copy=False)
    parse_date = fields.Datetime(readonly=True, copy=False)

    # The parts-list enrichment (parts_width, system_code, ...): declared once, in logikal.partslist.ENRICHMENT.
    # A class body's locals() is the class namespace: the fields land here, in this order, as if written out.
    locals().update(enrichment_fields())
    glass_line_ids = fields.One2many("logikal.elevation.glass", "elevation_id", readonly=True)
    bom_line_ids = fields.One2many("logikal.elevation.bom.line", "elevation_id", readonly=True)

    _sql_constraints = [
        ("logikal_id_per_phase_unique", "UNIQUE(phase_id, logikal_id)", "An elevation is stored once per phase."),
    ]

    @api.depends("width", "height")
    def _compute_area(self):
        for elevation in self:
            elevation.area = (elevation.width or 0.0) * (elevation.height or 0.0) / 1e6

    def _compute_parts_list_filename(self):
        for elevation in self:
            elevation.parts_list_filename = f"{elevation.name or elevation.logikal_id}.sqlite"

    @api.depends("last_sync_date")
    def _compute_is_parts_list_stale(self):
        threshold = self.env["logikal.sync.config"]._staleness_limit("parts_list")
        for elevation in self:
            elevation.is_parts_list_stale = not elevation.last_sync_date or elevation.last_sync_date < threshold

    def _sync_scope(self):
        return "elevation", {"backend_id": self.backend_id.id, "elevation_id": self.id}

    def action_reparse(self):
        """Parse the stored parts list again (e.g. after a parser upgrade). LogiKal managers only."""
        self._check_logikal_manager()
        from ..services.store import RecordStore

        for backend in self.backend_id:
            RecordStore(self.env, backend).reparse(self.filtered(lambda e, b=backend: e.backend_id == b))
