from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    logikal_sale_price = fields.Selection(related="company_id.logikal_sale_price", readonly=False)
    logikal_product_categ_id = fields.Many2one(related="company_id.logikal_product_categ_id", readonly=False)
