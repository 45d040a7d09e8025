"""The smart scheduler: due ordering (time travel), master switch, Force Sync requests, budget and resume.

Concurrency (two workers, two triggers at once) needs separate database connections with committed data:
see TestSchedulerConcurrency.
"""

import threading
import time
import unittest
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger

from ..logikal import LogikalBudgetSpent
from ..services import locks
from ..services.engine import SyncEngine
from ..services.scheduler import BUDGET_PARAM, Scheduler, sync_worker_crons, worker_crons
from .common import PASSWORD, USERNAME, LogikalSimulatorCase, Simulator, generate_dataset

T0 = datetime(2025, 6, 2, 8, 0, 0)
SCHEDULER_LOGGER = "odoo.addons.logikal_connector.services.scheduler"
RUNNER_LOGGER = "odoo.addons.logikal_connector.services.runner"


class SchedulerCase(LogikalSimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.configs = cls.env["logikal.sync.config"].search([])
        cls.cron = cls.env.ref("logikal_connector.ir_cron_smart_sync")

    def config(self, object_type):
        return self.configs.filtered(lambda c: c.object_type == object_type)

    def tick(self):
        """One cron call as ir.cron makes it (with a progress record); returns (runs created, progress)."""
        _cron, progress = self.cron._add_progress()
        before = self.runs().ids
        # the cron entry point minus its commits (TransactionCase forbids them)
        Scheduler(self.env["logikal.sync.config"].with_context(ir_cron_progress_id=progress.id).env).tick()
        self.env.invalidate_all()
        return self.runs().filtered(lambda r: r.id not in before), progress

    def runs(self, **domain):
        return self.env["logikal.sync.run"].search(
            [("backend_id", "=", self.backend.id)] + [(k, "=", v) for k, v in domain.items()], order="id"
        )

    def set_last_syncs(self, now, **minutes_ago):
        for object_type, minutes in minutes_ago.items():
            self.config(object_type).last_sync = now - timedelta(minutes=minutes)

    def live_projects(self):
        return self.expected_projects_live()

    def expected_projects_live(self):
        return [p for p in self.expected()["projects"] if not p["isDeleted"]]


@tagged("post_install", "-at_install")
class TestSchedulerPlanning(SchedulerCase):
    def test_seeded_intervals(self):
        seeded = {
            c.object_type: (
                c.sync_interval_minutes,
                c.staleness_threshold_minutes,
                c.priority,
                c.depends_on or False,
                c.cascade_sync,
            )
            for c in self.configs
        }
        self.assertEqual(
            seeded,
            {
                "directory": (60, 120, 1, False, False),
                "project": (30, 60, 2, "directory", True),
                "phase": (15, 30, 3, "project", False),
                "elevation": (15, 30, 4, "phase", False),
                "parts_list": (15, 30, 5, "elevation", False),
            },
        )

    def test_first_tick_syncs_everything_in_dependency_order_then_only_what_is_due(self):
        with freeze_time(T0):
            runs, progress = self.tick()
        self.assertEqual(len(runs), 1)
        self.assertEqual(
            (runs.trigger, runs.state, runs.plan["types"]),
            ("cron", "done", ["directory", "project", "phase", "elevation", "parts_list"]),
        )
        live = self.expected_projects_live()
        self.assertEqual(len(runs.project_ids), len(live))
        self.assertEqual(len(self.elevations()), len(self.expected()["elevations"]))
        self.assertEqual(set(self.configs.mapped("last_sync")), {T0})
        self.assertEqual(set(self.configs.mapped("last_result")), {"done"})
        self.assertEqual(self.sim.counters()["logins"], 1)
        self.assertEqual((progress.remaining, progress.done > 0), (0, True))

        with freeze_time(T0 + timedelta(minutes=14)):  # nothing due yet
            runs, _progress = self.tick()
            self.assertFalse(runs)
            self.assertFalse(self.configs.filtered("is_due"))

        self.sim.reset_counters()
        with freeze_time(T0 + timedelta(minutes=15)):  # phases, elevations, parts lists (15 min)
            runs, _progress = self.tick()
        self.assertEqual(runs.plan["types"], ["phase", "elevation", "parts_list"])
        calls = self.sim.counters()["calls"]
        directories = len(self.expected()["directories"])
        # unchanged projects are confirmed by their listing; the verification rotation reads one in full
        self.assertEqual((calls.get("GET /projects", 0), calls.get("GET /phases")), (directories, 1))
        self.assertEqual(calls.get("GET /elevations/selected/parts-list", 0), 0)  # nothing changed
        self.assertEqual(self.config("directory").last_sync, T0)
        self.assertEqual(self.config("phase").last_sync, T0 + timedelta(minutes=15))

        with freeze_time(T0 + timedelta(minutes=30)):  # projects (30 min); phases not yet (synced 5 min ago)
            self.set_last_syncs(T0 + timedelta(minutes=30), phase=5, elevation=5, parts_list=5)
            runs, _progress = self.tick()
        self.assertEqual(
            (runs.plan["types"], runs.plan["cascade"]), (["project"], ["elevation", "parts_list", "phase"])
        )

    def test_priority_orders_independent_types(self):
        self.configs.write({"depends_on_id": False})
        self.config("directory").priority = 9
        self.config("phase").priority = 0
        self.config("parts_list").is_sync_enabled = False
        with freeze_time(T0):
            runs, _progress = self.tick()
        self.assertEqual(runs.plan["types"], ["phase", "project", "elevation", "directory"])
        self.assertFalse(self.config("parts_list").last_sync)
        self.assertEqual(self.sim.counters()["calls"].get("GET /elevations/selected/parts-list", 0), 0)

    def test_stale_parent_runs_first_and_fresh_parent_does_not(self):
        with freeze_time(T0):
            self.set_last_syncs(T0, directory=50, project=20, phase=15, elevation=1, parts_list=1)
            runs, _progress = self.tick()
            self.assertEqual(runs.plan["types"], ["phase"])
            self.assertEqual(self.sim.counters()["calls"].get("GET /projects", 0), 0)
        with freeze_time(T0 + timedelta(hours=1)):
            self.config("project").sync_interval_minutes = 500  # not due, but stale (> 60 min)
            self.set_last_syncs(T0 + timedelta(hours=1), directory=50, project=61, phase=15, elevation=1, parts_list=1)
            runs, _progress = self.tick()
        self.assertEqual(runs.plan["types"], ["project", "phase"])
        self.assertEqual(self.config("project").last_sync, T0 + timedelta(hours=1))

    def test_cascade_syncs_the_content_of_changed_projects_only(self):
        with freeze_time(T0):
            self.tick()
        changed = self.expected_projects_live()[0]
        self.sim.mutate("touch", project=changed["id"])
        self.sim.reset_counters()
        with freeze_time(T0 + timedelta(minutes=30)):
            self.set_last_syncs(T0 + timedelta(minutes=30), phase=10, elevation=10, parts_list=10)
            runs, _progress = self.tick()
        self.assertEqual(runs.plan, {"types": ["project"], "cascade": ["elevation", "parts_list", "phase"]})
        self.assertEqual(runs.cascade_project_ids, self.project(changed["id"]))
        self.assertEqual(runs.project_ids, self.project(changed["id"]))
        self.assertEqual(self.sim.counters()["calls"].get("GET /phases"), 1)
        self.assertEqual(self.config("phase").last_sync, T0 + timedelta(minutes=20))  # cascade: no stamp

        self.config("project").cascade_sync = False
        self.sim.mutate("touch", project=changed["id"])
        self.sim.reset_counters()
        with freeze_time(T0 + timedelta(minutes=60)):
            self.set_last_syncs(T0 + timedelta(minutes=60), directory=10, phase=10, elevation=10, parts_list=10)
            runs, _progress = self.tick()
        self.assertEqual(runs.plan, {"types": ["project"], "cascade": []})
        self.assertFalse(runs.project_ids)
        self.assertEqual(self.sim.counters()["calls"].get("GET /phases", 0), 0)


@tagged("post_install", "-at_install")
class TestSchedulerRequests(SchedulerCase):
    def setUp(self):
        super().setUp()
        self.configs.write({"last_sync": datetime.now()})  # nothing scheduled is due: requests only

    def test_master_switch_off_skips_scheduled_work_quietly_but_serves_requests(self):
        self.configs.write({"last_sync": False})
        self.env["res.config.settings"].create({"logikal_background_sync_enabled": False}).execute()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param("logikal_connector.background_sync_enabled"), "False"
        )
        with freeze_time(T0):
            runs, progress = self.tick()
            self.assertFalse(runs)
            self.assertEqual(progress.remaining, 0)
            self.assertFalse(any(self.configs.mapped("last_attempt")))
            self.assertTrue(self.config("phase").is_due)
            self.assertEqual(self.sim.counters()["logins"], 0)
            self.config("directory").action_sync_now()
            runs, _progress = self.tick()
        self.assertEqual((runs.trigger, runs.state, runs.plan["types"]), ("manual", "done", ["directory"]))
        self.assertEqual(self.config("directory").last_sync, T0)
        self.assertFalse(self.config("project").last_sync)
        self.assertFalse(self.projects())
        self.assertEqual(
            len(self.models("logikal.directory").search([("backend_id", "=", self.backend.id)])),
            len(self.expected()["directories"]),
        )

    def test_master_switch_default_is_on(self):
        self.env["ir.config_parameter"].search([("key", "=", "logikal_connector.background_sync_enabled")]).unlink()
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.logikal_background_sync_enabled)

    def test_force_sync_coalesces_and_shows_its_states(self):
        self.run_sync()
        project = self.projects().filtered("active")[0]
        user = self.env["res.users"].create(
            {
                "name": "LogiKal user",
                "login": "lk-user",
                "groups_id": [(6, 0, [self.env.ref("logikal_connector.group_logikal_user").id])],
            }
        )
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        project.with_user(user).action_force_sync()
        project.with_user(user).action_force_sync()
        requests = self.env["logikal.sync.request"].search([("project_id", "=", project.id)])
        self.assertEqual(
            (len(requests), requests.state, requests.requested_by_id, project.sync_state), (1, "queued", user, "queued")
        )
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]), triggers + 2)
        self.sim.reset_counters()
        runs, _progress = self.tick()
        self.assertEqual(
            (runs.trigger, runs.state, runs.requested_by_id, runs.project_ids), ("force", "done", user, project)
        )
        self.assertEqual((requests.state, requests.run_id, project.sync_state), ("done", runs, "done"))
        self.assertEqual(self.sim.counters()["logins"], 1)
        sent = self.env.cr.precommit.data.get("bus.bus.values", [])  # bus.bus rows are written at commit
        self.assertIn(
            (f'"res.partner",{user.partner_id.id}]', True),
            [
                (v["channel"][-len(f'"res.partner",{user.partner_id.id}]') :], "LogiKal sync done" in v["message"])
                for v in sent
            ],
        )
        project.with_user(user).action_force_sync()
        self.assertEqual(len(self.env["logikal.sync.request"].search([("project_id", "=", project.id)])), 2)

    def test_failed_force_sync_is_visible_on_request_and_record(self):
        self.run_sync()
        project = self.projects().filtered("active")[0]
        project.action_force_sync()
        self.backend.password_input = "wrong-password"
        runs, _progress = self.tick()
        request = self.env["logikal.sync.request"].search([("project_id", "=", project.id)])
        self.assertEqual((runs.state, request.state, project.sync_state), ("failed", "failed", "failed"))
        self.assertIn("401", request.message + (project.sync_error or ""))


