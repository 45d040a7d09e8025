"""Fault suite: every case ends by comparing the final Odoo data with a fault-free sync of the same dataset.

A snapshot holds every synced record of one backend under its LogiKal identity (path / GUIDs), with all
its stored values (binaries as SHA-256, relations as the target's identity). Two snapshots are compared
record by record: a key missing is a lost record, a key held by two records is a duplicate, a value that
differs is wrong data. Each test adds what it injected and checked to a tally logged at the end.
"""

import base64
import hashlib
import logging
import time
from collections import Counter
from datetime import timedelta
from unittest.mock import patch

from odoo import fields, sql_db
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..services import work
from ..services.engine import SyncEngine
from ..services.runner import SyncRunner
from ..services.transaction import UnitOfWork
from .common import PASSWORD, USERNAME, LogikalSimulatorCase

_logger = logging.getLogger(__name__)

PARTS_LIST = "GET /elevations/selected/parts-list"
STORE_LOGGER = "odoo.addons.logikal_connector.services.store"
CLIENT_LOGGER = "odoo.addons.logikal_connector.logikal.client"
# bookkeeping that legitimately differs between two syncs of the same data: compared as "set or not"
WHEN_FIELDS = {"next_retry_date", "deleted_date", "parse_date", "last_descent_date"}
# never compared: Odoo's own columns, who/when of the sync, and the backend the records belong to
SKIPPED_FIELDS = {
    "id",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "backend_id",
    "company_id",
    "last_sync_date",
    "sync_state",
}
SNAPSHOT_MODELS = (
    "logikal.directory",
    "logikal.project",
    "logikal.phase",
    "logikal.elevation",
    "logikal.elevation.glass",
    "logikal.elevation.bom.line",
)
TALLY = Counter()


def identity(record):
    """The LogiKal identity of a synced record: what must be unique per backend."""
    model = record._name
    if model == "logikal.directory":
        return ("directory", record.path)
    if model == "logikal.project":
        return ("project", record.logikal_id)
    if model == "logikal.phase":
        return ("phase", record.project_id.logikal_id, record.logikal_id)
    if model == "logikal.elevation":
        return ("elevation", record.project_id.logikal_id, record.phase_id.logikal_id, record.logikal_id)
    if model == "res.currency":  # the LogiKal currency of an elevation's prices
        return ("currency", record.name)
    kind = getattr(record, "kind", "glass")
    return ("line", identity(record.elevation_id), kind, record.sequence)


def _value(record, name, field):
    value = record[name]
    if field.type == "many2one":
        return identity(value) if value else False
    if field.type == "binary":
        raw = record.with_context(bin_size=False)[name]
        return hashlib.sha256(base64.b64decode(raw)).hexdigest() if raw else False
    if name in WHEN_FIELDS:
        return bool(value)
    if field.type == "float":
        return round(value, 6)
    return value


def _compared_fields(model):
    return {
        name: field
        for name, field in model._fields.items()
        if field.store and field.type not in ("one2many", "many2many") and name not in SKIPPED_FIELDS
    }


def snapshot(env, backend):
    """{identity: {field: value}} of every record synced for `backend`, and the identities held twice."""
    records, duplicates = {}, []
    for model_name in SNAPSHOT_MODELS:
        model = env[model_name].with_context(active_test=False)
        compared = _compared_fields(model)
        domain = (
            [("backend_id", "=", backend.id)]
            if "backend_id" in model._fields
            else [("elevation_id.backend_id", "=", backend.id)]
        )
        for record in model.search(domain):
            key = identity(record)
            if key in records:
                duplicates.append(key)
            records[key] = {name: _value(record, name, field) for name, field in compared.items()}
    return records, duplicates


def compare(actual, reference):
    """Differences between two snapshots as (lost keys, unexpected keys, {key: {field: (got, want)}})."""
    lost = sorted(set(reference) - set(actual), key=repr)
    extra = sorted(set(actual) - set(reference), key=repr)
    wrong = {}
    for key in set(actual) & set(reference):
        diff = {name: (actual[key][name], want) for name, want in reference[key].items() if actual[key][name] != want}
        if diff:
            wrong[key] = diff
    return lost, extra, wrong


