from odoo import api, fields, models
from odoo.tools import float_compare


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    logikal_elevation_id = fields.Many2one(
        "logikal.elevation", "LogiKal elevation", copy=False, index="btree_not_null", ondelete="set null"
    )
    logikal_phase_id = fields.Many2one(
        "logikal.phase", "LogiKal phase", copy=False, index="btree_not_null", ondelete="set null"
    )
    logikal_price_unit = fields.Float(
        "LogiKal unit price", digits="Product Price", copy=False, help="The unit price the last import wrote."
    )
    logikal_price_edited = fields.Boolean(
        "Price changed in Odoo",
        compute="_compute_logikal_price_edited",
        help="The unit price differs from the LogiKal price the last import wrote.",
    )

    @api.depends("price_unit", "logikal_price_unit", "logikal_elevation_id")
    def _compute_logikal_price_edited(self):
        for line in self:
            line.logikal_price_edited = bool(line.logikal_elevation_id) and (
                float_compare(line.price_unit, line.logikal_price_unit, precision_digits=6) != 0
            )
