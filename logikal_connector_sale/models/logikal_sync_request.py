from odoo import models


class LogikalSyncRequest(models.Model):
    _inherit = "logikal.sync.request"

    def write(self, vals):
        """When a Force Sync ends, the quotations that asked for it ("Update from LogiKal") are re-imported."""
        result = super().write(vals)
        if vals.get("state") in ("done", "failed"):
            self._logikal_follow_ups()
        return result

    def _logikal_follow_ups(self):
        orders = self.env["sale.order"].sudo().search([("logikal_update_request_id", "in", self.ids)])
        for order in orders:
            request = order.logikal_update_request_id
            user = request.requested_by_id or self.env.user
            order.write({"logikal_update_request_id": False})
            order.with_user(user).with_company(order.company_id)._logikal_update_done(request)
