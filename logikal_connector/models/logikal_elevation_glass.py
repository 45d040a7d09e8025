from odoo import fields, models


class LogikalElevationGlass(models.Model):
    _name = "logikal.elevation.glass"
    _description = "LogiKal Elevation Glass"
    _inherit = ["logikal.elevation.line"]

    glass_id = fields.Char("Glass ID")
    name = fields.Char()
    width = fields.Float()
    height = fields.Float()
    area = fields.Float(digits=(16, 4))
    quantity = fields.Float()
