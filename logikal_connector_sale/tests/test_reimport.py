from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LogikalSaleCase, description, elevation_prices


@tagged("post_install", "-at_install")
class TestReimport(LogikalSaleCase):
    def setUp(self):
        super().setUp()
        self.order = self.new_order()
        self.order.logikal_import(self.project_record.id)
        phases = self.phases_data()
        (_default, default_elevations), (fase_1, fase_1_elevations), (_fase_2, fase_2_elevations) = phases
        self.fase_1 = fase_1
        self.edited, self.removed, self.recycled = fase_1_elevations[0], default_elevations[1], default_elevations[2]
        self.priced = fase_2_elevations[0]
        self.hand_product = self.env["product.product"].create({"name": "Montage op de werf", "list_price": 250})
        self.hand_line = self.env["sale.order.line"].create(
            {"order_id": self.order.id, "product_id": self.hand_product.id, "product_uom_qty": 2, "sequence": 100}
        )
        self.priced_line = self.line_of(self.priced)
        self.priced_line.price_unit = 999.0
        self.before = self.snapshot()
        self.hand_before = (self.hand_line.name, self.hand_line.product_uom_qty, self.hand_line.price_unit, 100)

    def line_of(self, data):
        return self.order.order_line.filtered(lambda line: line.logikal_elevation_id.logikal_id == data["id"])

    def snapshot(self):
        """{line id: (sequence, name, quantity, unit price)} of the imported elevation lines."""
        lines = self.order.order_line.filtered("logikal_elevation_id")
        return {line.id: (line.sequence, line.name, line.product_uom_qty, line.price_unit) for line in lines}

    def change_logikal(self):
        guid = self.project_data["id"]
        self.sim.mutate(
            "change_elevation",
            elevation=self.edited["id"],
            width=self.edited["width"] + 100,
            amount=4,
            userDescription="Keuken (gewijzigd)",
        )
        self.added = self.sim.mutate("add_elevation", project=guid, phase=self.fase_1["id"], name="P90")
        self.sim.mutate("remove_elevation", elevation=self.removed["id"])
        self.sim.mutate("recycle", elevation=self.recycled["id"])
        self.sync()

    def assert_reimported(self, result, kept_price):
        expected = self.expected_lines()
        priced = (
            False,
            description(self.priced),
            self.priced["amount"],
            elevation_prices(self.priced)["netPricePerUnit"],
        )
        if kept_price:
            expected[expected.index(priced)] = (*priced[:3], 999.0)
        hand = self.hand_line
        self.assertTrue(hand.exists(), "a line made by hand is never removed")
        self.assertEqual((hand.name, hand.product_uom_qty, hand.price_unit, hand.sequence), self.hand_before)
        imported = [line for line in self.lines_of(self.order) if line != (False, hand.name, 2.0, hand.price_unit)]
        self.assertEqual(imported, expected)
        after = self.snapshot()
        kept = set(self.before) & set(after)
        self.assertEqual(len(kept), len(self.before) - 2, "every line but the removed and recycled ones stays")
        changed = sum(self.before[i] != after[i] for i in kept)
        self.assertEqual(result, {"added": 1, "updated": changed, "removed": 2})
        self.assertGreaterEqual(changed, 1)
        edited = self.line_of(self.edited)
        self.assertIn(edited.id, kept, "the edited elevation's line was updated in place")
        self.assertEqual(edited.product_uom_qty, 4)
        self.assertIn("Keuken (gewijzigd)", edited.name)
        self.assertEqual(self.line_of(self.added).name, description(self.added))
        self.assertFalse(self.line_of(self.removed) or self.line_of(self.recycled))
        message = self.order.message_ids[0].body
        self.assertIn(f"1 added, {changed} updated, 2 removed", message)
        self.assertIn(f"Removed: {self.removed['name']}, {self.recycled['name']}", message)
        self.assertFalse(self.order.logikal_changed_since_import)

    def test_reimport_updates_in_place_and_keeps_the_edited_price_when_asked(self):
        self.assertFalse(self.order.logikal_changed_since_import)
        self.change_logikal()
        self.assertTrue(self.order.logikal_changed_since_import)
        result = self.order.logikal_import(self.project_record.id, keep_prices=True)
        self.assert_reimported(result, kept_price=True)
        self.assertTrue(self.priced_line.logikal_price_edited)
        self.assertEqual(self.priced_line.logikal_price_unit, elevation_prices(self.priced)["netPricePerUnit"])

    def test_reimport_without_keeping_prices_takes_logikal_prices_again(self):
        self.change_logikal()
        result = self.order.logikal_import(self.project_record.id, keep_prices=False)
        self.assert_reimported(result, kept_price=False)
        self.assertFalse(self.priced_line.logikal_price_edited)

    def test_reimport_without_changes_writes_nothing(self):
        self.priced_line.price_unit = self.priced_line.logikal_price_unit
        before = self.snapshot()
        result = self.order.logikal_import(self.project_record.id)
        self.assertEqual(result, {"added": 0, "updated": 0, "removed": 0})
        self.assertEqual(self.snapshot(), before)

    @mute_logger("odoo.addons.logikal_connector.services.trust")  # the no-bump server is reported at WARNING
    def test_changed_flag_follows_an_elevation_change_without_a_project_date(self):
        self.changed_date_at_import = self.project_record.logikal_changed_date
        self.sim.dataset.child_edits_bump_project = False
        self.sim.mutate("change_elevation", elevation=self.edited["id"], amount=7)
        self.sync()
        self.assertEqual(self.project_record.logikal_changed_date, self.changed_date_at_import)
        self.assertTrue(self.order.logikal_changed_since_import, "the elevation record changed after the import")
