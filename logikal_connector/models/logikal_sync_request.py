from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services import progress

REQUEST_STATES = [
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("partial", "Partial"),
    ("failed", "Failed"),
]
SCOPES = [
    ("backend", "Everything"),
    ("directory", "Directory"),
    ("project", "Project"),
    ("elevation", "Elevation"),
    ("types", "Object types"),
]
TARGET_FIELDS = {"directory": "directory_id", "project": "project_id", "elevation": "elevation_id"}


class LogikalSyncRequest(models.Model):
    """A Force Sync waiting for (or done by) the scheduler. Requests for the same scope coalesce."""

    _name = "logikal.sync.request"
    _description = "LogiKal Sync Request"
    _order = "id desc"

    backend_id = fields.Many2one("logikal.backend", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    scope = fields.Selection(SCOPES, required=True)
    directory_id = fields.Many2one("logikal.directory", ondelete="cascade", index=True)
    project_id = fields.Many2one("logikal.project", ondelete="cascade", index=True)
    elevation_id = fields.Many2one("logikal.elevation", ondelete="cascade", index=True)
    object_types = fields.Char()
    key = fields.Char(compute="_compute_key", store=True, index=True)
    state = fields.Selection(REQUEST_STATES, default="queued", required=True, index=True)
    requested_by_id = fields.Many2one("res.users", default=lambda self: self.env.user, index=True)
    run_id = fields.Many2one("logikal.sync.run", ondelete="set null")
    message = fields.Text()
    done_date = fields.Datetime()

    @api.depends("backend_id", "scope", "directory_id", "project_id", "elevation_id", "object_types")
    def _compute_key(self):
        for request in self:
            target = request[TARGET_FIELDS[request.scope]].id if request.scope in TARGET_FIELDS else ""
            extra = request.object_types or "" if request.scope == "types" else target
            request.key = f"{request.backend_id.id}:{request.scope}:{extra}"

    @api.model
    def _request(self, scope, values):
        """Queue a sync of `scope`, or return the request already waiting for it, and wake the scheduler.

        Refused (UserError) for an archived connection: no worker serves it.
        """
        probe = self.new(dict(values, scope=scope))
        backend = probe.backend_id.sudo()
        if not backend.active:
            raise UserError(
                self.env._(
                    "Connection %(name)s is archived: it is not synced. Restore it to sync again.",
                    name=backend.name,
                )
            )
        pending = self.sudo().search([("key", "=", probe.key), ("state", "in", ("queued", "running"))], limit=1)
        request = pending.filtered(lambda r: r.state == "queued") or self.sudo().create(dict(values, scope=scope))
        target = request._target().sudo()
        if target and target.sync_state not in ("queued", "running"):
            # a running target is being written by the cron: leave its row alone (no conflict for the user)
            target.write({"sync_state": "queued"})
        self.env.ref("logikal_connector.ir_cron_smart_sync").sudo()._trigger()
        return request

    def _target(self):
        self.ensure_one()
        if self.scope in TARGET_FIELDS:
            return self[TARGET_FIELDS[self.scope]]
        return self.env["logikal.project"]

    def _queued_action(self):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Sync queued"),
                "message": self.env._("LogiKal is read in the background; you will be notified when it is done."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _announce(self):
        """Tell each requester how their Force Sync ended (the result closes their progress notification)."""
        progress.announce_requests(self)
