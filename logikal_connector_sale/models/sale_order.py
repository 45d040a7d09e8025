from markupsafe import Markup, escape
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services.quotation import PRICE_FIELDS, QuotationImport, project_signature


class SaleOrder(models.Model):
    _inherit = "sale.order"

    logikal_project_id = fields.Many2one(
        "logikal.project",
        "LogiKal project",
        copy=False,
        index="btree_not_null",
        domain="[('company_id', 'in', (company_id, False))]",
        readonly=True,
    )
    logikal_phase_ids = fields.Many2many("logikal.phase", string="LogiKal phases", copy=False, readonly=True)
    logikal_import_date = fields.Datetime("Last LogiKal import", copy=False, readonly=True)
    logikal_import_version = fields.Char(
        copy=False, readonly=True, help="Fingerprint of the LogiKal project's data at the last import."
    )
    logikal_price = fields.Selection(
        [("net", "Net price per unit"), ("total", "Total price per unit")],
        "LogiKal price used",
        copy=False,
        readonly=True,
    )
    logikal_keep_prices = fields.Boolean("Kept edited prices", copy=False, readonly=True)
    logikal_all_phases = fields.Boolean(
        copy=False, readonly=True, help="Every phase was imported: a re-import also takes phases added since."
    )
    logikal_changed_since_import = fields.Boolean(
        "LogiKal data changed since import",
        compute="_compute_logikal_changed_since_import",
        help="The LogiKal project (its phases, elevations or prices) changed after the last import.",
    )
    logikal_update_request_id = fields.Many2one("logikal.sync.request", copy=False, readonly=True)
    logikal_update_pending = fields.Boolean(
        "LogiKal update running", compute="_compute_logikal_update_pending", help="Force Sync, then re-import."
    )

    @api.depends("logikal_project_id.logikal_changed_date", "logikal_import_version")
    def _compute_logikal_changed_since_import(self):
        for order in self:
            order.logikal_changed_since_import = bool(
                order.logikal_project_id
                and order.logikal_import_version
                and project_signature(order.logikal_project_id) != order.logikal_import_version
            )

    @api.depends("logikal_update_request_id.state")
    def _compute_logikal_update_pending(self):
        for order in self:
            order.logikal_update_pending = order.logikal_update_request_id.sudo().state in ("queued", "running")

    # ------------------------------------------------------------------ actions
    def action_logikal_import(self):
        """Open the import wizard (project, phases, price) for this quotation."""
        self.ensure_one()
        self.check_access("write")
        QuotationImport.check_order(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Import from LogiKal"),
            "res_model": "sale.logikal.import.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def action_logikal_update(self):
        """Force Sync the order's project in the background; the re-import follows when the sync is done."""
        self.ensure_one()
        self.check_access("write")
        QuotationImport.check_order(self)
        if not self.logikal_project_id:
            raise UserError(self.env._("This quotation has no LogiKal project yet: use the LogiKal button."))
        project = self.logikal_project_id
        project.check_access("read")
        scope, values = project.sudo()._sync_scope()
        request = self.env["logikal.sync.request"]._request(scope, values)
        self.sudo().logikal_update_request_id = request
        self.message_post(
            body=self.env._(
                "Update from LogiKal requested: %(project)s is synced, then re-imported.", project=project.display_name
            )
        )
        return request._queued_action()

    # ------------------------------------------------------------------ RPC
    def logikal_import(self, project_id, phase_ids=None, price="net", keep_prices=False):
        """Import (or re-import) LogiKal project `project_id` into this quotation.

        `phase_ids`: the phases to quote (None: every phase of the project); `price`: "net" or "total" (the
        LogiKal price per unit); `keep_prices`: keep the unit prices the user changed in Odoo. Returns
        {"added": n, "updated": n, "removed": n}, counted in elevation lines.
        """
        self.ensure_one()
        self.check_access("write")
        QuotationImport.check_order(self)
        if price not in PRICE_FIELDS:
            raise UserError(self.env._("The LogiKal price must be 'net' or 'total', not %r.", price))
        project, phases = self._logikal_checked_selection(project_id, phase_ids)
        if not self.partner_id:
            self.partner_id = self._logikal_customer(project)
        result = QuotationImport(self, project, phases, price=price, keep_prices=keep_prices).run()
        self._logikal_note_import(project, phases, price, keep_prices, result)
        return {key: result[key] for key in ("added", "updated", "removed")}

    def _logikal_checked_selection(self, project_id, phase_ids):
        if not isinstance(project_id, int) or isinstance(project_id, bool):
            raise UserError(self.env._("Give the LogiKal project as a record id."))
        project = self.env["logikal.project"].browse(project_id).exists()
        if not project:
            raise UserError(self.env._("LogiKal project %s does not exist (any more).", project_id))
        project.check_access("read")
        if project.company_id and project.company_id != self.company_id:
            raise UserError(
                self.env._(
                    "LogiKal project %(project)s belongs to %(company)s, not to %(order_company)s.",
                    project=project.name,
                    company=project.company_id.name,
                    order_company=self.company_id.name,
                )
            )
        if not project.active:
            raise UserError(self.env._("LogiKal project %s is archived (deleted in LogiKal).", project.name))
        if phase_ids is None:
            phases = project.phase_ids
        else:
            if not isinstance(phase_ids, (list, tuple)) or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in phase_ids
            ):
                raise UserError(self.env._("Give the LogiKal phases as a list of record ids."))
            phases = self.env["logikal.phase"].browse(phase_ids).exists()
            if len(phases) != len(set(phase_ids)) or phases.project_id - project:
                raise UserError(self.env._("Some of the phases given are not phases of %s.", project.name))
        if not phases:
            raise UserError(self.env._("Choose at least one phase of %s.", project.name))
        return project, phases

    def _logikal_note_import(self, project, phases, price, keep_prices, result):
        self.write(
            {
                "logikal_project_id": project.id,
                "logikal_phase_ids": [fields.Command.set(phases.ids)],
                "logikal_import_date": fields.Datetime.now(),
                "logikal_import_version": project_signature(project),
                "logikal_price": price,
                "logikal_keep_prices": keep_prices,
                "logikal_all_phases": phases == project.phase_ids,
            }
        )
        if project.offer_number and not self.client_order_ref:
            self.client_order_ref = project.offer_number
        self.message_post(body=self._logikal_import_message(project, result))

    def _logikal_import_message(self, project, result):
        parts = [
            self.env._(
                "Imported from LogiKal project %(project)s: %(added)s added, %(updated)s updated, %(removed)s removed.",
                project=project.display_name,
                added=result["added"],
                updated=result["updated"],
                removed=result["removed"],
            )
        ]
        labels = {"added": self.env._("Added"), "updated": self.env._("Updated"), "removed": self.env._("Removed")}
        for what, label in labels.items():
            if result.names[what]:
                parts.append(f"{label}: {', '.join(result.names[what])}")
        if result.unpriced:
            parts.append(self.env._("Without a LogiKal price: %s", ", ".join(result.unpriced)))
        return Markup("<br/>").join(escape(part) for part in parts)

    def _logikal_customer(self, project):
        """The partner of the project's LogiKal customer address: matched by name and ZIP, else created."""
        project = project.sudo()
        if not project.address_name:
            raise UserError(
                self.env._("LogiKal project %s has no customer address: choose the customer yourself.", project.name)
            )
        Partner = self.env["res.partner"]
        domain = [
            ("name", "=ilike", project.address_name),
            ("zip", "=", project.address_zip or False),
            "|",
            ("company_id", "=", False),
            ("company_id", "=", self.company_id.id or self.env.company.id),
        ]
        partner = Partner.search(domain, limit=1)
        if partner:
            return partner
        # the sales user may quote without the right to create contacts: the LogiKal customer is made for them
        return Partner.sudo().create(
            {
                "name": project.address_name,
                "is_company": True,
                "street": project.address_street or False,
                "street2": project.address_name2 or False,
                "zip": project.address_zip or False,
                "city": project.address_city or False,
                "phone": project.address_phone or False,
                "email": project.address_email or False,
                "comment": self.env._("Created from the LogiKal address of project %s.", project.name),
            }
        )

    # ------------------------------------------------------------------ follow-up of "Update from LogiKal"
    def _logikal_update_done(self, request):
        """The Force Sync of an "Update from LogiKal" ended: re-import with the last import's choices."""
        for order in self:
            project = order.logikal_project_id.sudo()
            if request.state == "partial" and project.sync_state != "failed":
                order.message_post(
                    body=self.env._(
                        "Update from LogiKal: the sync did not complete, nothing re-imported. %s", request.message or ""
                    )
                )
                continue
            if request.state != "done" or project.sync_state == "failed":
                order.message_post(
                    body=self.env._(
                        "Update from LogiKal: the sync failed, nothing re-imported. %s",
                        project.sync_error or request.message or "",
                    )
                )
                continue
            try:
                with self.env.cr.savepoint():
                    order.logikal_import(
                        order.logikal_project_id.id,
                        None if order.logikal_all_phases else order.logikal_phase_ids.ids,
                        price=order.logikal_price or order.company_id.logikal_sale_price,
                        keep_prices=order.logikal_keep_prices,
                    )
            except UserError as error:
                order.message_post(body=self.env._("Update from LogiKal: not re-imported. %s", error.args[0]))
