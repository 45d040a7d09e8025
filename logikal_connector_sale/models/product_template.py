from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    logikal_elevation_key = fields.Char(
        "LogiKal elevation",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="Connection and GUID of the LogiKal elevation this product was made for: a re-import finds it again.",
    )
    logikal_elevation_id = fields.Many2one("logikal.elevation", "LogiKal elevation record", readonly=True, copy=False)
    logikal_thumbnail_version = fields.Char(readonly=True, copy=False)
