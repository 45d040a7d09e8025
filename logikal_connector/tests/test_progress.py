"""Live progress on the bus: what a Force Sync and a scheduled pass send, to whom, how often; failure alerts.

The bus messages are the real `bus.bus` rows (written when the transaction commits: the tests run the
commit hooks as a commit would) and the run's own figures; the simulator answers over loopback HTTP and
slows its phase listings down so a run lasts several seconds.
"""

import json

from odoo.tests import new_test_user, tagged

from ..models.res_config_settings import MASTER_SWITCH
from ..services import progress
from ..services.scheduler import Scheduler
from .common import LogikalSimulatorCase

CLOSED_PORT_URL = "http://127.0.0.1:9/api/v3"
PHASES_HANG = 1.2  # seconds every phase listing takes: one project lasts more than that


class ProgressCase(LogikalSimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, "logikal_progress_user", groups="logikal_connector.group_logikal_user")
        cls.manager = new_test_user(
            cls.env, "logikal_progress_manager", groups="logikal_connector.group_logikal_manager"
        )
        cls.away_manager = new_test_user(
            cls.env, "logikal_progress_offline", groups="logikal_connector.group_logikal_manager"
        )
        cls.backend.responsible_user_id = cls.manager

    def tick(self):
        """One cron call, its commits left out (TransactionCase); the runs it created."""
        before = self.env["logikal.sync.run"].search([]).ids
        Scheduler(self.env).tick()
        self.env.invalidate_all()
        return self.env["logikal.sync.run"].search([("id", "not in", before)], order="id")

    def bus(self, kind, partner=None):
        """Payloads of the `kind` bus messages (to `partner`, or to anyone), oldest first."""
        self.env.cr.precommit.run()  # bus.bus rows are created when the transaction commits
        domain = [("message", "like", f'"type":"{kind}"')]
        if partner is not None:
            domain.append(
                ("channel", "=", json.dumps([self.env.cr.dbname, "res.partner", partner.id], separators=(",", ":")))
            )
        rows = self.env["bus.bus"].sudo().search(domain, order="id")
        return [json.loads(row.message)["payload"] for row in rows]

    def recipients(self, kind):
        self.env.cr.precommit.run()
        rows = self.env["bus.bus"].sudo().search([("message", "like", f'"type":"{kind}"')])
        return {json.loads(row.channel)[2] for row in rows}

    def go_online(self, user):
        self.env["bus.presence"].create({"user_id": user.id, "status": "online"})

    def scheduled_only(self, enabled=True):
        self.env["ir.config_parameter"].set_param(MASTER_SWITCH, "True" if enabled else "False")


