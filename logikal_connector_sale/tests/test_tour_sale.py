"""Browser tour (headless Chromium): a sales user imports a LogiKal project into a quotation."""

import shutil
import unittest

from odoo.addons.logikal_connector.services import work
from odoo.addons.logikal_connector.services.runner import SyncRunner
from odoo.addons.logikal_connector.tests.common import PASSWORD, USERNAME, Simulator, generate_dataset
from odoo.tests import HttpCase, new_test_user, tagged

PROJECT = "DOS22309"


@tagged("post_install", "-at_install")
class TestSaleTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if Simulator is None:
            raise unittest.SkipTest("the LogiKal simulator (logikal_sim/) is not beside the addon")
        if not shutil.which("chromium") and not shutil.which("google-chrome"):
            raise unittest.SkipTest("no Chromium: install Debian's `chromium` to run the tours")
        cls.backend = cls.env["logikal.backend"].create(
            {
                "name": "Simulator",
                "url": "http://127.0.0.1:9/api/v3",
                "username": USERNAME,
                "password_input": PASSWORD,
                "read_timeout": 5,
                "parts_timeout": 5,
                "max_retries": 0,
            }
        )

    def setUp(self):
        super().setUp()
        self.sim = Simulator(generate_dataset("small"), username=USERNAME, password=PASSWORD, mode="observed")
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.backend.url = self.sim.base_url
        self.sim.mutate("set_estimation", currency=self.env.company.currency_id.name)
        runner = SyncRunner(self.env, self.backend)
        run = runner.start("manual", "everything", work.ALL_TYPES)
        runner.execute(run, work.everything(run))
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
