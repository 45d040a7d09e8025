"""Project-level change detection: trust in project dates learned and lost, skips, the verification rotation.

Each scheduled pass below has only the descent types due (phases, elevations, parts lists: every 15 min);
with trust it lists the projects again and reads in full only the changed ones plus the rotation's share.
"""

from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..logikal.session import Cursor, plan_selects
from ..services import engine as engine_module
from .common import Simulator, generate_dataset
from .test_scheduler import T0, SchedulerCase

TRUST_LOGGER = "odoo.addons.logikal_connector.services.trust"


class ChangeDetectionCase(SchedulerCase):
    bump = True

    def start_simulator(self, **options):
        options = dict({"mode": self.mode}, **options)
        dataset = generate_dataset(self.dataset, child_edits_bump_project=self.bump)
        sim = Simulator(dataset, username="odoo-sync", password="s3cret-Pa55word!", **options)
        sim.start()
        self.addCleanup(sim.stop)
        self.backend.url = sim.base_url
        return sim

    def first_sync(self):
        with freeze_time(T0), mute_logger(TRUST_LOGGER):
            runs, _progress = self.tick()
        self.assertEqual(runs.state, "done", runs.error_summary)
        return runs

    def pass_at(self, minutes):
        """A pass at T0 + minutes with only the descent types due; returns (run, calls made)."""
        now = T0 + timedelta(minutes=minutes)
        self.sim.reset_counters()
        with freeze_time(now), mute_logger(TRUST_LOGGER):
            self.set_last_syncs(now, directory=1, project=1, phase=15, elevation=15, parts_list=15)
            runs, _progress = self.tick()
        self.assertEqual((len(runs), runs.state), (1, "done"), runs.error_summary)
        self.assertEqual(runs.plan["types"], ["phase", "elevation", "parts_list"])
        return runs, self.sim.counters()["calls"]

    def live(self):
        return self.projects().filtered("active")

    def assert_odoo_equals_simulator(self):
        """Every live elevation in Odoo with the simulator's versionId, parts list and name; none extra."""
        expected = {e["id"]: e for e in self.expected()["live_elevations"]}
        live = self.elevations().filtered("active")
        self.assertEqual(sorted(live.mapped("logikal_id")), sorted(expected))
        for record in live:
            listed = expected[record.logikal_id]
            self.assertEqual(
                (record.name, record.version_id, record.parts_list_version, record.amount),
                (listed["name"], listed["versionId"], listed["versionId"], listed["amount"]),
                record.logikal_id,
            )

    def rotation_target(self):
        """The project the next pass's rotation reads first: the longest unverified, lowest id."""
        return self.live().sorted(lambda p: (p.last_descent_date, p.id))[0]