@tagged("post_install", "-at_install")
class TestSchedulerBudget(SchedulerCase):
    def test_long_sync_is_split_across_cron_calls_and_ends_complete(self):
        # login 0.12 s, a parts list 0.04 s, a whole project 0.2-0.6 s: a budget of 0.4 s per call
        self.sim = self.start_simulator(latency_scale=0.02)
        self.env["ir.config_parameter"].set_param(BUDGET_PARAM, "0.4")
        reports = []
        with freeze_time(T0, tick=True):
            # a loaded machine does less per 0.4 s call: the bound only stops a pass that never ends
            for _call in range(300):
                _runs, progress = self.tick()
                reports.append((progress.done, progress.remaining))
                if not progress.remaining:
                    break
        runs = self.runs()
        self.assertEqual(len(runs), 1, "one pass resumed across calls, never a second run")
        self.assertEqual(runs.state, "done", (reports, runs.error_summary))
        self.assertGreaterEqual(len(reports), 3, reports)
        self.assertTrue(all(done > 0 for done, _remaining in reports), reports)
        self.assertTrue(all(remaining > 0 for _done, remaining in reports[:-1]), reports)
        self.assertEqual(reports[-1][1], 0)
        self.assertEqual(runs.logins, len(reports))
        live = self.expected_projects_live()
        self.assertEqual(sorted(runs.project_ids.mapped("logikal_id")), sorted(p["id"] for p in live))
        self.assertEqual(len(self.elevations()), len(self.expected()["elevations"]))
        parts = self.expected()["live_elevations"]
        self.assertEqual(len(self.elevations().filtered("parts_list_sha256")), len(parts))
        self.assertEqual(set(self.configs.mapped("last_result")), {"done"})

    def test_killed_run_is_aborted_and_its_work_resumed(self):
        self.sim = self.start_simulator(latency_scale=0.1)
        self.env["ir.config_parameter"].set_param(BUDGET_PARAM, "0.5")
        with freeze_time(T0, tick=True):  # ticking: the budget runs on the (frozen) monotonic clock
            self.tick()
            first = self.runs()
            self.assertEqual(first.state, "running")
            done_before = first.project_ids
        with freeze_time(T0 + timedelta(minutes=10)), mute_logger(SCHEDULER_LOGGER):
            self.env["ir.config_parameter"].set_param(BUDGET_PARAM, "600")
            runs, progress = self.tick()
        self.assertEqual(first.state, "aborted")
        self.assertIn("stopped during the run", first.error_summary)
        self.assertEqual((runs.resumed_from_id, runs.state), (first, "done"))
        self.assertEqual(progress.remaining, 0)
        live = self.expected_projects_live()
        self.assertEqual(sorted(runs.project_ids.mapped("logikal_id")), sorted(p["id"] for p in live))
        self.assertLessEqual(done_before, runs.project_ids)
        phases_listed = self.sim.counters()["calls"]["GET /phases"]
        self.assertLessEqual(phases_listed, len(live) + 1, "at most the project in flight is listed twice")

    def test_a_project_cut_by_the_budget_stays_locked_until_the_tick_ends(self):
        """A project whose sync is cut keeps its lock until the run's transaction has ended: released earlier,
        another worker could claim it and insert the same rows before they are committed (a duplicate key)."""
        self.sim = self.start_simulator()
        original, cut, held_at_release = SyncEngine.sync_project, [], []

        def cut_after_first(engine, project, **kwargs):
            original(engine, project, **kwargs)  # its rows are written; the budget ends the run right after
            cut.append(project.id)
            raise LogikalBudgetSpent("budget spent in the test")

        def release_all(locks_self):
            held_at_release.extend(locks_self.held)
            return original_release(locks_self)

        original_release = locks.AdvisoryLocks.release_all
        with (
            freeze_time(T0),
            patch.object(SyncEngine, "sync_project", cut_after_first),
            patch.object(locks.AdvisoryLocks, "release_all", release_all),
        ):
            runs, _progress = self.tick()
        self.assertEqual((len(cut), runs.state), (1, "running"), runs.error_summary)
        self.assertIn((locks.PROJECT, cut[0]), held_at_release, "the cut project was unlocked before the tick's end")
        self.assertNotIn(cut[0], runs.project_ids.ids, "a cut project is not counted as done")
        self.env.cr.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        self.assertEqual(self.env.cr.fetchone()[0], 0, "every lock is released when the tick ends")

    def test_failing_project_is_parked_and_the_tick_goes_on(self):
        self.run_sync()
        project = self.projects().filtered("active")[0]
        project.write({"sync_attempts": self.backend.max_attempts, "sync_error": "locked"})
        with freeze_time(T0):
            self.set_last_syncs(T0, directory=1, project=1, phase=15, elevation=1, parts_list=1)
            runs, _progress = self.tick()
        self.assertEqual(runs.state, "done")
        self.assertNotIn(project, runs.planned_project_ids)
        self.assertEqual(len(runs.project_ids), len(self.expected_projects_live()) - 1)


