from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import float_round, mute_logger

from ..services import work
from ..services.engine import SyncEngine
from .common import LogikalSimulatorCase, utc

try:
    from logikal_sim.partsdb import enrichment_values
except ImportError:  # pragma: no cover
    enrichment_values = None

NULL_GUID = "00000000-0000-0000-0000-000000000000"


@tagged("post_install", "-at_install")
class TestFullSync(LogikalSimulatorCase):
    def test_full_sync_equals_dataset(self):
        run = self.run_sync()
        expected = self.expected()
        self.assertEqual(run.state, "done", run.error_summary)
        self.assert_directories(expected["directories"])
        self.assert_projects(expected["projects"])
        self.assert_phases(expected["phases"])
        self.assert_elevations(expected["elevations"])
        self.assert_parts_lists(expected)

    def assert_directories(self, expected):
        records = self.models("logikal.directory").search([("backend_id", "=", self.backend.id)])
        self.assertEqual(sorted(records.mapped("path")), sorted(d["path"] for d in expected))
        for data in expected:
            record = records.filtered(lambda r, p=data["path"]: r.path == p)
            parent = data["path"].rpartition("/")[0]
            self.assertEqual(
                (record.name, record.parent_id.path or "", record.level, record.active),
                (data["name"], parent, data["path"].count("/"), True),
            )

    def assert_projects(self, expected):
        self.assertEqual(len(self.projects()), len(expected))
        for data in expected:
            record = self.project(data["id"])
            self.assertEqual(
                (
                    record.name,
                    record.directory_id.path,
                    record.job_number,
                    record.offer_number,
                    record.person_in_charge,
                    record.estimated,
                    record.logikal_created_date,
                    record.logikal_changed_date,
                    record.is_deleted,
                    record.active,
                ),
                (
                    data["name"],
                    data["directory"],
                    data["jobNumber"],
                    data["offerNumber"],
                    data["personInCharge"].strip(),
                    data["estimated"],
                    utc(data["createdDate"]),
                    utc(data["changedDate"]),
                    data["isDeleted"],
                    not data["isDeleted"],
                ),
            )

    def assert_phases(self, expected):
        phases = self.models("logikal.phase").search([("backend_id", "=", self.backend.id)])
        self.assertEqual(len(phases), len(expected))
        for data in expected:
            record = phases.filtered(
                lambda p, d=data: p.project_id.logikal_id == d["project"] and p.logikal_id == d["id"]
            )
            self.assertEqual(
                (record.name, record.description or "", record.sequence),
                (data["name"], data["description"], data["sequence"]),
            )

    def assert_elevations(self, expected):
        self.assertEqual(len(self.elevations()), len(expected))
        for data in expected:
            record = self.elevation(data["id"])
            base, insert = data["surfaceOfBaseElement"], data["surfaceOfInsertions"]
            self.assertEqual(
                (
                    record.phase_id.logikal_id,
                    record.project_id.logikal_id,
                    record.version_id,
                    record.name,
                    record.sequence,
                    record.amount,
                    record.width,
                    record.height,
                    record.area,
                    record.automatic_description or "",
                    record.system_description or "",
                    record.model_description or "",
                    record.user_description or "",
                    record.base_surface or "",
                    record.base_color_inside or "",
                    record.base_color_outside or "",
                    record.insertion_surface or "",
                    record.insertion_color_inside or "",
                    record.insertion_color_outside or "",
                    record.created_by_user or "",
                    record.type or "",
                    record.state or "",
                    record.is_element_pricelist,
                    record.element_pricelist_id or "",
                    record.in_recycle_bin,
                    record.active,
                    record.logikal_created_date,
                    record.logikal_changed_date,
                ),
                (
                    data["phase"],
                    data["project"],
                    data["versionId"],
                    data["name"],
                    data["sequence"],
                    data["amount"],
                    data["width"],
                    data["height"],
                    float_round(data["width"] * data["height"] / 1e6, 4),
                    data["automaticDescription"],
                    data["systemDescription"],
                    data["modelDescription"],
                    data["userDescription"],
                    base["name"],
                    base["colorInside"],
                    base["colorOutside"],
                    insert["name"],
                    insert["colorInside"],
                    insert["colorOutside"],
                    data["createdByUser"],
                    data["type"],
                    data["state"],
                    data["isElementPricelistElevation"],
                    data["elementPricelistId"],
                    data["isInRecycleBin"],
                    not data["isInRecycleBin"],
                    utc(data["createdDate"]),
                    utc(data["changedDate"]),
                ),
            )

    def assert_parts_lists(self, expected):
        for data in expected["elevations"]:
            record = self.elevation(data["id"])
            if data["isInRecycleBin"]:
                self.assertFalse(record.parts_list_sha256, "recycle-bin elevations are not downloaded")
                continue
            self.assertEqual(record.parse_state, "ok", record.parse_error)
            self.assertTrue(record.image_128 and record.parts_list_file)
            values = enrichment_values(data)
            self.assertEqual(
                (
                    record.parts_width,
                    record.parts_width_unit,
                    record.parts_height,
                    record.parts_weight,
                    record.parts_area,
                    record.system_code,
                    record.system_name,
                    record.system_long_name,
                    record.color_base or None,
                    record.parts_auto_description,
                ),
                (
                    values["width"],
                    values["width_unit"],
                    values["height"],
                    values["weight"],
                    values["area"],
                    values["system_code"],
                    values["system_name"],
                    values["system_long_name"],
                    values["color_base"],
                    values["auto_description"],
                ),
            )
            self.assertTrue(record.bom_line_ids, "every generated parts list has articles and profiles")

    def test_run_row_counts_calls_and_logins(self):
        run = self.run_sync()
        counters = self.sim.counters()
        expected = self.expected()
        live = expected["live_elevations"]
        self.assertEqual((run.logins, counters["logins"], counters["logouts"]), (1, 1, 1))
        self.assertEqual(run.api_calls, sum(counters["calls"].values()))
        self.assertEqual(run.calls_by_endpoint, dict(counters["calls"]))
        self.assertEqual((run.parts_downloads, counters["parts_downloads"]), (len(live), len(live)))
        self.assertEqual((run.thumbnail_downloads, counters["thumbnails"]), (len(live), len(live)))
        self.assertEqual(run.project_created, len(expected["projects"]))
        self.assertEqual(run.elevation_created, len(expected["elevations"]))
        self.assertEqual(run.parts_list_created, len(live))
        self.assertEqual(run.directory_created, len(expected["directories"]))

    def test_second_sync_writes_and_downloads_nothing(self):
        self.run_sync()
        self.sim.reset_counters()
        run = self.run_sync()
        counters = self.sim.counters()
        self.assertEqual(run.state, "done")
        self.assertEqual((run.total_changes, run.parts_downloads, run.thumbnail_downloads), (0, 0, 0))
        self.assertEqual((counters["parts_downloads"], counters["thumbnails"], counters["logins"]), (0, 0, 1))
        self.assertEqual(counters["calls"].get("POST /elevations/select", 0), 0)
        self.assertEqual(run.elevation_unchanged, len(self.expected()["elevations"]))

    def test_null_guid_default_phase_in_every_project(self):
        self.run_sync()
        defaults = self.models("logikal.phase").search(
            [("backend_id", "=", self.backend.id), ("logikal_id", "=", NULL_GUID)]
        )
        self.assertEqual(defaults.project_id, self.projects().filtered("active"))
        self.assertTrue(all(defaults.mapped("is_default")))

    def test_same_elevation_names_keep_their_own_data(self):
        self.run_sync()
        by_name = {}
        for record in self.elevations().filtered("active"):
            by_name.setdefault(record.name, []).append(record)
        shared = [records for records in by_name.values() if len({r.project_id for r in records}) > 1]
        self.assertTrue(shared, "the dataset has the same elevation names in several projects")
        for records in shared:
            for record in records:
                self.assertEqual(
                    (record.parts_width, record.system_long_name),
                    (record.width, record.system_description or "Generic System"),
                )