@tagged("post_install", "-at_install")
class TestTrustOnABumpingServer(ChangeDetectionCase):
    def test_trust_is_learned_and_unchanged_projects_cost_their_listing_only(self):
        self.first_sync()
        self.assertEqual(self.backend.project_dates_state, "trusted")
        self.assertIn("No elevation was newer than its project", self.backend.project_dates_note)
        live = self.live()
        self.assertTrue(all(live.mapped("descended_fingerprint")))
        self.assertEqual(set(live.mapped("last_descent_date")), {T0})
        directories = len(self.expected()["directories"])

        target = self.rotation_target()
        run, calls = self.pass_at(15)
        self.assertEqual(run.project_ids, target, "only the rotation's share (1 of 6 projects) is read")
        self.assertEqual(calls["GET /projects"], directories)
        self.assertEqual((calls["POST /projects/select"], calls["GET /phases"]), (1, 1))
        self.assertEqual(calls.get("GET /elevations/selected/parts-list", 0), 0)
        self.assertEqual(calls["POST /auth"], 1)
        self.assertEqual(set(live.mapped("last_sync_date")), {T0 + timedelta(minutes=15)})  # confirmed
        self.assertEqual(target.last_descent_date, T0 + timedelta(minutes=15))
        self.assertEqual(set((live - target).mapped("last_descent_date")), {T0})

        changed = (live - self.rotation_target()).filtered("elevation_ids")[-1]
        elevation = changed.elevation_ids.sorted("id")[0]
        self.sim.mutate("change_elevation", elevation=elevation.logikal_id, amount=42)
        run, calls = self.pass_at(30)
        self.assertIn(changed, run.project_ids)
        self.assertEqual(len(run.project_ids), 2, "the changed project and the rotation's share")
        self.assertEqual(calls["GET /elevations/selected/parts-list"], 1)
        self.assertEqual(elevation.amount, 42)
        self.assert_odoo_equals_simulator()
        self.assertEqual(self.backend.project_dates_state, "trusted")

    def test_trust_is_lost_on_the_first_violation_and_the_pass_reads_every_project(self):
        self.first_sync()
        self.sim.configure(bump_project_on_elevation_change=False)  # the server changed its ways
        target = self.rotation_target()
        elevation = target.elevation_ids.sorted("id")[0]
        self.sim.mutate("change_elevation", elevation=elevation.logikal_id, amount=7)
        hidden = (self.live() - target).filtered("elevation_ids")[0].elevation_ids.sorted("id")[0]
        self.sim.mutate("change_elevation", elevation=hidden.logikal_id, amount=8)
        run, calls = self.pass_at(15)
        self.assertEqual(self.backend.project_dates_state, "distrusted")
        self.assertIn(target.name, self.backend.project_dates_note)
        self.assertIn("does not date projects by their elevations", self.backend.project_dates_note)
        self.assertEqual(run.project_ids, self.live(), "trust lost: the same pass read every project")
        self.assertEqual(calls["GET /phases"], len(self.live()))
        self.assertEqual((elevation.amount, hidden.amount), (7, 8))
        self.assert_odoo_equals_simulator()

        run, calls = self.pass_at(30)
        self.assertEqual(run.project_ids, self.live(), "no skipping once distrusted")

    def test_an_edit_during_the_pass_is_no_violation(self):
        """The listing of a project edited after the pass listed it is read again before trust is dropped."""
        self.first_sync()
        target = self.rotation_target()
        elevation = target.elevation_ids.sorted("id")[0]
        original = engine_module.SyncEngine.sync_project

        def edit_then_sync(engine, project, **kwargs):
            if project == target:
                self.sim.mutate("change_elevation", elevation=elevation.logikal_id, amount=3)
            return original(engine, project, **kwargs)

        with patch.object(engine_module.SyncEngine, "sync_project", edit_then_sync):  # edit after the listing
            run, calls = self.pass_at(15)
        self.assertEqual(self.backend.project_dates_state, "trusted")
        self.assertEqual(run.project_ids, target)
        self.assertEqual(calls["GET /projects"], len(self.expected()["directories"]) + 1, "one listing again")
        self.assertEqual(elevation.amount, 3)
        self.assertEqual(target.logikal_changed_date.timestamp(), self.sim.dataset.clock)
        self.assertFalse(target.descended_fingerprint, "read again by the next pass: it moved during this one")

    def test_never_reads_every_project_and_a_new_mode_starts_afresh(self):
        self.first_sync()
        self.backend.project_trust = "never"
        self.assertEqual(self.backend.project_dates_state, "unknown")
        self.assertFalse(any(self.live().mapped("descended_fingerprint")))
        run, calls = self.pass_at(15)
        self.assertEqual(run.project_ids, self.live())
        self.assertEqual(calls.get("GET /projects", 0), 0, "nothing to skip: the project listing is not read")


@tagged("post_install", "-at_install")
class TestNoBumpServer(ChangeDetectionCase):
    bump = False

    def test_detected_on_the_first_descent_and_no_change_is_missed(self):
        self.first_sync()
        self.assertEqual(self.backend.project_dates_state, "distrusted")
        self.assertIn("does not date projects by their elevations", self.backend.project_dates_note)
        projects = {p.logikal_id: p.logikal_changed_date for p in self.live()}
        live = self.live().filtered("elevation_ids")
        edited = live[0].elevation_ids.sorted("id")[0]
        removed = live[1].elevation_ids.sorted("id")[-1]
        self.sim.mutate("change_elevation", elevation=edited.logikal_id, amount=5)
        self.sim.mutate("remove_elevation", elevation=removed.logikal_id)
        phase = live[2].phase_ids.sorted("sequence")[0]
        added = self.sim.mutate("add_elevation", project=live[2].logikal_id, phase=phase.logikal_id)
        unmoved = {p["id"]: p["changedDate"] for p in self.expected()["projects"]}
        self.assertEqual(
            {guid: unmoved[guid] for guid in projects}, {g: d.timestamp() for g, d in projects.items()}
        )  # no project date moved

        run, calls = self.pass_at(15)
        self.assertEqual(run.project_ids, self.live())
        self.assertEqual(calls["GET /phases"], len(self.live()))
        self.assertEqual(edited.amount, 5)
        self.assertFalse(removed.active)
        self.assertTrue(self.elevation(added["id"]).active)
        self.assert_odoo_equals_simulator()

    def test_always_trusts_dates_even_here(self):
        self.backend.project_trust = "always"
        self.first_sync()
        self.assertEqual(self.backend.project_dates_state, "distrusted")  # the evidence is still shown
        run, _calls = self.pass_at(15)
        self.assertEqual(len(run.project_ids), 1, "only the rotation's share")


