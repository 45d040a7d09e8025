"""Shared set-up for the Odoo tests: a real simulator over loopback HTTP and a backend pointing at it.

The simulator is the `logikal_sim` package (not shipped with the addon). Tested the OCA way it is installed
from the repository's test-requirements.txt and imported by name; in a checkout it is also found beside
the addon (`logikal_sim/` in the repository root). Without it the tests that need it are skipped, saying why.
"""

import os
import sys
import unittest
from datetime import datetime, timezone

from odoo.tests import TransactionCase

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


class LogikalSimulatorCase(TransactionCase):
    """A TransactionCase with a running simulator (`cls.sim`) and a backend (`cls.backend`)."""

    dataset = "small"
    mode = "observed"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if Simulator is None:
            raise unittest.SkipTest("the LogiKal simulator is missing: pip install -r test-requirements.txt")
        cls.backend = cls.env["logikal.backend"].create(
            {
                "name": "Simulator",
                "url": "http://127.0.0.1:9/api/v3",
                "username": USERNAME,
                "password_input": PASSWORD,
                "read_timeout": 5,
                "parts_timeout": 5,
                "max_retries": 2,
            }
        )

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

    # ------------------------------------------------------------------ helpers
    def run_sync(self, make_work=work.everything, *args, trigger="manual", scope="everything"):
        runner = SyncRunner(self.env, self.backend)
        run = runner.start(trigger, scope, work.ALL_TYPES)
        runner.execute(run, make_work(run, *args))
        return run

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
