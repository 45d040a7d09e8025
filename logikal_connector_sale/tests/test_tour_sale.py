"""Browser tour (headless Chromium): a sales user imports a LogiKal project into a quotation."""

from odoo.addons.logikal_connector.tests.common import LogikalTourCase
from odoo.tests import new_test_user, tagged

PROJECT = "DOS22309"


@tagged("post_install", "-at_install")
class TestSaleTour(LogikalTourCase):
    def setUp(self):
        super().setUp()
        self.sim.mutate("set_estimation", currency=self.env.company.currency_id.name)
        run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)

    def test_sales_user_imports_a_project_into_a_quotation(self):
        user = new_test_user(self.env, "lk_tour_sales", groups="sales_team.group_sale_salesman", name="Sales Tour")
        customer = self.env["res.partner"].create({"name": "Tour Customer"})
        order = self.env["sale.order"].create({"partner_id": customer.id, "user_id": user.id})
        project = self.env["logikal.project"].search([("name", "=", PROJECT), ("backend_id", "=", self.backend.id)])
        fase_2 = project.phase_ids.filtered(lambda p: p.name == "Fase 2")
        self.sim.reset_counters()

        self.start_tour(
            f"/odoo/action-sale.action_quotations_with_onboarding/{order.id}", "logikal_sale_import", login=user.login
        )

        self.env.invalidate_all()
        self.assertEqual(self.sim.counters()["logins"], 0, "the import reads what the sync stored")
        self.assertEqual(order.logikal_project_id, project)
        self.assertEqual(order.logikal_phase_ids, project.phase_ids - fase_2, "the tour unticked Fase 2")
        self.assertEqual(order.logikal_price, "total")
        sections = order.order_line.filtered(lambda line: line.display_type == "line_section")
        self.assertEqual(len(sections), 2)
        elevations = (project.phase_ids - fase_2).elevation_ids.filtered("active")
        lines = order.order_line.filtered("logikal_elevation_id")
        self.assertEqual(lines.logikal_elevation_id, elevations)
        for line in lines:
            self.assertEqual(
                (line.product_uom_qty, line.price_unit),
                (line.logikal_elevation_id.amount, line.logikal_elevation_id.total_price_unit),
            )
        self.assertEqual(order.client_order_ref, project.offer_number)
