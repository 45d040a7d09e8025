"""Browser tours (headless Chromium): what admins and users do in the LogiKal app.

The simulator answers over loopback HTTP; the scheduler is run from Python between two tours, as the
cron worker would, because the browser never waits on LogiKal.
"""

from odoo.tests import new_test_user, tagged

from ..models.res_config_settings import MASTER_SWITCH
from ..services.scheduler import Scheduler
from .common import CLOSED_PORT_URL, PASSWORD, LogikalTourCase


@tagged("post_install", "-at_install")
class TestLogikalTours(LogikalTourCase):
    # ------------------------------------------------------------------ admin: sync intervals
    def test_admin_edits_interval_and_disables_a_type(self):
        before = {t: (c.sync_interval_minutes, c.is_sync_enabled) for t, c in self.configs().items()}
        self.assertNotEqual(before["project"][0], 45)
        self.assertTrue(before["parts_list"][1])

        self.start_tour("/odoo", "logikal_admin_sync_intervals", login="admin")

        self.env.invalidate_all()
        after = {t: (c.sync_interval_minutes, c.is_sync_enabled) for t, c in self.configs().items()}
        expected = dict(before, project=(45, before["project"][1]), parts_list=(before["parts_list"][0], False))
        self.assertEqual(after, expected)
        self.assertFalse(self.configs()["parts_list"].is_due, "a disabled type is never due")

    # ------------------------------------------------------------------ admin: test connection
    def test_admin_tests_connection_success_and_failure(self):
        self.start_tour("/odoo", "logikal_admin_test_connection", login="admin")

        self.env.invalidate_all()
        counters = self.sim.counters()
        self.assertEqual((counters["logins"], counters["failed_logins"], counters["open_sessions"]), (1, 0, 0))
        self.assertEqual(self.backend.url, CLOSED_PORT_URL)
        self.assertTrue(self.backend.last_test_result.startswith("Connection failed"), self.backend.last_test_result)
        self.assertNotIn(PASSWORD, self.backend.last_test_result)
        self.assertTrue(self.backend.has_password)

    # ------------------------------------------------------------------ user: Force Sync
    def test_user_force_sync_is_queued_then_done(self):
        project = self._synced_tour_project()
        user = new_test_user(
            self.env, "logikal_tour_user", groups="logikal_connector.group_logikal_user", name="LogiKal Tour User"
        )
        self.sim.mutate("rename", project=project.logikal_id, name="Tour Project revised")
        self.sim.reset_counters()

        self.start_tour("/odoo", "logikal_user_force_sync_queued", login=user.login)

        self.env.invalidate_all()
        request = self.env["logikal.sync.request"].search([("project_id", "=", project.id)])
        self.assertEqual(
            (len(request), request.state, request.scope, request.requested_by_id), (1, "queued", "project", user)
        )
        self.assertEqual((project.sync_state, project.name), ("queued", "Tour Project"))
        self.assertEqual(self.sim.counters()["logins"], 0, "the browser request must not talk to LogiKal")

        self.env["ir.config_parameter"].set_param(MASTER_SWITCH, "False")  # only the request, no scheduled pass
        Scheduler(self.env).tick()
        self.env.invalidate_all()

        self.assertEqual((request.state, project.sync_state, project.name), ("done", "done", "Tour Project revised"))
        self.assertEqual(
            (request.run_id.trigger, request.run_id.state, request.run_id.requested_by_id), ("force", "done", user)
        )
        self.assertEqual(self.sim.counters()["logins"], 1)
        self.assertEqual(self._notifications(user), [("done", "LogiKal sync done")])

        self.start_tour("/odoo", "logikal_user_force_sync_done", login=user.login)

    # ------------------------------------------------------------------ user: a broken parts list
    def test_user_finds_a_parts_list_error(self):
        project = self._synced_tour_project(broken_elevation="Broken Elevation")
        user = new_test_user(self.env, "logikal_tour_user2", groups="logikal_connector.group_logikal_user")
        broken = project.elevation_ids.filtered(lambda e: e.name == "Broken Elevation")
        self.assertEqual((project.error_count, broken.parse_state), (1, "error"))
        self.assertIn("SQLite", broken.parse_error)

        self.start_tour("/odoo", "logikal_user_parts_list_error", login=user.login)