@tagged("post_install", "-at_install")
class TestForceSyncProgress(ProgressCase):
    def test_force_sync_of_a_directory_reports_to_its_requester_every_two_seconds(self):
        self.run_sync()
        directory = self.models("logikal.directory").search([("path", "=", "Demo Odoo")])
        covered = self.projects().filtered(lambda p: p.active and p.directory_id.path.startswith("Demo Odoo"))
        self.assertEqual(len(covered), 3)
        self.go_online(self.manager)  # an online manager hears nothing of a run someone asked for
        self.sim.set_faults(hang={"GET /phases": PHASES_HANG})
        self.env["bus.bus"].sudo().search([]).unlink()
        self.scheduled_only(False)

        directory.with_user(self.user).action_force_sync()
        runs = self.tick()

        self.assertEqual((len(runs), runs.state, runs.trigger, runs.requested_by_id), (1, "done", "force", self.user))
        ticks = [p for p in self.bus(progress.PROGRESS) if not p["final"]]
        finals = [p for p in self.bus(progress.PROGRESS) if p["final"]]
        self.assertGreaterEqual(runs.duration, 3 * PHASES_HANG)
        self.assertGreaterEqual(len(ticks), 2, "a run of several seconds reports more than once")
        self.assertLessEqual(len(ticks), int(runs.duration // progress.MIN_INTERVAL) + 1, "one message per 2 s")
        self.assertEqual(self.recipients(progress.PROGRESS), {self.user.partner_id.id})
        self.assertEqual(self.bus(progress.ALERT), [])
        first, last = ticks[0], ticks[-1]
        self.assertEqual(
            {k: first[k] for k in ("run_id", "backend_id", "trigger", "scope", "state", "final")},
            {
                "run_id": runs.id,
                "backend_id": self.backend.id,
                "trigger": "force",
                "scope": "Demo Odoo",
                "state": "running",
                "final": False,
            },
        )
        self.assertEqual([p["total"] for p in ticks[1:]], [3] * (len(ticks) - 1), "known once the walk is done")
        done = [p["done"] for p in ticks]
        self.assertEqual(done, sorted(done))
        self.assertLess(last["done"], 3)
        self.assertIn(last["current"], covered.mapped("name"))
        self.assertEqual(len(finals), 1)
        self.assertEqual(
            {k: finals[0][k] for k in ("run_id", "state", "title", "done", "total", "res_model", "res_id", "failures")},
            {
                "run_id": runs.id,
                "state": "done",
                "title": "LogiKal sync done",
                "done": 3,
                "total": 3,
                "res_model": "logikal.directory",
                "res_id": directory.id,
                "failures": 0,
            },
        )
        seen = sum(runs[f"elevation_{outcome}"] for outcome in ("created", "updated", "unchanged"))
        self.assertEqual((finals[0]["elevations"], last["elevations"] <= seen), (seen, True))
        elevations = [p["elevations"] for p in ticks]
        self.assertEqual(elevations, sorted(elevations))
        self.assertGreater(last["elevations"], 0, "the elevations read so far, before the run's counts are written")
        self.assertGreaterEqual(seen, 17, "4 + 11 + 2 live elevations of the three projects at least")
        self.assertRegex(finals[0]["message"], r"^Demo Odoo: \d+ changes, 0 failures, \d+ API calls")
        self.assertEqual((runs.progress_done, runs.progress_total, runs.current_project_id.id), (3, 3, False))
        self.assertEqual(directory.sync_state, "done")

    def test_a_run_nobody_asked_for_sends_nothing(self):
        self.scheduled_only(False)
        self.env["bus.bus"].sudo().search([]).unlink()
        self.go_online(self.manager)
        run = self.run_sync()  # a helper/test run: no request, not a scheduled pass
        self.assertEqual(run.state, "done")
        self.assertEqual((self.bus(progress.PROGRESS), self.bus(progress.ALERT)), ([], []))
        self.assertEqual((run.progress_done, run.progress_total), (5, 5), "the figures are kept all the same")


@tagged("post_install", "-at_install")
class TestScheduledPassProgress(ProgressCase):
    def setUp(self):
        super().setUp()
        self.scheduled_only(True)
        self.env["bus.bus"].sudo().search([]).unlink()

    def test_scheduled_pass_reports_to_online_managers_only(self):
        self.go_online(self.manager)
        runs = self.tick()
        self.assertEqual((len(runs), runs.trigger, runs.state), (1, "cron", "done"))
        self.assertEqual(self.recipients(progress.PROGRESS), {self.manager.partner_id.id})
        messages = self.bus(progress.PROGRESS, self.manager.partner_id)
        self.assertEqual([p["final"] for p in messages][-1:], [True])
        self.assertLessEqual(len(messages) - 1, int(runs.duration // progress.MIN_INTERVAL) + 1)
        self.assertEqual(
            {k: messages[-1][k] for k in ("run_id", "state", "title", "done", "total")},
            {"run_id": runs.id, "state": "done", "title": "LogiKal sync done", "done": 5, "total": 5},
        )
        self.assertEqual(self.backend.sync_failure_streak, 0)

    def test_no_manager_online_no_progress(self):
        self.env["bus.presence"].create({"user_id": self.away_manager.id, "status": "offline"})
        runs = self.tick()
        self.assertEqual(runs.state, "done")
        self.assertEqual(self.bus(progress.PROGRESS), [])

    def test_failing_passes_alert_once_then_raise_an_activity_then_recover(self):
        self.go_online(self.manager)
        self.backend.url = CLOSED_PORT_URL
        activity_type = self.env.ref(progress.ACTIVITY_TYPE)
        failed = self.env["logikal.sync.run"]
        for _tick in range(4):
            failed |= self.tick()
        self.assertEqual((len(failed), set(failed.mapped("state"))), (4, {"failed"}), "one failed pass per tick")
        self.assertEqual(self.backend.sync_failure_streak, 4)

        alerts = self.bus(progress.ALERT)
        everyone = progress.managers(self.env).partner_id
        self.assertIn(self.away_manager, progress.managers(self.env))
        self.assertEqual(len(alerts), len(everyone), "one alert per manager for the whole streak")
        self.assertEqual(self.recipients(progress.ALERT), set(everyone.ids))
        self.assertEqual(
            {k: alerts[0][k] for k in ("run_id", "backend_id", "state", "title")},
            {
                "run_id": failed[0].id,
                "backend_id": self.backend.id,
                "state": "failed",
                "title": "LogiKal: scheduled sync of Simulator failed",
            },
        )
        self.assertIn("127.0.0.1:9", alerts[0]["message"])
        notes = self.backend.message_ids.filtered(lambda m: "scheduled sync of Simulator failed" in (m.body or ""))
        self.assertEqual(len(notes), 1)

        results = self.bus(progress.PROGRESS, self.manager.partner_id)
        self.assertEqual([(p["final"], p["state"]) for p in results], [(True, "failed")] * 4)
        self.assertEqual(self.bus(progress.PROGRESS, self.away_manager.partner_id), [])

        activities = self.backend.activity_ids
        self.assertEqual(
            (len(activities), activities.user_id, activities.activity_type_id), (1, self.manager, activity_type)
        )
        self.assertIn("3 passes in a row", activities.summary)

        self.backend.url = self.sim.base_url
        self.env["logikal.sync.config"].search([]).write({"last_sync": False})
        recovered = self.tick()
        self.assertEqual(recovered.state, "done")
        self.assertEqual((self.backend.sync_failure_streak, self.backend.activity_ids), (0, activities.browse()))
        self.assertEqual(len(self.bus(progress.ALERT)), len(everyone), "a clean pass sends no alert")

        self.backend.url = CLOSED_PORT_URL
        self.env["logikal.sync.config"].search([]).write({"last_sync": False})
        self.tick()
        self.assertEqual(len(self.bus(progress.ALERT)), 2 * len(everyone), "a new streak alerts again")
