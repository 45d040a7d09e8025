from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import LogikalSaleCase


@tagged("post_install", "-at_install")
class TestSalesAccess(LogikalSaleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(cls.env, "lk-sales", groups="sales_team.group_sale_salesman")
        cls.colleague = new_test_user(cls.env, "lk-sales-2", groups="sales_team.group_sale_salesman")
        cls.employee = new_test_user(cls.env, "lk-employee", groups="base.group_user")

    def test_sales_user_reads_logikal_data_and_imports(self):
        self.assertTrue(self.salesman.has_group("logikal_connector.group_logikal_user"))
        self.assertFalse(self.salesman.has_group("logikal_connector.group_logikal_manager"))
        project = self.project_record.with_user(self.salesman)
        self.assertEqual(project.name, self.project_data["name"])
        self.assertEqual(len(project.phase_ids), 3)
        self.assertTrue(project.elevation_ids.mapped("net_price_unit"))
        order = self.new_order(user_id=self.salesman.id).with_user(self.salesman)
        self.assertEqual(order.action_logikal_import()["res_model"], "sale.logikal.import.wizard")
        result = order.logikal_import(project.id)
        self.assertEqual(result["added"], sum(len(e) for _p, e in self.phases_data()))
        self.assertEqual(self.lines_of(order), self.expected_lines())
        action = project.action_create_quotation()
        self.assertEqual(self.env["sale.order"].browse(action["res_id"]).user_id, self.salesman)

    def test_sales_user_cannot_configure_logikal(self):
        backend = self.backend.with_user(self.salesman)
        with self.assertRaises(AccessError):
            backend.write({"url": "http://127.0.0.1:1/api/v3"})
        with self.assertRaises(AccessError):
            self.env["logikal.backend"].with_user(self.salesman).create({"name": "Mine", "url": "http://x/api/v3"})
        with self.assertRaises(AccessError):
            backend.read(["password"])
        config = self.env["logikal.sync.config"].search([], limit=1).with_user(self.salesman)
        with self.assertRaises(AccessError):
            config.write({"sync_interval_minutes": 1})
        with self.assertRaises(AccessError):
            self.project_record.with_user(self.salesman).write({"name": "Renamed in Odoo"})
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.salesman).create({})

    def test_users_without_sales_rights_or_on_someone_elses_order_cannot_import(self):
        order = self.new_order(user_id=self.colleague.id)
        with self.assertRaises(AccessError):
            order.with_user(self.employee).logikal_import(self.project_record.id)
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).logikal_import(self.project_record.id)
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).action_logikal_import()
        with self.assertRaises(AccessError):
            self.project_record.with_user(self.employee).action_create_quotation()
        self.assertFalse(order.order_line)

    def test_only_projects_of_the_order_company(self):
        other = self.env["res.company"].create({"name": "Other Company", "currency_id": self.currency.id})
        self.salesman.write({"company_ids": [(4, other.id)]})
        self.backend.company_id = other
        order = self.new_order()
        with self.assertRaisesRegex(UserError, "belongs to Other Company"):
            order.logikal_import(self.project_record.id)
        self.assertFalse(order.order_line)
        outsider = new_test_user(self.env, "lk-sales-a", groups="sales_team.group_sale_salesman")
        self.assertFalse(self.env["logikal.project"].with_user(outsider).search([("id", "=", self.project_record.id)]))
        with self.assertRaises(AccessError):
            self.new_order(user_id=outsider.id).with_user(outsider).logikal_import(self.project_record.id)
        in_other = (
            self.env["sale.order"].with_company(other).create({"partner_id": self.customer.id, "company_id": other.id})
        )
        self.assertTrue(in_other.logikal_import(self.project_record.id)["added"])
        wizard = self.env["sale.logikal.import.wizard"].create(
            {"order_id": order.id, "project_id": self.project_record.id}
        )
        domain = wizard._fields["project_id"].domain
        self.assertEqual(domain, "[('company_id', 'in', (company_id, False))]")