class KilledWorker(BaseException):
    """Stands for the end of a worker process: no handler of the addon catches it."""


def run_in_threads(functions, timeout):
    """Run each function in its own daemon thread; return their results, or fail (never hang) on a timeout.

    The test runner holds the registry lock; worker threads need a registry like HTTP threads do in Odoo's own
    test mode (Registry.enter_test_mode swaps in the same dummy lock). Daemon threads and bounded joins keep a
    stuck worker from hanging the whole test process.
    """
    results, errors = [None] * len(functions), []

    def call(index, function):
        try:
            results[index] = function()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=call, args=(i, f), daemon=True) for i, f in enumerate(functions)]
    with patch.object(Registry, "_lock", DummyRLock()):
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    if stuck:
        raise AssertionError(f"worker threads still running after {timeout} s: {stuck}")
    if errors:
        raise errors[0]
    return results


@tagged("post_install", "-at_install")
class TestSchedulerConcurrency(BaseCase):
    """Real concurrency: committed data and one database connection per worker thread (cleaned up after).

    Each worker calls the cron entry point `_cron_smart_sync()` exactly as ir.cron does (with commits).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if Simulator is None:
            raise unittest.SkipTest("the LogiKal simulator (logikal_sim/) is not beside the addon")
        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        self.sim = Simulator(
            generate_dataset("small"), username=USERNAME, password=PASSWORD, mode="observed", latency_scale=0.02
        )
        self.sim.start()
        self.addCleanup(self.sim.stop)
        with self.env_cursor() as env:
            self.backend_id = (
                env["logikal.backend"]
                .create(
                    {
                        "name": "Simulator (concurrency)",
                        "url": self.sim.base_url,
                        "username": USERNAME,
                        "password_input": PASSWORD,
                        "read_timeout": 5,
                        "parts_timeout": 5,
                        "parallel_sessions": 2,
                    }
                )
                .id
            )
            env["logikal.sync.config"].search([]).write({"last_sync": datetime.now()})
        self.addCleanup(self.cleanup)

    @contextmanager
    def env_cursor(self):
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def cleanup(self):
        with self.env_cursor() as env:
            domain = [("backend_id", "=", self.backend_id)]
            env["logikal.sync.request"].search(domain).unlink()
            env["logikal.sync.run"].search(domain).unlink()
            for model in ("logikal.elevation", "logikal.phase", "logikal.project", "logikal.directory"):
                env[model].with_context(active_test=False).search(domain).unlink()
            env["logikal.backend"].browse(self.backend_id).unlink()
            env["logikal.sync.config"].search([]).write(
                {"last_sync": False, "last_attempt": False, "last_result": False, "last_message": False}
            )

    def worker(self, barrier, calls=40, join=False):
        """A cron worker: calls the tick until nothing remains (as ir.cron does on partial progress).

        `join`: start once a scheduled pass exists (as the second worker cron does when the lead wakes it).
        """
        reports = []
        with self.env_cursor() as env:
            barrier.wait(timeout=30)
            for _poll in range(300 if join else 0):
                env.cr.rollback()  # read only: a fresh snapshot, to see the other worker's pass
                if self.runs(env):
                    break
                time.sleep(0.02)
            for _call in range(calls):
                done, remaining = env["logikal.sync.config"]._cron_smart_sync()
                reports.append((done, remaining))
                if not remaining:
                    break
                time.sleep(0.05)
        return reports

    def run_workers(self, count=2, join=False):
        barrier = threading.Barrier(count)
        # the test runner holds the registry lock; worker threads need a registry like HTTP threads do in
        # Odoo's own test mode (Registry.enter_test_mode swaps in the same dummy lock)
        return run_in_threads(
            [lambda index=index: self.worker(barrier, join=join and index > 0) for index in range(count)], timeout=300
        )

    def runs(self, env):
        return env["logikal.sync.run"].search([("backend_id", "=", self.backend_id)], order="id")

    def live_projects(self):
        return {p["id"] for p in self.sim.expected()["projects"] if not p["isDeleted"]}

    def test_two_workers_share_the_projects_within_two_sessions(self):
        with self.env_cursor() as env:
            env["logikal.sync.config"].search([]).write({"last_sync": False})
        reports = self.run_workers(join=True)
        counters = self.sim.counters()
        with self.env_cursor() as env:
            runs = self.runs(env)
            lead = runs.filtered(lambda r: not r.parent_id)
            helpers = runs - lead
            self.assertEqual((len(lead), lead.trigger, lead.state), (1, "cron", "done"), (reports, lead.error_summary))
            self.assertTrue(helpers.project_ids, f"the second worker synced no project: {reports}")
            self.assertTrue(lead.project_ids, f"the lead synced no project: {reports}")
            synced = [p.logikal_id for run in runs for p in run.project_ids]
            self.assertEqual(sorted(synced), sorted(self.live_projects()), "every project synced exactly once")
            self.assertEqual(counters["calls"]["GET /phases"], len(self.live_projects()))
            self.assertEqual(counters["max_open_sessions"], 2)
            self.assertEqual(counters["logins"], len(runs))
            elevations = (
                env["logikal.elevation"]
                .with_context(active_test=False)
                .search_count([("backend_id", "=", self.backend_id)])
            )
            self.assertEqual(elevations, len(self.sim.expected()["elevations"]) - 2)  # minus the deleted project's

    def use_tree(self, parallel, **dataset):
        """A bigger tree on a fresh simulator, the backend allowing `parallel` sessions."""
        self.sim.stop()
        self.sim = Simulator(
            generate_dataset("scale", **dataset), username=USERNAME, password=PASSWORD, latency_scale=0.02
        )
        self.sim.start()
        self.addCleanup(self.sim.stop)
        with self.env_cursor() as env:
            env["logikal.backend"].browse(self.backend_id).write(
                {"url": self.sim.base_url, "parallel_sessions": parallel}
            )
            env["logikal.sync.config"].search([]).write({"last_sync": False})

    def test_four_workers_claim_each_project_once_within_four_sessions(self):
        self.use_tree(4, projects=16, dirs=4, phases=2, elevations=1)
        with self.env_cursor() as env:
            sync_worker_crons(env)
            active = worker_crons(env).filtered("active")
            self.assertEqual(active, worker_crons(env, 3), "N sessions: the smart-sync cron and N - 1 workers")
        reports = self.run_workers(count=4, join=True)
        counters = self.sim.counters()
        with self.env_cursor() as env:
            runs = self.runs(env)
            lead = runs.filtered(lambda r: not r.parent_id)
            self.assertEqual((len(lead), lead.state), (1, "done"), (reports, lead.error_summary))
            synced = [p.logikal_id for run in runs for p in run.project_ids]
            self.assertEqual(sorted(synced), sorted(self.live_projects()), "every project synced exactly once")
            self.assertEqual(counters["calls"]["GET /phases"], 16)
            self.assertLessEqual(counters["max_open_sessions"], 4)
            self.assertGreaterEqual(len(runs.filtered("project_ids")), 3, f"more than two sessions worked: {reports}")
            self.assertEqual(counters["logins"], len(runs))
            triggers = env["ir.cron.trigger"].search([("cron_id", "in", worker_crons(env, 3).ids)])
            self.assertEqual(set(triggers.cron_id.ids), set(worker_crons(env, 3).ids), "the lead woke 3 workers")
            env["logikal.backend"].browse(self.backend_id).parallel_sessions = 1
            sync_worker_crons(env)
            self.assertFalse(worker_crons(env).filtered("active"))

    def test_a_worker_killed_mid_pass_is_resumed_to_the_data_of_a_fault_free_sync(self):
        """The cron commits do not wait for their flush; a worker whose connection dies mid-pass loses only
        the unit in flight, and the pass resumed by another worker ends with every elevation as listed."""
        self.use_tree(1, projects=6, dirs=2, phases=1, elevations=2)
        original, synced = SyncEngine.sync_project, []

        def die_after_two(engine, project, **kwargs):
            if len(synced) == 2:
                engine.env.cr._cnx.close()  # the worker's connection is gone: nothing more is committed
                raise KilledWorker()
            synced.append(project.id)
            return original(engine, project, **kwargs)

        with (
            patch.object(SyncEngine, "sync_project", die_after_two),
            mute_logger(SCHEDULER_LOGGER, RUNNER_LOGGER, "odoo.sql_db"),
        ):
            killed = run_in_threads([lambda: self.killed_worker()], timeout=120)
        self.assertEqual(killed, [True])
        with self.env_cursor() as env:
            first = self.runs(env)
            self.assertEqual((len(first), first.state, len(first.project_ids)), (1, "running", 2))
            env.cr.execute("UPDATE logikal_sync_run SET heartbeat = heartbeat - interval '10 minutes'")
        with mute_logger(SCHEDULER_LOGGER):
            run_in_threads([lambda: self.worker(threading.Barrier(1))], timeout=120)
        with self.env_cursor() as env:
            runs = self.runs(env)
            self.assertEqual(runs.mapped("state"), ["aborted", "done"], runs.mapped("error_summary"))
            self.assertEqual(sorted(runs.project_ids.mapped("logikal_id")), sorted(self.live_projects()))
            expected = {e["id"]: e for e in self.sim.expected()["elevations"]}
            stored = env["logikal.elevation"].search([("backend_id", "=", self.backend_id)])
            self.assertEqual(sorted(stored.mapped("logikal_id")), sorted(expected))
            for record in stored:
                listed = expected[record.logikal_id]
                self.assertEqual(
                    (record.version_id, record.parts_list_version, record.parse_state, record.name),
                    (listed["versionId"], listed["versionId"], "ok", listed["name"]),
                )
                self.assertTrue(record.glass_line_ids or record.bom_line_ids, record.logikal_id)

    def killed_worker(self):
        try:
            with self.env_cursor() as env:
                env["logikal.sync.config"]._cron_smart_sync()
        except Exception:  # the dead connection's own errors (a killed process has none)
            return True
        return False

    def test_two_ticks_at_the_same_moment_make_one_pass(self):
        with self.env_cursor() as env:
            env["logikal.sync.config"].search([("object_type", "=", "directory")]).write({"last_sync": False})
        self.run_workers()
        with self.env_cursor() as env:
            runs = self.runs(env)
            self.assertEqual(
                (len(runs), runs.trigger, runs.state, runs.plan["types"]), (1, "cron", "done", ["directory"])
            )
        self.assertEqual(self.sim.counters()["logins"], 1)

    def test_two_force_syncs_at_the_same_moment_make_one_run(self):
        barrier = threading.Barrier(2)

        def click():
            with self.env_cursor() as env:
                barrier.wait(timeout=30)
                env["logikal.backend"].browse(self.backend_id).action_force_sync()

        run_in_threads([click, click], timeout=60)
        self.run_workers()
        with self.env_cursor() as env:
            runs = self.runs(env)
            requests = env["logikal.sync.request"].search([("backend_id", "=", self.backend_id)])
            self.assertEqual((len(runs), runs.trigger, runs.state), (1, "force", "done"), runs.mapped("error_summary"))
            self.assertEqual((set(requests.mapped("state")), requests.run_id), ({"done"}, runs))
        self.assertEqual(self.sim.counters()["logins"], 1)
