from odoo.addons.logikal_connector.models.res_config_settings import MASTER_SWITCH
from odoo.addons.logikal_connector.services.scheduler import Scheduler
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import LogikalSaleCase


@tagged("post_install", "-at_install")
class TestUpdateFromLogikal(LogikalSaleCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param(MASTER_SWITCH, "False")  # the request only, no scheduled pass
        self.user = new_test_user(self.env, "lk-update", groups="sales_team.group_sale_salesman")
        self.order = self.new_order(user_id=self.user.id).with_user(self.user)
        self.order.logikal_import(self.project_record.id, price="total", keep_prices=True)
        self.edited = self.phases_data()[0][1][0]

    def test_update_syncs_in_the_background_then_reimports(self):
        self.sim.mutate("change_elevation", elevation=self.edited["id"], amount=5)
        self.sim.reset_counters()
        action = self.order.action_logikal_update()
        self.assertEqual(action["tag"], "display_notification")
        request = self.order.logikal_update_request_id
        self.assertEqual((request.state, request.scope, request.project_id), ("queued", "project", self.project_record))
        self.assertTrue(self.order.logikal_update_pending)
        self.assertEqual(self.sim.counters()["logins"], 0, "the browser request does not talk to LogiKal")
        line = self.order.order_line.filtered(lambda x: x.logikal_elevation_id.logikal_id == self.edited["id"])
        self.assertEqual(line.product_uom_qty, self.edited["amount"])

        Scheduler(self.env).tick()
        self.env.invalidate_all()

        self.assertEqual(request.state, "done", request.message)
        self.assertEqual(self.sim.counters()["logins"], 1)
        self.assertFalse(self.order.logikal_update_request_id)
        self.assertFalse(self.order.logikal_update_pending)
        self.assertEqual(line.product_uom_qty, 5, "re-imported in place")
        self.assertEqual(self.lines_of(self.order), self.expected_lines("totalPricePerUnit"))
        self.assertFalse(self.order.logikal_changed_since_import)
        note = self.order.message_ids.filtered(lambda m: "Imported from LogiKal" in (m.body or ""))[0]
        self.assertIn("0 added, 1 updated, 0 removed", note.body)
        self.assertEqual(note.author_id, self.user.partner_id)

    def test_failed_sync_reimports_nothing_and_says_so(self):
        self.sim.mutate("change_elevation", elevation=self.edited["id"], amount=5)
        self.sim.mutate("lock_project", project=self.project_data["id"])
        before = self.lines_of(self.order)
        self.order.action_logikal_update()
        Scheduler(self.env).tick()
        self.env.invalidate_all()
        self.assertEqual(self.lines_of(self.order), before)
        self.assertIn("the sync failed, nothing re-imported", self.order.message_ids[0].body)
        self.assertIn("locked or in use in LogiKal", self.order.message_ids[0].body)
        self.assertFalse(self.order.logikal_update_pending)

    def test_update_of_an_order_confirmed_meanwhile_is_refused_in_the_chatter(self):
        self.order.action_logikal_update()
        self.order.sudo().action_confirm()
        Scheduler(self.env).tick()
        self.env.invalidate_all()
        self.assertIn("not re-imported", self.order.message_ids[0].body)
        self.assertIn("only draft or sent", self.order.message_ids[0].body)

    def test_update_needs_a_logikal_project(self):
        order = self.new_order(user_id=self.user.id).with_user(self.user)
        with self.assertRaisesRegex(UserError, "no LogiKal project yet"):
            order.action_logikal_update()
        self.assertFalse(order.logikal_update_request_id)