@tagged("post_install", "-at_install")
class TestVerificationRotation(ChangeDetectionCase):
    dataset = "scale"

    def start_simulator(self, **options):
        dataset = generate_dataset("scale", projects=12, dirs=3, phases=1, elevations=1)
        sim = Simulator(dataset, username="odoo-sync", password="s3cret-Pa55word!", mode=self.mode, **options)
        sim.start()
        self.addCleanup(sim.stop)
        self.backend.url = sim.base_url
        return sim

    def test_every_project_is_verified_once_per_period_a_few_per_pass(self):
        self.backend.verification_hours = 1  # 4 passes of 15 min: ceil(12 / 4) = 3 projects a pass
        self.first_sync()
        passes = []
        for minutes in (15, 30, 45, 60):
            run, calls = self.pass_at(minutes)
            self.assertEqual(len(run.project_ids), 3, f"pass at +{minutes} min")
            # the first pass without downloads moves from a phase (not an elevation) to the next project: the
            # observed server refuses that select once, and the escape it needs is known from then on
            lesson = 1 if minutes == 15 else 0
            self.assertEqual((calls["GET /phases"], calls["POST /projects/select"]), (3, 3 + lesson), calls)
            passes.append(set(run.project_ids.ids))
        seen = [pid for ids in passes for pid in ids]
        self.assertEqual(sorted(seen), sorted(self.live().ids), "each project verified exactly once in the hour")
        self.assertTrue(all(d > T0 for d in self.live().mapped("last_descent_date")))
        run, _calls = self.pass_at(75)
        self.assertEqual(set(run.project_ids.ids), passes[0], "the rotation starts over with the longest unverified")


class MinimalWalkCase(ChangeDetectionCase):
    """The unchanged pass of each server kind against the calls its cursor rules require: the listings, the
    directory selects from where the walk ended to the rotation's project, that project's full read (no
    escape or refused select: the lessons of the first sync are kept), no download."""

    def assert_minimal_unchanged_pass(self):
        self.first_sync()
        target = self.rotation_target()
        walked = self.models("logikal.directory").search([("backend_id", "=", self.backend.id)])
        last = max(walked, key=lambda d: (d.last_sync_date, d.id))  # the walk's last listing
        run, calls = self.pass_at(15)
        self.assertEqual(run.project_ids, target)
        directories, phases = len(walked), len(target.phase_ids)
        moves = plan_selects(Cursor(last.path), Cursor(target.directory_id.path, target.logikal_id))
        minimal = {
            "POST /auth": 1,
            "DELETE /auth": 1,
            "GET /directories": 1 + directories,
            "POST /directories/select": directories + len(moves) - 1,
            "GET /projects": directories,
            "POST /projects/select": 1,
            "GET /phases": 1,
            "POST /phases/select": phases,
            "GET /elevations": phases,
        }
        self.assertEqual(calls, minimal)


@tagged("post_install", "-at_install")
class TestMinimalWalkLenient(MinimalWalkCase):
    mode = "lenient"

    def test_unchanged_pass_makes_only_the_calls_the_cursor_rules_require(self):
        self.assert_minimal_unchanged_pass()


@tagged("post_install", "-at_install")
class TestMinimalWalkObserved(MinimalWalkCase):
    mode = "observed"

    def test_unchanged_pass_makes_only_the_calls_the_cursor_rules_require(self):
        self.assert_minimal_unchanged_pass()


@tagged("post_install", "-at_install")
class TestMinimalWalkStrict(MinimalWalkCase):
    mode = "strict"

    def test_unchanged_pass_makes_only_the_calls_the_cursor_rules_require(self):
        self.assert_minimal_unchanged_pass()