@tagged("post_install", "-at_install")
class TestMutations(LogikalSimulatorCase):
    def setUp(self):
        super().setUp()
        self.run_sync()
        self.before = self.expected()
        self.first_project = self.before["projects"][0]
        self.sim.reset_counters()

    def live_elevation(self, index=0):
        return self.before["live_elevations"][index]

    def test_rename_project(self):
        self.sim.mutate("rename", project=self.first_project["id"], name="Renamed <b>project</b>")
        run = self.run_sync()
        self.assertEqual(self.project(self.first_project["id"]).name, "Renamed <b>project</b>")
        self.assertEqual((run.project_updated, run.total_changes, run.parts_downloads), (1, 1, 0))

    def test_changed_elevation_gets_new_parts_list_and_thumbnail(self):
        data = self.live_elevation()
        record = self.elevation(data["id"])
        old_sha, old_image = record.parts_list_sha256, record.image_128
        self.sim.mutate("change_elevation", elevation=data["id"], width=data["width"] + 250)
        run = self.run_sync()
        self.assertEqual(record.width, data["width"] + 250)
        self.assertEqual(record.parts_width, data["width"] + 250)
        self.assertNotEqual(record.parts_list_sha256, old_sha)
        self.assertNotEqual(record.image_128, old_image)
        self.assertEqual(
            (run.parts_downloads, run.thumbnail_downloads, run.elevation_updated, run.parts_list_updated), (1, 1, 1, 1)
        )

    def test_touch_elevation_downloads_only_that_one(self):
        data = self.live_elevation(1)
        self.sim.mutate("touch", elevation=data["id"])
        run = self.run_sync()
        self.assertEqual((run.parts_downloads, run.thumbnail_downloads), (1, 1))
        new_version = next(e["versionId"] for e in self.expected()["elevations"] if e["id"] == data["id"])
        self.assertNotEqual(new_version, data["versionId"])
        self.assertEqual(self.elevation(data["id"]).version_id, new_version)

    def test_deleted_flag_archives_project_with_date(self):
        self.sim.mutate("delete_flag", project=self.first_project["id"])
        run = self.run_sync()
        project = self.project(self.first_project["id"])
        self.assertEqual((project.active, project.is_deleted, bool(project.deleted_date)), (False, True, True))
        self.assertEqual(run.project_archived, 1)

    def test_removed_project_is_archived_then_restored(self):
        guid = next(p["id"] for p in self.before["projects"] if self.project(p["id"]).elevation_ids)
        project = self.project(guid)
        phases, elevations = project.phase_ids, project.elevation_ids.filtered("active")
        removed = self.sim.dataset.projects[guid]  # LogiKal lists it again later (restored from a backup)
        self.sim.mutate("remove", project=guid)
        run = self.run_sync()
        self.assertEqual((project.active, bool(project.deleted_date)), (False, True))
        self.assertFalse(
            any(phases.mapped("active") + elevations.mapped("active")), "its phases and elevations go with it"
        )
        self.assertEqual((run.project_archived, run.phase_archived), (1, len(phases)))
        with self.sim._lock:
            self.sim.dataset.projects[guid] = removed
            self.sim.dataset.directories[removed.directory].projects.append(guid)
        run = self.run_sync()
        self.assertEqual((project.active, project.deleted_date, project.sync_state), (True, False, "done"))
        self.assertTrue(all(phases.mapped("active") + elevations.mapped("active")), "they come back with it")
        self.assertFalse(any(elevations.mapped("deleted_date")))
        self.assertEqual(project.with_context(active_test=True).elevation_ids, elevations)
        self.assertEqual((run.project_archived, run.parts_downloads), (0, 0), "nothing is downloaded again")

    def test_recycled_elevation_is_archived(self):
        data = self.live_elevation()
        self.sim.mutate("recycle", elevation=data["id"])
        run = self.run_sync()
        record = self.elevation(data["id"])
        self.assertEqual((record.active, record.in_recycle_bin, bool(record.deleted_date)), (False, True, True))
        self.assertEqual((run.elevation_archived, run.parts_downloads), (1, 0))
        self.assertEqual(record.parse_state, "ok", "the last good parts list is kept")

    def test_added_and_removed_phase(self):
        project = self.first_project["id"]
        added = self.sim.mutate("add_phase", project=project, name="Fase 9", elevations=2)
        run = self.run_sync()
        phase = self.models("logikal.phase").search(
            [("project_id.logikal_id", "=", project), ("logikal_id", "=", added["id"])]
        )
        self.assertEqual(
            (phase.name, len(phase.elevation_ids), run.phase_created, run.elevation_created), ("Fase 9", 2, 1, 2)
        )
        self.sim.mutate("remove_phase", project=project, phase=added["id"])
        run = self.run_sync()
        self.assertFalse(phase.active)
        self.assertFalse(any(phase.with_context(active_test=False).elevation_ids.mapped("active")))
        self.assertEqual((run.phase_archived, run.elevation_archived), (1, 2))

    def test_added_and_removed_elevation(self):
        data = self.live_elevation()
        added = self.sim.mutate("add_elevation", project=data["project"], phase=data["phase"], name="P99")
        run = self.run_sync()
        record = self.elevation(added["id"])
        self.assertEqual(
            (record.name, record.parse_state, run.elevation_created, run.parts_downloads), ("P99", "ok", 1, 1)
        )
        self.sim.mutate("remove_elevation", elevation=added["id"])
        run = self.run_sync()
        self.assertFalse(record.active)
        self.assertEqual(run.elevation_archived, 1)

    def test_excluded_directory_is_skipped(self):
        directory = self.models("logikal.directory").search([("path", "=", "Klanten 2024")])
        directory.exclude_from_sync = True
        inside = self.projects().filtered(lambda p: p.directory_id.path.startswith("Klanten 2024"))
        self.assertTrue(inside)
        self.sim.mutate("rename", project=inside[0].logikal_id, name="Not read")
        run = self.run_sync()
        self.assertNotEqual(inside[0].name, "Not read")
        self.assertTrue(all(d.is_excluded for d in directory.child_ids))
        self.assertEqual(run.project_archived, 0, "excluded projects are not archived either")


