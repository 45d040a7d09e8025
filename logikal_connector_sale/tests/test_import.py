import base64

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import float_round

from .common import PROJECT, LogikalSaleCase


@tagged("post_install", "-at_install")
class TestQuotationImport(LogikalSaleCase):
    def test_fresh_import_writes_sections_and_priced_lines_in_logikal_order(self):
        order = self.new_order()
        result = order.logikal_import(self.project_record.id)
        expected = self.expected_lines()
        live = sum(len(elevations) for _phase, elevations in self.phases_data())
        self.assertEqual(result, {"added": live, "updated": 0, "removed": 0})
        self.assertEqual(self.lines_of(order), expected)
        self.assertEqual(expected[0][0], "line_section", "a phase's section comes before its elevations")
        self.assertEqual(len([line for line in expected if line[0] == "line_section"]), 3)
        self.assertEqual(len(order.order_line.mapped("sequence")), len(set(order.order_line.mapped("sequence"))))
        self.assertEqual(order.amount_untaxed, sum(qty * price for _t, _n, qty, price in expected))
        self.assertEqual(order.client_order_ref, self.project_data["offerNumber"])
        self.assertEqual(
            (order.logikal_project_id, order.logikal_phase_ids, order.logikal_changed_since_import),
            (self.project_record, self.project_record.phase_ids, False),
        )
        message = order.message_ids[0].body
        self.assertIn(f"{live} added, 0 updated, 0 removed", message)

    def test_products_carry_reference_image_category_and_are_found_again(self):
        order = self.new_order()
        order.logikal_import(self.project_record.id)
        lines = order.order_line.filtered("logikal_elevation_id")
        category = self.env.ref("logikal_connector_sale.product_category_logikal")
        for line in lines:
            elevation, product = line.logikal_elevation_id, line.product_id
            self.assertEqual(
                (product.default_code, product.name, product.sale_ok, product.type, product.categ_id),
                (f"{PROJECT}-{elevation.name}", f"{PROJECT} {elevation.name}", True, "consu", category),
            )
            self.assertTrue(product.image_1920)
            self.assertEqual(base64.b64decode(product.image_1920)[:8], b"\x89PNG\r\n\x1a\n")
        products = lines.product_id
        other = self.new_order()
        other.logikal_import(self.project_record.id)
        self.assertEqual(other.order_line.filtered("logikal_elevation_id").product_id, products)
        self.assertEqual(len(products), len(lines), "one product per elevation")

    def test_total_price_and_default_from_settings(self):
        self.company.logikal_sale_price = "total"
        wizard = Form(self.env["sale.logikal.import.wizard"].with_context(default_order_id=self.new_order().id))
        self.assertEqual(wizard.price, "total")
        wizard.project_id = self.project_record
        self.assertEqual(len(wizard.phase_ids), 3, "every phase is ticked by default")
        record = wizard.save()
        record.action_import()
        self.assertEqual(self.lines_of(record.order_id), self.expected_lines("totalPricePerUnit"))
        self.assertEqual(record.order_id.logikal_price, "total")

    def test_wizard_phase_choice_and_project_display(self):
        order = self.new_order()
        action = order.action_logikal_import()
        self.assertEqual(
            (action["res_model"], action["context"]), ("sale.logikal.import.wizard", {"default_order_id": order.id})
        )
        wizard = Form(self.env["sale.logikal.import.wizard"].with_context(**action["context"]))
        wizard.project_id = self.project_record
        fase_2 = self.project_record.phase_ids.filtered(lambda p: p.name == "Fase 2")
        wizard.phase_ids.remove(id=fase_2.id)
        wizard.price = "net"
        wizard.save().action_import()
        kept = [(phase, elevations) for phase, elevations in self.phases_data() if phase["name"] != "Fase 2"]
        sections = order.order_line.filtered(lambda line: line.display_type == "line_section")
        self.assertEqual(
            sections.mapped("name"),
            [
                phase["name"] if not phase["description"] else f"{phase['name']} – {phase['description']}"
                for phase, _e in kept
            ],
        )
        self.assertEqual(len(order.order_line) - len(sections), sum(len(e) for _p, e in kept))
        self.assertEqual(order.logikal_phase_ids, self.project_record.phase_ids - fase_2)
        shown = self.project_record.with_context(logikal_quotation_display=True).display_name
        self.assertEqual(shown, f"{PROJECT} [{self.project_data['jobNumber']}] ({self.project_data['directory']})")
        self.assertEqual(self.project_record.display_name, PROJECT)

    def test_phase_of_another_project_and_bad_arguments_are_refused(self):
        order = self.new_order()
        other = self.projects().filtered(lambda p: p.active and p != self.project_record)[0]
        for args, kwargs, text in (
            ((self.project_record.id, other.phase_ids.ids), {}, "not phases of"),
            ((self.project_record.id, []), {}, "at least one phase"),
            ((self.project_record.id,), {"price": "gross"}, "'net' or 'total'"),
            (("DOS22309",), {}, "record id"),
            ((999999,), {}, "does not exist"),
            ((self.project_record.id, "all"), {}, "list of record ids"),
        ):
            with self.subTest(args=args, kwargs=kwargs), self.assertRaisesRegex(UserError, text):
                order.logikal_import(*args, **kwargs)
        self.assertFalse(order.order_line)

    def test_refused_order_states(self):
        confirmed = self.new_order()
        confirmed.order_line = [(0, 0, {"product_id": self.env["product.product"].create({"name": "X"}).id})]
        confirmed.action_confirm()
        cancelled = self.new_order()
        cancelled.action_cancel()
        locked = self.new_order()
        locked.order_line = [(0, 0, {"product_id": confirmed.order_line.product_id.id})]
        locked.action_confirm()
        locked.action_lock()
        for order, state in ((confirmed, "Sales Order"), (cancelled, "Cancelled"), (locked, "locked")):
            lines = order.order_line.ids
            with self.subTest(state=state):
                with self.assertRaisesRegex(UserError, f"is {state}: only draft or sent"):
                    order.logikal_import(self.project_record.id)
                with self.assertRaisesRegex(UserError, "only draft or sent"):
                    order.action_logikal_import()
                with self.assertRaisesRegex(UserError, "only draft or sent"):
                    order.action_logikal_update()
                self.assertEqual(order.order_line.ids, lines)
        sent = self.new_order()
        sent.action_quotation_sent()
        self.assertEqual(sent.state, "sent")
        self.assertTrue(sent.logikal_import(self.project_record.id)["added"])


