"""Browser tours (headless Chromium): what admins and users do in the LogiKal app.

The simulator answers over loopback HTTP; the scheduler is run from Python between two tours, as the
cron worker would, because the browser never waits on LogiKal.
"""

import json
import shutil
import unittest

from odoo.tests import HttpCase, new_test_user, tagged

from ..models.res_config_settings import MASTER_SWITCH
from ..services import work
from ..services.runner import SyncRunner
from ..services.scheduler import Scheduler
from .common import PASSWORD, USERNAME, Simulator, generate_dataset

CLOSED_PORT_URL = "http://127.0.0.1:9/api/v3"


class LogikalTourCase(HttpCase):
    """A simulator and a backend for tours; the tour test modules (test_tour*.py) build on it."""

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
                "url": CLOSED_PORT_URL,
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

    def configs(self):
        configs = self.env["logikal.sync.config"].search([])
        return {config.object_type: config for config in configs}

    def _synced_tour_project(self, broken_elevation=None):
        """Sync the simulator's dataset once, with one project renamed "Tour Project".

        With `broken_elevation`, its first elevation gets that name and a corrupt parts list.
        """
        data = self.sim.expected()
        with_elevations = {e["project"] for e in data["elevations"] if not e["isInRecycleBin"]}
        guid = next(p["id"] for p in data["projects"] if not p["isDeleted"] and p["id"] in with_elevations)
        self.sim.mutate("rename", project=guid, name="Tour Project")
        if broken_elevation:
            elevation = next(e["id"] for e in data["elevations"] if e["project"] == guid and not e["isInRecycleBin"])
            self.sim.mutate("rename", elevation=elevation, name=broken_elevation)
            self.sim.set_faults(corrupt={elevation: "sqlite"})
        runner = SyncRunner(self.env, self.backend)
        run = runner.start("manual", "everything", work.ALL_TYPES)
        runner.execute(run, work.everything(run))
        self.assertEqual(run.state, "partial" if broken_elevation else "done", run.error_summary)
        project = self.env["logikal.project"].search([("logikal_id", "=", guid)])
        self.assertEqual(project.name, "Tour Project")
        if broken_elevation:
            self.assertNotEqual(project.sync_state, "done", "a project with a failed parts list is not complete")
        else:
            self.assertEqual(project.sync_state, "done")
        self.assertTrue(project.thumbnail)
        return project

    def _notifications(self, user):
        """(state, title) of the sync results sent to `user` (flushed as a commit would)."""
        self.env.cr.precommit.run()
        messages = self.env["bus.bus"].sudo().search([("channel", "like", f'"res.partner",{user.partner_id.id}]')])
        found = [json.loads(m.message) for m in messages]
        results = [n["payload"] for n in found if n["type"] == "logikal_sync_progress" and n["payload"]["final"]]
        return [(payload["state"], payload["title"]) for payload in results]


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
