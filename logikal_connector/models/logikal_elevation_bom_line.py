from odoo import fields, models


class LogikalElevationBomLine(models.Model):
    _name = "logikal.elevation.bom.line"
    _description = "LogiKal Bill of Materials Line"
    _inherit = ["logikal.elevation.line"]

    kind = fields.Selection([("article", "Article"), ("profile", "Profile")], required=True)
    code = fields.Char()
    description = fields.Char()
    quantity = fields.Float()
    # attribute-deprecated: LogiKal's own name for a profile's cut length; renaming
    # the column would be a data migration for every database that has parts lists
    length = fields.Float()  # pylint: disable=attribute-deprecated
    unit = fields.Char()
    color = fields.Char("Colour")
    price = fields.Float()
