"""One cron call of the smart scheduler: Force Sync requests first, then the scheduled pass, in a budget.

Words used here (a *pass*, its *lead* and *helper* runs: see passes.py):
- a *worker* is one cron job calling `tick()`: the smart-sync cron, plus up to 7 worker crons
  (`WORKER_CRONS`) kept active when a connection allows more than one LogiKal session;
- a *slot* is one of a connection's `parallel_sessions` LogiKal sessions: a worker works for a connection
  only while it holds one of its slots (an advisory lock), so no more sessions are ever open than allowed;
- the *lead* worker of a connection's scheduled pass holds its lead lock: it lists the tree and reads the
  planned projects; a worker that finds the lead lock taken and has a slot becomes a *helper*: it waits
  for the tree, then claims projects (*project* locks) from the same list in its own helper run.

Concurrency (several workers, several Odoo servers, one database), all on PostgreSQL advisory locks held
by the worker's connection (they vanish when a worker dies):
- the slots and the lead lock above;
- a *request key*: one worker at a time serves the Force Sync requests of one scope (duplicates coalesce);
- a *run* lock while a run is worked on: a running run whose heartbeat is old and whose lock nobody holds
  belongs to a dead worker; it is marked aborted and its work is continued by a new run.
Every commit goes through the `UnitOfWork` the cron entry point passes in (services/transaction.py); tests
and buttons pass none and nothing is committed.
"""

import dataclasses
import logging
import time
from datetime import timedelta

from odoo import fields
from odoo.tools import config as odoo_config

from ..logikal import planning
from . import locks, retention, sync_state, work
from .passes import TypePass, sync_planned_projects
from .runner import SyncRunner
from .settings import background_sync_enabled
from .transaction import UnitOfWork

_logger = logging.getLogger(__name__)

DEFAULT_BUDGET_SECONDS = 240
BUDGET_PARAM = "logikal_connector.cron_budget_seconds"
DEAD_AFTER = timedelta(minutes=5)
HELPER_WAIT_SECONDS = 30
PLANNING_KEY = 0
WORKER_CRONS = (  # workers 2..8: the smart-sync cron itself is the first
    "logikal_connector.ir_cron_smart_sync_worker",
    *(f"logikal_connector.ir_cron_smart_sync_worker_{n}" for n in range(3, 9)),
)


def worker_crons(env, count=None):
    """The first `count` worker cron records (those present; all of them by default)."""
    crons = env["ir.cron"].sudo().browse()
    for xml_id in WORKER_CRONS[: len(WORKER_CRONS) if count is None else max(count, 0)]:
        crons |= env.ref(xml_id, raise_if_not_found=False) or crons.browse()
    return crons


def sync_worker_crons(env):
    """Keep as many worker crons active as the most parallel connection needs (N sessions: N - 1 workers)."""
    backends = env["logikal.backend"].sudo().search([])
    wanted = max([b.parallel_sessions or 1 for b in backends] or [1]) - 1
    every = worker_crons(env)
    active = worker_crons(env, wanted)
    for cron in every:
        if cron.active != (cron in active):
            cron.try_write({"active": cron in active})


def budget_seconds(env):
    """Seconds one cron call may work: the system parameter, else 75 % of the cron time limit (max 240)."""
    value = env["ir.config_parameter"].sudo().get_param(BUDGET_PARAM)
    if value:
        return max(float(value), 0.1)
    limit = odoo_config.get("limit_time_real_cron")
    if limit is None or limit < 0:
        limit = odoo_config.get("limit_time_real")
    return min(DEFAULT_BUDGET_SECONDS, 0.75 * limit) if limit and limit > 0 else DEFAULT_BUDGET_SECONDS


