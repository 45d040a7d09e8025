"""Browser tour (headless Chromium): a user sees a failed elevation, presses Force Sync on it, and the
elevation then shows Synced with its date. The scheduler runs from Python between the two tours, as the
cron worker would."""

from odoo.tests import new_test_user, tagged

from ..models.res_config_settings import MASTER_SWITCH
from ..services.scheduler import Scheduler
from .test_tours import LogikalTourCase


@tagged("post_install", "-at_install")
class TestElevationForceSyncTour(LogikalTourCase):
    def test_user_force_syncs_a_failed_elevation_and_sees_it_synced(self):
        project = self._synced_tour_project(broken_elevation="Broken Elevation")
        broken = project.elevation_ids.filtered(lambda e: e.name == "Broken Elevation")
        self.assertEqual((broken.sync_state, broken.parse_state, broken.sync_attempts), ("failed", "error", 1))
        self.assertTrue(broken.next_retry_date, "it waits for its retry")
        user = new_test_user(self.env, "logikal_tour_user3", groups="logikal_connector.group_logikal_user")

        self.start_tour("/odoo", "logikal_user_elevation_failed_force_sync", login=user.login)

        self.env.invalidate_all()
        request = self.env["logikal.sync.request"].search([("elevation_id", "=", broken.id)])
        self.assertEqual((request.state, request.requested_by_id, broken.sync_state), ("queued", user, "queued"))
        self.sim.set_faults()  # LogiKal now serves a good parts list
        self.sim.reset_counters()
        self.env["ir.config_parameter"].set_param(MASTER_SWITCH, "False")  # only the request, no scheduled pass
        Scheduler(self.env).tick()
        self.env.invalidate_all()
        self.assertEqual((request.state, request.run_id.state), ("done", "done"), request.message)
        self.assertEqual(
            (broken.sync_state, broken.parse_state, broken.sync_error, broken.sync_attempts), ("done", "ok", False, 0)
        )
        self.assertTrue(broken.last_sync_date)
        self.assertEqual(self.sim.counters()["parts_downloads"], 1)
        self.assertEqual(self._notifications(user), [("done", "LogiKal sync done")])

        self.start_tour("/odoo", "logikal_user_elevation_synced", login=user.login)