@tagged("post_install", "-at_install")
class TestCurrencyAndCustomer(LogikalSaleCase):
    def setUp(self):
        super().setUp()
        self.foreign = self.env.ref("base.EUR") if self.currency.name != "EUR" else self.env.ref("base.USD")
        self.foreign.active = True
        self.foreign_pricelist = self.env["product.pricelist"].create(
            {"name": "Foreign", "currency_id": self.foreign.id}
        )

    def test_logikal_prices_in_another_currency_are_converted_at_the_order_date(self):
        self.sim.mutate("set_estimation", currency=self.foreign.name)
        self.sim.mutate("touch", project=self.project_data["id"])
        self.sync()
        order = self.new_order(date_order="2025-06-02 10:00:00")
        self.env["res.currency.rate"].create(
            [
                {"currency_id": self.foreign.id, "name": "2025-01-01", "rate": 2.0},
                {"currency_id": self.foreign.id, "name": "2025-06-01", "rate": 1.25},
                {"currency_id": self.foreign.id, "name": "2025-07-01", "rate": 5.0},
            ]
        )
        order.logikal_import(self.project_record.id)
        self.assertEqual(self.project_record.elevation_ids.currency_id, self.foreign)
        expected = self.expected_lines(convert=lambda amount: float_round(amount / 1.25, 2))
        self.assertEqual(self.lines_of(order), expected)

    def test_quotation_in_another_currency_is_converted_or_refused(self):
        order = self.new_order(pricelist_id=self.foreign_pricelist.id, date_order="2025-06-02 10:00:00")
        self.assertEqual(order.currency_id, self.foreign)
        with self.assertRaisesRegex(UserError, f"no exchange rate for {self.foreign.name} on or before"):
            order.logikal_import(self.project_record.id)
        self.assertFalse(order.order_line)
        self.env["res.currency.rate"].create({"currency_id": self.foreign.id, "name": "2025-06-03", "rate": 3.0})
        with self.assertRaisesRegex(UserError, "no exchange rate"):
            order.logikal_import(self.project_record.id)  # a rate after the order date does not count
        self.env["res.currency.rate"].create({"currency_id": self.foreign.id, "name": "2025-05-01", "rate": 0.8})
        order.logikal_import(self.project_record.id)
        self.assertEqual(self.lines_of(order), self.expected_lines(convert=lambda amount: float_round(amount * 0.8, 2)))

    def test_same_currency_needs_no_rate(self):
        self.sim.mutate("set_estimation", currency=self.foreign.name)
        self.sim.mutate("touch", project=self.project_data["id"])
        self.sync()
        order = self.new_order(pricelist_id=self.foreign_pricelist.id)
        order.logikal_import(self.project_record.id)
        self.assertEqual(self.lines_of(order), self.expected_lines())

    def customer_address(self):
        return self.sim.dataset.projects[self.project_data["id"]].addresses["Customer"]

    def test_create_quotation_matches_the_customer_by_name_and_zip(self):
        address = self.customer_address()
        self.env["res.partner"].create({"name": address["name1"], "zip": "0000"})  # same name, other ZIP
        partner = self.env["res.partner"].create({"name": address["name1"].upper(), "zip": address["zipCode"]})
        partners = self.env["res.partner"].search_count([])
        action = self.project_record.action_create_quotation()
        order = self.env["sale.order"].browse(action["res_id"])
        self.assertEqual(order.partner_id, partner)
        self.assertEqual(self.env["res.partner"].search_count([]), partners, "no partner created")
        self.assertEqual(self.lines_of(order), self.expected_lines())
        self.assertEqual(self.project_record.sale_order_count, 1)
        listed = self.project_record.action_view_quotations()
        self.assertEqual(self.env["sale.order"].search(listed["domain"]), order)

    def test_create_quotation_creates_the_customer_from_the_logikal_address(self):
        address = self.customer_address()
        action = self.project_record.action_create_quotation()
        partner = self.env["sale.order"].browse(action["res_id"]).partner_id
        self.assertEqual(
            (
                partner.name,
                partner.street2 or "",
                partner.street,
                partner.zip,
                partner.city,
                partner.phone,
                partner.email,
            ),
            (
                address["name1"],
                address["name2"],
                address["street"],
                address["zipCode"],
                address["city"],
                address["phone1"],
                address["email"],
            ),
        )
        self.assertTrue(partner.is_company)

    def test_project_without_address_asks_for_a_customer(self):
        for address_type in ("Customer", "Architect"):
            self.sim.mutate("set_address", project=self.project_data["id"], address_type=address_type, remove=True)
        self.sim.mutate("touch", project=self.project_data["id"])
        self.sync()
        self.assertFalse(self.project_record.address_name)
        with self.assertRaisesRegex(UserError, "no customer address"):
            self.project_record.action_create_quotation()
        self.assertFalse(self.project_record.sale_order_ids)
