from odoo import api, fields, models
from odoo.exceptions import UserError


class LogikalProject(models.Model):
    _inherit = "logikal.project"
    _rec_names_search = ["name", "job_number", "offer_number"]

    sale_order_ids = fields.One2many("sale.order", "logikal_project_id", "Sale orders", readonly=True)
    sale_order_count = fields.Integer("Quotations", compute="_compute_sale_order_count")

    @api.depends("name", "job_number", "directory_id.path")
    @api.depends_context("logikal_quotation_display")
    def _compute_display_name(self):
        """In the quotation wizard a project reads "name [job number] (folder)"."""
        if not self.env.context.get("logikal_quotation_display"):
            return super()._compute_display_name()
        for project in self:
            job = f" [{project.job_number}]" if project.job_number else ""
            folder = f" ({project.sudo().directory_id.path})" if project.sudo().directory_id else ""
            project.display_name = f"{project.name}{job}{folder}"

    def _compute_sale_order_count(self):
        groups = self.env["sale.order"]._read_group(
            [("logikal_project_id", "in", self.ids)], ["logikal_project_id"], ["__count"]
        )
        counts = {project.id: count for project, count in groups}
        for project in self:
            project.sale_order_count = counts.get(project.id, 0)

    def action_view_quotations(self):
        """The quotations made from this project."""
        self.ensure_one()
        self.env["sale.order"].check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_quotations_with_onboarding")
        action.update(
            domain=[("logikal_project_id", "=", self.id)],
            context={"default_logikal_project_id": self.id, "create": False},
        )
        return action

    def action_create_quotation(self):
        """A new quotation for the project's LogiKal customer with every phase imported; opened in its form."""
        self.ensure_one()
        self.check_access("read")
        self.env["sale.order"].check_access("create")
        if not self.active:
            raise UserError(self.env._("LogiKal project %s is archived (deleted in LogiKal).", self.name))
        company = self.company_id or self.env.company
        Order = self.env["sale.order"].with_company(company)
        partner = Order._logikal_customer(self)
        order = Order.create({"partner_id": partner.id, "company_id": company.id})
        order.logikal_import(self.id, None, price=company.logikal_sale_price)
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": order.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
