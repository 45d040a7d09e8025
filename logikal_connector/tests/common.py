"""Shared set-up for the Odoo tests: a real simulator over loopback HTTP and a backend pointing at it.

The simulator is the `logikal_sim` package (not shipped with the addon). Tested the OCA way it is installed
from the repository's test-requirements.txt and imported by name; in a checkout it is also found beside
the addon (`logikal_sim/` in the repository root). Without it the tests that need it are skipped, saying why.
"""

import json
import os
import shutil
import sys
import unittest
from datetime import datetime, timezone

from odoo.tests import HttpCase, TransactionCase

from ..services import work
from ..services.runner import SyncRunner


def _import_simulator():
    """`logikal_sim` by name (installed by test-requirements.txt), else from the checkout beside the addon."""
    try:
        import logikal_sim
    except ImportError:
        repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        if not os.path.isfile(os.path.join(repo, "logikal_sim", "__init__.py")):
            return None
        sys.path.append(repo)
        import logikal_sim
    return logikal_sim


_SIM = _import_simulator()
Simulator, generate_dataset = (_SIM.Simulator, _SIM.generate_dataset) if _SIM else (None, None)

USERNAME, PASSWORD = "odoo-sync", "s3cret-Pa55word!"


def utc(epoch):
    return datetime.fromtimestamp(epoch, tz=timezone.utc).replace(tzinfo=None) if epoch else False


CLOSED_PORT_URL = "http://127.0.0.1:9/api/v3"  # the backend's URL until a simulator starts: nothing listens


class SimulatorSetup:
    """The set-up the Odoo tests and the browser tours share: a backend for the simulator's user
    (`cls.backend`, with `backend_values` over the defaults) and a fresh simulator per test (`self.sim`)."""

    dataset = "small"
    mode = "observed"
    backend_values = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if Simulator is None:
            raise unittest.SkipTest("the LogiKal simulator is missing: pip install -r test-requirements.txt")
        values = {
            "name": "Simulator",
            "url": CLOSED_PORT_URL,
            "username": USERNAME,
            "password_input": PASSWORD,
            "read_timeout": 5,
            "parts_timeout": 5,
            "max_retries": 2,
        }
        cls.backend = cls.env["logikal.backend"].create(dict(values, **cls.backend_values))

    def setUp(self):
        super().setUp()
        self.sim = self.start_simulator()

    def start_simulator(self, **options):
        """A fresh simulator per test (mutations never leak between tests), the backend pointed at it."""
        options = dict({"mode": self.mode}, **options)
        sim = Simulator(generate_dataset(self.dataset), username=USERNAME, password=PASSWORD, **options)
        sim.start()
        self.addCleanup(sim.stop)
        self.backend.url = sim.base_url
        return sim

    def run_sync(self, make_work=work.everything, *args, trigger="manual", scope="everything"):
        runner = SyncRunner(self.env, self.backend)
        run = runner.start(trigger, scope, work.ALL_TYPES)
        runner.execute(run, make_work(run, *args))
        return run


class LogikalSimulatorCase(SimulatorSetup, TransactionCase):
    """A TransactionCase with a running simulator (`self.sim`) and a backend (`cls.backend`)."""

    # ------------------------------------------------------------------ helpers
    def models(self, name):
        return self.env[name].with_context(active_test=False)

    def projects(self):
        return self.models("logikal.project").search([("backend_id", "=", self.backend.id)])

    def elevations(self):
        return self.models("logikal.elevation").search([("backend_id", "=", self.backend.id)])

    def project(self, guid):
        return self.models("logikal.project").search([("backend_id", "=", self.backend.id), ("logikal_id", "=", guid)])

    def elevation(self, guid):
        return self.models("logikal.elevation").search(
            [("backend_id", "=", self.backend.id), ("logikal_id", "=", guid)]
        )

    def expected(self):
        """The simulator's dataset without the content of projects deleted in LogiKal (never descended into)."""
        data = self.sim.expected()
        deleted = {p["id"] for p in data["projects"] if p["isDeleted"]}
        data["phases"] = [p for p in data["phases"] if p["project"] not in deleted]
        data["elevations"] = [e for e in data["elevations"] if e["project"] not in deleted]
        data["live_elevations"] = [e for e in data["elevations"] if not e["isInRecycleBin"]]
        return data

    def counter(self, endpoint):
        return self.sim.counters()["calls"].get(endpoint, 0)


class LogikalTourCase(SimulatorSetup, HttpCase):
    """A simulator and a backend for the browser tours (test_tour*.py of both addons build on it)."""

    backend_values = {"max_retries": 0}

    @classmethod
    def setUpClass(cls):
        if not shutil.which("chromium") and not shutil.which("google-chrome"):
            raise unittest.SkipTest("no Chromium: install Debian's `chromium` to run the tours")
        super().setUpClass()

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
        run = self.run_sync()
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
