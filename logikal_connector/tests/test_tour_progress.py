"""Browser tour (headless Chromium): a Force Sync of a directory seen live through Odoo's bus.

The browser gets the bus messages over its real websocket (Odoo turns websockets off in test mode; this
test turns them on, as Odoo's own `bus.tests.common.WebsocketCase` does). The cron worker is a thread of
the test that serves the request with the scheduler while the tour watches. All the test's requests share
one database transaction behind a lock (Odoo's test cursor): the worker's commit releases that lock for a
moment and wakes the websockets, which is what a real commit (and its `NOTIFY imbus`) does for them.
"""

import json
import threading
import time
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.addons.bus.models.bus import dispatch
from odoo.addons.bus.websocket import WebsocketConnectionHandler
from odoo.tests import new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from ..models.res_config_settings import MASTER_SWITCH
from ..services import progress
from ..services.scheduler import Scheduler
from ..services.transaction import CronUnitOfWork
from .common import LogikalTourCase

PHASES_HANG = 2.3  # seconds per phase listing: every project lasts longer than the 2 s between messages
DIRECTORY = "Demo Odoo"  # 3 live projects with its sub-directories in the "small" dataset
HANDOFF_SECONDS = 0.15


class CronWorker(threading.Thread):
    """Waits for a queued Force Sync, then runs one scheduler call on it, committing as the cron does."""

    def __init__(self, registry, timeout=90):
        super().__init__(name="logikal-tour-cron", daemon=True)
        self.registry = registry
        self.timeout = timeout
        self.error = None
        self.served = False

    def run(self):
        try:
            if self._wait_for_request():
                self._tick()
                self.served = True
        except Exception as error:  # reported by the test's main thread
            self.error = error

    def _wait_for_request(self):
        until = time.monotonic() + self.timeout
        while time.monotonic() < until:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                if env["logikal.sync.request"].search_count([("state", "=", "queued")]):
                    return True
            time.sleep(0.3)
        return False

    def _tick(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            Scheduler(env, transaction=TourUnitOfWork(cr, self.registry.test_lock), budget=60).tick()


class TourUnitOfWork(CronUnitOfWork):
    """The cron's commits, on the test cursor (which runs the precommit hooks: bus.bus rows are written);
    after each one the websockets are woken and the test lock is released a moment, so the tour's browser,
    which reads through its own cursor, sees what was committed."""

    def __init__(self, cr, lock):
        super().__init__(cr)
        self.lock = lock

    def commit_unit(self):
        committed = super().commit_unit()
        for websockets in list(dispatch._channels_to_ws.values()):
            for websocket in list(websockets):
                websocket.trigger_notification_dispatching()
        self.lock.release()  # let the websocket (and the browser's requests) read what was committed
        time.sleep(HANDOFF_SECONDS)
        self.lock.acquire()
        return committed


@tagged("post_install", "-at_install")
class TestLogikalProgressTour(LogikalTourCase):
    backend_values = {"read_timeout": 10, "parts_timeout": 10, "max_retries": 0}  # listings hang 2.3 s each

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(patch.object(WebsocketConnectionHandler, "websocket_allowed", return_value=True))

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param(MASTER_SWITCH, "False")  # only the Force Sync, no pass

    def test_force_sync_of_a_directory_is_seen_live(self):
        first = self.run_sync()
        self.assertEqual(first.state, "done", first.error_summary)
        directory = self.env["logikal.directory"].search([("path", "=", DIRECTORY)])
        self.assertEqual(directory.sync_state, "done")
        directory.sudo().write({"sync_state": "never"})  # the form must show the change the sync makes
        user = new_test_user(
            self.env, "logikal_progress_tour", groups="logikal_connector.group_logikal_user", name="Progress User"
        )
        self.sim.set_faults(hang={"GET /phases": PHASES_HANG})
        self.env["bus.bus"].sudo().search([]).unlink()

        worker = CronWorker(self.registry)
        navigate = ChromeBrowser.navigate_to

        def navigate_then_start_worker(browser, *args, **kwargs):
            # from here on the test's own thread leaves the database to the browser's requests and the worker
            worker.start()
            return navigate(browser, *args, **kwargs)

        try:
            with patch.object(ChromeBrowser, "navigate_to", navigate_then_start_worker):
                self.start_tour(
                    f"/odoo/logikal-directories/{directory.id}",
                    "logikal_user_sees_sync_progress",
                    login=user.login,
                    timeout=120,
                )
        finally:
            if worker.ident:
                worker.join(timeout=180)
        self.assertIsNone(worker.error)
        self.assertTrue(worker.served, "the tour never queued a Force Sync")

        self.env.invalidate_all()
        request = self.env["logikal.sync.request"].search([("directory_id", "=", directory.id)])
        self.assertEqual((request.state, request.requested_by_id, request.run_id.state), ("done", user, "done"))
        self.assertEqual(directory.sync_state, "done")
        rows = self.env["bus.bus"].sudo().search([("message", "like", f'"type":"{progress.PROGRESS}"')], order="id")
        payloads = [json.loads(row.message)["payload"] for row in rows]
        self.assertEqual({json.loads(row.channel)[2] for row in rows}, {user.partner_id.id})
        self.assertEqual([p["final"] for p in payloads].count(True), 1)
        self.assertGreaterEqual(len(payloads) - 1, 3, "the tour saw 1 of 3 and 2 of 3 after the first message")
