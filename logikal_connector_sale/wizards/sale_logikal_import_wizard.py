from odoo import api, fields, models

from ..models.res_company import PRICE_CHOICES


class SaleLogikalImportWizard(models.TransientModel):
    """Pick a LogiKal project, its phases and the price to quote; writes the lines through sale.order."""

    _name = "sale.logikal.import.wizard"
    _description = "Import a LogiKal project into a quotation"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="order_id.company_id")
    project_id = fields.Many2one(
        "logikal.project",
        "LogiKal project",
        required=True,
        domain="[('company_id', 'in', (company_id, False))]",
        context={"logikal_quotation_display": True},
    )
    phase_ids = fields.Many2many(
        "logikal.phase",
        string="Phases",
        compute="_compute_phase_ids",
        store=True,
        readonly=False,
        domain="[('project_id', '=', project_id)]",
    )
    price = fields.Selection(PRICE_CHOICES, "LogiKal price", required=True, default=lambda self: self._default_price())
    keep_prices = fields.Boolean(
        "Keep prices changed in Odoo",
        default=True,
        help="Lines whose unit price was changed in Odoo keep it; the others get the LogiKal price.",
    )
    is_reimport = fields.Boolean(compute="_compute_is_reimport")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        order = self.env["sale.order"].browse(values.get("order_id")).exists()
        if order and order.logikal_project_id and "project_id" in fields_list:
            values["project_id"] = order.logikal_project_id.id
        return values

    def _default_price(self):
        order = self.env["sale.order"].browse(self.env.context.get("default_order_id")).exists()
        return (order.logikal_price if order else False) or (order.company_id or self.env.company).logikal_sale_price

    @api.depends("project_id")
    def _compute_phase_ids(self):
        for wizard in self:
            order = wizard.order_id
            if order.logikal_project_id == wizard.project_id and order.logikal_phase_ids:
                wizard.phase_ids = (
                    order.logikal_phase_ids if not order.logikal_all_phases else wizard.project_id.phase_ids
                )
            else:
                wizard.phase_ids = wizard.project_id.phase_ids

    @api.depends("order_id.order_line.logikal_elevation_id")
    def _compute_is_reimport(self):
        for wizard in self:
            wizard.is_reimport = bool(wizard.order_id.order_line.filtered("logikal_elevation_id"))

    def action_import(self):
        """Write the lines (see sale.order.logikal_import) and go back to the quotation."""
        self.ensure_one()
        result = self.order_id.logikal_import(
            self.project_id.id, self.phase_ids.ids, price=self.price, keep_prices=self.keep_prices
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Imported from LogiKal"),
                "message": self.env._(
                    "%(added)s lines added, %(updated)s updated, %(removed)s removed.",
                    added=result["added"],
                    updated=result["updated"],
                    removed=result["removed"],
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
