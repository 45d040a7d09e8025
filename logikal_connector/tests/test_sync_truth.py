"""Force Sync means "now", and every state a user sees tells the truth (issue 14).

Force Sync retries failed and parked items at once; run, request and notification agree (done / partial);
synced elevations say so; healed errors clear; archiving cascades and comes back; each connection keeps its
own sync status; bad connections fail with one sentence; every knob shown is honoured; old run and request
rows are purged by the cron; uninstalling leaves no system parameter.
"""

import json
import logging
from datetime import timedelta

from freezegun import freeze_time
from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.modules.module import get_manifest
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .. import PARAM_PREFIX, uninstall_hook
from ..models.res_config_settings import MASTER_SWITCH
from ..services.retention import RETENTION_PARAM
from ..services.scheduler import Scheduler
from .common import LogikalSimulatorCase

ADDON_LOGGER = "odoo.addons.logikal_connector"
THUMBNAIL_ENDPOINT = "GET /elevations/{id}/thumbnail"


class TruthCase(LogikalSimulatorCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param(MASTER_SWITCH, "False")  # only Force Sync requests tick

    def tick(self):
        Scheduler(self.env).tick()
        self.env.invalidate_all()

    def live(self, index=0):
        return self.expected()["live_elevations"][index]

    def request_of(self, record):
        field = {"logikal.project": "project_id", "logikal.elevation": "elevation_id"}.get(record._name)
        domain = [(field, "=", record.id)] if field else [("scope", "=", "backend")]
        return self.env["logikal.sync.request"].search(domain, order="id desc", limit=1)

    def notifications(self, user):
        """(state, title, message) of the sync results sent to `user` (bus rows are written at commit)."""
        sent = self.env.cr.precommit.data.get("bus.bus.values", [])
        channel = f'"res.partner",{user.partner_id.id}]'
        found = [json.loads(v["message"]) for v in sent if v["channel"].endswith(channel)]
        return [
            (n["payload"]["state"], n["payload"]["title"], n["payload"]["message"])
            for n in found
            if n["type"] == "logikal_sync_progress" and n["payload"]["final"]
        ]

    def break_parts_list(self, data):
        """Sync once with `data`'s parts list corrupt (a new version): it fails and waits for its retry."""
        self.sim.set_faults(corrupt={data["id"]: "sqlite"})
        self.sim.mutate("touch", elevation=data["id"])
        run = self.run_sync()
        record = self.elevation(data["id"])
        self.assertEqual((run.state, record.parse_state, record.sync_state), ("partial", "error", "failed"))
        self.assertGreater(record.next_retry_date, fields.Datetime.now())
        return record


@tagged("post_install", "-at_install")
class TestForceSyncRetriesNow(TruthCase):
    def test_force_sync_of_every_scope_retries_a_failed_parts_list_now(self):
        data = self.live()
        for scope in ("backend", "directory", "project", "elevation"):
            with self.subTest(scope=scope):
                record = self.break_parts_list(data)
                self.sim.set_faults()
                target = {
                    "backend": self.backend,
                    "directory": record.project_id.directory_id,
                    "project": record.project_id,
                    "elevation": record,
                }[scope]
                self.sim.reset_counters()
                target.action_force_sync()
                self.tick()
                request = self.env["logikal.sync.request"].search([("scope", "=", scope)], order="id desc", limit=1)
                run = request.run_id
                self.assertEqual((request.state, run.state), ("done", "done"), run.error_summary)
                self.assertEqual(
                    (record.parse_state, record.sync_state, record.sync_error, record.sync_attempts),
                    ("ok", "done", False, 0),
                )
                self.assertFalse(record.next_retry_date)
                self.assertEqual(self.sim.counters()["parts_downloads"], 1, "only the failed one is fetched again")
                self.assertEqual(run.parts_downloads, 1)

    def test_force_sync_retries_a_parked_elevation(self):
        record = self.break_parts_list(self.live())
        record.write({"sync_attempts": self.backend.max_attempts})
        self.sim.set_faults()
        record.project_id.action_force_sync()
        self.tick()
        self.assertEqual((record.parse_state, record.sync_state, record.sync_attempts), ("ok", "done", 0))


@tagged("post_install", "-at_install")
class TestDoneMeansDone(TruthCase):
    def test_force_sync_with_a_failure_is_partial_on_run_request_and_notification(self):
        data = self.live()
        self.run_sync()
        self.sim.set_faults(corrupt={data["id"]: "sqlite"})
        record = self.elevation(data["id"])
        self.sim.mutate("touch", elevation=data["id"])  # a new version: its parts list is fetched (corrupt)
        project = record.project_id
        project.action_force_sync()
        self.tick()
        request = self.request_of(project)
        run = request.run_id
        self.assertEqual((run.state, request.state, project.sync_state), ("partial", "partial", "failed"))
        self.assertEqual((run.total_failed, run.parts_list_failed), (1, 1))
        self.assertTrue(run.error_summary.startswith("1 items failed."), run.error_summary)
        self.assertIn("Partial: 1 items failed.", request.message)
        self.assertIn("Errors", request.message)
        self.assertEqual(project.error_count, 1)
        [(state, title, message)] = self.notifications(self.env.user)
        self.assertEqual((state, title), ("partial", "LogiKal sync partial: 1 failed"))
        self.assertEqual(message, request.message)

    def test_skipped_retries_make_a_scheduled_run_partial(self):
        data = self.live()
        self.break_parts_list(data)
        self.sim.set_faults()
        run = self.run_sync(trigger="cron", scope="scheduled")  # the elevation waits for its retry
        self.assertEqual((run.state, run.parts_downloads), ("partial", 0))
        self.assertEqual(run.error_summary.split("\n")[0], "1 wait for their retry.")
        self.assertEqual(self.elevation(data["id"]).sync_state, "failed")


@tagged("post_install", "-at_install")
class TestElevationStates(TruthCase):
    def test_synced_elevations_show_synced_and_their_date(self):
        start = fields.Datetime.now()
        self.run_sync()
        live = self.elevations().filtered("active")
        self.assertEqual(len(live), len(self.expected()["live_elevations"]))
        self.assertEqual(set(live.mapped("sync_state")), {"done"})
        self.assertTrue(all(date and date >= start for date in live.mapped("last_sync_date")))
        listed = self.env["logikal.elevation"].search_read([("id", "in", live.ids)], ["last_sync_date", "sync_state"])
        self.assertTrue(all(row["last_sync_date"] and row["sync_state"] == "done" for row in listed))
        form = self.env["logikal.elevation"].get_view(view_type="form")["arch"]
        self.assertIn('name="sync_state" widget="statusbar"', form)
        states = dict(self.env["logikal.elevation"]._fields["sync_state"].selection)
        self.assertEqual(states["done"], "Synced")

    def test_thumbnail_error_is_cleared_by_a_later_download(self):
        self.sim.set_faults(error_rate=1.0, error_status=400, endpoints=[THUMBNAIL_ENDPOINT])
        first = self.run_sync()
        live = self.elevations().filtered("active")
        self.assertEqual(first.state, "partial")
        self.assertEqual(set(live.mapped("sync_state")), {"failed"})
        self.assertTrue(all(error.startswith("thumbnail:") for error in live.mapped("sync_error")))
        self.sim.set_faults()
        self.sim.reset_counters()
        second = self.run_sync()
        self.assertEqual(second.state, "done", second.error_summary)
        self.assertEqual(self.sim.counters()["thumbnails"], len(live))
        self.assertEqual(
            (set(live.mapped("sync_state")), set(live.mapped("sync_error")), set(live.mapped("sync_attempts"))),
            ({"done"}, {False}, {0}),
        )
        self.assertTrue(all(live.mapped("image_128")))

    def test_a_parts_list_failure_is_not_cleared_by_its_thumbnail(self):
        data = self.live()
        self.sim.set_faults(corrupt={data["id"]: "sqlite"})
        self.run_sync()
        record = self.elevation(data["id"])
        self.assertTrue(record.image_128, "its thumbnail downloaded in the same run")
        self.assertEqual((record.sync_state, record.sync_attempts), ("failed", 1))
        self.assertIn("parts list", record.sync_error)


@tagged("post_install", "-at_install")
class TestArchivingCascades(TruthCase):
    def setUp(self):
        super().setUp()
        self.run_sync()
        self.data = next(
            p for p in self.expected()["projects"] if self.project(p["id"]).active and self.project(p["id"]).phase_ids
        )
        self.record = self.project(self.data["id"])
        self.phases = self.record.phase_ids
        self.live_elevations = self.record.elevation_ids.filtered("active")
        self.recycled = self.record.with_context(active_test=False).elevation_ids - self.live_elevations

    def assert_archived_with_contents(self, run, projects=None):
        projects = projects or self.record
        phases = projects.phase_ids
        elevations = projects.elevation_ids.filtered(lambda e: not e.in_recycle_bin)  # recycled: archived before
        self.assertTrue(phases and elevations)
        self.assertFalse(any(projects.mapped("active")))
        self.assertTrue(all(projects.mapped("deleted_date")))
        live = projects.with_context(active_test=True)
        self.assertFalse(live.phase_ids or live.elevation_ids, "their contents are archived too")
        self.assertFalse(any(phases.mapped("active")) or any(elevations.mapped("active")))
        self.assertTrue(all(elevations.mapped("deleted_date")))
        self.assertEqual(
            (run.project_archived, run.phase_archived, run.elevation_archived),
            (len(projects), len(phases), len(elevations)),
        )

    def assert_restored_with_contents(self):
        self.assertTrue(self.record.active)
        self.assertFalse(self.record.deleted_date)
        self.assertTrue(all(self.phases.mapped("active")))
        self.assertTrue(all(self.live_elevations.mapped("active")))
        self.assertFalse(any(self.live_elevations.mapped("deleted_date")))
        self.assertFalse(any(self.recycled.mapped("active")), "what was archived on its own stays archived")

    def test_deleted_flag_archives_phases_and_elevations_and_they_come_back(self):
        self.sim.mutate("delete_flag", project=self.data["id"])
        self.assert_archived_with_contents(self.run_sync())
        self.sim.mutate("delete_flag", project=self.data["id"], value=False)
        self.run_sync()
        self.assert_restored_with_contents()

    def test_project_of_a_vanished_directory_is_archived_with_it(self):
        directory = self.record.directory_id
        subtree = self.models("logikal.directory").search([("id", "child_of", directory.id)])
        projects = self.projects().filtered(lambda p: p.directory_id in subtree and p.active)
        self.assertIn(self.record, projects)
        self.sim.mutate("remove", directory=directory.path)
        run = self.run_sync()
        self.assertFalse(any(subtree.mapped("active")))
        self.assert_archived_with_contents(run, projects)


@tagged("post_install", "-at_install")
class TestSyncStatePerConnection(TruthCase):
    def test_each_connection_keeps_its_own_status(self):
        self.env["ir.config_parameter"].set_param(MASTER_SWITCH, "True")
        broken = self.backend.copy({"name": "Broken", "url": self.sim.base_url, "password_input": "wrong-one"})
        configs = self.env["logikal.sync.config"].search([])
        for _tick in range(3):  # the pass of each connection, over as many calls as it needs
            self.tick()
        States = self.env["logikal.sync.state"]
        good = States.search([("backend_id", "=", self.backend.id)])
        bad = States.search([("backend_id", "=", broken.id)])
        self.assertEqual((len(good), len(bad)), (len(configs), len(configs)))
        self.assertEqual(set(good.mapped("last_result")), {"done"})
        self.assertTrue(all(good.mapped("last_sync")))
        self.assertEqual(set(bad.mapped("last_result")), {"failed"})
        self.assertFalse(any(bad.mapped("last_sync")))
        self.assertTrue(all(bad.mapped("is_due")))
        self.assertFalse(any(good.mapped("is_due")))
        self.assertIn("LogiKal refused the login", bad[0].last_message)
        # the intervals show the worst of all connections, never one connection's success over another's failure
        self.assertEqual(set(configs.mapped("last_result")), {"failed"})
        self.assertFalse(any(configs.mapped("last_sync")))
        action = configs.action_view_status()
        self.assertEqual(action["res_model"], "logikal.sync.state")
        shown = States.search(safe_eval(action["domain"]))
        self.assertEqual(shown, good | bad)
        arch = configs.get_view(view_type="list")["arch"]
        self.assertIn('name="action_view_status"', arch)


@tagged("post_install", "-at_install")
class TestBadConnections(TruthCase):
    def test_no_password_fails_the_run_with_one_sentence(self):
        self.backend.sudo().password = False
        with self.assertNoLogs(ADDON_LOGGER, level=logging.ERROR):
            run = self.run_sync()
        sentence = "Connection Simulator has no password."
        self.assertEqual((run.state, run.error_summary, self.backend.last_sync_error), ("failed", sentence, sentence))

    def test_wrong_password_fails_the_run_with_one_sentence(self):
        self.backend.password_input = "Wrong-Pa55word-Xy"
        with self.assertNoLogs(ADDON_LOGGER, level=logging.ERROR):
            run = self.run_sync()
        sentence = (
            "LogiKal refused the login of user odoo-sync on connection Simulator: "
            "check the user name and password (401)."
        )
        self.assertEqual((run.state, run.error_summary, self.backend.last_sync_error), ("failed", sentence, sentence))
        self.assertNotIn("Wrong-Pa55word-Xy", run.error_summary)
        self.backend.password_input = "s3cret-Pa55word!"
        self.assertEqual(self.run_sync().state, "done")
        self.assertFalse(self.backend.last_sync_error)

    def test_force_sync_on_an_archived_connection_is_refused(self):
        self.run_sync()
        project = self.projects().filtered("active")[0]
        queued = self.env["logikal.sync.request"]._request(
            "project", {"backend_id": self.backend.id, "project_id": project.id}
        )
        self.backend.active = False
        for record in (self.backend, project):
            with self.subTest(model=record._name), self.assertRaises(UserError) as caught:
                record.action_force_sync()
            self.assertEqual(
                str(caught.exception), "Connection Simulator is archived: it is not synced. Restore it to sync again."
            )
        _done, remaining = Scheduler(self.env).tick()
        self.env.invalidate_all()
        self.assertEqual((queued.state, remaining), ("failed", 0))
        self.assertIn("is archived", queued.message)
        self.assertEqual(project.sync_state, "failed")


@tagged("post_install", "-at_install")
class TestKnobs(TruthCase):
    def configs(self):
        return {c.object_type: c for c in self.env["logikal.sync.config"].search([])}

    def record_calls(self):
        calls, handle = [], self.sim.handle_request

        def recording(method, target, headers, body):
            calls.append(f"{method} {target.split('?')[0]}")
            return handle(method, target, headers, body)

        self.sim.handle_request = recording
        return calls

    def test_priority_orders_the_downloads_of_a_pass(self):
        self.run_sync()
        data = self.live()
        record = self.elevation(data["id"])
        order = {}
        for first, priorities in (("thumbnail", (4, 5)), ("parts", (9, 1))):
            self.configs()["elevation"].priority, self.configs()["parts_list"].priority = priorities
            calls = self.record_calls()
            record.action_force_sync()
            self.tick()
            downloads = [c for c in calls if c.endswith("/thumbnail") or c.endswith("/parts-list")]
            order[first] = ["parts" if c.endswith("/parts-list") else "thumbnail" for c in downloads]
            del self.sim.handle_request
        self.assertEqual(order, {"thumbnail": ["thumbnail", "parts"], "parts": ["parts", "thumbnail"]})

    def test_cascade_only_where_it_means_something(self):
        configs = self.configs()
        for object_type in ("phase", "elevation", "parts_list"):
            with self.subTest(object_type=object_type), self.assertRaises(ValidationError):
                configs[object_type].cascade_sync = True
        configs["directory"].cascade_sync = True
        self.assertTrue(configs["directory"].cascade_sync)
        self.env.cr.execute("UPDATE logikal_sync_config SET cascade_sync = TRUE WHERE object_type = 'elevation'")
        self.env.invalidate_all()
        rules = {r.object_type: r for r in self.env["logikal.sync.config"].search([])._planning_configs()}
        self.assertFalse(rules["elevation"].cascade, "a stored cascade that cannot mean anything is not acted on")
        arch = self.env["logikal.sync.config"].get_view(view_type="list")["arch"]
        self.assertIn("object_type not in ('directory', 'project')", arch)

    def test_staleness_threshold_of_every_type_flags_its_records(self):
        self.run_sync()
        configs = self.configs()
        records = {
            "directory": self.models("logikal.directory").search([("backend_id", "=", self.backend.id)]),
            "project": self.projects().filtered("active"),
            "phase": self.models("logikal.phase").search([("backend_id", "=", self.backend.id), ("active", "=", True)]),
            "elevation": self.elevations().filtered("active"),
        }
        for object_type, found in records.items():
            self.assertTrue(found)
            self.assertFalse(any(found.mapped("is_stale")), object_type)
        later = fields.Datetime.now() + timedelta(minutes=50)
        with freeze_time(later):
            for object_type, found in records.items():
                configs[object_type].staleness_threshold_minutes = 45
                found.invalidate_recordset(["is_stale"])
                self.assertTrue(all(found.mapped("is_stale")), object_type)
                if object_type != "phase":  # directories, projects and elevations are searchable by it
                    stale = found.search([("id", "in", found.ids), ("is_stale", "=", True)])
                    self.assertEqual(stale, found, object_type)
                configs[object_type].staleness_threshold_minutes = 55
                found.invalidate_recordset(["is_stale"])
                self.assertFalse(any(found.mapped("is_stale")), object_type)
            elevations = records["elevation"]
            configs["parts_list"].staleness_threshold_minutes = 55
            elevations.invalidate_recordset(["is_parts_list_stale"])
            self.assertFalse(any(elevations.mapped("is_parts_list_stale")))
            configs["parts_list"].staleness_threshold_minutes = 45
            elevations.invalidate_recordset(["is_parts_list_stale"])
            self.assertTrue(all(elevations.mapped("is_parts_list_stale")))

    def test_reset_to_defaults_restores_the_seeded_intervals(self):
        configs = self.configs()
        seeded = {t: self.knobs(c) for t, c in configs.items()}
        configs["project"].write(
            {"sync_interval_minutes": 5, "priority": 40, "cascade_sync": False, "depends_on_id": False}
        )
        configs["parts_list"].write({"is_sync_enabled": False, "staleness_threshold_minutes": 999})
        configs["directory"].cascade_sync = True
        self.assertNotEqual({t: self.knobs(c) for t, c in configs.items()}, seeded)
        action = self.env["logikal.sync.config"].search([]).action_reset_defaults()
        self.assertEqual(action["params"]["message"], "The sync intervals are back to their defaults.")
        self.env.invalidate_all()
        self.assertEqual({t: self.knobs(c) for t, c in self.configs().items()}, seeded)
        self.assertEqual(seeded["project"], (True, 30, 60, 2, "directory", True))

    @staticmethod
    def knobs(config):
        return (
            config.is_sync_enabled,
            config.sync_interval_minutes,
            config.staleness_threshold_minutes,
            config.priority,
            config.depends_on or False,
            config.cascade_sync,
        )


@tagged("post_install", "-at_install")
class TestRetentionAndUninstall(TruthCase):
    def aged(self, model, days, **vals):
        record = self.env[model].create(dict({"backend_id": self.backend.id}, **vals))
        old = fields.Datetime.now() - timedelta(days=days)
        column = "start_date" if model == "logikal.sync.run" else "create_date"
        self.env.flush_all()
        self.env.cr.execute(f"UPDATE {record._table} SET {column} = %s WHERE id = %s", (old, record.id))
        record.invalidate_recordset()
        return record

    def test_cron_purges_old_runs_and_requests_after_the_retention_period(self):
        old_run = self.aged("logikal.sync.run", 91, trigger="cron", state="done")
        old_running = self.aged("logikal.sync.run", 91, trigger="cron", state="running")
        recent_run = self.aged("logikal.sync.run", 20, trigger="cron", state="failed")
        old_request = self.aged("logikal.sync.request", 91, scope="backend", state="done")
        recent_request = self.aged("logikal.sync.request", 20, scope="backend", state="failed")
        self.env["ir.config_parameter"].search([("key", "=", RETENTION_PARAM)]).unlink()
        self.tick()
        self.assertFalse(old_run.exists() or old_request.exists())
        self.assertEqual((old_running | recent_run).exists(), old_running | recent_run)
        self.assertTrue(recent_request.exists())
        self.env["ir.config_parameter"].set_param(RETENTION_PARAM, "10")
        self.tick()
        self.assertFalse(recent_run.exists() or recent_request.exists())
        self.assertTrue(old_running.exists(), "a running run is never purged")

    def test_uninstall_leaves_no_system_parameter(self):
        Param = self.env["ir.config_parameter"]
        for key, value in (
            (MASTER_SWITCH, "False"),
            (RETENTION_PARAM, "30"),
            ("logikal_connector.cron_budget_seconds", "60"),
        ):
            Param.set_param(key, value)
        Param.set_param("web.base.url.other", "kept")
        self.assertEqual(get_manifest("logikal_connector")["uninstall_hook"], "uninstall_hook")
        uninstall_hook(self.env)
        self.assertFalse(Param.search([("key", "=like", PARAM_PREFIX + "%")]))
        self.assertEqual(Param.get_param("web.base.url.other"), "kept")
