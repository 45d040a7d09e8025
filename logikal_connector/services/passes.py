"""A pass over object types (a scheduled pass, or 'Sync now' of some types) as `work(engine)` callables.

Words used here:
- a *pass* syncs the object types that are due (or asked for) on one connection; it may span several cron
  calls (it resumes where the last one stopped);
- its *lead* run lists the tree once (directories, projects), records the projects the pass must read in
  full (`planned_project_ids`) and the changed ones a cascade covers, then reads them one by one;
- *helper* runs (a connection with more parallel sessions) read projects of the same list beside the
  lead; each project is claimed with an advisory lock, so none is synced twice;
- to *descend* into a project is to read it in full (phases, elevations, files: `SyncEngine.sync_project`).
A project counts as done for the pass once it is in the `project_ids` of the lead or of one of its helpers,
which is also how a resumed run carries on where the last call stopped.
"""

import time

from odoo import fields

from ..logikal import planning
from . import locks, trust
from .engine import WalkResult

HELPER_POLL_SECONDS = 0.5


class TypePass:
    """`work(engine)` of a lead run whose `plan` is {"types": [...], "cascade": [...]}."""

    def __init__(self, scheduler, run):
        self.scheduler = scheduler
        self.run = run
        self.types = set(run.plan["types"])
        self.cascade = set(run.plan.get("cascade", ()))

    def __call__(self, engine):
        if not self.run.tree_done:
            self._list_tree(engine)
        sync_planned_projects(self.scheduler, engine, self.run, self.run, wait_for_helpers=True)
        self.scheduler.note_types_synced(
            self.types & planning.DESCENT_TYPES, engine.store.counts, backend=engine.backend
        )

    def _list_tree(self, engine):
        walk_types = self.types & planning.WALK_TYPES
        skipping = self._may_skip(engine)
        result = WalkResult()
        if walk_types or skipping:
            try:
                engine.walk(
                    with_projects=skipping or bool({"project"} & (self.types | self.cascade)),
                    result=result,
                    listed_since=(self.run.resumed_from_id or self.run).start_date,
                )
            finally:  # also when the budget ran out mid-walk: what changed is kept for the cascade
                changed = [result.projects[guid].id for guid in result.changed if guid in result.projects]
                self.run.write({"cascade_project_ids": [(4, pid) for pid in changed]})
        self.scheduler.note_types_synced(
            walk_types, engine.store.counts, complete=result.complete, backend=engine.backend
        )
        self.run.write({"tree_done": True, "planned_project_ids": [(6, 0, self._projects_to_read(engine).ids)]})
        engine.commit_unit()
        self.scheduler.wake_helpers(self.run)

    def _projects_to_read(self, engine):
        Project = engine.env["logikal.project"].sudo()
        projects = Project.browse()
        deep = self.types & planning.DESCENT_TYPES
        if deep and (self.run.trigger != "cron" or not self.scheduler.blocked(deep, engine.backend)):
            projects = _eligible(
                engine, Project.search(_live_domain(engine.backend), order="last_sync_date asc nulls first, id")
            )
            if self._may_skip(engine):
                projects -= self._skipped(engine, projects)
        if self.cascade & planning.DESCENT_TYPES:
            projects |= _eligible(engine, self.run.cascade_project_ids.filtered_domain(_live_domain(engine.backend)))
        return projects

    def _may_skip(self, engine):
        """A scheduled pass that reads projects in full may skip unchanged ones, where the connection allows."""
        full = planning.descent_flags(self.types & planning.DESCENT_TYPES) == (True, True)
        return self.run.trigger == "cron" and full and trust.may_skip(engine.backend)

    def _skipped(self, engine, eligible):
        """Projects this pass confirms from their listing alone, marked as read (last_sync_date); the
        verification rotation's share (the longest unverified first) is read in full all the same (trust.py)."""
        listed_since = (self.run.resumed_from_id or self.run).start_date
        unchanged = eligible.filtered(
            lambda p: (
                p.sync_state == "done"
                and p.descended_fingerprint == trust.fingerprint(p)
                and p.directory_id.last_sync_date
                and p.directory_id.last_sync_date >= listed_since
            )
        )
        share = planning.rotation_share(len(eligible), self._pass_minutes(), engine.backend.verification_hours)
        rotation = unchanged.sorted(lambda p: (p.last_descent_date or fields.Datetime.from_string("1970-01-01"), p.id))
        skipped = unchanged - rotation[:share]
        skipped.write({"last_sync_date": fields.Datetime.now()})
        return skipped

    def _pass_minutes(self):
        """How often this pass comes round: the shortest interval of the types it descends for."""
        deep = self.types & planning.DESCENT_TYPES
        minutes = [c.sync_interval_minutes for c in self.scheduler.configs() if c.object_type in deep]
        return min(minutes) if minutes else 15


def _live_domain(backend):
    """The connection's live projects in directories that are not excluded."""
    return [("backend_id", "=", backend.id), ("active", "=", True), ("directory_id.is_excluded", "=", False)]


def _eligible(engine, projects):
    """`projects` (in their order) that a pass syncs now: neither parked nor waiting for their retry."""
    return projects.filtered(engine.store.due_again)


def sync_planned_projects(scheduler, engine, lead, own_run, *, wait_for_helpers):
    """Sync the lead's planned projects not done yet, one claimed project at a time."""
    deep = set(lead.plan["types"]) & planning.DESCENT_TYPES
    deep_flags = planning.descent_flags(deep)
    cascade_flags = planning.descent_flags(deep | set(lead.plan.get("cascade", ())))
    cascading = set(lead.cascade_project_ids.ids)
    while True:
        project = scheduler.claim_project(lead)
        if not project:
            if wait_for_helpers and scheduler.projects_left(lead):
                time.sleep(HELPER_POLL_SECONDS)
                engine.commit_unit()
                continue
            return
        elevations, parts = cascade_flags if project.id in cascading else deep_flags
        engine.sync_project(project, elevations=elevations, parts=parts)
        own_run.write({"project_ids": [(4, project.id)]})
        if engine.trust_lost and not trust.may_skip(engine.backend):  # it skipped on dates this server does not keep
            engine.trust_lost = False
            eligible = _eligible(engine, project.search(_live_domain(engine.backend)))
            lead.write({"planned_project_ids": [(4, pid) for pid in eligible.ids]})
        engine.commit_unit()
        # Unlocked only after the project's last unit is committed. When the sync of the project is cut (budget
        # spent, session lost) the lock stays held until the runner has ended this transaction and the tick's
        # release_all() frees it: released earlier, another worker could claim the project and insert the
        # same rows before they are committed (a unique-key violation, seen with 3 workers).
        scheduler.locks.unlock(locks.PROJECT, project.id)
