import logging

from odoo import models

_logger = logging.getLogger(__name__)


class LogikalSyncRequest(models.Model):
    _inherit = "logikal.sync.request"

    def write(self, vals):
        """When a Force Sync ends, the quotations that asked for it ("Update from LogiKal") are re-imported."""
        result = super().write(vals)
        if vals.get("state") in ("done", "partial", "failed"):
            self._logikal_follow_ups()
        return result

    def _logikal_follow_ups(self):
        """Re-import each waiting quotation as the user who asked; a failure never disturbs the sync's own
        bookkeeping (it is noted in the quotation's chatter instead)."""
        orders = self.env["sale.order"].sudo().search([("logikal_update_request_id", "in", self.ids)])
        for order in orders:
            request = order.logikal_update_request_id
            user = request.requested_by_id or self.env.user
            order.write({"logikal_update_request_id": False})
            try:
                with self.env.cr.savepoint():
                    order.with_user(user).with_company(order.company_id)._logikal_update_done(request)
            except Exception as error:  # the scheduler must finish its request whatever happens here
                _logger.exception("LogiKal: re-import of %s after its sync failed", order.name)
                order.message_post(body=self.env._("Update from LogiKal: not re-imported (%s).", type(error).__name__))
