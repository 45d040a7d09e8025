from odoo import fields, models

PRICE_CHOICES = [("net", "Net price per unit"), ("total", "Total price per unit")]


class ResCompany(models.Model):
    _inherit = "res.company"

    logikal_sale_price = fields.Selection(
        PRICE_CHOICES,
        "LogiKal price on quotations",
        default="net",
        required=True,
        help="Which LogiKal price per unit a quotation line gets by default (the import wizard can change it).",
    )
    logikal_product_categ_id = fields.Many2one(
        "product.category",
        "Category of LogiKal elevation products",
        default=lambda self: self.env.ref("logikal_connector_sale.product_category_logikal", raise_if_not_found=False),
        help="The product category of the products the import creates for elevations.",
    )
