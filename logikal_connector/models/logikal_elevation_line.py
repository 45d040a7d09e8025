from odoo import fields, models


class LogikalElevationLine(models.AbstractModel):
    """A line of an elevation's parts list (glass, bill of materials), in the order the file gave it."""

    _name = "logikal.elevation.line"
    _description = "LogiKal parts-list line"
    _order = "elevation_id, sequence, id"

    elevation_id = fields.Many2one("logikal.elevation", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="elevation_id.company_id", store=True)
    sequence = fields.Integer()