class Scheduler:
    def __init__(self, env, *, transaction=None, budget=None):
        """`transaction`: a CronUnitOfWork on the cron path (each unit is committed); none elsewhere."""
        self.env = env(su=True)
        self.transaction = transaction or UnitOfWork()
        self.deadline = time.monotonic() + (budget if budget is not None else budget_seconds(self.env))
        self.locks = locks.AdvisoryLocks(self.env.cr)
        self.done = 0
        self.scheduled = background_sync_enabled(self.env)

    def has_time_left(self):
        return time.monotonic() < self.deadline

    def runner(self, backend):
        return SyncRunner(
            self.env,
            backend,
            transaction=self.transaction,
            deadline=self.deadline,
            on_heartbeat=self._progress,
        )

    def commit_and_reload(self):
        """Commit the unit (cron path) and forget cached values, so the next query sees what other workers
        committed."""
        self.transaction.commit_unit()
        self.env.invalidate_all()

    # ------------------------------------------------------------------ the cron call
    def tick(self):
        """One cron call. Returns (done, remaining) as reported to ir.cron."""
        try:
            self.abort_dead_runs()
            if self.scheduled:
                self.plan_passes()
            for backend in self.env["logikal.backend"].search([]):
                if self.has_time_left():
                    self._serve(backend)
            self.housekeeping()
        finally:
            self.locks.release_all()
            self.transaction.commit_unit()
        remaining = self.remaining()
        self._notify(remaining)
        return self.done, remaining

    def housekeeping(self):
        """After the work of the call (outside its budget): refuse requests of archived connections, purge."""
        sync_state.refuse_requests_of_archived_connections(self.env)
        retention.purge(self.env)

    def _serve(self, backend):
        slot = self.locks.acquire_slot(backend)
        if slot is None:
            return
        try:
            self.process_requests(backend)
            if self.scheduled and self.has_time_left():
                self.lead_or_help(backend)
        finally:
            self.locks.unlock(locks.SLOT, backend.id * locks.MAX_SLOTS + slot)

    def _progress(self):
        self.done += 1
        self._notify(1)

    def _notify(self, remaining):
        self.env["ir.cron"]._notify_progress(done=self.done, remaining=remaining)

    def remaining(self):
        """Requests waiting plus projects left in scheduled passes (what makes ir.cron call again soon)."""
        self.env.invalidate_all()
        count = self.env["logikal.sync.request"].search_count([("state", "in", ("queued", "running"))])
        if self.scheduled:
            for run in self._passes(self.env["logikal.backend"].search([])):
                count += max(1, self.projects_left(run)) if run.tree_done else 1  # a running pass still needs a call
        return count

    # ------------------------------------------------------------------ dead workers
    def abort_dead_runs(self):
        Run = self.env["logikal.sync.run"]
        dead = Run._abort_dead_runs(
            fields.Datetime.now() - DEAD_AFTER, is_alive=lambda run: self.locks.held_elsewhere(locks.RUN, run.id)
        )
        for run in dead:
            _logger.warning(
                "LogiKal sync run %s (%s) lost its worker; it is marked aborted and resumed", run.id, run.scope
            )
        if dead:
            self.commit_and_reload()
        return dead

    # ------------------------------------------------------------------ Force Sync requests
    def process_requests(self, backend):
        while self.has_time_left():
            request = self._claim_request(backend)
            if not request:
                return
            try:
                self._process_request(request)
            finally:
                self.locks.unlock(locks.KEY, request.key)

    def _claim_request(self, backend):
        Request = self.env["logikal.sync.request"]
        for request in Request.search(
            [("backend_id", "=", backend.id), ("state", "in", ("queued", "running"))], order="id"
        ):
            if self.locks.holds(locks.KEY, request.key) or not self.locks.try_lock(locks.KEY, request.key):
                continue
            self.commit_and_reload()  # a fresh snapshot now that the key is ours
            if request.state in ("queued", "running"):
                return request
            self.locks.unlock(locks.KEY, request.key)
        return None

    def _process_request(self, request):
        """Serve `request` (and its duplicates) in one run; the request rows are committed as running first and
        with their result at the end (cron path)."""
        group = request.search([("key", "=", request.key), ("state", "in", ("queued", "running"))])
        run = self._request_run(request)
        group.write({"state": "running", "run_id": run.id})
        request._target().write({"sync_state": "running"})
        self.locks.try_lock(locks.RUN, run.id)
        self.transaction.commit_unit()
        outcome = self.runner(request.backend_id).execute(run, self._request_work(run, request))
        self.locks.unlock(locks.RUN, run.id)
        if request.scope == "types" and outcome.state == "failed":
            self.note_types_failed(run, outcome)
        if outcome.resumable:
            return
        self._finish_requests(group, request, run, outcome)

    def _request_run(self, request):
        run = request.run_id
        if run.state == "running":
            return run
        if run.state == "aborted":
            return run._continue()
        types = _request_types(request)
        values = {"plan": self._types_plan(types)} if request.scope == "types" else {}
        return self.runner(request.backend_id).start(
            "manual" if request.scope == "types" else "force",
            _scope_label(request),
            types,
            request.requested_by_id,
            values=values,
        )

    def _request_work(self, run, request):
        if request.scope == "types":
            return TypePass(self, run)
        if request.scope == "directory":
            return work.directory(run, request.directory_id)
        if request.scope == "project":
            return work.project(run, request.project_id)
        if request.scope == "elevation":
            return work.elevation(run, request.elevation_id)
        return work.everything(run)

    def _finish_requests(self, group, request, run, outcome):
        """Write the result on the requests and their record, tell the requesters, commit (cron path)."""
        success = outcome.state in ("done", "partial")
        group.write(
            {
                "state": outcome.state if success else "failed",
                "done_date": fields.Datetime.now(),
                "message": _outcome_message(run, outcome),
            }
        )
        target = request._target()
        if target and not success:
            target.write({"sync_state": "failed", "sync_error": outcome.message})
        elif target and target.sync_state in ("queued", "running"):
            target.write({"sync_state": "done"})
        group._announce()
        self.done += 1
        self.transaction.commit_unit()

    # ------------------------------------------------------------------ scheduled passes
    def configs(self):
        return self.env["logikal.sync.config"].search([])

    def _types_plan(self, types):
        """The plan of a 'Sync now' of `types`: those types, in dependency order, and what they cascade to."""
        every = self.configs()._planning_configs()
        chosen = [dataclasses.replace(c, enabled=True, last_sync=None) for c in every if c.object_type in types]
        ordered = planning.plan(chosen, fields.Datetime.now()).types
        cascade = set().union(*(planning.cascade_types(every, t) for t in ordered)) - set(ordered)
        return {"types": list(ordered), "cascade": sorted(cascade)}

    def plan_passes(self):
        """When types are due and no pass is under way, start one pass per backend (one worker plans); the new
        runs are committed at once (cron path), so other workers see them."""
        if not self.locks.try_lock(locks.LEAD, PLANNING_KEY):
            return None
        try:
            self.commit_and_reload()
            backends = self.env["logikal.backend"].search([])
            if self._passes(backends) or self._continue_aborted(backends):
                return None
            runs = []
            for backend in backends:  # each connection's own last syncs decide what is due on it
                plan = sync_state.plan(self.env, backend, fields.Datetime.now())
                if not plan:
                    continue
                sync_state.note_attempt(self.env, backend, plan.types)
                values = {"plan": {"types": list(plan.types), "cascade": sorted(plan.cascade)}}
                runs.append(self.runner(backend).start("cron", "scheduled", plan.types, values=values))
            self.transaction.commit_unit()
            return runs or None
        finally:
            self.locks.unlock(locks.LEAD, PLANNING_KEY)

    def _passes(self, backends):
        return self.env["logikal.sync.run"].search(
            [
                ("backend_id", "in", backends.ids),
                ("trigger", "=", "cron"),
                ("parent_id", "=", False),
                ("state", "=", "running"),
            ]
        )

    def _continue_aborted(self, backends):
        """New runs continuing the scheduled passes of the last day whose worker died, committed (cron path)."""
        Run = self.env["logikal.sync.run"]
        aborted = Run.search(
            [
                ("backend_id", "in", backends.ids),
                ("trigger", "=", "cron"),
                ("parent_id", "=", False),
                ("state", "=", "aborted"),
                ("start_date", ">=", fields.Datetime.now() - timedelta(days=1)),
            ]
        )
        continued = Run.search([("resumed_from_id", "in", aborted.ids)]).resumed_from_id
        runs = [run._continue() for run in aborted - continued]
        self.transaction.commit_unit()
        return runs

    def lead_or_help(self, backend):
        if self.locks.try_lock(locks.LEAD, backend.id):
            try:
                self.commit_and_reload()
                run = self._passes(backend)[:1]
                if run:
                    self._lead(backend, run)
            finally:
                self.locks.unlock(locks.LEAD, backend.id)
        elif backend.parallel_sessions > 1:
            self._help(backend)

    def _lead(self, backend, run):
        self.locks.try_lock(locks.RUN, run.id)
        try:
            outcome = self.runner(backend).execute(run, TypePass(self, run))
        finally:
            self.locks.unlock(locks.RUN, run.id)
        if outcome.state == "failed":
            self.note_types_failed(run, outcome)

    def _help(self, backend):
        lead = self._wait_for_tree(backend)
        if not lead or not self._claimable(lead):
            return
        run = self.runner(backend).start(
            "cron", f"{lead.scope} (helper)", lead.plan["types"], values={"parent_id": lead.id, "plan": lead.plan}
        )
        self.locks.try_lock(locks.RUN, run.id)
        try:
            self.runner(backend).execute(
                run,
                lambda engine: sync_planned_projects(self, engine, lead, run, wait_for_helpers=False),
                resumable=False,
            )
        finally:
            self.locks.unlock(locks.RUN, run.id)

    def _wait_for_tree(self, backend):
        """The backend's pass once its tree is listed (helpers wait a little for the lead), or None."""
        until = min(self.deadline, time.monotonic() + HELPER_WAIT_SECONDS)
        while True:
            self.commit_and_reload()
            lead = self._passes(backend)[:1]
            if not lead or lead.tree_done or time.monotonic() >= until:
                return lead if lead and lead.tree_done else None
            time.sleep(0.2)

    def wake_helpers(self, run):
        """Once a pass has its project list, wake N - 1 worker crons so N sessions work on it (parallel N)."""
        if run.backend_id.parallel_sessions <= 1 or run.trigger != "cron":
            return
        for worker in worker_crons(self.env, run.backend_id.parallel_sessions - 1).filtered("active"):
            worker._trigger()

    def claim_project(self, lead):
        """The next planned project of the pass nobody did or is doing, locked for this worker; or None."""
        for project_id in self._open_projects(lead):
            if self.locks.holds(locks.PROJECT, project_id) or not self.locks.try_lock(locks.PROJECT, project_id):
                continue
            self.commit_and_reload()
            if project_id in self._open_projects(lead):
                return self.env["logikal.project"].browse(project_id)
            self.locks.unlock(locks.PROJECT, project_id)
        return None

    def _claimable(self, lead):
        """Whether a planned project is neither done nor being synced by another worker."""
        return any(not self.locks.held_elsewhere(locks.PROJECT, pid) for pid in self._open_projects(lead))

    def projects_left(self, lead):
        return len(self._open_projects(lead))

    def _open_projects(self, lead):
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT p.id FROM logikal_sync_run_planned_project_rel u
              JOIN logikal_project p ON p.id = u.project_id
             WHERE u.run_id = %(lead)s AND NOT EXISTS (
                   SELECT 1 FROM logikal_project_logikal_sync_run_rel d
                     JOIN logikal_sync_run r ON r.id = d.logikal_sync_run_id
                    WHERE d.logikal_project_id = p.id AND (r.id = %(lead)s OR r.parent_id = %(lead)s))
             ORDER BY p.last_sync_date ASC NULLS FIRST, p.id
        """,
            {"lead": lead.id},
        )
        return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------------ per-type bookkeeping
    def blocked(self, types, backend):
        """Types whose parent type is still stale on `backend` are skipped (noted on its status); returns them."""
        return set(sync_state.blocked(self.env, backend, types, fields.Datetime.now()))

    def note_types_synced(self, types, counts, complete=True, *, backend):
        """Record that `types` were synced now on `backend` (written with the unit that completed them)."""
        sync_state.note_synced(self.env, backend, types, counts, complete)

    def note_types_failed(self, run, outcome):
        """Record on the connection's status that the types of `run` failed, committed at once (cron path)."""
        sync_state.note_failure(self.env, run.backend_id, (run.plan or {}).get("types", []), outcome.message)
        self.transaction.commit_unit()


def _request_types(request):
    if request.scope == "types":
        return [t for t in (request.object_types or "").split(",") if t]
    return list(work.ALL_TYPES)


def _scope_label(request):
    if request.scope == "types":
        return f"types: {request.object_types}"
    target = request._target()
    return target.display_name if target else "everything"


def _outcome_message(run, outcome):
    text = (
        f"{run.scope}: {run.total_changes} changes, {run.total_failed} failures, "
        f"{run.api_calls} API calls, {run.logins} logins in {run.duration:.1f} s"
    )
    if outcome.state == "partial":
        first = (run.error_summary or "").split("\n", 1)[0]
        text = run.env._("Partial: %(what)s Errors lists them on the run (Sync Runs). %(text)s", what=first, text=text)
    return f"{text}. {outcome.message}" if outcome.message else text
