from odoo import fields, models


class LogikalElevationGlass(models.Model):
    _name = "logikal.elevation.glass"
    _description = "LogiKal Elevation Glass"
    _order = "elevation_id, sequence, id"

    elevation_id = fields.Many2one("logikal.elevation", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="elevation_id.company_id", store=True)
    sequence = fields.Integer()
    glass_id = fields.Char("Glass ID")
    name = fields.Char()
    width = fields.Float()
    height = fields.Float()
    area = fields.Float(digits=(16, 4))
    quantity = fields.Float()