@tagged("post_install", "-at_install")
class TestReliability(LogikalSimulatorCase):
    """Faults injected by the simulator over HTTP; the final data must equal a fault-free sync."""

    @classmethod
    def tearDownClass(cls):
        _logger.info(
            "reliability tally: faults injected %(faults)s, runs %(runs)s, records checked %(records)s, "
            "lost %(lost)s, duplicated %(duplicated)s",
            {k: TALLY[k] for k in ("faults", "runs", "records", "lost", "duplicated")},
        )
        super().tearDownClass()

    # ------------------------------------------------------------------ helpers
    def sync(self, make_work=work.everything, *args, run=None, deadline=None):
        """One run through the SyncRunner (as the scheduler does); `run` resumes an unfinished one."""
        runner = SyncRunner(self.env, self.backend, deadline=deadline)
        run = run or runner.start("manual", "everything", work.ALL_TYPES)
        runner.execute(run, make_work(run, *args))
        TALLY["runs"] += 1
        return run

    def later(self):
        """Move every scheduled retry into the past, as a later tick would find it."""
        past = fields.Datetime.now() - timedelta(seconds=1)
        for model in ("logikal.directory", "logikal.project", "logikal.elevation"):
            self.models(model).search([("next_retry_date", "!=", False)]).next_retry_date = past

    def fault_free_snapshot(self):
        """Sync the simulator's current dataset, without faults, into a fresh backend and snapshot it."""
        self.sim.set_faults()
        reference = self.backend.copy(
            {"name": "Fault-free reference", "password_input": PASSWORD, "url": self.sim.base_url, "username": USERNAME}
        )
        runner = SyncRunner(self.env, reference)
        run = runner.start("manual", "everything", work.ALL_TYPES)
        runner.execute(run, work.everything(run))
        self.assertEqual(run.state, "done", run.error_summary)
        records, duplicates = snapshot(self.env, reference)
        self.assertFalse(duplicates)
        return records

    def assert_same_as_fault_free(self, faults):
        """The final data of self.backend equals a fault-free sync of the same dataset, record by record."""
        actual, duplicates = snapshot(self.env, self.backend)
        reference = self.fault_free_snapshot()
        lost, extra, wrong = compare(actual, reference)
        TALLY.update(faults=faults, records=len(actual), lost=len(lost), duplicated=len(duplicates) + len(extra))
        self.assertGreater(faults, 0, "the case injected no fault: it tests nothing")
        self.assertEqual((lost, extra, duplicates), ([], [], []), "records lost / unexpected / duplicated")
        self.assertEqual(wrong, {}, "records whose final data differ from a fault-free sync")
        self.assertGreater(len(actual), len(self.expected()["elevations"]))
        return actual

    def live_elevations(self):
        return self.expected()["live_elevations"]

    # ------------------------------------------------------------------ the comparison itself
    def test_snapshot_comparison_catches_lost_duplicated_and_wrong_records(self):
        self.sync()
        reference = self.fault_free_snapshot()
        actual, duplicates = snapshot(self.env, self.backend)
        self.assertEqual((compare(actual, reference), duplicates), (([], [], {}), []))
        removed = self.project(self.expected()["projects"][0]["id"])
        elevation = (self.elevations() - removed.elevation_ids).filtered("parts_list_sha256")[0]
        first, second = elevation.bom_line_ids[:2]
        first.quantity += 1
        second.copy()  # the same identity twice (the LogiKal-keyed models refuse this by constraint)
        removed_elevations = len(removed.with_context(active_test=False).elevation_ids)
        removed.unlink()
        actual, duplicates = snapshot(self.env, self.backend)
        lost, extra, wrong = compare(actual, reference)
        self.assertEqual(duplicates, [identity(second)])
        self.assertIn(("project", self.expected()["projects"][0]["id"]), lost)
        self.assertGreater(len(lost), removed_elevations, "its phases, elevations and lines went too")
        self.assertEqual(extra, [])
        self.assertEqual(set(wrong[identity(first)]), {"quantity"})

    # ------------------------------------------------------------------ 5xx
    def test_random_5xx_on_every_endpoint_gives_identical_data(self):
        for seed, status in ((11, 500), (12, 503), (13, 502)):
            self.sim.set_faults(error_rate=0.05, error_status=status, seed=seed)
            run = self.sync()
            self.assertEqual(run.state, "done", run.error_summary)
        counters = self.sim.counters()
        self.assertGreater(counters["injected_errors"], 10)
        self.assert_same_as_fault_free(counters["injected_errors"])

    # ------------------------------------------------------------------ hangs
    def touch_first_project(self):
        """After a first good sync, give every elevation of one project a new version (parts list due)."""
        self.sync()
        project = next(p["id"] for p in self.expected()["projects"] if not p["isDeleted"])
        touched = [e for e in self.live_elevations() if e["project"] == project]
        for data in touched:
            self.sim.mutate("touch", elevation=data["id"])
        self.sim.reset_counters()
        return self.project(project), len(touched)

    @mute_logger(STORE_LOGGER, CLIENT_LOGGER)
    def test_hanging_parts_list_times_out_and_is_retried_later(self):
        project, touched = self.touch_first_project()
        self.backend.write({"parts_timeout": 0.5, "max_retries": 0})
        self.sim.set_faults(hang={PARTS_LIST: 5})
        started = time.monotonic()
        run = self.sync()
        seconds = time.monotonic() - started
        hung = self.counter(PARTS_LIST)
        elevations = project.elevation_ids.filtered("active")
        self.assertEqual(run.state, "partial")
        self.assertEqual((hung, len(elevations)), (touched, touched), "each due parts list tried once, timed out")
        self.assertLess(seconds, hung * 0.5 + 4, "each hang costs one per-call timeout, not the 5 s hang")
        self.assertTrue(
            all(e.next_retry_date and "no answer within 0.5s" in e.sync_error for e in elevations),
            elevations.mapped("sync_error"),
        )
        self.assertEqual(run.thumbnail_downloads, touched, "the thumbnails of the same elevations kept coming")
        self.sim.set_faults()
        self.sim.reset_counters()
        self.sync()
        self.assertEqual(self.counter(PARTS_LIST), 0, "not due yet: retried later, not in the next run")
        self.later()
        run = self.sync()
        self.assertEqual((run.state, run.parts_list_updated), ("done", touched), run.error_summary)
        self.assert_same_as_fault_free(hung)

    @mute_logger(STORE_LOGGER, CLIENT_LOGGER)
    def test_hanging_parts_list_run_stops_at_its_budget_and_resumes(self):
        _project, touched = self.touch_first_project()
        self.backend.write({"parts_timeout": 0.5, "max_retries": 0})
        self.sim.set_faults(hang={PARTS_LIST: 5})
        started = time.monotonic()
        run = self.sync(deadline=started + 1.2)
        seconds = time.monotonic() - started
        hung = self.counter(PARTS_LIST)
        self.assertEqual(run.state, "running", "the budget ran out: the run is left for the next tick")
        self.assertLess(hung, touched, "the run stopped before trying every parts list")
        self.assertLess(seconds, 1.2 + 0.5 + 1.5, "stops after the call in flight: one timeout past the budget")
        self.sim.set_faults()
        self.later()
        self.sync(run=run)
        self.assertEqual(run.state, "done", run.error_summary)
        self.assert_same_as_fault_free(hung)

    # ------------------------------------------------------------------ sessions
    def test_token_expiry_mid_run_relogs_once_per_expiry(self):
        original, calls = SyncEngine._fetch_parts_list, []

        def expire_sometimes(engine, *args, **kwargs):
            calls.append(1)
            if len(calls) in (4, 17):
                self.sim.set_faults(expire_tokens=True)
            return original(engine, *args, **kwargs)

        with patch.object(SyncEngine, "_fetch_parts_list", expire_sometimes):
            run = self.sync()
        counters = self.sim.counters()
        self.assertEqual(run.state, "done", run.error_summary)
        self.assertEqual((run.logins, counters["logins"], counters["logouts"]), (3, 3, 1))
        self.assertEqual(run.relogin_reasons.count("401"), 2)
        self.assertEqual(counters["expired_sessions"], 2)
        self.assertEqual(counters["parts_downloads"], len(self.live_elevations()), "nothing downloaded twice")
        self.assert_same_as_fault_free(counters["expired_sessions"])

    @mute_logger(STORE_LOGGER)
    def test_locked_project_is_skipped_then_synced_on_a_later_tick(self):
        projects = [p for p in self.expected()["projects"] if not p["isDeleted"]]
        locked = projects[1]["id"]
        self.sim.set_faults(locked=[locked])
        run = self.sync()
        record = self.project(locked)
        self.assertEqual(
            (run.state, record.sync_state, record.phase_ids), ("partial", "failed", self.env["logikal.phase"])
        )
        self.assertIn("locked", record.sync_error)
        siblings = self.projects().filtered(lambda p: p.active and p.logikal_id != locked)
        self.assertEqual(len(siblings), len(projects) - 1)
        self.assertEqual(set(siblings.mapped("sync_state")), {"done"}, "siblings synced in the same run")
        self.assertTrue(all(s.elevation_ids for s in siblings))
        self.sim.mutate("unlock_project", project=locked)
        self.sim.set_faults()
        self.later()
        run = self.sync()
        self.assertEqual((run.state, record.sync_state), ("done", "done"), run.error_summary)
        self.assert_same_as_fault_free(1)

    # ------------------------------------------------------------------ bad input
    @mute_logger(STORE_LOGGER, CLIENT_LOGGER)
    def test_corrupt_files_keep_previous_data_and_the_run_goes_on(self):
        self.sync()
        targets = self.live_elevations()[:4]
        kinds = ("base64", "sqlite", "json", "oversize")
        before = {e["id"]: self.elevation_parts(e["id"]) for e in targets}
        for data in targets:
            self.sim.mutate("touch", elevation=data["id"])
        self.sim.mutate("touch", elevation=self.live_elevations()[5]["id"])
        self.sim.set_faults(corrupt={e["id"]: kind for e, kind in zip(targets, kinds, strict=True)})
        self.sim.reset_counters()
        run = self.sync()
        self.assertEqual(run.state, "partial")
        self.assertEqual(self.sim.counters()["parts_downloads"], 5, "the run went on past the bad files")
        self.assertEqual(run.parts_list_updated, 1, "the healthy touched elevation got its new file")
        for data, kind in zip(targets, kinds, strict=True):
            record = self.elevation(data["id"])
            self.assertEqual(self.elevation_parts(data["id"]), before[data["id"]], f"{kind}: previous data kept")
            self.assertIn(EXPECTED_ERRORS[kind], record.sync_error or "", kind)
        self.sim.set_faults()
        self.later()
        run = self.sync()
        self.assertEqual(run.state, "done", run.error_summary)
        self.assert_same_as_fault_free(len(kinds))

    def elevation_parts(self, guid):
        record = self.elevation(guid)
        return (
            record.parts_list_sha256,
            record.system_name,
            record.parts_width,
            len(record.bom_line_ids),
            len(record.glass_line_ids),
        )

    @mute_logger(STORE_LOGGER, CLIENT_LOGGER)
    def test_corrupt_files_on_first_sync_leave_no_half_data(self):
        targets = self.live_elevations()[:4]
        kinds = ("base64", "sqlite", "json", "oversize")
        self.sim.set_faults(corrupt={e["id"]: kind for e, kind in zip(targets, kinds, strict=True)})
        run = self.sync()
        self.assertEqual((run.state, run.parts_list_created), ("partial", len(self.live_elevations()) - 4))
        for data in targets:
            record = self.elevation(data["id"])
            self.assertEqual(
                (record.parts_list_sha256, record.bom_line_ids.ids, record.system_name), (False, [], False)
            )
            self.assertTrue(record.sync_error and record.next_retry_date)
        self.sim.set_faults()
        self.later()
        self.sync()
        self.assert_same_as_fault_free(len(kinds))

    # ------------------------------------------------------------------ two workers, same rows
    @mute_logger("odoo.sql_db")
    def test_concurrent_update_rolls_the_unit_back_and_resumes(self):
        """Another worker commits a change to a row this run then writes: PostgreSQL refuses (serialization
        failure). The run undoes its unit and stays resumable; no error reaches the run or the user."""
        country = self.env.ref("base.be").id
        runner = SyncRunner(self.env, self.backend, transaction=RollbackToUnitStart(self.env))
        run = runner.start("manual", "everything", work.ALL_TYPES)
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT unit_start")  # what the cron's commit per unit gives

        def conflicting_unit(engine):
            engine.walk(with_projects=False)
            with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
                other.execute("UPDATE res_country SET write_date = write_date WHERE id = %s", [country])
            self.env.cr.execute("UPDATE res_country SET write_date = write_date WHERE id = %s", [country])

        outcome = runner.execute(run, conflicting_unit)
        self.assertEqual((outcome.state, run.state, run.error_summary), ("running", "running", False))
        self.assertFalse(
            self.models("logikal.directory").search([("backend_id", "=", self.backend.id)]),
            "the unit in flight was rolled back",
        )
        self.sync(run=run)
        self.assertEqual(run.state, "done", run.error_summary)
        TALLY["runs"] += 1
        self.assert_same_as_fault_free(1)


class RollbackToUnitStart(UnitOfWork):
    """The test's stand-in for the cron cursor's rollback: undo the unit, forget cached values."""

    def __init__(self, env):
        self.env = env

    def rollback(self):
        self.env.cr.execute("ROLLBACK TO SAVEPOINT unit_start")
        self.env.invalidate_all(flush=False)


EXPECTED_ERRORS = {"base64": "base64", "sqlite": "SQLite", "json": "JSON", "oversize": "max_parts_bytes"}