@tagged("post_install", "-at_install")
class TestFaults(LogikalSimulatorCase):
    def test_token_expiry_mid_run_relogs_once(self):
        original, phases_seen = SyncEngine._sync_phase, []

        def expire_before_third_phase(engine, *args, **kwargs):
            phases_seen.append(1)
            if len(phases_seen) == 3:
                self.sim.set_faults(expire_tokens=True)
            return original(engine, *args, **kwargs)

        with patch.object(SyncEngine, "_sync_phase", expire_before_third_phase):
            run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)
        self.assertEqual(run.logins, 2)
        self.assertIn("401", run.relogin_reasons)
        self.assertEqual(len(self.elevations()), len(self.expected()["elevations"]))

    @mute_logger("odoo.addons.logikal_connector.services.store")
    def test_locked_project_is_skipped_and_siblings_sync(self):
        locked = self.expected()["projects"][1]
        self.run_sync(work.everything)  # create the records first
        self.sim.mutate("lock_project", project=locked["id"])
        self.sim.mutate("touch", project=locked["id"])
        run = self.run_sync()
        project = self.project(locked["id"])
        self.assertEqual(run.state, "partial")
        self.assertEqual(project.sync_state, "failed")
        self.assertIn("locked", project.sync_error)
        self.assertEqual(project.sync_attempts, 1)
        self.assertTrue(project.next_retry_date)
        self.sim.mutate("unlock_project", project=locked["id"])
        run = self.run_sync()
        self.assertEqual((run.state, project.sync_state, project.sync_error), ("done", "done", False))

    def test_random_server_errors_are_retried(self):
        self.sim.set_faults(error_rate=0.05, error_status=503, seed=7)
        run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)
        self.assertGreater(self.sim.counters()["injected_errors"], 0)
        self.assertEqual(len(self.elevations()), len(self.expected()["elevations"]))
        self.assertEqual(
            len(self.elevations().filtered(lambda e: e.parse_state == "ok")), len(self.expected()["live_elevations"])
        )

    @mute_logger("odoo.addons.logikal_connector.services.store")
    def test_failed_listing_archives_nothing(self):
        self.run_sync()
        gone = self.expected()["projects"][0]
        self.sim.mutate("remove", project=gone["id"])
        self.sim.set_faults(error_rate=1.0, error_status=500, endpoints=["GET /projects"])
        run = self.run_sync()
        self.assertIn(run.state, ("partial", "failed"))
        self.assertTrue(self.project(gone["id"]).active, "a failed listing must not archive anything")
        self.assertEqual(run.project_archived, 0)

    @mute_logger("odoo.addons.logikal_connector.services.store")
    def test_corrupt_parts_list_keeps_previous_data(self):
        self.run_sync()
        data = next(e for e in self.expected()["elevations"] if not e["isInRecycleBin"])
        record = self.elevation(data["id"])
        good_sha, good_system = record.parts_list_sha256, record.system_name
        self.sim.mutate("touch", elevation=data["id"])
        self.sim.set_faults(corrupt={data["id"]: "sqlite"})
        run = self.run_sync()
        self.assertEqual(run.state, "partial")
        self.assertEqual((record.parts_list_sha256, record.system_name), (good_sha, good_system))
        self.assertEqual(record.parse_state, "error")
        self.assertIn("SQLite", record.parse_error)
        self.assertEqual((record.project_id.sync_state, record.project_id.error_count), ("failed", 1))
        self.assertIn("Errors button", record.project_id.sync_error)
        self.sim.set_faults()
        record.next_retry_date = False
        run = self.run_sync()
        self.assertEqual((record.parse_state, run.parts_downloads), ("ok", 1))
        self.assertEqual((record.project_id.sync_state, record.project_id.sync_error), ("done", False))


@tagged("post_install", "-at_install")
class TestStrictServer(LogikalSimulatorCase):
    mode = "strict"

    def test_strict_mode_completes_with_counted_relogins(self):
        run = self.run_sync()
        self.assertEqual(run.state, "done", run.error_summary)
        live = self.expected()["live_elevations"]
        self.assertEqual(len(self.elevations().filtered(lambda e: e.parse_state == "ok")), len(live))
        self.assertEqual(run.logins, self.sim.counters()["logins"])
        self.assertEqual(self.sim.counters()["logins"], self.sim.counters()["logouts"])
        self.assertEqual(len(run.relogin_reasons.splitlines()), run.logins - 1)
