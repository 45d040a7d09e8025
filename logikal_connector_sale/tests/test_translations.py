"""Dutch and German of the sales addon: a field label, a selection label and the refusal a user reads."""

from odoo.addons.logikal_connector.tests.test_translations import load_languages
from odoo.exceptions import UserError
from odoo.tests import TransactionCase


class TestSaleTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_languages(cls.env, ["logikal_connector", "logikal_connector_sale"])
        partner = cls.env["res.partner"].create({"name": "Bouwbedrijf"})
        cls.order = cls.env["sale.order"].create({"partner_id": partner.id})

    def test_field_and_selection_labels(self):
        field = self.env["ir.model.fields"]._get("sale.order", "logikal_phase_ids")
        self.assertEqual(field.with_context(lang="nl_NL").field_description, "LogiKal-fasen")
        self.assertEqual(field.with_context(lang="de_DE").field_description, "LogiKal-Bauabschnitte")
        orders = self.env["sale.order"]
        selection = orders._fields["logikal_price"]
        labels = dict(selection._description_selection(orders.with_context(lang="de_DE").env))
        self.assertEqual(labels, {"net": "Nettopreis pro Stück", "total": "Gesamtpreis pro Stück"})

    def test_update_refusal_message(self):
        expected = {
            "nl_NL": "Deze offerte heeft nog geen LogiKal-project: gebruik de knop LogiKal.",
            "de_DE": "Dieses Angebot hat noch kein LogiKal-Projekt: verwenden Sie die Schaltfläche LogiKal.",
        }
        for lang, message in expected.items():
            with self.subTest(lang=lang), self.assertRaises(UserError) as refused:
                self.order.with_context(lang=lang).action_logikal_update()
            self.assertEqual(refused.exception.args[0], message)
